"""Chats: Pleroma's Create of a ChatMessage through the receive path (stored in the
recipient's chat, notified; or refused with nothing stored), and ours through the service
(services/chats.py): both sides' chats, the notification, the Create the recipient gets."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.activities.policies import Rejected
from pyleroma.errors import BadRequest, Forbidden
from pyleroma.models import (
    Chat,
    ChatMessage,
    ChatMessageReference,
    MediaAttachment,
    Notification,
    Status,
)
from pyleroma.services import chats
from tests.activities.pleroma_dialect_helpers import deliveries, dialect_author, load_dialect
from tests.activities.test_remote_posts import count, receive
from tests.api.relationship_helpers import remote_account, set_fields
from tests.api.status_read_helpers import block
from tests.conftest import BASE_URL

PLEROMAGIC = "https://pleroma.remote.test/emoji/custom/pleromagic.png"


async def _chat_rows(db) -> list[tuple]:
    """(chat owner, counterpart, message sender, unread) of every reference."""
    async with db() as session:
        rows = await session.execute(
            select(
                Chat.account_id,
                Chat.recipient_id,
                ChatMessage.account_id,
                ChatMessageReference.unread,
            )
            .join(Chat, Chat.id == ChatMessageReference.chat_id)
            .join(ChatMessage, ChatMessage.id == ChatMessageReference.message_id)
            .order_by(ChatMessageReference.id)
        )
        return [tuple(row) for row in rows]


async def _nothing_stored(db) -> None:
    for model in (ChatMessage, Chat, ChatMessageReference, Notification):
        assert await count(db, model) == 0, model


async def test_a_pleroma_chat_message_lands_in_the_recipients_chat(app, client, factory, db):
    zoe = await factory.user("zoe")
    bob = await dialect_author(db, "pleroma")
    raw = load_dialect("pleroma", "create_chat_message")

    message = await receive(app, bob, raw)
    assert isinstance(message, ChatMessage)
    assert (message.ap_id, message.account_id, message.recipient_id, message.local) == (
        raw["object"]["id"],
        bob.id,
        zoe.account.id,
        False,
    )
    assert "script" not in message.content and "fancy a chat?" in message.content
    assert message.emojis == {"pleromagic": PLEROMAGIC}
    assert message.media_attachment_id is None
    assert await _chat_rows(db) == [(zoe.account.id, bob.id, bob.id, True)]
    assert await count(db, Status) == 0  # a chat message is no post
    async with db() as session:
        reference = await session.scalar(select(ChatMessageReference))
        [notification] = (await session.scalars(select(Notification))).all()
        chat = await chats.chat_between(session, zoe.account.id, bob.id)
        assert await chats.unread_count(session, chat.id) == 1
    assert (notification.type, notification.account_id, notification.from_account_id) == (
        "pleroma:chat_mention",
        zoe.account.id,
        bob.id,
    )
    assert notification.id == reference.id  # names the message as the chat shows it
    assert notification.status_id is None
    assert await deliveries(db) == []

    # Not in the default notification list (Pleroma's), shown when asked for.
    listed = await client.get("/api/v1/notifications", headers=zoe.headers)
    assert listed.status_code == 200 and listed.json() == []
    asked = await client.get(
        "/api/v1/notifications",
        headers=zoe.headers,
        params={"include_types[]": "pleroma:chat_mention"},
    )
    assert [n["type"] for n in asked.json()] == ["pleroma:chat_mention"]

    # Delivered again: nothing new.
    await receive(app, bob, raw)
    assert len(await _chat_rows(db)) == 1
    assert await count(db, Notification) == 1

    # The next message goes to the same chat.
    second = load_dialect("pleroma", "create_chat_message_attachment")
    message = await receive(app, bob, second)
    assert message.content == ""
    async with db() as session:
        media = await session.get(MediaAttachment, message.media_attachment_id)
        assert (media.remote_url, media.description, media.status_id, media.account_id) == (
            "https://pleroma.remote.test/media/4c0f0049/fern.png",
            "a fern",
            None,
            bob.id,
        )
    assert await count(db, Chat) == 1
    assert len(await _chat_rows(db)) == 2


async def _refused(app, db, actor, raw):
    with pytest.raises(Rejected):
        await receive(app, actor, raw)
    await _nothing_stored(db)


async def test_a_chat_message_to_someone_not_ours_is_refused(app, factory, db):
    await factory.user("zoe")
    bob = await dialect_author(db, "pleroma")
    other = await remote_account(db, "ann", "other.remote.test")
    raw = load_dialect("pleroma", "create_chat_message")
    raw["to"] = raw["object"]["to"] = [other.ap_id]
    await _refused(app, db, bob, raw)


async def test_a_chat_message_to_two_recipients_is_refused(app, factory, db):
    zoe = await factory.user("zoe")
    amy = await factory.user("amy")
    bob = await dialect_author(db, "pleroma")
    raw = load_dialect("pleroma", "create_chat_message")
    raw["to"] = raw["object"]["to"] = [zoe.account.ap_id, amy.account.ap_id]
    await _refused(app, db, bob, raw)


async def test_a_chat_message_from_a_blocked_account_is_refused(app, factory, db):
    zoe = await factory.user("zoe")
    bob = await dialect_author(db, "pleroma")
    await block(db, zoe.account, bob)
    await _refused(app, db, bob, load_dialect("pleroma", "create_chat_message"))


async def test_a_chat_message_to_someone_refusing_chats_is_refused(app, factory, db):
    zoe = await factory.user("zoe")
    await set_fields(db, zoe.account.id, accepts_chat_messages=False)
    bob = await dialect_author(db, "pleroma")
    await _refused(app, db, bob, load_dialect("pleroma", "create_chat_message"))


@pytest.mark.parametrize(
    "case",
    ["create_names_another", "empty", "someone_elses", "other_host"],
)
async def test_malformed_chat_messages_are_refused(app, factory, db, case):
    zoe = await factory.user("zoe")
    amy = await factory.user("amy")
    bob = await dialect_author(db, "pleroma")
    raw = load_dialect("pleroma", "create_chat_message")
    if case == "create_names_another":
        raw["to"] = [amy.account.ap_id]
    elif case == "empty":
        raw["object"]["content"] = "  "
    elif case == "someone_elses":
        raw["object"]["attributedTo"] = raw["object"]["actor"] = f"{BASE_URL}/users/zoe"
    else:
        raw["object"]["id"] = "https://elsewhere.remote.test/objects/1"
    assert zoe.account.ap_id in raw["object"]["to"]
    await _refused(app, db, bob, raw)


async def test_our_chat_message_to_a_remote_account(app, factory, db):
    zoe = await factory.user("zoe")
    bob = await dialect_author(db, "pleroma")
    async with db() as session:
        message = await chats.post_chat_message(
            session, app.state.settings, zoe.account, bob, "see https://example.com :blank:"
        )
    assert message.ap_id == f"{BASE_URL}/objects/{message.id}"
    assert message.local is True
    assert 'href="https://example.com"' in message.content
    assert await _chat_rows(db) == [(zoe.account.id, bob.id, zoe.account.id, False)]
    assert await count(db, Notification) == 0

    [job] = await deliveries(db)
    assert job["inbox"] == bob.inbox
    assert job["actor_id"] == zoe.account.id
    create = job["activity"]
    assert create["type"] == "Create"
    assert create["id"] == f"{BASE_URL}/activities/{message.id}"
    assert create["actor"] == zoe.account.ap_id
    assert create["to"] == [bob.ap_id]
    note = create["object"]
    assert note["type"] == "ChatMessage"
    assert note["id"] == message.ap_id
    assert note["to"] == [bob.ap_id]
    assert note["attributedTo"] == note["actor"] == zoe.account.ap_id
    assert note["content"] == message.content
    assert "attachment" not in note


async def test_our_chat_message_to_a_local_account(app, factory, db):
    zoe = await factory.user("zoe")
    amy = await factory.user("amy")
    async with db() as session:
        message = await chats.post_chat_message(
            session, app.state.settings, zoe.account, amy.account, "hi"
        )
    assert sorted(await _chat_rows(db)) == sorted(
        [
            (amy.account.id, zoe.account.id, zoe.account.id, True),
            (zoe.account.id, amy.account.id, zoe.account.id, False),
        ]
    )
    async with db() as session:
        [notification] = (await session.scalars(select(Notification))).all()
        assert (notification.type, notification.account_id) == (
            "pleroma:chat_mention",
            amy.account.id,
        )
    assert message.content == "hi"
    assert await deliveries(db) == []


async def test_bad_chat_messages_of_ours_are_refused(app, factory, db):
    zoe = await factory.user("zoe")
    amy = await factory.user("amy")
    settings = app.state.settings
    async with db() as session:
        with pytest.raises(BadRequest):
            await chats.post_chat_message(session, settings, zoe.account, amy.account, "  ")
        with pytest.raises(BadRequest):
            await chats.post_chat_message(session, settings, zoe.account, zoe.account, "me")
        with pytest.raises(BadRequest):
            await chats.post_chat_message(session, settings, zoe.account, amy.account, media_id=1)
    await block(db, amy.account, zoe.account)
    async with db() as session:
        with pytest.raises(Forbidden):
            await chats.post_chat_message(session, settings, zoe.account, amy.account, "hi")
    await _nothing_stored(db)


async def test_a_remote_authors_delete_removes_the_message(app, factory, db):
    zoe = await factory.user("zoe")
    bob = await dialect_author(db, "pleroma")
    raw = load_dialect("pleroma", "create_chat_message")
    message = await receive(app, bob, raw)
    delete = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{bob.ap_id}/deletes/1",
        "type": "Delete",
        "actor": bob.ap_id,
        "object": {"id": message.ap_id, "type": "Tombstone"},
        "to": [zoe.account.ap_id],
    }
    # Another account of the same host cannot take it back.
    host = bob.ap_id.split("/")[2]
    mallory = await remote_account(db, "mallory", host)
    forged = {**delete, "id": f"{mallory.ap_id}/deletes/1", "actor": mallory.ap_id}
    with pytest.raises(Rejected):
        await receive(app, mallory, forged)
    assert await count(db, ChatMessage) == 1
    assert await receive(app, bob, delete) is True
    assert await count(db, ChatMessage) == 0
    assert await count(db, ChatMessageReference) == 0
    assert await count(db, Notification) == 0
    assert await count(db, Chat) == 1  # the chat stays, empty
