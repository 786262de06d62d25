"""Admin API relays: GET/POST/DELETE /relay against relays on loopback (tests/federation/
relay_peer.py): end to end with a real server whose relay accepts and follows back, then
the answers, stored follows, moderation log and every refusal through the ASGI client."""

from __future__ import annotations

import orjson
import pytest
from aiohttp import web
from sqlalchemy import select

from pyleroma.federation.http_client import close_sessions
from pyleroma.models import Account, Follow
from tests.api.admin.access_relays import UNREACHABLE
from tests.api.admin.helpers import ADMIN_SCOPES, PREFIXES, admin, log_messages
from tests.conftest import BASE_URL, _create_pg_database
from tests.federation.loopback import LoopbackServer
from tests.federation.relay_peer import AS_TYPE, RelayPeer
from tests.federation.servers import settle, start_server, stop_server


@pytest.fixture
async def peers():
    started: list[LoopbackServer] = []

    async def start(server: LoopbackServer) -> LoopbackServer:
        started.append(await server.start())
        return started[-1]

    yield start
    for server in started:
        await server.stop()


class PersonPeer(LoopbackServer):
    """A host serving a user's actor (a Person): followable, but no relay."""

    host = "127.0.0.6"

    @property
    def actor_id(self) -> str:
        return f"{self.base}/users/bob"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.path != "/users/bob":
            return web.Response(status=404)
        document = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": self.actor_id,
            "type": "Person",
            "preferredUsername": "bob",
            "inbox": f"{self.base}/users/bob/inbox",
            "outbox": f"{self.base}/users/bob/outbox",
        }
        return web.Response(body=orjson.dumps(document), headers={"Content-Type": AS_TYPE})


def _url(peer: RelayPeer) -> str:
    return peer.actor_id if peer.kind == "litepub" else peer.inbox


async def _relay_follows(db) -> list[tuple[str, str]]:
    """(followed actor id, state) of every follow of the relay actor, as stored."""
    async with db() as session:
        relay_actor = await session.scalar(
            select(Account.id).where(Account.ap_id == f"{BASE_URL}/relay")
        )
        rows = await session.execute(
            select(Account.ap_id, Follow.state)
            .join(Follow, Follow.followed_id == Account.id)
            .where(Follow.follower_id == relay_actor)
        )
        return [tuple(row) for row in rows.all()]


# --- end to end: a real server, the relay accepts ------------------------------------------


@pytest.fixture
async def server(tmp_path, pg_database):
    url = ""
    if pg_database:
        url = f"{pg_database}_admin_relays"
        await _create_pg_database(url)
    started = await start_server("127.0.0.2", tmp_path / "server", url)
    try:
        yield started
    finally:
        await stop_server(started)
        await close_sessions()


async def _quiet(server, peer: RelayPeer) -> None:
    for _ in range(3):
        await settle(server)
        await peer.idle()
    await settle(server)


@pytest.mark.parametrize("kind", ["litepub", "mastodon"])
async def test_follow_and_unfollow_a_relay_end_to_end(server, peers, kind):
    peer = await peers(RelayPeer(kind=kind))
    boss = await server.user("boss", is_admin=True, scopes=ADMIN_SCOPES)
    url = _url(peer)
    followed = await server.post("/api/pleroma/admin/relay", boss, relay_url=url)
    assert followed.status_code == 200, followed.text
    assert followed.json()["actor"] == url
    await _quiet(server, peer)
    listed = await server.get("/api/v1/pleroma/admin/relay", boss)
    assert listed.json() == {"relays": [{"actor": url, "followed_back": True}]}
    assert peer.subscribers == {f"{server.base_url}/relay": f"{server.base_url}/inbox"}

    left = await server.http.request(
        "DELETE", "/api/pleroma/admin/relay", json={"relay_url": url}, headers=boss.headers
    )
    assert (left.status_code, left.json()) == (200, url)
    await _quiet(server, peer)
    assert peer.subscribers == {}
    assert peer.received_activities("Undo")
    listed = await server.get("/api/pleroma/admin/relay", boss)
    assert listed.json() == {"relays": []}
    log = await server.get("/api/pleroma/admin/moderation_log", boss)
    assert [item["message"] for item in log.json()["items"]] == [
        f"@boss unfollowed relay: {url}",
        f"@boss followed relay: {url}",
    ]


