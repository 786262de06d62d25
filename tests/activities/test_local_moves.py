"""Outgoing Move: ``services/accounts/move.move_account`` (the service Pleroma's
``POST /api/pleroma/move_account`` will call), its refusals, what is delivered, and the
actor document of a moved account."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.errors import BadRequest, NotFound, Unprocessable
from pyleroma.federation.delivery import DELIVER_JOB
from pyleroma.models import Account, Job
from pyleroma.models.relationship import FOLLOW_ACCEPTED
from pyleroma.services.accounts.move import move_account
from tests.activities.test_remote_moves import move_notifications, remote_server  # noqa: F401
from tests.api.relationship_helpers import follow_row, remote_account
from tests.api.status_read_helpers import follow
from tests.api.timeline_helpers import drain
from tests.federation.remote_server import fixture

AS_JSON = {"Accept": "application/activity+json"}


async def _move(app, user, target: str):
    async with app.state.sessionmaker() as session:
        account = await session.get(Account, user.account.id)
        return await move_account(session, app.state.settings, account, target)


async def _deliveries(db) -> list[dict]:
    async with db() as session:
        jobs = await session.scalars(select(Job).where(Job.kind == DELIVER_JOB))
        return [job.args for job in jobs]


async def test_a_local_move_to_a_local_account(app, client, factory, db):
    alice = await factory.user("alice")
    new = await factory.user("alice2", also_known_as=[alice.account.ap_id])
    zoe = await factory.user("zoe")
    yan = await factory.user("yan", allow_following_move=False)
    bob = await remote_account(
        db, "bob", "remote.example", inbox="https://remote.example/users/bob/inbox"
    )
    for follower in (zoe.account, yan.account, bob):
        await follow(db, follower, alice.account)

    target = await _move(app, alice, "alice2")
    assert target.id == new.account.id
    async with db() as session:
        assert (await session.get(Account, alice.account.id)).moved_to_id == new.account.id

    # The Move, as Pleroma sends it, to the remote followers only.
    [delivery] = await _deliveries(db)
    assert delivery["inbox"] == "https://remote.example/users/bob/inbox"
    move = delivery["activity"]
    assert move["type"] == "Move"
    assert move["actor"] == move["object"] == alice.account.ap_id
    assert move["target"] == new.account.ap_id
    assert move["to"] == [f"{alice.account.ap_id}/followers"]
    assert move["id"].startswith(f"{app.state.settings.base_url}/activities/")

    await drain(app)
    assert (await follow_row(db, zoe.id, new.id)).state == FOLLOW_ACCEPTED
    assert await follow_row(db, zoe.id, alice.id) is None
    assert (await follow_row(db, yan.id, alice.id)).state == FOLLOW_ACCEPTED
    assert await follow_row(db, yan.id, new.id) is None
    assert (await follow_row(db, bob.id, alice.id)).state == FOLLOW_ACCEPTED  # its server's job
    for user in (zoe, yan):
        response = await client.get("/api/v1/notifications", headers=user.headers)
        [notification] = [n for n in response.json() if n["type"] == "move"]
        assert notification["account"]["acct"] == "alice"
        assert notification["target"]["acct"] == "alice2"

    # The actor document says where it went; the owner's account shows it too.
    actor = await client.get("/users/alice", headers=AS_JSON)
    assert actor.json()["movedTo"] == new.account.ap_id
    assert "movedTo" not in (await client.get("/users/alice2", headers=AS_JSON)).json()
    assert (await client.get("/users/alice2", headers=AS_JSON)).json()["alsoKnownAs"] == [
        alice.account.ap_id
    ]
    me = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    assert me.json()["moved"]["acct"] == "alice2"


async def test_refusals(app, factory, db):
    alice = await factory.user("alice")
    await factory.user("noalias")
    await factory.user("alice2", also_known_as=[alice.account.ap_id])
    third = await factory.user("third")
    await factory.user("moved_on", also_known_as=[alice.account.ap_id])
    async with db() as session:
        row = await session.get(Account, (await _by_nick(db, "moved_on")).id)
        row.moved_to_id = third.account.id
        await session.commit()

    with pytest.raises(NotFound, match="Target account not found"):
        await _move(app, alice, "nobody")
    with pytest.raises(NotFound):
        await _move(app, alice, "https://unreachable.invalid/users/x")
    with pytest.raises(BadRequest, match="itself"):
        await _move(app, alice, "alice")
    with pytest.raises(BadRequest):
        await _move(app, alice, "  ")
    with pytest.raises(Unprocessable, match="alsoKnownAs"):
        await _move(app, alice, "noalias")
    with pytest.raises(Unprocessable, match="moved itself"):
        await _move(app, alice, "moved_on")
    assert (await _by_nick(db, "alice")).moved_to_id is None
    assert await _deliveries(db) == []

    await _move(app, alice, "alice2")
    with pytest.raises(Unprocessable, match="already moved"):
        await _move(app, alice, "alice2")


async def _by_nick(db, nickname: str) -> Account:
    async with db() as session:
        return (
            await session.execute(select(Account).where(Account.nickname == nickname))
        ).scalar_one()


@pytest.fixture
async def masto(remote_server):  # noqa: F811
    return await remote_server("127.0.0.2")


async def test_a_move_to_a_remote_account_is_checked_on_a_fresh_fetch(app, factory, db, masto):
    alice = await factory.user("alice")
    zoe = await factory.user("zoe")
    await follow(db, zoe.account, alice.account)
    doc = fixture("mastodon/actor_person.json", {"https://mastodon.example": masto.base})
    doc["alsoKnownAs"] = []
    masto.actor(doc)
    with pytest.raises(Unprocessable, match="alsoKnownAs"):
        await _move(app, alice, f"alice@{masto.authority}")
    # The alias added a moment later counts: the stored copy is refetched.
    doc["alsoKnownAs"] = [alice.account.ap_id]
    masto.actor(doc)
    target = await _move(app, alice, doc["id"])
    assert target.ap_id == doc["id"]
    await drain(app)
    follow_new = await follow_row(db, zoe.id, target.id)
    assert follow_new is not None  # pending: the Follow is delivered like any other
    assert len(await move_notifications(db, zoe.account.id)) == 1
