"""/.well-known/webfinger (JRD and XRD) and /.well-known/host-meta."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.api.test_instance import remote_account


@pytest.fixture(autouse=True)
def federation_built(monkeypatch):
    """These tests pin the answers WebFinger gives once federation exists (its actors answer):
    until then it is a 404 (tests/api/test_advertised_claims.py checks that)."""
    monkeypatch.setattr("pyleroma.services.instance.features.FEDERATION_AVAILABLE", True)


XRD = "{http://docs.oasis-open.org/ns/xri/xrd-1.0}"
AS_LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


def expected_links(nickname: str) -> list[dict]:
    actor = f"http://pyleroma.test/users/{nickname}"
    return [
        {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": actor},
        {"rel": "self", "type": "application/activity+json", "href": actor},
        {"rel": "self", "type": AS_LD, "href": actor},
        {
            "rel": "http://ostatus.org/schema/1.0/subscribe",
            "template": "http://pyleroma.test/ostatus_subscribe?acct={uri}",
        },
    ]


async def finger(client, resource, **kwargs):
    return await client.get("/.well-known/webfinger", params={"resource": resource}, **kwargs)


async def test_jrd_for_acct_resource(client, factory):
    await factory.account("alice")
    response = await finger(client, "acct:alice@pyleroma.test")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jrd+json")
    assert response.json() == {
        "subject": "acct:alice@pyleroma.test",
        "aliases": ["http://pyleroma.test/users/alice"],
        "links": expected_links("alice"),
    }


@pytest.mark.parametrize(
    "resource",
    [
        "alice@pyleroma.test",
        "@alice@pyleroma.test",
        "acct:ALICE@PyLeroma.Test",
        "ACCT:alice@pyleroma.test",
        "http://pyleroma.test/users/alice",
        "https://pyleroma.test/users/alice",
        "http://pyleroma.test/@alice",
    ],
)
async def test_other_resource_spellings_find_the_account(client, factory, resource):
    await factory.account("Alice")
    response = await finger(client, resource)
    assert response.status_code == 200, response.text
    # The subject always names the account as stored, on our domain.
    assert response.json()["subject"] == "acct:Alice@pyleroma.test"
    assert response.json()["aliases"] == ["http://pyleroma.test/users/Alice"]


@pytest.mark.parametrize(
    ("headers", "params"),
    [
        ({"Accept": "application/xrd+xml"}, {}),
        ({"Accept": "application/xrd+xml,application/jrd+json"}, {}),
        ({"Accept": "application/jrd+json;q=0.5, application/xml"}, {}),
        ({}, {"format": "xml"}),
    ],
)
async def test_xrd_when_asked_for(client, factory, headers, params):
    await factory.account("alice")
    response = await client.get(
        "/.well-known/webfinger",
        params={"resource": "acct:alice@pyleroma.test", **params},
        headers=headers,
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xrd+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{XRD}XRD"
    assert root.find(f"{XRD}Subject").text == "acct:alice@pyleroma.test"
    assert [a.text for a in root.findall(f"{XRD}Alias")] == ["http://pyleroma.test/users/alice"]
    links = [dict(link.attrib) for link in root.findall(f"{XRD}Link")]
    assert links == expected_links("alice")


@pytest.mark.parametrize(
    "accept", ["application/jrd+json", "application/json", "*/*", "text/html", "bogus;q=x"]
)
async def test_json_by_default(client, factory, accept):
    await factory.account("alice")
    response = await finger(client, "acct:alice@pyleroma.test", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jrd+json")
    assert response.json()["subject"] == "acct:alice@pyleroma.test"


@pytest.mark.parametrize(
    "resource",
    [
        "acct:nobody@pyleroma.test",
        "acct:alice@other.example",
        "acct:alice@pyleroma.test:8080",
        "https://other.example/users/alice",
        "http://pyleroma.test/notice/alice",
        "http://pyleroma.test/users/alice/followers",
        "http://pyleroma.test/users/alice?x=1",
    ],
)
async def test_unknown_users_and_other_domains_are_404(client, factory, resource):
    await factory.account("alice")
    response = await finger(client, resource)
    assert response.status_code == 404
    assert response.json() == {"error": "Couldn't find user"}


async def test_deactivated_and_remote_accounts_are_404(client, factory, db):
    await factory.account("gone", is_active=False)
    await remote_account(db, "bob", "remote.example")
    for resource in (
        "acct:gone@pyleroma.test",
        "http://pyleroma.test/users/gone",
        "acct:bob@remote.example",
        "https://remote.example/users/bob",
        "acct:bob@pyleroma.test",
    ):
        response = await finger(client, resource)
        assert response.status_code == 404, resource
    xml = await finger(client, "acct:gone@pyleroma.test", headers={"Accept": "application/xrd+xml"})
    assert xml.status_code == 404


async def test_missing_resource_is_400(client):
    response = await client.get("/.well-known/webfinger")
    assert response.status_code == 400
    assert response.json() == {"error": "resource: is required"}


@pytest.mark.parametrize(
    "resource",
    [
        "",
        "   ",
        "acct:",
        "acct:alice",
        "alice",
        "acct:@pyleroma.test",
        "mailto:alice@pyleroma.test",
    ],
)
async def test_malformed_resource_is_400(client, factory, resource):
    await factory.account("alice")
    response = await finger(client, resource)
    assert response.status_code == 400
    assert response.json()["error"].startswith("resource: ")


async def test_resource_given_as_a_list_is_422(client):
    response = await client.get("/.well-known/webfinger?resource[]=acct:a@pyleroma.test")
    assert response.status_code == 422
    assert response.json() == {"error": "resource: must be a string"}


async def test_host_meta_points_at_webfinger(client):
    response = await client.get("/.well-known/host-meta")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xrd+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{XRD}XRD"
    (link,) = root.findall(f"{XRD}Link")
    assert link.attrib == {
        "rel": "lrdd",
        "type": "application/xrd+xml",
        "template": "http://pyleroma.test/.well-known/webfinger?resource={uri}",
    }


async def test_template_from_host_meta_resolves(client, factory):
    """What a remote server does: read the LRDD template, fill it in, fetch the JRD."""
    await factory.account("alice")
    root = ET.fromstring((await client.get("/.well-known/host-meta")).content)
    template = root.find(f"{XRD}Link").attrib["template"]
    response = await client.get(template.replace("{uri}", "acct%3Aalice%40pyleroma.test"))
    assert response.status_code == 200
    assert response.json()["subject"] == "acct:alice@pyleroma.test"


@pytest.mark.parametrize("settings_overrides", [{"federating": False}])
async def test_not_served_when_not_federating(client, factory):
    await factory.account("alice")
    assert (await finger(client, "acct:alice@pyleroma.test")).status_code == 404
    assert (await client.get("/.well-known/host-meta")).status_code == 404
    # Nodeinfo still describes the instance.
    assert (await client.get("/.well-known/nodeinfo")).status_code == 200


@pytest.mark.parametrize("settings_overrides", [{"base_url": "http://127.0.0.2:4001"}])
async def test_domain_with_port(client, factory):
    await factory.account("alice")
    response = await finger(client, "acct:alice@127.0.0.2:4001")
    assert response.status_code == 200
    assert response.json()["subject"] == "acct:alice@127.0.0.2:4001"
    assert response.json()["aliases"] == ["http://127.0.0.2:4001/users/alice"]
    by_url = await finger(client, "http://127.0.0.2:4001/users/alice")
    assert by_url.status_code == 200
    assert (await finger(client, "acct:alice@127.0.0.2")).status_code == 404
