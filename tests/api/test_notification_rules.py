"""The rules that suppress, pre-read or hide notifications
(services/notifications/notifications.py).

Creation: self, blocks, domain blocks, block_from_strangers, deactivated and remote
recipients, invisible statuses, repeated follows. Muted accounts and threads: stored seen,
hidden unless ``with_muted``. Reading: blocks, mutes, visibility applied to what is stored.
"""

from __future__ import annotations

import datetime as dt

import pytest

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.models import Account, DomainBlock, Follow, Mute, ThreadMute
from pyleroma.models.relationship import FOLLOW_ACCEPTED
from tests.api.notification_helpers import add, mention, stored
from tests.api.relationship_helpers import remote_account, set_fields

URL = "/api/v1/notifications"


async def _listed(client, user, query: str = "") -> list[dict]:
    response = await client.get(f"{URL}{query}", headers=user.headers)
    assert response.status_code == 200
    return response.json()


async def _follow(db, follower, followed) -> None:
    async with db() as session:
        session.add(
            Follow(
                id=new_id(),
                follower_id=int(follower.id),
                followed_id=int(followed.id),
                state=FOLLOW_ACCEPTED,
            )
        )
        await session.commit()


async def _mute(db, muter, target, *, notifications: bool = True, expires_at=None) -> None:
    async with db() as session:
        session.add(
            Mute(
                id=new_id(),
                account_id=int(muter.id),
                target_id=int(target.id),
                hide_notifications=notifications,
                expires_at=expires_at,
            )
        )
        await session.commit()


# --- never created ---------------------------------------------------------------------------


async def test_no_notification_for_oneself(factory, db):
    alice = await factory.user("alice")
    await factory.status(alice.account, "@alice note to self")
    assert await stored(db, alice.id) == []
    # except a poll of one's own ending
    status = await factory.status(alice.account, "poll host")
    assert await add(db, alice, alice, "poll", status) is not None


async def test_blocked_sender_never_notifies(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await client.post(f"/api/v1/accounts/{bob.id}/block", headers=alice.headers)
    await mention(factory, bob, alice)
    assert await stored(db, alice.id) == []


async def test_block_from_strangers(client, factory, db):
    alice = await factory.user("alice", notification_settings={"block_from_strangers": True})
    stranger, friend = await factory.user("stranger"), await factory.user("friend")
    await _follow(db, alice, friend)
    await mention(factory, stranger, alice)
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=stranger.headers)
    assert await stored(db, alice.id) == []
    await mention(factory, friend, alice)
    assert [(n.type, n.from_account_id) for n in await stored(db, alice.id)] == [
        ("mention", friend.account.id)
    ]


