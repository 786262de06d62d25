"""GET /api/v1/instance, /api/v2/instance and /api/v1/instance/peers."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import update

from pyleroma import VERSION_STRING
from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.models import Account, OAuthToken
from pyleroma.services.instance.features import BASE_FEATURES

# nodeinfo's MRF transparency with no policy configured (docs/mrf.md).
NO_MRF = {
    "mrf_policies": ["NoOpPolicy"],
    "exclusions": False,
    "quarantined_instances": [],
    "quarantined_instances_info": {"quarantined_instances": {}},
}

# What Pleroma clients (Pleroma-FE, Soapbox, megalodon, Tusky, Mastodon.py) read from v1.
V1_KEYS = {
    "uri",
    "title",
    "description",
    "short_description",
    "version",
    "urls",
    "stats",
    "thumbnail",
    "languages",
    "registrations",
    "approval_required",
    "invites_enabled",
    "max_toot_chars",
    "max_media_attachments",
    "poll_limits",
    "upload_limit",
    "avatar_upload_limit",
    "background_upload_limit",
    "banner_upload_limit",
    "background_image",
    "description_limit",
    "configuration",
    "contact_account",
    "rules",
    "pleroma",
}
V2_KEYS = {
    "domain",
    "title",
    "version",
    "source_url",
    "description",
    "usage",
    "thumbnail",
    "languages",
    "configuration",
    "registrations",
    "contact",
    "rules",
    "pleroma",
}
PLEROMA_METADATA_KEYS = {
    "account_activation_required",
    "features",
    "federation",
    "fields_limits",
    "post_formats",
    "birthday_required",
    "birthday_min_age",
    "restrict_unauthenticated",
}


async def remote_account(db, nickname: str, domain: str, **fields) -> Account:
    async with db() as session:
        account = Account(
            id=new_id(),
            nickname=f"{nickname}@{domain}",
            nickname_key=f"{nickname}@{domain}".lower(),
            domain=domain,
            local=False,
            ap_id=f"https://{domain}/users/{nickname}",
            fields=[],
            also_known_as=[],
            tags=[],
            settings_store={},
            **fields,
        )
        session.add(account)
        await session.commit()
        return account


async def test_v1_shape_and_values_come_from_settings(client, app):
    settings = app.state.settings
    response = await client.get("/api/v1/instance")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    data = response.json()
    assert set(data) >= V1_KEYS
    assert data["uri"] == "pyleroma.test"
    assert data["title"] == settings.instance_name
    assert data["description"] == settings.instance_description
    # No short description configured: the description stands in, as in Pleroma.
    assert data["short_description"] == settings.instance_description
    assert data["version"] == VERSION_STRING
    assert re.match(r"^\d+\.\d+\.\d+ ", data["version"])
    assert data["urls"] == {"streaming_api": "ws://pyleroma.test"}
    assert data["thumbnail"] == "http://pyleroma.test/images/banner.png"
    assert data["languages"] == ["en"]
    assert data["max_toot_chars"] == settings.max_status_chars
    assert data["upload_limit"] == settings.max_upload_size
    assert data["avatar_upload_limit"] == settings.max_avatar_size
    assert data["banner_upload_limit"] == settings.max_banner_size
    assert data["background_upload_limit"] == settings.max_background_size
    assert data["poll_limits"] == {
        "max_options": settings.poll_max_options,
        "max_option_chars": settings.poll_max_option_chars,
        "min_expiration": settings.poll_min_expiration,
        "max_expiration": settings.poll_max_expiration,
    }
    config = data["configuration"]
    assert config["statuses"] == {
        "max_characters": settings.max_status_chars,
        "max_media_attachments": settings.max_media_attachments,
        "characters_reserved_per_url": 0,
    }
    assert config["accounts"] == {
        "max_featured_tags": 0,
        "max_pinned_statuses": settings.max_pinned_statuses,
    }
    assert config["media_attachments"]["image_size_limit"] == settings.max_upload_size
    assert config["polls"]["max_options"] == settings.poll_max_options
    assert data["rules"] == [] and data["contact_account"] is None
    pleroma = data["pleroma"]
    assert set(pleroma["metadata"]) >= PLEROMA_METADATA_KEYS
    assert pleroma["metadata"]["features"] == [*BASE_FEATURES, "relay", "pleroma:get:main/ostatus"]
    assert pleroma["metadata"]["federation"] == {"enabled": True, **NO_MRF}
    assert pleroma["metadata"]["fields_limits"] == {
        "max_fields": settings.max_account_fields,
        "max_remote_fields": settings.max_remote_account_fields,
        "name_length": settings.account_field_name_length,
        "value_length": settings.account_field_value_length,
    }
    assert pleroma["metadata"]["post_formats"] == settings.allowed_post_formats
    assert set(pleroma) >= {"stats", "vapid_public_key"}
    assert pleroma["stats"] == {"mau": 0}


async def test_v2_shape(client, app):
    settings = app.state.settings
    response = await client.get("/api/v2/instance")
    assert response.status_code == 200
    data = response.json()
    assert set(data) >= V2_KEYS
    assert data["domain"] == "pyleroma.test"
    assert data["version"] == VERSION_STRING
    assert data["thumbnail"] == {"url": "http://pyleroma.test/images/banner.png"}
    assert data["usage"] == {"users": {"active_month": 0}}
    config = data["configuration"]
    assert config["urls"]["streaming"] == "ws://pyleroma.test"
    assert config["translation"] == {"enabled": False}
    assert config["statuses"]["max_characters"] == settings.max_status_chars
    assert config["accounts"]["max_pinned_statuses"] == settings.max_pinned_statuses
    assert set(config) >= {"accounts", "statuses", "media_attachments", "polls"}
    assert data["registrations"] == {
        "enabled": True,
        "approval_required": False,
        "message": None,
        "url": None,
    }
    # No email configured: left out rather than "" (which is not an address); no admin yet.
    assert data["contact"] == {"account": None}
    # Unset source_url: the archive of the running code, served by the instance itself.
    assert data["source_url"] == "http://pyleroma.test/pyleroma/source.tar.gz"
    metadata = data["pleroma"]["metadata"]
    assert set(metadata) >= PLEROMA_METADATA_KEYS
    assert metadata["features"] == [*BASE_FEATURES, "relay", "pleroma:get:main/ostatus"]
    assert metadata["avatar_upload_limit"] == settings.max_avatar_size


async def test_stats_follow_the_database(client, factory, db):
    async def stats():
        return (await client.get("/api/v1/instance")).json()["stats"]

    assert await stats() == {"user_count": 0, "status_count": 0, "domain_count": 0}
    await factory.account("alice", statuses_count=3)
    await factory.account("bob", statuses_count=2)
    assert await stats() == {"user_count": 2, "status_count": 5, "domain_count": 0}
    # Deactivated local accounts are not users; remote accounts count as domains only.
    await factory.account("gone", is_active=False)
    await remote_account(db, "carol", "remote.example", statuses_count=40)
    await remote_account(db, "dave", "remote.example")
    await remote_account(db, "erin", "other.example")
    assert await stats() == {"user_count": 2, "status_count": 5, "domain_count": 2}


async def test_active_users_counted_from_sign_ins_and_posts(client, factory, db):
    await factory.user("signed_in")  # a token issued just now
    await factory.account("idle")  # no token, never posted
    await factory.account("poster", last_status_at=utcnow() - dt.timedelta(days=3))
    old = await factory.user("old")
    async with db() as session:
        await session.execute(
            update(OAuthToken)
            .where(OAuthToken.account_id == old.account.id)
            .values(created_at=utcnow() - dt.timedelta(days=60))
        )
        await session.commit()
    v1 = (await client.get("/api/v1/instance")).json()
    v2 = (await client.get("/api/v2/instance")).json()
    assert v1["stats"]["user_count"] == 4
    assert v1["pleroma"]["stats"]["mau"] == 2
    assert v2["usage"]["users"]["active_month"] == 2
    assert v2["pleroma"]["stats"]["mau"] == 2


@pytest.mark.parametrize(
    ("settings_overrides", "expected"),
    [
        ({"registrations": "open"}, (True, False, False)),
        ({"registrations": "approval"}, (True, True, False)),
        ({"registrations": "invite"}, (False, False, True)),
        ({"registrations": "closed"}, (False, False, False)),
    ],
)
async def test_registration_modes(client, expected):
    is_open, approval, invites = expected
    v1 = (await client.get("/api/v1/instance")).json()
    assert (v1["registrations"], v1["approval_required"], v1["invites_enabled"]) == expected
    v2 = (await client.get("/api/v2/instance")).json()
    assert v2["registrations"]["enabled"] is is_open
    assert v2["registrations"]["approval_required"] is approval
    node = (await client.get("/nodeinfo/2.0.json")).json()
    assert node["openRegistrations"] is is_open
    assert node["metadata"]["invitesEnabled"] is invites


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "base_url": "https://social.example",
            "instance_name": "Example Social",
            "instance_description": "<p>A long description</p>",
            "instance_short_description": "Short",
            "instance_email": "admin@social.example",
            "instance_thumbnail": "https://cdn.example/thumb.png",
            "instance_languages": ["en", "fr"],
            "instance_contact_username": "@Boss",
            "max_status_chars": 777,
            "federating": False,
            "account_activation_required": True,
            "restrict_unauthenticated_profiles": True,
            "source_url": "https://code.example/pyleroma",
        }
    ],
)
async def test_configured_instance(client, factory):
    admin = await factory.account("boss", is_admin=True, display_name="The Boss")
    v1 = (await client.get("/api/v1/instance")).json()
    assert v1["uri"] == "social.example"
    assert v1["title"] == "Example Social"
    assert v1["description"] == "<p>A long description</p>"
    assert v1["short_description"] == "Short"
    assert v1["email"] == "admin@social.example"
    assert v1["thumbnail"] == "https://cdn.example/thumb.png"
    assert v1["languages"] == ["en", "fr"]
    assert v1["urls"]["streaming_api"] == "wss://social.example"
    assert v1["max_toot_chars"] == 777
    assert v1["configuration"]["statuses"]["max_characters"] == 777
    assert v1["contact_account"]["id"] == str(admin.id)
    assert v1["contact_account"]["username"] == "boss"
    metadata = v1["pleroma"]["metadata"]
    assert metadata["federation"] == {"enabled": False, **NO_MRF}
    assert metadata["account_activation_required"] is True
    assert metadata["restrict_unauthenticated"]["profiles"] == {"local": True, "remote": True}
    v2 = (await client.get("/api/v2/instance")).json()
    assert v2["description"] == "Short"
    assert v2["source_url"] == "https://code.example/pyleroma"
    assert v2["contact"]["account"]["id"] == str(admin.id)
    assert v2["contact"]["email"] == "admin@social.example"
    assert v2["configuration"]["urls"]["streaming"] == "wss://social.example"


async def test_contact_defaults_to_the_first_active_admin(client, factory):
    v1 = (await client.get("/api/v1/instance")).json()
    assert v1["contact_account"] is None
    assert "email" not in v1
    await factory.account("plain")
    await factory.account("retired", is_admin=True, is_active=False)
    first = await factory.account("first_admin", is_admin=True)
    await factory.account("second_admin", is_admin=True)
    v1 = (await client.get("/api/v1/instance")).json()
    assert v1["contact_account"]["id"] == str(first.id)
    assert v1["contact_account"]["username"] == "first_admin"
    v2 = (await client.get("/api/v2/instance")).json()
    assert v2["contact"] == {"account": v1["contact_account"]}


@pytest.mark.parametrize("settings_overrides", [{"instance_contact_username": "nobody"}])
async def test_missing_or_deactivated_contact_is_null(client, factory):
    # A named contact that does not resolve is not replaced by somebody else.
    await factory.account("an_admin", is_admin=True)
    assert (await client.get("/api/v1/instance")).json()["contact_account"] is None
    await factory.account("nobody", is_active=False)
    assert (await client.get("/api/v1/instance")).json()["contact_account"] is None
    assert (await client.get("/api/v2/instance")).json()["contact"]["account"] is None


async def test_instance_is_public_and_ignores_credentials(client, factory):
    user = await factory.user("alice")
    anonymous = await client.get("/api/v1/instance")
    with_token = await client.get("/api/v1/instance", headers=user.headers)
    assert anonymous.status_code == with_token.status_code == 200
    assert anonymous.json()["stats"] == with_token.json()["stats"]
    # Pleroma skips authentication here: a stale token must not lock clients out.
    stale = await client.get("/api/v2/instance", headers={"Authorization": "Bearer nope"})
    assert stale.status_code == 200


async def test_wrong_method_is_a_json_405(client):
    response = await client.post("/api/v1/instance")
    assert response.status_code == 405
    assert "error" in response.json()


async def test_peers_lists_known_remote_domains(client, factory, db):
    assert (await client.get("/api/v1/instance/peers")).json() == []
    await factory.account("local_one")
    await remote_account(db, "a", "zeta.example")
    await remote_account(db, "b", "alpha.example")
    await remote_account(db, "c", "zeta.example")
    response = await client.get("/api/v1/instance/peers")
    assert response.status_code == 200
    assert response.json() == ["alpha.example", "zeta.example"]
