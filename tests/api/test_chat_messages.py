"""Sending and deleting chat messages through Pleroma's chat API (both prefixes): the
ChatMessage entity field by field, attachments, custom emoji, the Idempotency-Key, the
recipient's chat and ``pleroma:chat_mention`` notification (with its ``chat_message``),
and every refusal (no content, too long, blocks, a recipient taking no chats, someone
else's chat or upload). Also ``accepts_chat_messages`` on the Account entity."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.models import Account, ChatMessage, MediaAttachment
from tests.api.chat_helpers import (
    MESSAGE_FIELDS,
    PREFIXES,
    V1,
    block,
    chat_notifications,
    chat_with,
    message_count,
    open_chat,
    reference_rows,
    send,
)
from tests.api.emoji_helpers import install_packs
from tests.conftest import BASE_URL
from tests.media_samples import png_bytes

BLOBCAT = f"{BASE_URL}/emoji/blobs/blobcat.png"


async def _upload(client, user) -> dict:
    response = await client.post(
        "/api/v1/media", files={"file": ("cat.png", png_bytes(), "image/png")},
        headers=user.headers,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_a_message_reaches_the_recipients_chat(client, factory, db, app, prefix):
    install_packs(app)
    alice, bob = await factory.user("alice"), await factory.user("bob")
    chat = await open_chat(client, alice, bob, prefix)
    response = await client.post(
        f"{prefix}/chats/{chat['id']}/messages",
        json={"content": "hi @bob, see https://example.com :blobcat: <b>x</b>"},
        headers={**alice.headers, "Idempotency-Key": "key-123"},
    )
    assert response.status_code == 200, response.text
    sent = response.json()
    assert set(sent) == MESSAGE_FIELDS | {"idempotency_key"}
    assert sent["idempotency_key"] == "key-123"
    assert sent["chat_id"] == chat["id"] and sent["account_id"] == alice.id
    assert sent["unread"] is False and sent["attachment"] is None and sent["card"] is None
    assert 'href="https://example.com"' in sent["content"]
    assert "<b>" not in sent["content"] and "&lt;b&gt;" in sent["content"]
    assert sent["emojis"] == [
        {"shortcode": "blobcat", "url": BLOBCAT, "static_url": BLOBCAT, "visible_in_picker": False}
    ]
    assert sent["created_at"].endswith("Z")

    rows = await reference_rows(db)
    assert sorted((owner, sender, unread) for owner, sender, _, unread in rows) == sorted(
        [(alice.account.id, alice.account.id, False), (bob.account.id, alice.account.id, True)]
    )
    # bob's side: his chat with one unread, and the notification naming the message.
    [bob_chat] = (await client.get(f"{prefix}/chats", headers=bob.headers)).json()
    assert bob_chat["account"]["id"] == alice.id and bob_chat["unread"] == 1
    received = bob_chat["last_message"]
    assert received["unread"] is True and received["chat_id"] == bob_chat["id"]
    assert {k: v for k, v in received.items() if k not in ("id", "chat_id", "unread")} == {
        k: v for k, v in sent.items() if k not in ("id", "chat_id", "unread")
    }
    [(notification_id, recipient_id)] = await chat_notifications(db)
    assert (str(notification_id), recipient_id) == (received["id"], bob.account.id)
    listed = await client.get(
        "/api/v1/notifications",
        params={"include_types[]": "pleroma:chat_mention"},
        headers=bob.headers,
    )
    [notification] = listed.json()
    assert notification["type"] == "pleroma:chat_mention"
    assert notification["account"]["id"] == alice.id
    assert notification["chat_message"] == received
    # Pleroma leaves chat mentions out of the default notification list.
    default = await client.get("/api/v1/notifications", headers=bob.headers)
    assert default.json() == []


async def test_a_message_with_only_an_attachment(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    chat = await open_chat(client, alice, bob)
    media = await _upload(client, alice)
    sent = await send(client, alice, chat["id"], media_id=media["id"])
    assert sent["content"] is None
    assert sent["attachment"]["id"] == media["id"]
    assert sent["attachment"]["type"] == "image" and sent["attachment"]["url"] == media["url"]
    async with db() as session:
        message = await session.scalar(select(ChatMessage))
        assert message.media_attachment_id == int(media["id"]) and message.content == ""
    [bob_chat] = (await client.get(f"{V1}/chats", headers=bob.headers)).json()
    assert bob_chat["last_message"]["attachment"] == sent["attachment"]
    # a form body, text and the upload together
    form = await client.post(
        f"{V1}/chats/{chat['id']}/messages", data={"content": "and this", "media_id": media["id"]},
        headers=alice.headers,
    )  # fmt: skip
    assert form.status_code == 200
    assert form.json()["content"] == "and this" and form.json()["attachment"]["id"] == media["id"]


@pytest.mark.parametrize("settings_overrides", [{"chat_limit": 10}])
async def test_bad_messages_are_refused_and_nothing_is_stored(client, factory, db):
    alice, bob, carol = [await factory.user(n) for n in ("alice", "bob", "carol")]
    chat = await open_chat(client, alice, bob)
    path = f"{V1}/chats/{chat['id']}/messages"
    for body in ({}, {"content": ""}, {"content": "   "}):
        empty = await client.post(path, json=body, headers=alice.headers)
        assert empty.status_code == 400 and empty.json() == {"error": "no_content"}
    long = await client.post(path, json={"content": "x" * 11}, headers=alice.headers)
    assert long.status_code == 400 and long.json() == {"error": "content_too_long"}
    assert (
        await client.post(path, json={"content": "x" * 10}, headers=alice.headers)
    ).status_code == 200
    theirs = await _upload(client, carol)
    others = await client.post(path, json={"media_id": theirs["id"]}, headers=alice.headers)
    assert others.status_code == 400 and "error" in others.json()
    for media_id in ("nope", "99999"):
        bad = await client.post(path, json={"media_id": media_id}, headers=alice.headers)
        assert bad.status_code == 400 and "error" in bad.json()
    assert (await client.post(path, json={"content": "hi"})).status_code == 401
    reader = await factory.token(alice.account, ["read", "write:statuses"])
    denied = await client.post(
        path, json={"content": "hi"}, headers={"Authorization": f"Bearer {reader}"}
    )
    assert denied.status_code == 403
    not_mine = await client.post(path, json={"content": "hi"}, headers=carol.headers)
    assert not_mine.status_code == 404 and not_mine.json() == {"error": "Record not found"}
    unknown = await client.post(
        f"{V1}/chats/1/messages", json={"content": "hi"}, headers=alice.headers
    )
    assert unknown.status_code == 404
    assert await message_count(db) == 1  # the 10 characters only
    async with db() as session:
        media = await session.get(MediaAttachment, int(theirs["id"]))
        assert media.status_id is None


async def test_blocks_and_closed_chats_refuse_messages(client, factory, db):
    alice, bob, carol = [await factory.user(n) for n in ("alice", "bob", "carol")]
    to_bob = await open_chat(client, alice, bob)
    to_carol = await open_chat(client, alice, carol)
    await block(client, bob, alice)
    blocked = await send(client, alice, to_bob["id"], "hi", expect=403)
    assert "block" in blocked["error"]
    # the other way round: alice blocks carol, and cannot write to her either
    await block(client, alice, carol)
    blocking = await send(client, alice, to_carol["id"], "hi", expect=403)
    assert "block" in blocking["error"]
    # dave turns chats off
    dave = await factory.user("dave")
    to_dave = await open_chat(client, alice, dave)
    changed = await client.patch(
        "/api/v1/accounts/update_credentials", json={"accepts_chat_messages": False},
        headers=dave.headers,
    )  # fmt: skip
    assert changed.status_code == 200
    assert changed.json()["pleroma"]["accepts_chat_messages"] is False
    closed = await send(client, alice, to_dave["id"], "hi", expect=403)
    assert closed == {"error": "the recipient does not accept chat messages"}
    assert await message_count(db) == 0
    assert await chat_notifications(db) == []


async def test_accepts_chat_messages_on_the_account(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    shown = await client.get(f"/api/v1/accounts/{bob.id}", headers=alice.headers)
    assert shown.json()["pleroma"]["accepts_chat_messages"] is True
    off = await client.patch(
        "/api/v1/accounts/update_credentials", data={"accepts_chat_messages": "false"},
        headers=bob.headers,
    )  # fmt: skip
    assert off.status_code == 200
    async with db() as session:
        assert (await session.get(Account, bob.account.id)).accepts_chat_messages is False
    shown = await client.get(f"/api/v1/accounts/{bob.id}", headers=alice.headers)
    assert shown.json()["pleroma"]["accepts_chat_messages"] is False
    bad = await client.patch(
        "/api/v1/accounts/update_credentials", json={"accepts_chat_messages": "maybe"},
        headers=bob.headers,
    )  # fmt: skip
    assert bad.status_code == 422


async def test_deleting_ones_own_message_removes_it_everywhere(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    chat, [first, _] = await chat_with(client, alice, bob, "oops", "fine")
    path = f"{V1}/chats/{chat['id']}/messages/{first['id']}"
    reader = await factory.token(alice.account, ["read"])
    denied = await client.delete(path, headers={"Authorization": f"Bearer {reader}"})
    assert denied.status_code == 403
    response = await client.delete(path, headers=alice.headers)
    assert response.status_code == 200, response.text
    assert set(response.json()) == MESSAGE_FIELDS
    assert response.json()["id"] == first["id"] and response.json()["content"] == "oops"
    assert [content for _, _, content, _ in await reference_rows(db)] == ["fine", "fine"]
    assert len(await chat_notifications(db)) == 1
    [bob_chat] = (await client.get(f"{V1}/chats", headers=bob.headers)).json()
    assert bob_chat["unread"] == 1 and bob_chat["last_message"]["content"] == "fine"
    assert await message_count(db) == 1
    again = await client.delete(path, headers=alice.headers)
    assert again.status_code == 400 and again.json() == {"error": "could_not_delete"}


async def test_deleting_someone_elses_message_only_leaves_ones_chat(client, factory, db):
    alice, bob, carol = [await factory.user(n) for n in ("alice", "bob", "carol")]
    bob_chat, [sent] = await chat_with(client, bob, alice, "spam")
    chat = await open_chat(client, alice, bob)
    [mine] = (await client.get(f"{V1}/chats/{chat['id']}/messages", headers=alice.headers)).json()
    # carol cannot touch alice's chat, nor bob his message through alice's chat
    for user, chat_id in ((carol, chat["id"]), (bob, chat["id"]), (alice, bob_chat["id"])):
        refused = await client.delete(
            f"/api/pleroma/chats/{chat_id}/messages/{mine['id']}", headers=user.headers
        )
        assert refused.status_code == 400 and refused.json() == {"error": "could_not_delete"}
    assert (
        await client.delete(f"{V1}/chats/{chat['id']}/messages/{mine['id']}")
    ).status_code == 401
    response = await client.delete(
        f"/api/pleroma/chats/{chat['id']}/messages/{mine['id']}", headers=alice.headers
    )
    assert response.status_code == 200 and response.json()["id"] == mine["id"]
    assert await reference_rows(db) == [(bob.account.id, bob.account.id, "spam", False)]
    assert await chat_notifications(db) == []
    assert await message_count(db) == 1
    kept = await client.get(f"{V1}/chats/{bob_chat['id']}/messages", headers=bob.headers)
    assert [m["id"] for m in kept.json()] == [sent["id"]]


@pytest.mark.parametrize(
    ("software", "accepts"), [("pleroma", True), ("akkoma", True), ("mastodon", False)]
)
def test_remote_actors_accept_chats_only_when_they_say_so(app, software, accepts):
    """``capabilities.acceptsChatMessages`` of the actor; absent (Mastodon) is false."""
    from pyleroma.activities.normalize_actors import normalize_actor
    from pyleroma.federation.actors import actor_columns
    from tests.activities.pleroma_dialect_helpers import load_dialect

    raw = load_dialect(software, "actor_person")
    assert ("capabilities" in raw) is accepts
    columns = actor_columns(app.state.settings, normalize_actor(raw))
    assert columns["accepts_chat_messages"] is accepts
    raw["capabilities"] = {"acceptsChatMessages": False}
    assert actor_columns(app.state.settings, normalize_actor(raw))["accepts_chat_messages"] is False
