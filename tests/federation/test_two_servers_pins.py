"""Pins between two servers: a pin and an unpin on one server reach the followers' server
as an Add / Remove on the featured collection, and a profile opened there for the first
time shows the pins read from that collection."""

from __future__ import annotations

from tests.federation.servers import settle
from tests.federation.test_two_servers import _follow, _resolve


async def _pinned(server, user, account_id: str) -> list[str]:
    response = await server.get(f"/api/v1/accounts/{account_id}/statuses", user, pinned="true")
    assert response.status_code == 200, response.text
    return [status["uri"] for status in response.json()]


async def test_pins_and_unpins_reach_the_followers_server(servers):
    a, b = servers
    alice = await a.user("alice")
    carol = await a.user("carol")
    bob = await b.user("bob")
    bob_on_a = await _follow(a, alice, b, "bob")
    posted = await b.post("/api/v1/statuses", bob, status="pin me", visibility="public")
    assert posted.status_code == 200
    other = await b.post("/api/v1/statuses", bob, status="not pinned", visibility="public")
    assert other.status_code == 200
    await settle(a, b)
    assert await _pinned(a, alice, bob_on_a["id"]) == []

    pinned = await b.post(f"/api/v1/statuses/{posted.json()['id']}/pin", bob)
    assert pinned.status_code == 200, pinned.text
    await settle(a, b)
    assert await _pinned(a, alice, bob_on_a["id"]) == [posted.json()["uri"]]
    assert await _pinned(a, carol, bob_on_a["id"]) == [posted.json()["uri"]]

    unpinned = await b.post(f"/api/v1/statuses/{posted.json()['id']}/unpin", bob)
    assert unpinned.status_code == 200, unpinned.text
    await settle(a, b)
    assert await _pinned(a, alice, bob_on_a["id"]) == []


async def test_a_profile_resolved_for_the_first_time_shows_its_pins(servers):
    a, b = servers
    alice = await a.user("alice")
    dave = await b.user("dave")
    posted = await b.post("/api/v1/statuses", dave, status="my best post", visibility="public")
    assert (await b.post(f"/api/v1/statuses/{posted.json()['id']}/pin", dave)).status_code == 200
    await settle(a, b)  # no follower on a: nothing was delivered there

    dave_on_a = await _resolve(a, alice, b.handle("dave"))
    await settle(a, b)
    assert await _pinned(a, alice, dave_on_a["id"]) == [posted.json()["uri"]]
