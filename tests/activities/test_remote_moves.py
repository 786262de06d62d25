"""Incoming Move (Mastodon's shape, tests/fixtures/activitypub/mastodon/move.json) through
the receive path, with the target actor fetched for real from a server on loopback; and
remote actors whose document says ``movedTo``. Read back through the client API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.activities.handlers.moves import MOVE_FOLLOWERS_JOB
from pyleroma.federation.actors import get_or_fetch_actor
from pyleroma.federation.receive import Refused
from pyleroma.jobs import move_jobs
from pyleroma.models import Account, Follow, Job, Notification, Status
from pyleroma.models.relationship import FOLLOW_ACCEPTED, FOLLOW_PENDING
from tests.activities.test_remote_posts import receive
from tests.api.relationship_helpers import follow_row, remote_account
from tests.api.status_read_helpers import follow
from tests.api.timeline_helpers import drain
from tests.federation.conftest import remote_server  # noqa: F401  (the fixture)
from tests.federation.remote_server import RemoteServer, fixture


@pytest.fixture
def settings_overrides() -> dict:
    return {"allow_private_fetch": True, "federation_timeout_seconds": 3.0}


@pytest.fixture
async def masto(remote_server):  # noqa: F811
    server = await remote_server("127.0.0.2")
    for path in ("/inbox", "/users/alice/inbox"):
        server.raw(path, b"", "text/plain", 202)
    return server


def target_doc(server: RemoteServer, nick: str = "alice_new", **fields) -> dict:
    """Mastodon's actor document for ``nick`` on ``server``, served there."""
    doc = fixture(
        "mastodon/actor_person.json",
        {"https://mastodon.example": server.base, "users/alice": f"users/{nick}"},
    )
    doc["preferredUsername"] = nick
    doc["alsoKnownAs"] = []
    doc.update(fields)
    return server.actor(doc)


async def old_alice(db, server: RemoteServer) -> Account:
    ap_id = f"{server.base}/users/alice"
    return await remote_account(
        db,
        "alice",
        server.authority,
        ap_id=ap_id,
        inbox=f"{ap_id}/inbox",
        followers_url=f"{ap_id}/followers",
        url=ap_id,
    )


def move_of(server: RemoteServer) -> dict:
    return fixture("mastodon/move.json", {"https://mastodon.example": server.base})


async def stored(db, account_id) -> Account:
    async with db() as session:
        return await session.get(Account, account_id)


async def move_notifications(db, account_id) -> list[Notification]:
    async with db() as session:
        rows = await session.scalars(
            select(Notification).where(
                Notification.account_id == account_id, Notification.type == "move"
            )
        )
        return list(rows)


async def jobs_of(db, kind: str) -> list[Job]:
    async with db() as session:
        return list(await session.scalars(select(Job).where(Job.kind == kind)))


async def test_an_accepted_move_moves_the_followers_who_allow_it(app, client, factory, db, masto):
    old = await old_alice(db, masto)
    target_doc(masto, alsoKnownAs=[old.ap_id])
    zoe = await factory.user("zoe")
    yan = await factory.user("yan", allow_following_move=False)
    await follow(db, zoe.account, old)
    await follow(db, yan.account, old)

    target = await receive(app, old, move_of(masto))
    assert isinstance(target, Account) and target.ap_id == f"{masto.base}/users/alice_new"
    assert (await stored(db, old.id)).moved_to_id == target.id
    # The migration is a job, not part of the receive.
    [job] = await jobs_of(db, MOVE_FOLLOWERS_JOB)
    assert job.args == {"origin_id": old.id, "target_id": target.id}
    assert await follow_row(db, zoe.id, target.id) is None

    await drain(app)
    moved = await follow_row(db, zoe.id, target.id)
    assert moved is not None and moved.state == FOLLOW_PENDING  # a remote target answers
    assert await follow_row(db, zoe.id, old.id) is None
    # yan only hears of it.
    assert (await follow_row(db, yan.id, old.id)).state == FOLLOW_ACCEPTED
    assert await follow_row(db, yan.id, target.id) is None
    assert len(await move_notifications(db, zoe.account.id)) == 1
    assert len(await move_notifications(db, yan.account.id)) == 1
    # The Follow went to the target's (shared) inbox, the Undo to the old account's.
    posts = [s.path_qs for s in masto.seen if s.method == "POST"]
    assert sorted(posts) == ["/inbox", "/users/alice/inbox"]

    # The notification in Mastodon's shape, for both.
    for user in (zoe, yan):
        response = await client.get("/api/v1/notifications", headers=user.headers)
        assert response.status_code == 200, response.text
        [notification] = [n for n in response.json() if n["type"] == "move"]
        assert notification["account"]["id"] == str(old.id)
        assert notification["account"]["moved"]["id"] == str(target.id)
        assert notification["target"]["id"] == str(target.id)
        assert notification["target"]["acct"] == f"alice_new@{masto.authority}"
        assert "moved" not in notification["target"]
    filtered = await client.get(
        "/api/v1/notifications", params={"types[]": "move"}, headers=zoe.headers
    )
    assert [n["type"] for n in filtered.json()] == ["move"]
    shown = await client.get(f"/api/v1/accounts/{old.id}", headers=zoe.headers)
    assert shown.json()["moved"]["acct"] == f"alice_new@{masto.authority}"

    # The same Move again: one migration already done, nobody notified twice.
    await receive(app, old, move_of(masto))
    await drain(app)
    assert len(await move_notifications(db, yan.account.id)) == 1
    assert len(await move_notifications(db, zoe.account.id)) == 1


