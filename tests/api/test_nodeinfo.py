"""/.well-known/nodeinfo and /nodeinfo/{2.0,2.1}.json."""

from __future__ import annotations

import pytest

from pyleroma import VERSION_STRING, __version__
from pyleroma.services.instance.features import BASE_FEATURES
from tests.api.test_instance import remote_account

# nodeinfo's MRF transparency with no policy configured (docs/mrf.md).
NO_MRF = {
    "mrf_policies": ["NoOpPolicy"],
    "exclusions": False,
    "quarantined_instances": [],
    "quarantined_instances_info": {"quarantined_instances": {}},
}

METADATA_KEYS = {
    "nodeName",
    "nodeDescription",
    "private",
    "suggestions",
    "staffAccounts",
    "federation",
    "pollLimits",
    "postFormats",
    "uploadLimits",
    "fieldsLimits",
    "accountActivationRequired",
    "invitesEnabled",
    "mailerEnabled",
    "features",
    "restrictedNicknames",
    "skipThreadContainment",
    "publicTimelineVisibility",
    "federatedTimelineAvailable",
    "localBubbleInstances",  # Akkoma's; akkoma-fe needs the list (empty: no bubble timeline)
}


async def test_well_known_links_both_schemas(client):
    response = await client.get("/.well-known/nodeinfo")
    assert response.status_code == 200
    assert response.json() == {
        "links": [
            {
                "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
                "href": "http://pyleroma.test/nodeinfo/2.0.json",
            },
            {
                "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
                "href": "http://pyleroma.test/nodeinfo/2.1.json",
            },
        ]
    }


@pytest.mark.parametrize("version", ["2.0", "2.1"])
async def test_nodeinfo_document(client, app, version):
    settings = app.state.settings
    response = await client.get(f"/nodeinfo/{version}.json")
    assert response.status_code == 200
    content_type = response.headers["content-type"]
    assert content_type.startswith("application/json; ")
    assert f'profile="http://nodeinfo.diaspora.software/ns/schema/{version}#"' in content_type
    data = response.json()
    assert data["version"] == version
    # Pleroma's name, so that Pleroma clients enable Pleroma features; the real one in the
    # version string.
    assert data["software"]["name"] == "pleroma"
    assert data["software"]["version"] == VERSION_STRING
    # ActivityPub is the one protocol (test_advertised_claims.py ties it to what answers).
    assert data["protocols"] == ["activitypub"]
    assert data["services"] == {"inbound": [], "outbound": []}
    assert data["openRegistrations"] is True
    assert data["usage"] == {
        "users": {"total": 0, "activeMonth": 0, "activeHalfyear": 0},
        "localPosts": 0,
    }
    metadata = data["metadata"]
    assert set(metadata) >= METADATA_KEYS
    assert metadata["localBubbleInstances"] == []
    assert metadata["nodeName"] == settings.instance_name
    assert metadata["nodeDescription"] == settings.instance_description
    assert metadata["features"] == [*BASE_FEATURES, "relay", "pleroma:get:main/ostatus"]
    assert metadata["federation"] == {"enabled": True, **NO_MRF}
    assert metadata["postFormats"] == settings.allowed_post_formats
    assert metadata["restrictedNicknames"] == settings.reserved_nicknames
    assert metadata["uploadLimits"] == {
        "general": settings.max_upload_size,
        "avatar": settings.max_avatar_size,
        "banner": settings.max_banner_size,
        "background": settings.max_background_size,
    }
    assert metadata["fieldsLimits"] == {
        "maxFields": settings.max_account_fields,
        "maxRemoteFields": settings.max_remote_account_fields,
        "nameLength": settings.account_field_name_length,
        "valueLength": settings.account_field_value_length,
    }
    assert metadata["accountActivationRequired"] is False
    if version == "2.1":
        # No source_url configured: the archive the instance serves of its own code.
        assert data["software"]["repository"] == "http://pyleroma.test/pyleroma/source.tar.gz"
        assert "homepage" not in data["software"]
    else:
        assert set(data["software"]) == {"name", "version"}  # 2.0's schema allows no more


@pytest.mark.parametrize("settings_overrides", [{"nodeinfo_software_name": "pyleroma"}])
async def test_software_name_can_be_the_real_one(client):
    for version in ("2.0", "2.1"):
        software = (await client.get(f"/nodeinfo/{version}.json")).json()["software"]
        assert (software["name"], software["version"]) == ("pyleroma", __version__)


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "source_url": "https://code.example/pyleroma",
            "instance_short_description": "Plain short text",
            "federating": False,
            "account_activation_required": True,
            "mailer_enabled": True,
        }
    ],
)
async def test_configured_nodeinfo(client):
    v21 = (await client.get("/nodeinfo/2.1.json")).json()
    assert v21["software"]["repository"] == "https://code.example/pyleroma"
    assert v21["software"]["homepage"] == "https://code.example/pyleroma"
    assert v21["metadata"]["nodeDescription"] == "Plain short text"
    assert v21["metadata"]["federation"] == {"enabled": False, **NO_MRF}
    assert v21["protocols"] == []  # federating switched off: nothing claimed
    # ...nor the remote-follow page, which answers 404 then.
    assert "pleroma:get:main/ostatus" not in v21["metadata"]["features"]
    assert (await client.get("/main/ostatus", params={"nickname": "x"})).status_code == 404
    assert v21["metadata"]["accountActivationRequired"] is True
    assert v21["metadata"]["mailerEnabled"] is True
    v20 = (await client.get("/nodeinfo/2.0.json")).json()
    assert "repository" not in v20["software"]


async def test_usage_and_staff_follow_the_database(client, factory, db):
    admin = await factory.user("admin_one", is_admin=True)
    moderator = await factory.account("mod_one", is_moderator=True, statuses_count=4)
    await factory.account("plain", statuses_count=1)
    await factory.account("retired", is_admin=True, is_active=False)
    await remote_account(db, "remote_admin", "remote.example", is_admin=True, statuses_count=9)
    data = (await client.get("/nodeinfo/2.0.json")).json()
    assert data["usage"]["users"]["total"] == 3
    assert data["usage"]["users"]["activeMonth"] == 1  # only admin_one has a token
    assert data["usage"]["users"]["activeHalfyear"] == 1
    assert data["usage"]["localPosts"] == 5
    assert sorted(data["metadata"]["staffAccounts"]) == sorted(
        ["http://pyleroma.test/users/admin_one", moderator.ap_id]
    )
    assert admin.account.ap_id == "http://pyleroma.test/users/admin_one"


@pytest.mark.parametrize("path", ["/nodeinfo/1.0.json", "/nodeinfo/2.2.json", "/nodeinfo/x.json"])
async def test_unknown_schema_version_is_404(client, path):
    response = await client.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": "Nodeinfo schema version not handled"}


async def test_nodeinfo_without_json_suffix_is_404(client):
    response = await client.get("/nodeinfo/2.0")
    assert response.status_code == 404
    assert "error" in response.json()
