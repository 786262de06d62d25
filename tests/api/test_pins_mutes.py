"""Pin / unpin (own open posts, the limit) and thread mute / unmute (notifications, expiry)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.models import Notification, Status, StatusPin, ThreadMute
from tests.api.status_action_helpers import (
    count_rows,
    drain,
    follow,
    jobs,
    make_due,
    notifications,
    status_row,
    users,
)


async def _post(client, user, path, **body):
    return await client.post(path, headers=user.headers, json=body or None)


# --- pin / unpin -----------------------------------------------------------------------------


async def test_pin_marks_the_status_pinned_and_stores_the_pin(client, factory, db):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "look here")

    response = await _post(client, alice, f"/api/v1/statuses/{status.id}/pin")

    assert response.status_code == 200
    data = response.json()
    assert data["id"] == str(status.id)
    assert data["pinned"] is True
    assert data["pleroma"]["pinned_at"] is not None
    assert await count_rows(db, StatusPin, StatusPin.status_id == status.id) == 1

    again = await _post(client, alice, f"/api/v1/statuses/{status.id}/pin")
    assert again.status_code == 200 and again.json()["pinned"] is True
    assert await count_rows(db, StatusPin) == 1


@pytest.mark.parametrize("visibility", ["public", "unlisted", "local"])
async def test_open_visibilities_can_be_pinned(client, factory, visibility):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "look here", visibility=visibility)
    response = await _post(client, alice, f"/api/v1/statuses/{status.id}/pin")
    assert response.status_code == 200 and response.json()["pinned"] is True


async def test_pin_limit_is_the_setting(client, factory, db):
    alice = await factory.user("alice")
    first = await factory.status(alice.account, "one")
    second = await factory.status(alice.account, "two")
    assert (await _post(client, alice, f"/api/v1/statuses/{first.id}/pin")).status_code == 200

    refused = await _post(client, alice, f"/api/v1/statuses/{second.id}/pin")

    assert refused.status_code == 400
    assert refused.json() == {"error": "You have already pinned the maximum number of statuses"}
    assert await count_rows(db, StatusPin) == 1
    # Unpinning frees the slot.
    assert (await _post(client, alice, f"/api/v1/statuses/{first.id}/unpin")).status_code == 200
    assert (await _post(client, alice, f"/api/v1/statuses/{second.id}/pin")).status_code == 200


class TestLargerPinLimit:
    @pytest.fixture
    def settings_overrides(self):
        return {"max_pinned_statuses": 2}

    async def test_the_limit_follows_settings(self, client, factory, db):
        alice = await factory.user("alice")
        posts = [await factory.status(alice.account, f"post {i}") for i in range(3)]
        codes = [
            (await _post(client, alice, f"/api/v1/statuses/{p.id}/pin")).status_code for p in posts
        ]
        assert codes == [200, 200, 400]
        assert await count_rows(db, StatusPin) == 2


async def test_pinning_someone_elses_or_a_non_public_status_is_422(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    theirs = await factory.status(bob.account, "bob's")
    private = await factory.status(alice.account, "followers only", visibility="private")
    direct = await factory.status(alice.account, "@bob psst", visibility="direct")

    other = await _post(client, alice, f"/api/v1/statuses/{theirs.id}/pin")
    assert other.status_code == 422
    assert other.json() == {"error": "Someone else's status cannot be pinned"}
    for status in (private, direct):
        response = await _post(client, alice, f"/api/v1/statuses/{status.id}/pin")
        assert response.status_code == 422
        assert response.json() == {"error": "Non-public status cannot be pinned"}
    reblog_id = (await _post(client, alice, f"/api/v1/statuses/{theirs.id}/reblog")).json()["id"]
    via_reblog = await _post(client, alice, f"/api/v1/statuses/{reblog_id}/pin")
    assert via_reblog.status_code == 422
    assert await count_rows(db, StatusPin) == 0


async def test_unpin_removes_the_pin(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    status = await factory.status(alice.account, "look here")
    await _post(client, alice, f"/api/v1/statuses/{status.id}/pin")

    not_theirs = await _post(client, bob, f"/api/v1/statuses/{status.id}/unpin")
    assert not_theirs.status_code == 422
    assert await count_rows(db, StatusPin) == 1

    response = await _post(client, alice, f"/api/v1/statuses/{status.id}/unpin")
    assert response.status_code == 200
    assert response.json()["pinned"] is False
    assert response.json()["pleroma"]["pinned_at"] is None
    assert await count_rows(db, StatusPin) == 0
    again = await _post(client, alice, f"/api/v1/statuses/{status.id}/unpin")
    assert again.status_code == 200


@pytest.mark.parametrize("action", ["pin", "unpin", "mute", "unmute"])
async def test_invisible_or_unknown_statuses_are_404(client, factory, db, action):
    alice, stranger = await users(factory, "alice", "stranger")
    private = await factory.status(alice.account, "followers only", visibility="private")
    for status_id in (private.id, new_id(), "nope"):
        response = await _post(client, stranger, f"/api/v1/statuses/{status_id}/{action}")
        assert response.status_code == 404
        assert response.json() == {"error": "Record not found"}
    assert await count_rows(db, ThreadMute) == 0


@pytest.mark.parametrize(
    ("action", "scope", "wrong"),
    [
        ("pin", "write:accounts", "write:statuses"),
        ("unpin", "write:accounts", "read:accounts"),
        ("mute", "write:mutes", "write:accounts"),
        ("unmute", "write:mutes", "read:mutes"),
    ],
)
async def test_pin_and_mute_routes_need_their_scope(client, factory, action, scope, wrong):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "hello")
    path = f"/api/v1/statuses/{status.id}/{action}"

    assert (await client.post(path)).status_code == 401
    bad = await factory.token(alice.account, [wrong])
    refused = await client.post(path, headers={"Authorization": f"Bearer {bad}"})
    assert refused.status_code == 403 and scope in refused.json()["error"]
    good = await factory.token(alice.account, [scope])
    assert (await client.post(path, headers={"Authorization": f"Bearer {good}"})).status_code == 200


# --- thread mute / unmute --------------------------------------------------------------------


async def test_muting_a_reply_mutes_its_whole_thread(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    root = await factory.status(alice.account, "root")
    reply = await factory.status(bob.account, "@alice reply", in_reply_to_id=root.id)

    response = await _post(client, alice, f"/api/v1/statuses/{reply.id}/mute")

    assert response.status_code == 200
    data = response.json()
    assert data["id"] == str(reply.id)
    assert data["muted"] is True and data["pleroma"]["thread_muted"] is True
    async with db() as session:
        mutes = (await session.execute(select(ThreadMute))).scalars().all()
    assert [(m.account_id, m.conversation_id) for m in mutes] == [(alice.account.id, root.id)]

    again = await _post(client, alice, f"/api/v1/statuses/{root.id}/mute")
    assert again.status_code == 400
    assert again.json() == {"error": "conversation is already muted"}
    assert await count_rows(db, ThreadMute) == 1


async def test_muting_marks_the_threads_notifications_read(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    root = await factory.status(alice.account, "root")
    await factory.status(bob.account, "@alice in the thread", in_reply_to_id=root.id)
    elsewhere = await factory.status(bob.account, "@alice elsewhere")
    assert len(await notifications(db, alice.id, unseen_only=True)) == 2

    await _post(client, alice, f"/api/v1/statuses/{root.id}/mute")

    unseen = await notifications(db, alice.id, unseen_only=True)
    assert [n[3] for n in unseen] == [elsewhere.id]


async def test_a_muted_thread_sends_no_notifications(client, factory, db):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    root = await factory.status(alice.account, "root")
    reply = await factory.status(alice.account, "more", in_reply_to_id=root.id)
    await _post(client, alice, f"/api/v1/statuses/{root.id}/mute")

    assert (await _post(client, bob, f"/api/v1/statuses/{reply.id}/favourite")).status_code == 200
    assert (await _post(client, carol, f"/api/v1/statuses/{root.id}/reblog")).status_code == 200
    await factory.status(bob.account, "@alice hi", in_reply_to_id=reply.id)

    assert await notifications(db, alice.id, unseen_only=True) == []

    # Other threads still notify; and unmuting restores this one.
    other = await factory.status(alice.account, "another thread")
    await _post(client, bob, f"/api/v1/statuses/{other.id}/favourite")
    unmuted = await _post(client, alice, f"/api/v1/statuses/{reply.id}/unmute")
    assert unmuted.status_code == 200
    assert unmuted.json()["muted"] is False and unmuted.json()["pleroma"]["thread_muted"] is False
    assert await count_rows(db, ThreadMute) == 0
    await _post(client, carol, f"/api/v1/statuses/{reply.id}/favourite")
    unseen = await notifications(db, alice.id, unseen_only=True)
    assert [(n[0], n[2], n[3]) for n in unseen] == [
        ("favourite", bob.account.id, other.id),
        ("favourite", carol.account.id, reply.id),
    ]


async def test_unmute_of_an_unmuted_thread_is_harmless(client, factory, db):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "root")
    response = await _post(client, alice, f"/api/v1/statuses/{status.id}/unmute")
    assert response.status_code == 200 and response.json()["muted"] is False


async def test_a_follower_may_mute_a_private_thread(client, factory, db):
    alice, follower = await users(factory, "alice", "follower")
    await follow(db, follower.id, alice.id)
    private = await factory.status(alice.account, "followers only", visibility="private")
    response = await _post(client, follower, f"/api/v1/statuses/{private.id}/mute")
    assert response.status_code == 200 and response.json()["muted"] is True


async def test_a_timed_thread_mute_is_lifted_by_its_job(client, factory, db, app):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "root")

    response = await _post(client, alice, f"/api/v1/statuses/{status.id}/mute", expires_in=3600)

    assert response.status_code == 200
    [job] = await jobs(db, "thread_mute.expire")
    assert (job.scheduled_at - job.created_at).total_seconds() == pytest.approx(3600, abs=5)
    await drain(app)
    assert await count_rows(db, ThreadMute) == 1  # not due yet
    await make_due(db, "thread_mute.expire")
    await drain(app)
    assert await count_rows(db, ThreadMute) == 0


async def test_an_old_expiry_job_leaves_a_newer_mute_alone(client, factory, db, app):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "root")
    await _post(client, alice, f"/api/v1/statuses/{status.id}/mute", expires_in=60)
    await _post(client, alice, f"/api/v1/statuses/{status.id}/unmute")
    await _post(client, alice, f"/api/v1/statuses/{status.id}/mute")

    await make_due(db, "thread_mute.expire")
    await drain(app)

    assert await count_rows(db, ThreadMute) == 1


@pytest.mark.parametrize("expires_in", [-1, "soon"])
async def test_mute_with_a_bad_expires_in_is_422(client, factory, db, expires_in):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "root")
    response = await _post(
        client, alice, f"/api/v1/statuses/{status.id}/mute", expires_in=expires_in
    )
    assert response.status_code == 422
    assert "expires_in" in response.json()["error"]
    assert await count_rows(db, ThreadMute) == 0


async def test_thread_mute_does_not_touch_other_accounts_notifications(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    root = await factory.status(alice.account, "@bob root")
    async with db() as session:
        await session.execute(update(Notification).values(seen=False))
        await session.commit()
    await _post(client, alice, f"/api/v1/statuses/{root.id}/mute")
    assert await notifications(db, bob.id, unseen_only=True) == [
        ("mention", bob.account.id, alice.account.id, root.id)
    ]


async def test_a_pinned_expiring_post_stays_until_unpinned(client, factory, db, app):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "gone soon", expires_in=3600)
    assert (await _post(client, alice, f"/api/v1/statuses/{status.id}/pin")).status_code == 200
    async with db() as session:
        await session.execute(
            update(Status)
            .where(Status.id == status.id)
            .values(expires_at=utcnow() - dt.timedelta(seconds=5))
        )
        await session.commit()
    await make_due(db, "status.expire")
    await drain(app)
    assert await status_row(db, status.id) is not None  # kept while pinned

    response = await _post(client, alice, f"/api/v1/statuses/{status.id}/unpin")

    assert response.status_code == 200
    assert len(await jobs(db, "status.expire")) == 2  # the expiry is scheduled again
    await make_due(db, "status.expire")
    await drain(app)
    assert await status_row(db, status.id) is None