async def test_deactivated_or_remote_recipients_get_nothing(factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    remote = await remote_account(db, "rem", "remote.example")
    await set_fields(db, alice.id, is_active=False)
    assert await add(db, alice, bob, "follow") is None
    assert await add(db, remote, bob, "follow") is None
    assert await stored(db, alice.id) == [] and await stored(db, remote.id) == []


async def test_nothing_about_a_status_the_recipient_cannot_see(factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    private = await factory.status(bob.account, "followers only", visibility="private")
    assert await add(db, alice, bob, "update", private) is None
    await _follow(db, alice, bob)
    assert await add(db, alice, bob, "update", private) is not None


async def test_domain_block_suppresses_unless_followed(client, factory, db):
    alice = await factory.user("alice")
    remote = await remote_account(db, "rem", "remote.example")
    async with db() as session:
        session.add(DomainBlock(id=new_id(), account_id=alice.account.id, domain="remote.example"))
        await session.commit()
    assert await add(db, alice, remote, "follow") is None
    await _follow(db, alice, remote)
    assert await add(db, alice, remote, "follow") is not None
    assert [item["type"] for item in await _listed(client, alice)] == ["follow"]


async def test_unknown_kind_is_a_programming_error(factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    with pytest.raises(ValueError):
        await add(db, alice, bob, "poke")


# --- muted: stored seen, hidden unless with_muted ------------------------------------------


async def test_mute_with_notifications_hides_and_with_muted_shows(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await _mute(db, alice, bob)
    await mention(factory, bob, alice)
    [notification] = await stored(db, alice.id)
    assert notification.seen is True
    assert await _listed(client, alice) == []
    [item] = await _listed(client, alice, "?with_muted=true")
    assert item["pleroma"] == {"is_seen": True, "is_muted": True}
    # a muted notification never counts as unread
    creds = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    assert creds.json()["pleroma"]["unread_notifications_count"] == 0


async def test_mute_applies_to_notifications_already_stored(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await mention(factory, bob, alice)
    assert len(await _listed(client, alice)) == 1
    response = await client.post(f"/api/v1/accounts/{bob.id}/mute", headers=alice.headers)
    assert response.status_code == 200
    assert await _listed(client, alice) == []
    assert len(await _listed(client, alice, "?with_muted=1")) == 1
    await client.post(f"/api/v1/accounts/{bob.id}/unmute", headers=alice.headers)
    assert len(await _listed(client, alice)) == 1


async def test_mute_without_notifications_still_lists(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    response = await client.post(
        f"/api/v1/accounts/{bob.id}/mute", headers=alice.headers, data={"notifications": "false"}
    )
    assert response.status_code == 200
    await mention(factory, bob, alice)
    [notification] = await stored(db, alice.id)
    assert notification.seen is True
    [item] = await _listed(client, alice)
    assert item["pleroma"] == {"is_seen": True, "is_muted": True}


async def test_expired_mute_is_no_mute(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await _mute(db, alice, bob, expires_at=utcnow() - dt.timedelta(minutes=1))
    await mention(factory, bob, alice)
    [notification] = await stored(db, alice.id)
    assert notification.seen is False
    [item] = await _listed(client, alice)
    assert item["pleroma"]["is_muted"] is False


async def test_thread_mute(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    root = await factory.status(alice.account, "thread root")
    await mention(factory, bob, alice, "before the mute", in_reply_to_id=root.id)
    async with db() as session:
        session.add(ThreadMute(id=new_id(), account_id=alice.account.id, conversation_id=root.id))
        await session.commit()
    # what is already there is hidden too
    assert await _listed(client, alice) == []
    await mention(factory, bob, alice, "after the mute", in_reply_to_id=root.id)
    before, after = await stored(db, alice.id)
    assert before.seen is False and after.seen is True
    assert len(await _listed(client, alice, "?with_muted=true")) == 2
    # other threads are not affected
    await mention(factory, bob, alice, "elsewhere")
    [item] = await _listed(client, alice)
    assert "elsewhere" in item["status"]["content"]


# --- hidden when reading ---------------------------------------------------------------------


async def test_block_after_the_fact_hides_and_unblock_shows(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await mention(factory, bob, alice)
    [notification] = await stored(db, alice.id)
    await client.post(f"/api/v1/accounts/{bob.id}/block", headers=alice.headers)
    assert await _listed(client, alice) == []
    assert await _listed(client, alice, "?with_muted=true") == []
    by_id = await client.get(f"{URL}/{notification.id}", headers=alice.headers)
    assert by_id.status_code == 404
    await client.post(f"/api/v1/accounts/{bob.id}/unblock", headers=alice.headers)
    assert len(await _listed(client, alice)) == 1


async def test_notifications_from_a_blocker_are_hidden(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    assert len(await _listed(client, alice)) == 1
    await client.post(f"/api/v1/accounts/{alice.id}/block", headers=bob.headers)
    assert await _listed(client, alice) == []
    assert len(await stored(db, alice.id)) == 1


async def test_status_no_longer_visible_is_hidden(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await _follow(db, alice, bob)
    private = await factory.status(bob.account, "followers only", visibility="private")
    await add(db, alice, bob, "status", private)
    assert [item["type"] for item in await _listed(client, alice)] == ["status"]
    await client.post(f"/api/v1/accounts/{bob.id}/unfollow", headers=alice.headers)
    assert await _listed(client, alice) == []


async def test_domain_block_hides_stored_notifications(client, factory, db):
    alice = await factory.user("alice")
    remote = await remote_account(db, "rem", "remote.example")
    await add(db, alice, remote, "follow")
    assert len(await _listed(client, alice)) == 1
    response = await client.post(
        "/api/v1/domain_blocks", headers=alice.headers, data={"domain": "remote.example"}
    )
    assert response.status_code == 200
    assert await _listed(client, alice) == []
    async with db() as session:
        assert (await session.get(Account, remote.id)) is not None