async def test_a_target_without_the_alias_is_refused_and_nothing_changes(app, factory, db, masto):
    old = await old_alice(db, masto)
    target_doc(masto, alsoKnownAs=[f"{masto.base}/users/someone_else"])
    zoe = await factory.user("zoe")
    await follow(db, zoe.account, old)
    with pytest.raises(Refused, match="alsoKnownAs"):
        await receive(app, old, move_of(masto))
    assert (await stored(db, old.id)).moved_to_id is None
    assert await jobs_of(db, MOVE_FOLLOWERS_JOB) == []
    assert await move_notifications(db, zoe.account.id) == []
    assert (await follow_row(db, zoe.id, old.id)).state == FOLLOW_ACCEPTED


async def test_a_move_of_someone_else_or_by_someone_else_is_refused(app, factory, db, masto):
    old = await old_alice(db, masto)
    bob = await remote_account(db, "bob", masto.authority, ap_id=f"{masto.base}/users/bob")
    target_doc(masto, alsoKnownAs=[old.ap_id, bob.ap_id])
    someone_else = move_of(masto)
    someone_else["object"] = bob.ap_id  # alice moving bob
    with pytest.raises(Refused, match="not of its actor"):
        await receive(app, old, someone_else)
    with pytest.raises(Refused, match="did not sign"):  # alice's Move, signed by bob
        await receive(app, bob, move_of(masto))
    to_self = move_of(masto)
    to_self["target"] = old.ap_id
    with pytest.raises(Refused, match="itself"):
        await receive(app, old, to_self)
    no_target = move_of(masto)
    del no_target["target"]
    with pytest.raises(Refused, match="without a target"):
        await receive(app, old, no_target)
    assert (await stored(db, old.id)).moved_to_id is None
    assert (await stored(db, bob.id)).moved_to_id is None
    assert await jobs_of(db, MOVE_FOLLOWERS_JOB) == []


async def test_a_target_that_moved_on_itself_is_refused(app, db, masto):
    old = await old_alice(db, masto)
    third = target_doc(masto, "alice_third")
    target_doc(masto, alsoKnownAs=[old.ap_id], movedTo=third["id"])
    with pytest.raises(Refused, match="moved itself"):
        await receive(app, old, move_of(masto))
    assert (await stored(db, old.id)).moved_to_id is None


async def test_a_move_to_a_local_account_follows_it_at_once(app, client, factory, db, masto):
    old = await old_alice(db, masto)
    new = await factory.user("alice_here", also_known_as=[old.ap_id])
    zoe = await factory.user("zoe")
    await follow(db, zoe.account, old)
    local = move_of(masto)
    local["target"] = new.account.ap_id
    assert (await receive(app, old, local)).id == new.account.id
    await drain(app)
    assert (await follow_row(db, zoe.id, new.account.id)).state == FOLLOW_ACCEPTED
    assert await follow_row(db, zoe.id, old.id) is None
    # The new account is told of its follower, as for any follow.
    response = await client.get("/api/v1/notifications", headers=new.headers)
    assert [n["type"] for n in response.json()] == ["follow"]
    # Not listed as an alias of the local account: refused.
    other = await remote_account(db, "carl", masto.authority, ap_id=f"{masto.base}/users/carl")
    refused = {**local, "actor": other.ap_id, "object": other.ap_id}
    with pytest.raises(Refused):
        await receive(app, other, refused)


