"""Move across two pyleroma servers on loopback: an account on one moves to an account on
the other, and the followers on both sides end up following the new one; a Move the
target does not vouch for is refused on arrival."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.errors import Unprocessable
from pyleroma.federation.delivery import DELIVER_JOB, DELIVER_QUEUE
from pyleroma.jobs.queue import enqueue
from pyleroma.models import Account, Job
from pyleroma.services.accounts.move import move_account
from tests.federation.servers import Server, settle
from tests.federation.test_two_servers import _follow, _notifications, _relationship, _resolve


async def _move(server: Server, user, target: str):
    async with server.app.state.sessionmaker() as session:
        account = await session.get(Account, user.account.id)
        return await move_account(session, server.app.state.settings, account, target)


async def _accts(server: Server, user, path: str) -> list[str]:
    response = await server.get(path, user)
    assert response.status_code == 200, response.text
    return sorted(a["acct"] for a in response.json())


async def test_moving_to_an_account_on_another_server(servers):
    a, b = servers
    alice = await a.user("alice")
    carol = await a.user("carol")
    bob = await b.user("bob")
    alice_ap_id = f"{a.base_url}/users/alice"
    new = await b.user("alice2", also_known_as=[alice_ap_id])

    assert (await a.post(f"/api/v1/accounts/{alice.id}/follow", carol)).status_code == 200
    await _follow(b, bob, a, "alice")

    # Refused first: the target does not list alice yet; nothing is sent.
    await b.user("stranger")
    with pytest.raises(Unprocessable, match="alsoKnownAs"):
        await _move(a, alice, b.handle("stranger"))
    async with a.app.state.sessionmaker() as session:
        jobs = (await session.scalars(select(Job).where(Job.kind == DELIVER_JOB))).all()
        assert [j for j in jobs if j.args["activity"].get("type") == "Move"] == []

    await _move(a, alice, b.handle("alice2"))
    await settle(a, b)

    # On a: carol now follows alice2 over there, and was told.
    alice2_on_a = await _resolve(a, carol, b.handle("alice2"))
    assert (await _relationship(a, carol, alice2_on_a["id"]))["following"] is True
    assert (await _relationship(a, carol, alice.id))["following"] is False
    [note] = [n for n in await _notifications(a, carol) if n["type"] == "move"]
    assert note["account"]["acct"] == "alice"
    assert note["target"]["acct"] == b.handle("alice2")
    actor = await a.http.get("/users/alice", headers={"Accept": "application/activity+json"})
    assert actor.json()["movedTo"] == new.account.ap_id

    # On b: the Move arrived, was checked against alice2's alias, and bob moved too.
    alice_on_b = await _resolve(b, bob, a.handle("alice"))
    assert alice_on_b["moved"]["acct"] == "alice2"
    assert (await _relationship(b, bob, new.id))["following"] is True
    assert (await _relationship(b, bob, alice_on_b["id"]))["following"] is False
    [note] = [n for n in await _notifications(b, bob) if n["type"] == "move"]
    assert note["account"]["acct"] == a.handle("alice")
    assert note["target"]["acct"] == "alice2"
    followers = await _accts(b, new, f"/api/v1/accounts/{new.id}/followers")
    assert followers == ["bob", a.handle("carol")]
    kinds = sorted(n["type"] for n in await _notifications(b, new))
    assert kinds == ["follow", "follow"]

    # Again: already moved there.
    with pytest.raises(Unprocessable, match="already moved"):
        await _move(a, alice, b.handle("alice2"))


async def test_a_move_the_target_does_not_vouch_for_is_refused_on_arrival(servers):
    """dave on a sends a Move to alice2 on b, who lists only alice: b refuses it, bob keeps
    following dave and hears nothing."""
    a, b = servers
    dave = await a.user("dave")
    bob = await b.user("bob")
    new = await b.user("alice2", also_known_as=[f"{a.base_url}/users/alice"])
    dave_on_b = await _follow(b, bob, a, "dave")
    forged = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{a.base_url}/activities/forged-move",
        "type": "Move",
        "actor": dave.account.ap_id,
        "object": dave.account.ap_id,
        "target": new.account.ap_id,
        "to": [f"{dave.account.ap_id}/followers"],
    }
    async with a.app.state.sessionmaker() as session:
        args = {"inbox": f"{b.base_url}/inbox", "actor_id": dave.account.id, "activity": forged}
        await enqueue(session, DELIVER_JOB, args, queue=DELIVER_QUEUE)
        await session.commit()
    await settle(a, b)
    async with b.app.state.sessionmaker() as session:
        stored = await session.get(Account, int(dave_on_b["id"]))
        assert stored.moved_to_id is None
    assert (await _relationship(b, bob, dave_on_b["id"]))["following"] is True
    assert (await _relationship(b, bob, new.id))["following"] is False
    assert [n for n in await _notifications(b, bob) if n["type"] == "move"] == []
