"""The "push.deliver" job against a real push service on loopback: what is pushed, how it is
encrypted and signed, and what the push service's answer does (docs/api/push.md)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.models import (
    ConversationParticipation,
    Job,
    Notification,
    OAuthToken,
    PushSubscription,
)
from pyleroma.models.job import AVAILABLE, COMPLETED, DISCARDED
from pyleroma.services.notifications.push_subscriptions import PUSH_JOB
from pyleroma.services.oauth.secrets import digest
from tests.api.notification_helpers import mention
from tests.api.push_helpers import URL, Subscriber, stored_subscriptions, subscribe
from tests.conftest import BASE_URL
from tests.jobs.push_server import PushServer, check_vapid, decrypt
from tests.jobs.runner_helpers import make_due, make_runner

PAYLOAD_KEYS = {
    "title",
    "body",
    "icon",
    "notification_id",
    "notification_type",
    "preferred_locale",
    "pleroma",
}


@pytest.fixture
async def push_server():
    server = PushServer()
    await server.start()
    yield server
    await server.stop()


async def push_jobs(db) -> list[Job]:
    async with db() as session:
        rows = await session.scalars(select(Job).where(Job.kind == PUSH_JOB).order_by(Job.id))
        return list(rows.all())


async def drain(app) -> int:
    return await make_runner(app).drain()


async def notifications_of(db, account_id) -> list[Notification]:
    async with db() as session:
        rows = await session.scalars(
            select(Notification).where(Notification.account_id == int(account_id))
        )
        return list(rows.all())


async def server_key(client) -> str:
    return (await client.get("/api/v1/instance")).json()["pleroma"]["vapid_public_key"]


# --- what is pushed ----------------------------------------------------------------------


@pytest.mark.parametrize("standard", [True, False], ids=["aes128gcm", "aesgcm"])
async def test_mention_is_pushed_encrypted_and_signed(
    client, factory, db, app, push_server, standard
):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    subscriber, _ = await subscribe(
        client, alice, f"{push_server.base}/push/alice-phone", standard=standard
    )
    status = await mention(factory, bob, alice, "hello &amp; <b>welcome</b>")
    [job] = await push_jobs(db)
    assert job.queue == "push" and job.state == AVAILABLE

    await drain(app)
    [received] = push_server.received
    assert received.path == "/push/alice-phone"
    assert received.headers["ttl"] == "172800" and received.headers["urgency"] == "normal"
    assert received.headers["content-type"] == "application/octet-stream"
    claims = check_vapid(received, await server_key(client), standard)
    assert claims["aud"] == push_server.base and claims["sub"] == BASE_URL
    assert 0 < claims["exp"] - time.time() <= 24 * 3600

    payload = decrypt(received, subscriber, standard)
    [notification] = await notifications_of(db, alice.id)
    assert set(payload) == PAYLOAD_KEYS
    assert payload["title"] == "New Mention" and payload["notification_type"] == "mention"
    assert payload["body"] == "@bob: @alice hello &amp; <b>welcome</b>"
    assert payload["notification_id"] == str(notification.id)
    assert payload["icon"].startswith(BASE_URL) and payload["preferred_locale"] == "en"
    assert payload["pleroma"] == {"activity_id": str(status.id), "direct_conversation_id": None}
    [job] = await push_jobs(db)
    assert job.state == COMPLETED


async def test_direct_message_title_and_conversation(client, factory, db, app, push_server):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    subscriber, _ = await subscribe(client, alice, f"{push_server.base}/p", standard=True)
    await mention(factory, bob, alice, "psst", visibility="direct")
    await drain(app)
    payload = decrypt(push_server.received[0], subscriber, True)
    async with db() as session:
        participation = await session.scalar(
            select(ConversationParticipation.id).where(
                ConversationParticipation.account_id == alice.account.id
            )
        )
    assert payload["title"] == "New Direct Message" and payload["body"] == "@bob: @alice psst"
    assert payload["pleroma"]["direct_conversation_id"] == str(participation)


async def test_long_text_is_cut_and_a_content_warning_shown_instead(
    client, factory, app, push_server
):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    subscriber, _ = await subscribe(client, alice, f"{push_server.base}/p", standard=True)
    await mention(factory, bob, alice, "word " * 40)
    await mention(factory, bob, alice, "the spoiled ending", spoiler_text="film talk")
    await drain(app)
    # The two jobs may run in either order: tell the pushes apart by what they say.
    payloads = [decrypt(r, subscriber, True) for r in push_server.received]
    assert len(payloads) == 2
    [warned] = [p for p in payloads if "film talk" in p["body"]]
    [long] = [p for p in payloads if p is not warned]
    text = long["body"].removeprefix("@bob: ")
    assert len(text) == 80 and text.endswith("...") and text.startswith("@alice word word")
    assert warned["body"] == "@bob: film talk"


async def test_follow_push_and_hidden_contents(client, factory, db, app, push_server):
    alice = await factory.user("alice")
    carol = await factory.user("carol", notification_settings={"hide_notification_contents": True})
    bob = await factory.user("bob")
    alerts = {"follow": True}
    alice_sub, _ = await subscribe(client, alice, f"{push_server.base}/a", alerts=alerts)
    carol_sub, _ = await subscribe(client, carol, f"{push_server.base}/c", alerts=alerts)
    for target in (alice, carol):
        response = await client.post(f"/api/v1/accounts/{target.id}/follow", headers=bob.headers)
        assert response.status_code == 200
    await drain(app)
    by_path = {r.path: r for r in push_server.received}
    shown = decrypt(by_path["/a"], alice_sub, False)
    assert shown["title"] == "New Follower" and shown["body"] == "@bob has followed you"
    assert shown["pleroma"]["activity_id"] is None
    hidden = decrypt(by_path["/c"], carol_sub, False)
    assert "title" not in hidden and hidden["body"] == "New Follower"
    assert hidden["notification_type"] == "follow"


async def test_each_subscription_gets_its_own_job(client, factory, db, app, push_server):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    phone = {"Authorization": f"Bearer {await factory.token(alice.account)}"}
    await subscribe(client, alice, f"{push_server.base}/desktop")
    response = await client.post(
        URL, json=Subscriber().body(f"{push_server.base}/phone"), headers=phone
    )
    assert response.status_code == 200
    await mention(factory, bob, alice)
    assert len(await push_jobs(db)) == 2
    await drain(app)
    assert sorted(r.path for r in push_server.received) == ["/desktop", "/phone"]


# --- which notifications are pushed ------------------------------------------------------


async def test_alerts_off_means_no_job(client, factory, db, app, push_server):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    await subscribe(client, alice, f"{push_server.base}/p", alerts={"follow": True})
    await mention(factory, bob, alice)
    assert len(await notifications_of(db, alice.id)) == 1
    assert await push_jobs(db) == []
    await drain(app)
    assert push_server.received == []


async def test_no_subscription_means_no_job(factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    await mention(factory, bob, alice)
    assert await push_jobs(db) == []


async def test_muted_sender_is_not_pushed(client, factory, db, push_server):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    await subscribe(client, alice, f"{push_server.base}/p")
    response = await client.post(
        f"/api/v1/accounts/{bob.id}/mute", data={"notifications": "false"}, headers=alice.headers
    )
    assert response.status_code == 200
    await mention(factory, bob, alice)
    [notification] = await notifications_of(db, alice.id)
    assert notification.seen is True
    assert await push_jobs(db) == []


async def test_policy_followed_pushes_only_followed_accounts(client, factory, db, app, push_server):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    carol = await factory.user("carol")
    await subscribe(client, alice, f"{push_server.base}/p", policy="followed")
    await client.post(f"/api/v1/accounts/{carol.id}/follow", headers=alice.headers)
    await mention(factory, bob, alice, "stranger")
    await mention(factory, carol, alice, "friend")
    assert len(await push_jobs(db)) == 1
    await drain(app)
    assert len(push_server.received) == 1


async def test_policy_follower_and_none(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    await subscribe(client, alice, "https://push.example/p", policy="follower")
    await mention(factory, bob, alice, "not following yet")
    assert await push_jobs(db) == []
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    await mention(factory, bob, alice, "following now")
    assert len(await push_jobs(db)) == 1
    await client.put(
        URL, json={"data": {"alerts": {"mention": True}, "policy": "none"}}, headers=alice.headers
    )
    await mention(factory, bob, alice, "nobody")
    assert len(await push_jobs(db)) == 1


async def test_alerts_switched_off_before_delivery(client, factory, db, app, push_server):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    await subscribe(client, alice, f"{push_server.base}/p")
    await mention(factory, bob, alice)
    await client.put(URL, json={"data": {"alerts": {"poll": True}}}, headers=alice.headers)
    await drain(app)
    assert push_server.received == []
    [job] = await push_jobs(db)
    assert job.state == COMPLETED


# --- what the push service's answer does -------------------------------------------------


@pytest.mark.parametrize("status", [404, 410])
async def test_gone_subscription_is_deleted(client, factory, db, app, push_server, status):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    await subscribe(client, alice, f"{push_server.base}/p")
    push_server.status = status
    await mention(factory, bob, alice)
    await drain(app)
    assert len(push_server.received) == 1
    assert await stored_subscriptions(db) == []
    [job] = await push_jobs(db)
    assert job.state == COMPLETED
    assert (await client.get(URL, headers=alice.headers)).status_code == 404


async def test_server_error_is_retried(client, factory, db, app, push_server):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    await subscribe(client, alice, f"{push_server.base}/secret-path")
    push_server.status = 503
    await mention(factory, bob, alice)
    await drain(app)
    [job] = await push_jobs(db)
    assert job.state == AVAILABLE and job.attempt == 1
    assert "503" in job.last_error and "127.0.0.1" in job.last_error
    assert "secret-path" not in job.last_error  # an endpoint URL is a credential
    assert job.scheduled_at > utcnow()
    assert len(await stored_subscriptions(db)) == 1

    push_server.status = 201
    await make_due(db, job.id)
    await drain(app)
    assert len(push_server.received) == 2
    [job] = await push_jobs(db)
    assert job.state == COMPLETED


async def test_too_many_requests_waits_for_retry_after(client, factory, db, app, push_server):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    await subscribe(client, alice, f"{push_server.base}/p")
    push_server.status = 429
    push_server.headers = {"Retry-After": "120"}
    await mention(factory, bob, alice)
    await drain(app)
    [job] = await push_jobs(db)
    assert job.state == AVAILABLE
    wait = (job.scheduled_at - utcnow()).total_seconds()
    assert 100 < wait <= 121


async def test_other_client_error_gives_up(client, factory, db, app, push_server):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    await subscribe(client, alice, f"{push_server.base}/p")
    push_server.status = 400
    await mention(factory, bob, alice)
    await drain(app)
    [job] = await push_jobs(db)
    assert job.state == DISCARDED and "400" in job.last_error
    assert len(push_server.received) == 1
    assert len(await stored_subscriptions(db)) == 1


async def test_unreachable_push_service_is_retried(client, factory, db, app):
    closed = PushServer()
    await closed.start()
    await closed.stop()  # nothing listens on that port any more
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    await subscribe(client, alice, f"{closed.base}/p")
    await mention(factory, bob, alice)
    await drain(app)
    [job] = await push_jobs(db)
    assert job.state == AVAILABLE and "unreachable" in job.last_error


async def _subscription_row(db, user, endpoint: str) -> None:
    """A subscription written directly (the API would refuse this endpoint)."""
    subscriber = Subscriber()
    async with db() as session:
        token = await session.scalar(
            select(OAuthToken).where(OAuthToken.token_digest == digest(user.token))
        )
        session.add(
            PushSubscription(
                id=new_id(),
                account_id=user.account.id,
                token_id=token.id,
                endpoint=endpoint,
                key_p256dh=subscriber.p256dh,
                key_auth=subscriber.auth,
                alerts={"mention": True},
                policy="all",
                standard=True,
            )
        )
        await session.commit()


@pytest.mark.parametrize("settings_overrides", [{"allow_private_fetch": False}])
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_private_address_refused_without_private_fetch(factory, db, app, push_server, host):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    await _subscription_row(db, alice, f"http://{host}:{push_server.port}/p")
    await mention(factory, bob, alice)
    await drain(app)
    [job] = await push_jobs(db)
    assert job.state == DISCARDED and "refused" in job.last_error
    assert push_server.received == []
    assert len(await stored_subscriptions(db)) == 1
