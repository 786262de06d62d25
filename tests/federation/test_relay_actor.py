"""The relay actor as served (api/activitypub/relay.py, federation/relay.py): made on first
use, an invisible Application with a key pair, its collections, its inbox, the ``relay``
flag, and all of it gone while ``instance_allow_relay`` is off. Relays followed, received
and sent to end to end: test_relays.py."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pyleroma.models import Account
from tests.conftest import BASE_URL

AP = {"Accept": "application/activity+json"}
RELAY = f"{BASE_URL}/relay"


async def test_the_relay_actor_is_made_once_and_served(client, db):
    response = await client.get("/relay", headers=AP)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/activity+json")
    assert "Accept" in response.headers["vary"]
    actor = response.json()
    assert actor["id"] == RELAY
    assert actor["type"] == "Application"
    assert actor["invisible"] is True
    assert actor["preferredUsername"] == "relay"
    assert actor["inbox"] == f"{RELAY}/inbox"
    assert actor["outbox"] == f"{RELAY}/outbox"
    assert actor["following"] == f"{RELAY}/following"
    assert actor["followers"] == f"{RELAY}/followers"
    assert actor["endpoints"]["sharedInbox"] == f"{BASE_URL}/inbox"
    assert actor["publicKey"]["id"] == f"{RELAY}#main-key"
    assert actor["publicKey"]["owner"] == RELAY
    assert "BEGIN PUBLIC KEY" in actor["publicKey"]["publicKeyPem"]
    assert "featured" not in actor
    again = (await client.get("/relay", headers={"Accept": "application/ld+json"})).json()
    assert again["publicKey"] == actor["publicKey"]
    async with db() as session:
        rows = await session.scalars(select(Account).where(Account.nickname_key == "relay"))
        [row] = rows.all()
    assert row.local and row.invisible and row.actor_type == "Application"
    assert row.ap_id == RELAY and row.private_key


async def test_a_browser_gets_no_actor(client):
    response = await client.get("/relay", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "Accept" in response.headers["vary"]


async def test_collections_and_outbox(client):
    following = (await client.get("/relay/following")).json()
    assert following["id"] == f"{RELAY}/following"
    assert following["totalItems"] == 0
    assert following["first"]["orderedItems"] == []
    followers = (await client.get("/relay/followers")).json()
    assert followers["id"] == f"{RELAY}/followers"
    outbox = (await client.get("/relay/outbox")).json()
    assert outbox == {
        "@context": outbox["@context"],
        "id": f"{RELAY}/outbox",
        "type": "OrderedCollection",
        "totalItems": 0,
        "orderedItems": [],
    }


async def test_the_inbox_takes_signed_deliveries_only(client):
    await client.get("/relay", headers=AP)
    response = await client.post(
        "/relay/inbox",
        content=b'{"type": "Follow", "actor": "https://relay.example/actor"}',
        headers={"Content-Type": "application/activity+json"},
    )
    assert response.status_code == 401
    assert "error" in response.json()


async def test_the_relay_actor_is_not_counted(client, factory):
    await factory.user("alice", discoverable=True)
    await client.get("/relay", headers=AP)
    instance = (await client.get("/api/v1/instance")).json()
    assert instance["stats"]["user_count"] == 1
    v2 = (await client.get("/api/v2/instance")).json()
    assert v2["usage"]["users"]["active_month"] <= 1
    nodeinfo = (await client.get("/nodeinfo/2.0.json")).json()
    assert nodeinfo["usage"]["users"]["total"] == 1
    assert [a["acct"] for a in (await client.get("/api/v1/directory")).json()] == ["alice"]
    assert (await client.get("/api/v1/accounts/search", params={"q": "relay"})).json() == []


async def test_the_relay_flag_is_advertised(client):
    for path in ("/nodeinfo/2.0.json", "/nodeinfo/2.1.json"):
        assert "relay" in (await client.get(path)).json()["metadata"]["features"]
    instance = (await client.get("/api/v1/instance")).json()
    assert "relay" in instance["pleroma"]["metadata"]["features"]


@pytest.mark.parametrize("settings_overrides", [{"instance_allow_relay": False}])
async def test_switched_off_nothing_answers(client, db):
    assert (await client.get("/relay", headers=AP)).status_code == 404
    for path in ("/relay/following", "/relay/followers", "/relay/outbox"):
        assert (await client.get(path)).status_code == 404
    assert (await client.post("/relay/inbox", content=b"{}")).status_code == 404
    for path in ("/nodeinfo/2.0.json", "/api/v1/instance"):
        document = (await client.get(path)).json()
        features = document.get("metadata", document.get("pleroma", {}).get("metadata"))
        assert "relay" not in features["features"]
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Account)) == 0
