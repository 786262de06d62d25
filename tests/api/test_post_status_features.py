"""POST /api/v1/statuses features: media, polls, quotes, ``to[]``, conversations, expiring
posts, Idempotency-Key and preview (docs/api/posting.md)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select

from pyleroma.db.base import utcnow
from pyleroma.models import (
    Account,
    Conversation,
    ConversationParticipation,
    Hashtag,
    IdempotencyKey,
    MediaAttachment,
    Notification,
    Poll,
    Status,
    StatusMention,
)
from tests.api.posting_helpers import (
    count,
    drain,
    jobs,
    make_due,
    media,
    notifications,
    post,
    status_row,
)

# --- media -------------------------------------------------------------------------------


async def test_own_media_is_attached_in_the_given_order(client, factory, db):
    alice = await factory.user("alice")
    first, second = await media(db, alice.account), await media(db, alice.account)

    data = (await post(client, alice, status="pics", media_ids=[str(second), str(first)])).json()

    assert [m["id"] for m in data["media_attachments"]] == [str(second), str(first)]
    assert data["media_attachments"][0]["type"] == "image"
    async with db() as session:
        rows = {m.id: m for m in (await session.execute(select(MediaAttachment))).scalars()}
        status = await session.get(Status, int(data["id"]))
    assert status.has_media is True
    assert (rows[second].status_id, rows[second].position) == (status.id, 0)
    assert (rows[first].status_id, rows[first].position) == (status.id, 1)


async def test_media_alone_is_a_status(client, factory, db):
    alice = await factory.user("alice")
    item = await media(db, alice.account)

    response = await post(client, alice, media_ids=[str(item)])

    assert response.status_code == 200
    assert response.json()["content"] == ""


async def test_form_encoded_media_ids(client, factory, db):
    alice = await factory.user("alice")
    item = await media(db, alice.account)

    response = await client.post(
        "/api/v1/statuses", headers=alice.headers, data={"status": "x", "media_ids[]": str(item)}
    )

    assert [m["id"] for m in response.json()["media_attachments"]] == [str(item)]


async def test_bad_media_ids_are_422_and_nothing_is_written(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    bobs = await media(db, bob.account)
    used = await factory.status(alice.account, "earlier")
    attached = await media(db, alice.account, status_id=used.id)

    cases = {
        str(bobs): "You can only attach your own media",
        "999": "Media attachment 999 not found",
        "junk": "Media attachment junk not found",
        str(attached): f"Media attachment {attached} is already attached to a status",
    }
    for media_id, error in cases.items():
        response = await post(client, alice, status="x", media_ids=[media_id])
        assert response.status_code == 422
        assert response.json() == {"error": error}
    assert await count(db, Status) == 1
    async with db() as session:
        assert (await session.get(MediaAttachment, bobs)).status_id is None


@pytest.mark.parametrize("settings_overrides", [{"max_media_attachments": 2}])
async def test_media_limit(client, factory, db):
    alice = await factory.user("alice")
    ids = [str(await media(db, alice.account)) for _ in range(3)]

    response = await post(client, alice, status="x", media_ids=ids)

    assert response.status_code == 422
    assert "Too many media attachments" in response.json()["error"]
    assert (await post(client, alice, status="x", media_ids=ids[:2])).status_code == 200


# --- polls -------------------------------------------------------------------------------


async def test_poll_is_created_with_its_end_job(client, factory, db):
    alice = await factory.user("alice")
    before = utcnow()

    data = (
        await post(
            client,
            alice,
            status="Who is #bestgrill?",
            poll={"options": ["Rei", "Asuka", "Rei"], "expires_in": "420", "multiple": "true"},
        )
    ).json()

    poll = data["poll"]
    assert [o["title"] for o in poll["options"]] == ["Rei", "Asuka"]
    assert poll["multiple"] is True and poll["expired"] is False
    async with db() as session:
        row = await session.scalar(select(Poll))
        status = await session.get(Status, int(data["id"]))
    assert status.has_poll is True
    assert row.status_id == status.id and str(row.id) == poll["id"]
    assert 419 <= (row.expires_at - before).total_seconds() <= 430
    [end] = await jobs(db, "poll.end")
    assert end.args == {"poll_id": row.id}
    assert end.scheduled_at == row.expires_at
    assert end.unique_key == f"poll.end:{row.id}"


async def test_poll_from_a_form(client, factory, db):
    alice = await factory.user("alice")

    response = await client.post(
        "/api/v1/statuses",
        headers=alice.headers,
        data={
            "status": "form poll",
            "poll[options][]": ["a", "b", "c"],
            "poll[expires_in]": "900",
        },
    )

    assert response.status_code == 200
    assert [o["title"] for o in response.json()["poll"]["options"]] == ["a", "b", "c"]
    assert response.json()["poll"]["multiple"] is False


async def test_poll_hide_totals_is_stored(client, factory, db):
    alice = await factory.user("alice")

    await post(
        client,
        alice,
        status="q",
        poll={"options": ["a", "b"], "expires_in": 600, "hide_totals": True},
    )

    async with db() as session:
        assert (await session.scalar(select(Poll))).hide_totals is True


@pytest.mark.parametrize(
    ("poll", "error"),
    [
        ({"options": ["only"], "expires_in": 600}, "Poll must contain at least 2 options"),
        ({"options": ["mew", "mew"], "expires_in": 600}, "Poll must contain at least 2 options"),
        (
            {"options": [f"o{i}" for i in range(21)], "expires_in": 600},
            "Poll can't contain more than 20 options",
        ),
        (
            {"options": ["x" * 201, "y"], "expires_in": 600},
            "Poll options cannot be longer than 200 characters each",
        ),
        ({"options": ["a", "b"], "expires_in": -1}, "Expiration date is too soon"),
        (
            {"options": ["a", "b"], "expires_in": 365 * 24 * 3600 + 1},
            "Expiration date is too far in the future",
        ),
        ({"options": ["a", "b"]}, "Invalid poll"),
        ({"expires_in": 600}, "Invalid poll"),
        ({"options": ["a", "b"], "expires_in": "soon"}, "Invalid poll"),
        ({"options": ["a", ""], "expires_in": 600}, "Poll options cannot be blank"),
        ("not a poll", "Invalid poll"),
    ],
)
async def test_poll_validation(client, factory, db, poll, error):
    alice = await factory.user("alice")

    response = await post(client, alice, status="poll", poll=poll)

    assert response.status_code == 422
    assert response.json() == {"error": error}
    assert await count(db, Poll) == 0
    assert await count(db, Status) == 0


# --- quotes ------------------------------------------------------------------------------


async def test_quote_embeds_the_quoted_status_and_counts(client, factory, db, app):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    quoted = await factory.status(alice.account, "quotable")

    data = (await post(client, bob, status="look at this", quote_id=str(quoted.id))).json()

    assert data["quote_id"] == str(quoted.id)
    assert data["quote"]["id"] == str(quoted.id)
    assert data["pleroma"]["quote"]["content"] == "quotable"
    url = f"{app.state.settings.base_url}/notice/{quoted.id}"
    assert data["pleroma"]["quote_url"] == url
    assert f'RE: <a href="{url}">' in data["content"]
    assert data["pleroma"]["conversation_id"] == int(data["id"])
    assert (await status_row(db, quoted.id)).quotes_count == 1


async def test_quote_rules(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    private = await factory.status(alice.account, "secret", visibility="private")
    own_private = await factory.status(bob.account, "mine", visibility="private")

    invisible = await post(client, bob, status="q", quote_id=str(private.id))
    not_public = await post(client, bob, status="q", quote_id=str(own_private.id))
    missing = await post(client, bob, status="q", quote_id="123")
    malformed = await post(client, bob, status="q", quote_id="abc")

    assert invisible.json() == {"error": "You can't quote a status that doesn't exist"}
    assert not_public.json() == {"error": "You can only quote public or unlisted statuses"}
    assert missing.status_code == malformed.status_code == invisible.status_code == 422
    assert not_public.status_code == 422
    assert (await status_row(db, own_private.id)).quotes_count == 0


# --- to[] and conversations --------------------------------------------------------------


async def test_to_replaces_the_mentions_as_recipients(client, factory, db):
    alice, bob, carol = (
        await factory.user("alice"),
        await factory.user("bob"),
        await factory.user("carol"),
    )

    data = (
        await post(client, alice, status="@bob hi", to=["carol", "@nobody"], visibility="direct")
    ).json()

    assert [m["acct"] for m in data["mentions"]] == ["carol"]
    assert 'class="u-url mention"' in data["content"]  # the text still links @bob
    assert [n[1] for n in await notifications(db)] == [carol.account.id]
    url = f"/api/v1/statuses/{data['id']}"
    assert (await client.get(url, headers=carol.headers)).status_code == 200
    assert (await client.get(url, headers=bob.headers)).status_code == 404


async def test_empty_to_addresses_nobody(client, factory, db):
    alice = await factory.user("alice")
    await factory.user("bob")

    data = (await post(client, alice, status="@bob hi", to=[])).json()

    assert data["mentions"] == []
    assert await notifications(db) == []


async def _participations(db, conversation_id=None) -> dict[int, ConversationParticipation]:
    async with db() as session:
        stmt = select(ConversationParticipation)
        if conversation_id is not None:
            stmt = stmt.where(ConversationParticipation.conversation_id == conversation_id)
        rows = (await session.execute(stmt)).scalars()
        return {p.account_id: p for p in rows}


async def test_direct_status_keeps_its_conversation(client, factory, db):
    alice, bob, carol = (
        await factory.user("alice"),
        await factory.user("bob"),
        await factory.user("carol"),
    )

    first = (await post(client, alice, status="@bob @carol plan?", visibility="direct")).json()

    async with db() as session:
        conversation = await session.scalar(select(Conversation))
    assert conversation.thread_id == int(first["id"])
    parts = await _participations(db)
    ids = sorted([alice.account.id, bob.account.id, carol.account.id])
    assert set(parts) == set(ids)
    assert parts[alice.account.id].read is True
    assert parts[bob.account.id].read is False and parts[carol.account.id].read is False
    assert all(p.recipient_ids == ids for p in parts.values())
    assert all(p.last_status_id == int(first["id"]) for p in parts.values())
    assert first["pleroma"]["direct_conversation_id"] == parts[alice.account.id].id

    # Bob answers the conversation without naming anyone: everyone in it is addressed.
    reply = await post(
        client,
        bob,
        status="tomorrow",
        in_reply_to_conversation_id=str(parts[bob.account.id].id),
        visibility="public",
    )

    data = reply.json()
    assert reply.status_code == 200
    assert data["visibility"] == "direct"
    assert data["pleroma"]["conversation_id"] == int(first["id"])
    assert {m["acct"] for m in data["mentions"]} == {"alice", "carol"}
    assert data["pleroma"]["direct_conversation_id"] == parts[bob.account.id].id
    after = await _participations(db)
    assert after[bob.account.id].read is True
    assert after[alice.account.id].read is False
    assert all(p.last_status_id == int(data["id"]) for p in after.values())
    assert after[alice.account.id].updated_at >= parts[alice.account.id].updated_at
    url = f"/api/v1/statuses/{data['id']}"
    assert (await client.get(url, headers=carol.headers)).status_code == 200


async def test_someone_elses_conversation_is_404(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    mallory = await factory.user("mallory")
    await post(client, alice, status="@bob hi", visibility="direct")
    parts = await _participations(db)

    for target in (str(parts[bob.account.id].id), "999", "x"):
        response = await post(client, mallory, status="hi", in_reply_to_conversation_id=target)
        assert response.status_code == 404
    assert await count(db, Status, Status.account_id == mallory.account.id) == 0


async def test_a_blocking_participant_gets_the_conversation_as_read(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    carol = await factory.user("carol")
    assert (
        await client.post(f"/api/v1/accounts/{alice.id}/block", headers=carol.headers)
    ).status_code == 200

    await post(client, alice, status="@bob @carol hi", visibility="direct")

    parts = await _participations(db)
    assert parts[carol.account.id].read is True
    assert parts[bob.account.id].read is False


async def test_public_statuses_have_no_conversation(client, factory, db):
    alice = await factory.user("alice")
    await factory.user("bob")

    data = (await post(client, alice, status="@bob hi", visibility="private")).json()

    assert data["pleroma"]["direct_conversation_id"] is None
    assert await count(db, Conversation) == 0


# --- expiring posts ----------------------------------------------------------------------


async def test_expiring_post_is_deleted_by_its_job(client, factory, db, app):
    alice = await factory.user("alice")
    before = utcnow()

    data = (await post(client, alice, status="short-lived", expires_in=7200)).json()

    stored = await status_row(db, data["id"])
    assert 7199 <= (stored.expires_at - before).total_seconds() <= 7210
    assert data["pleroma"]["expires_at"] is not None
    bob = await factory.user("bob")
    seen_by_bob = await client.get(f"/api/v1/statuses/{data['id']}", headers=bob.headers)
    assert seen_by_bob.json()["pleroma"]["expires_at"] is None  # only the author is told
    [job] = await jobs(db, "status.expire")
    assert job.args == {"status_id": stored.id}
    assert job.scheduled_at == stored.expires_at
    await drain(app)
    assert await status_row(db, data["id"]) is not None  # not due yet

    async with db() as session:
        row = await session.get(Status, stored.id)
        row.expires_at = utcnow() - dt.timedelta(seconds=5)
        await session.commit()
    await make_due(db, "status.expire")
    await drain(app)

    assert await status_row(db, data["id"]) is None
    async with db() as session:
        assert (await session.get(Account, alice.account.id)).statuses_count == 0


async def test_expires_in_limits(client, factory, db):
    alice = await factory.user("alice")

    for seconds in (60, 600):
        response = await post(client, alice, status="x", expires_in=seconds)
        assert response.status_code == 422
        assert response.json() == {"error": "Expiry date is too soon"}
    zero = await post(client, alice, status="x", expires_in=0)
    assert zero.status_code == 200
    assert (await status_row(db, zero.json()["id"])).expires_at is None
    assert await jobs(db, "status.expire") == []


# --- idempotency and preview -------------------------------------------------------------


async def test_idempotency_key_returns_the_same_status(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")

    first = await post(client, alice, status="once", idempotency_key="Pikachu rocks!")
    again = await post(client, alice, status="once", idempotency_key="Pikachu rocks!")
    other_key = await post(client, alice, status="once", idempotency_key="another")
    other_user = await post(client, bob, status="once", idempotency_key="Pikachu rocks!")

    assert first.status_code == again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert other_key.json()["id"] != first.json()["id"]
    assert other_user.json()["id"] not in (first.json()["id"], other_key.json()["id"])
    assert await count(db, Status, Status.account_id == alice.account.id) == 2
    assert await count(db, IdempotencyKey) == 3


async def test_concurrent_requests_with_one_key_make_one_status(client, factory, db):
    alice = await factory.user("alice")

    responses = await asyncio.gather(
        *(post(client, alice, status="double tap", idempotency_key="tap") for _ in range(4))
    )

    assert [r.status_code for r in responses] == [200] * 4
    assert len({r.json()["id"] for r in responses}) == 1
    assert await count(db, Status) == 1


async def test_failed_request_does_not_use_up_its_key(client, factory, db):
    alice = await factory.user("alice")

    failed = await post(client, alice, status="", idempotency_key="k1")
    retried = await post(client, alice, status="now with text", idempotency_key="k1")

    assert failed.status_code == 422
    assert retried.status_code == 200
    assert retried.json()["content"] == "now with text"


async def test_key_of_a_deleted_status_or_expired_key_posts_again(client, factory, db):
    alice = await factory.user("alice")
    first = (await post(client, alice, status="a", idempotency_key="k")).json()
    async with db() as session:
        key = await session.scalar(select(IdempotencyKey))
        key.created_at = utcnow() - dt.timedelta(hours=7)
        await session.commit()

    second = (await post(client, alice, status="a", idempotency_key="k")).json()

    assert second["id"] != first["id"]
    assert (await post(client, alice, status="a", idempotency_key="k")).json()["id"] == second["id"]


async def test_preview_renders_without_writing(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    parent = await factory.status(bob.account, "root")
    item = await media(db, alice.account)

    response = await post(
        client,
        alice,
        status="@bob #preview test",
        preview="true",
        in_reply_to_id=str(parent.id),
        media_ids=[str(item)],
        poll={"options": ["a", "b"], "expires_in": 600},
        expires_in=7200,
        visibility="direct",
    )

    data = response.json()
    assert response.status_code == 200
    assert data["visibility"] == "direct"
    assert [m["acct"] for m in data["mentions"]] == ["bob"]
    assert [t["name"] for t in data["tags"]] == ["preview"]
    assert data["poll"]["options"][0]["title"] == "a"
    assert data["media_attachments"][0]["id"] == str(item)
    assert await count(db, Status) == 1
    for model in (StatusMention, Notification, Poll, Hashtag, Conversation):
        assert await count(db, model) == 0
    assert {j.kind for j in await jobs(db)} == {"timeline.fanout"}  # the parent's only
    async with db() as session:
        assert (await session.get(MediaAttachment, item)).status_id is None
        assert (await session.get(Account, alice.account.id)).statuses_count == 0
        assert (await session.get(Status, parent.id)).replies_count == 0
    assert await notifications(db) == []