# --- through the ASGI client -----------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_follow_list_unfollow(client, factory, db, peers, prefix):
    boss = await admin(factory)
    peer = await peers(RelayPeer())
    assert (await client.get(f"{prefix}/relay", headers=boss.headers)).json() == {"relays": []}

    followed = await client.post(
        f"{prefix}/relay", json={"relay_url": f" {peer.actor_id} "}, headers=boss.headers
    )
    assert followed.status_code == 200, followed.text
    assert followed.json() == {"actor": peer.actor_id, "followed_back": False}
    assert await _relay_follows(db) == [(peer.actor_id, "pending")]
    listed = await client.get(f"{prefix}/relay", headers=boss.headers)
    assert listed.json() == {"relays": [{"actor": peer.actor_id, "followed_back": False}]}

    again = await client.post(
        f"{prefix}/relay", json={"relay_url": peer.actor_id}, headers=boss.headers
    )
    assert again.status_code == 409 and "already following" in again.json()["error"]

    left = await client.request(
        "DELETE", f"{prefix}/relay", json={"relay_url": peer.actor_id}, headers=boss.headers
    )
    assert (left.status_code, left.json()) == (200, peer.actor_id)
    assert await _relay_follows(db) == []
    assert (await client.get(f"{prefix}/relay", headers=boss.headers)).json() == {"relays": []}
    gone = await client.request(
        "DELETE", f"{prefix}/relay", json={"relay_url": peer.actor_id}, headers=boss.headers
    )
    assert gone.status_code == 404 and "not following a relay" in gone.json()["error"]
    assert await log_messages(client, boss) == [
        f"@boss unfollowed relay: {peer.actor_id}",
        f"@boss followed relay: {peer.actor_id}",
    ]


async def test_an_accepted_relay_is_followed_back(client, factory, db, peers):
    """Pleroma's ``followed_back``: true once the relay accepted (the end-to-end test sees
    the relay do it; here the Accept's effect is stored directly)."""
    boss = await admin(factory)
    peer = await peers(RelayPeer(kind="mastodon"))
    form = await client.post(
        "/api/pleroma/admin/relay", data={"relay_url": peer.inbox}, headers=boss.headers
    )
    assert form.json() == {"actor": peer.inbox, "followed_back": False}
    async with db() as session:
        follow = await session.scalar(select(Follow).order_by(Follow.id.desc()))
        follow.state = "accepted"
        await session.commit()
    listed = await client.get("/api/pleroma/admin/relay", headers=boss.headers)
    assert listed.json() == {"relays": [{"actor": peer.inbox, "followed_back": True}]}
    # Left by the URL it was followed with, or by the relay's actor id.
    left = await client.request(
        "DELETE",
        "/api/pleroma/admin/relay",
        json={"relay_url": peer.actor_id, "force": True},
        headers=boss.headers,
    )
    assert (left.status_code, left.json()) == (200, peer.actor_id)
    assert await _relay_follows(db) == []


async def test_urls_that_lead_to_no_relay_are_refused(client, factory, db, peers):
    boss = await admin(factory)
    person = await peers(PersonPeer())
    cases = [
        (UNREACHABLE, 422, f"could not fetch the relay at {UNREACHABLE}"),
        (person.actor_id, 422, f"{person.actor_id} is not a relay"),
        (f"{person.base}/inbox", 422, f"could not fetch the relay at {person.base}/actor"),
        ("not a url", 400, "not an http(s) URL"),
        ("ftp://relay.example/actor", 400, "not an http(s) URL"),
        (f"{BASE_URL}/relay", 400, "is on this instance, not a relay"),
        ("   ", 422, "relay_url: can't be blank"),
    ]
    for url, status, message in cases:
        response = await client.post(
            "/api/pleroma/admin/relay", json={"relay_url": url}, headers=boss.headers
        )
        assert response.status_code == status, (url, response.text)
        assert message in response.json()["error"], (url, response.text)
    missing = await client.post("/api/pleroma/admin/relay", json={}, headers=boss.headers)
    assert (missing.status_code, missing.json()) == (422, {"error": "relay_url: can't be blank"})
    wrong = await client.post(
        "/api/pleroma/admin/relay", json={"relay_url": ["x"]}, headers=boss.headers
    )
    assert wrong.status_code == 422
    bad_force = await client.request(
        "DELETE",
        "/api/pleroma/admin/relay",
        json={"relay_url": UNREACHABLE, "force": "perhaps"},
        headers=boss.headers,
    )
    assert (bad_force.status_code, bad_force.json()) == (
        422,
        {"error": "force: must be a boolean"},
    )
    assert await _relay_follows(db) == []
    assert (await client.get("/api/pleroma/admin/relay", headers=boss.headers)).json() == {
        "relays": []
    }
    assert await log_messages(client, boss) == []


@pytest.mark.parametrize("settings_overrides", [{"instance_allow_relay": False}])
async def test_relays_switched_off(client, factory, peers):
    boss = await admin(factory)
    peer = await peers(RelayPeer())
    response = await client.post(
        "/api/pleroma/admin/relay", json={"relay_url": peer.actor_id}, headers=boss.headers
    )
    assert response.status_code == 403
    assert "relays are switched off" in response.json()["error"]
    listed = await client.get("/api/pleroma/admin/relay", headers=boss.headers)
    assert listed.json() == {"relays": []}
    assert await log_messages(client, boss) == []
