"""Pleroma's subscriptions (POST /api/v1/pleroma/accounts/:id/subscribe and /unsubscribe,
under both prefixes): the Relationship they answer, what is stored, and the "status"
notifications a subscriber gets, following or not, once per status."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.models import AccountSubscription
from tests.api.notification_helpers import stored
from tests.api.relationship_helpers import follow_row, set_fields
from tests.api.test_relationship_lists import RELATIONSHIP_KEYS
from tests.api.timeline_helpers import drain, follow

PREFIXES = ("/api/v1/pleroma", "/api/pleroma")


async def _subscriptions(db) -> list[tuple[int, int]]:
    async with db() as session:
        rows = await session.execute(
            select(AccountSubscription.account_id, AccountSubscription.target_id)
        )
        return sorted(tuple(row) for row in rows)


async def _act(client, user, target_id, action="subscribe", prefix="/api/v1/pleroma"):
    return await client.post(f"{prefix}/accounts/{target_id}/{action}", headers=user.headers)


async def _subscribe(client, user, target) -> None:
    response = await _act(client, user, target.id)
    assert response.status_code == 200, response.text


async def _status_notifications(db, user) -> list[tuple[str, int]]:
    return [(n.type, n.status_id) for n in await stored(db, user.id)]


async def _post(client, user, text, **body) -> int:
    response = await client.post(
        "/api/v1/statuses", headers=user.headers, json={"status": text, **body}
    )
    assert response.status_code == 200, response.text
    return int(response.json()["id"])


# --- the endpoints ---------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_subscribe_and_unsubscribe_answer_the_relationship(client, factory, db, prefix):
    alice, bob = await factory.user("alice"), await factory.user("bob")

    response = await _act(client, alice, bob.id, prefix=prefix)
    assert response.status_code == 200, response.text
    relationship = response.json()
    assert set(relationship) == RELATIONSHIP_KEYS
    assert relationship["id"] == bob.id
    assert relationship["subscribing"] is True and relationship["notifying"] is True
    assert relationship["following"] is False
    assert await _subscriptions(db) == [(alice.account.id, bob.account.id)]
    again = await _act(client, alice, bob.id, prefix=prefix)
    assert again.status_code == 200 and again.json()["subscribing"] is True
    assert len(await _subscriptions(db)) == 1

    # Everywhere the relationship is rendered, batched or embedded in the account.
    listed = await client.get(
        "/api/v1/accounts/relationships", params={"id[]": [bob.id]}, headers=alice.headers
    )
    assert [r["subscribing"] for r in listed.json()] == [True]
    shown = await client.get(
        f"/api/v1/accounts/{bob.id}", params={"with_relationships": "true"}, headers=alice.headers
    )
    assert shown.json()["pleroma"]["relationship"]["subscribing"] is True
    # Only the subscriber's side says so.
    reverse = await client.get(
        "/api/v1/accounts/relationships", params={"id[]": [alice.id]}, headers=bob.headers
    )
    assert reverse.json()[0]["subscribing"] is False

    response = await _act(client, alice, bob.id, "unsubscribe", prefix)
    assert response.status_code == 200, response.text
    assert set(response.json()) == RELATIONSHIP_KEYS
    assert response.json()["subscribing"] is False and response.json()["notifying"] is False
    assert await _subscriptions(db) == []
    listed = await client.get(
        "/api/v1/accounts/relationships", params={"id[]": [bob.id]}, headers=alice.headers
    )
    assert listed.json()[0]["subscribing"] is False
    # Unsubscribing when not subscribed is no error (a client retrying gets the answer).
    again = await _act(client, alice, bob.id, "unsubscribe", prefix)
    assert again.status_code == 200 and again.json()["subscribing"] is False


async def test_subscription_errors(client, factory, db):
    alice, bob, carol = [await factory.user(n) for n in ("alice", "bob", "carol")]
    gone = await factory.user("gone")
    await set_fields(db, gone.id, is_active=False)
    blocked = await client.post(f"/api/v1/accounts/{alice.id}/block", headers=carol.headers)
    assert blocked.status_code == 200

    for action in ("subscribe", "unsubscribe"):
        for ident in ("123456789", "nobody", gone.id):
            response = await _act(client, alice, ident, action)
            assert (response.status_code, response.json()) == (
                404,
                {"error": "Record not found"},
            ), (action, ident)
        url = f"/api/pleroma/accounts/{bob.id}/{action}"
        assert (await client.post(url)).status_code == 401
        reader = await factory.user(scopes=["read", "write:statuses"])
        response = await client.post(url, headers=reader.headers)
        assert response.status_code == 403 and "error" in response.json()

    itself = await _act(client, alice, alice.id)
    assert (itself.status_code, itself.json()) == (403, {"error": "Can not subscribe to yourself"})
    refused = await _act(client, alice, carol.id)
    assert (refused.status_code, refused.json()) == (
        403,
        {"error": "Could not subscribe: carol is blocking you"},
    )
    assert await _subscriptions(db) == []

    # Pleroma's scopes: follow, or write:follows.
    for scopes in (["follow"], ["write:follows"]):
        user = await factory.user(scopes=scopes)
        assert (await _act(client, user, bob.id)).status_code == 200, scopes
    assert len(await _subscriptions(db)) == 2


# --- the notifications -----------------------------------------------------------------------


async def test_subscribers_hear_of_each_status_they_may_see(client, factory, db, app):
    alice, bob, carol = [await factory.user(n) for n in ("alice", "bob", "carol")]
    await _subscribe(client, alice, bob)  # alice does not follow bob

    public = await _post(client, bob, "public news")
    unlisted = await _post(client, bob, "quiet news", visibility="unlisted")
    await _post(client, bob, "for followers", visibility="private")
    await _post(client, bob, "@carol a secret", visibility="direct")
    thread = await _post(client, bob, "more of my own thread", in_reply_to_id=str(public))
    carols = await _post(client, carol, "carol's post")
    await _post(client, bob, "@carol about yours", in_reply_to_id=str(carols))
    reblog = await client.post(f"/api/v1/statuses/{carols}/reblog", headers=bob.headers)
    assert reblog.status_code == 200
    mentioned = await _post(client, bob, "@alice hello you")
    await drain(app)

    assert sorted(await _status_notifications(db, alice)) == sorted(
        [
            ("status", public),
            ("status", unlisted),
            ("status", thread),
            ("mention", mentioned),  # one notification, the mention
        ]
    )
    listed = await client.get("/api/v1/notifications", headers=alice.headers)
    shown = {(n["type"], n["status"]["id"]) for n in listed.json()}
    assert ("status", str(public)) in shown
    assert [n["account"]["id"] for n in listed.json() if n["type"] == "status"] == [bob.id] * 3

    # Once alice follows bob, his followers-only posts reach her too.
    await follow(client, alice, bob.account)
    private = await _post(client, bob, "for followers, now alice too", visibility="private")
    await drain(app)
    assert ("status", private) in await _status_notifications(db, alice)

    await _act(client, alice, bob.id, "unsubscribe")
    before = len(await stored(db, alice.id))
    await _post(client, bob, "nobody is listening")
    await drain(app)
    assert len(await stored(db, alice.id)) == before
    # carol, mentioned but not subscribed, has mentions and a reblog, no "status" ones.
    assert "status" not in {kind for kind, _ in await _status_notifications(db, carol)}


async def test_one_notification_with_follow_notify_and_subscription(client, factory, db, app):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await follow(client, alice, bob.account, notify=True)
    await _subscribe(client, alice, bob)
    for visibility in ("public", "private"):
        await _post(client, bob, f"a {visibility} post", visibility=visibility)
    await drain(app)
    notes = await _status_notifications(db, alice)
    assert [kind for kind, _ in notes] == ["status", "status"]
    assert len({status_id for _, status_id in notes}) == 2


async def test_follow_notify_and_subscription_are_one_switch(client, factory, db):
    """Pleroma implements Mastodon's ``notify`` with subscriptions: either way of turning
    notifications off turns both off, and the relationship says the same in both keys."""
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await follow(client, alice, bob.account, notify=True)
    response = await _act(client, alice, bob.id, "unsubscribe")
    assert (response.json()["subscribing"], response.json()["notifying"]) == (False, False)
    assert (await follow_row(db, alice.id, bob.id)).notify is False
    assert response.json()["following"] is True

    await _subscribe(client, alice, bob)
    response = await client.post(
        f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers, json={"notify": False}
    )
    assert (response.json()["subscribing"], response.json()["notifying"]) == (False, False)
    assert await _subscriptions(db) == []
    # Following again without saying leaves the subscription alone.
    await _subscribe(client, alice, bob)
    response = await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers)
    assert response.json()["subscribing"] is True
    assert len(await _subscriptions(db)) == 1


async def test_no_status_notifications_across_mutes_and_blocks(client, factory, db, app):
    alice, bob, carol = [await factory.user(n) for n in ("alice", "bob", "carol")]
    await _subscribe(client, alice, bob)
    await _subscribe(client, carol, bob)
    muted = await client.post(f"/api/v1/accounts/{bob.id}/mute", headers=alice.headers)
    assert muted.status_code == 200
    first = await _post(client, bob, "while muted")
    await drain(app)
    assert await _status_notifications(db, alice) == []
    assert await _status_notifications(db, carol) == [("status", first)]

    await client.post(f"/api/v1/accounts/{bob.id}/unmute", headers=alice.headers)
    second = await _post(client, bob, "unmuted")
    await drain(app)
    assert await _status_notifications(db, alice) == [("status", second)]

    # A block either way ends the subscription, and nothing more comes.
    blocked = await client.post(f"/api/v1/accounts/{alice.id}/block", headers=bob.headers)
    assert blocked.json()["subscribing"] is False
    blocking = await client.post(f"/api/v1/accounts/{bob.id}/block", headers=carol.headers)
    assert blocking.json()["subscribing"] is False
    assert await _subscriptions(db) == []
    await _post(client, bob, "after the blocks")
    await drain(app)
    assert await _status_notifications(db, alice) == [("status", second)]
    assert await _status_notifications(db, carol) == [("status", first), ("status", second)]


async def test_a_subscriber_blocking_strangers_hears_nothing_from_them(client, factory, db, app):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await _subscribe(client, alice, bob)
    response = await client.put(
        "/api/pleroma/notification_settings",
        json={"block_from_strangers": True},
        headers=alice.headers,
    )
    assert response.status_code == 200
    await _post(client, bob, "from a stranger")
    await drain(app)
    assert await _status_notifications(db, alice) == []
    await follow(client, alice, bob.account)
    followed = await _post(client, bob, "from someone alice follows")
    await drain(app)
    assert await _status_notifications(db, alice) == [("status", followed)]
