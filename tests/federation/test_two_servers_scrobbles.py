"""Scrobbles between two pyleroma servers, through the client API on both sides: alice on A
scrobbles with POST /api/v1/pleroma/scrobble; the Listen reaches B, where her follower bob
reads it with GET /api/v1/pleroma/accounts/:id/scrobbles, and a stranger on B sees only
the public one."""

from __future__ import annotations

from tests.federation.servers import settle
from tests.federation.test_two_servers import _follow, _resolve


async def test_b_reads_a_scrobble_posted_on_a(servers):
    a, b = servers
    alice = await a.user("alice")
    bob = await b.user("bob")
    carol = await b.user("carol")
    alice_on_b = await _follow(b, bob, a, "alice")

    public = await a.post(
        "/api/v1/pleroma/scrobble",
        alice,
        title="Metropolis",
        artist="Jeff Mills",
        album="Metropolis",
        length=240000,
        externalLink="https://example.org/metropolis",
    )
    assert public.status_code == 200, public.text
    private = await a.post(
        "/api/v1/pleroma/scrobble", alice, title="The Bells", visibility="private"
    )
    assert private.status_code == 200, private.text
    await settle(a, b)

    listed = await b.get(f"/api/v1/pleroma/accounts/{alice_on_b['id']}/scrobbles", bob)
    assert listed.status_code == 200, listed.text
    seen = listed.json()
    # Newest first by arrival; the two deliveries may arrive in either order.
    assert sorted(s["title"] for s in seen) == ["Metropolis", "The Bells"]
    [metropolis] = [s for s in seen if s["title"] == "Metropolis"]
    assert metropolis["account"]["id"] == alice_on_b["id"]
    assert metropolis["account"]["acct"] == a.handle("alice")
    assert (metropolis["artist"], metropolis["album"], metropolis["length"]) == (
        "Jeff Mills",
        "Metropolis",
        240000,
    )
    assert metropolis["externalLink"] == "https://example.org/metropolis"

    await _resolve(b, carol, a.handle("alice"))
    stranger = await b.get(f"/api/pleroma/accounts/{alice_on_b['id']}/scrobbles", carol)
    assert [s["title"] for s in stranger.json()] == ["Metropolis"]