async def test_followers_who_may_not_follow_the_target_keep_the_old_follow(app, factory, db, masto):
    from tests.api.status_read_helpers import block

    old = await old_alice(db, masto)
    new = await factory.user("alice_here", also_known_as=[old.ap_id])
    zoe = await factory.user("zoe")
    await follow(db, zoe.account, old)
    await block(db, new.account, zoe.account)
    local = {**move_of(masto), "target": new.account.ap_id}
    await receive(app, old, local)
    await drain(app)
    assert await follow_row(db, zoe.id, new.account.id) is None
    assert (await follow_row(db, zoe.id, old.id)).state == FOLLOW_ACCEPTED
    assert len(await move_notifications(db, zoe.account.id)) == 1


async def test_many_followers_move_in_batches(app, factory, db, masto, monkeypatch):
    monkeypatch.setattr(move_jobs, "BATCH", 2)
    old = await old_alice(db, masto)
    new = await factory.user("alice_here", also_known_as=[old.ap_id])
    users = [await factory.user(f"f{n}") for n in range(5)]
    for user in users:
        await follow(db, user.account, old)
    await receive(app, old, {**move_of(masto), "target": new.account.ap_id})
    await drain(app)
    async with db() as session:
        followers = await session.scalars(
            select(Follow.follower_id).where(Follow.followed_id == new.account.id)
        )
        assert sorted(followers) == sorted(u.account.id for u in users)
    assert len(await jobs_of(db, MOVE_FOLLOWERS_JOB)) in (0, 3)  # done jobs may be pruned


async def test_an_actor_document_with_moved_to(app, client, factory, db, masto):
    """``movedTo`` on a fetched actor: the account it names is fetched (one hop) and shown
    as ``moved``; a document without it clears the move."""
    settings = app.state.settings
    new = target_doc(masto)
    old_doc = target_doc(masto, "alice", movedTo=new["id"])
    zoe = await factory.user("zoe")
    async with db() as session:
        old = await get_or_fetch_actor(session, settings, old_doc["id"])
        await session.commit()
        new_row = (
            await session.execute(select(Account).where(Account.ap_id == new["id"]))
        ).scalar_one()
    assert old.moved_to_id == new_row.id

    shown = await client.get(f"/api/v1/accounts/{old.id}", headers=zoe.headers)
    assert shown.json()["moved"]["id"] == str(new_row.id)
    assert "moved" not in shown.json()["moved"]
    listed = await client.get("/api/v1/accounts/search", params={"q": "alice"}, headers=zoe.headers)
    by_id = {a["id"]: a for a in listed.json()}
    assert by_id[str(old.id)]["moved"]["id"] == str(new_row.id)
    assert "moved" not in by_id[str(new_row.id)]

    # A post of the old account renders its author with ``moved`` (twice: cached, too).
    note = fixture("mastodon/create_note_public.json", {"https://mastodon.example": masto.base})
    post = await receive(app, await stored(db, old.id), note)
    assert isinstance(post, Status)
    for _ in range(2):
        status = await client.get(f"/api/v1/statuses/{post.id}", headers=zoe.headers)
        assert status.json()["account"]["moved"]["id"] == str(new_row.id)
        anonymous = await client.get(f"/api/v1/statuses/{post.id}")
        assert anonymous.json()["account"]["moved"]["id"] == str(new_row.id)

    # Moved back: the next fetch clears it, and the rendering follows at once.
    target_doc(masto, "alice")
    async with db() as session:
        again = await get_or_fetch_actor(session, settings, old_doc["id"], refresh=True)
        await session.commit()
    assert again.moved_to_id is None
    shown = await client.get(f"/api/v1/accounts/{old.id}", headers=zoe.headers)
    assert "moved" not in shown.json()
    status = await client.get(f"/api/v1/statuses/{post.id}")
    assert "moved" not in status.json()["account"]


async def test_moved_to_an_unreachable_account_is_not_recorded(app, db, masto):
    settings = app.state.settings
    old_doc = target_doc(masto, "alice", movedTo=f"{masto.base}/users/nobody")
    async with db() as session:
        old = await get_or_fetch_actor(session, settings, old_doc["id"])
        await session.commit()
    assert old.moved_to_id is None
