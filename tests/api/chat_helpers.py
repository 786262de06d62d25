"""Helpers of the chat API tests: opening chats, sending messages, the stored rows."""

from __future__ import annotations

from sqlalchemy import select

from pyleroma.models import Chat, ChatMessage, ChatMessageReference, Notification

V1 = "/api/v1/pleroma"
PREFIXES = ("/api/v1/pleroma", "/api/pleroma")
CHAT_FIELDS = {"id", "account", "unread", "last_message", "updated_at"}
MESSAGE_FIELDS = {
    "id", "account_id", "chat_id", "content", "created_at", "emojis", "attachment", "card",
    "unread",
}  # fmt: skip


async def open_chat(client, user, other, prefix: str = V1) -> dict:
    response = await client.post(f"{prefix}/chats/by-account-id/{other.id}", headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def send(client, user, chat_id, content=None, prefix: str = V1, expect=200, **body):
    if content is not None:
        body["content"] = content
    response = await client.post(
        f"{prefix}/chats/{chat_id}/messages", json=body, headers=user.headers
    )
    assert response.status_code == expect, response.text
    return response.json()


async def chat_with(client, sender, recipient, *texts) -> tuple[dict, list[dict]]:
    """``sender``'s chat with ``recipient`` and the messages sent in it."""
    chat = await open_chat(client, sender, recipient)
    return chat, [await send(client, sender, chat["id"], text) for text in texts]


async def block(client, user, target) -> None:
    response = await client.post(f"/api/v1/accounts/{target.id}/block", headers=user.headers)
    assert response.status_code == 200, response.text


async def mute(client, user, target) -> None:
    response = await client.post(f"/api/v1/accounts/{target.id}/mute", headers=user.headers)
    assert response.status_code == 200, response.text


async def chat_rows(db) -> list[tuple]:
    """(owner, counterpart) of every chat."""
    async with db() as session:
        rows = await session.execute(select(Chat.account_id, Chat.recipient_id).order_by(Chat.id))
        return [tuple(r) for r in rows]


async def reference_rows(db) -> list[tuple]:
    """(chat owner, sender, content, unread) of every reference, oldest first."""
    async with db() as session:
        rows = await session.execute(
            select(
                Chat.account_id,
                ChatMessage.account_id,
                ChatMessage.content,
                ChatMessageReference.unread,
            )
            .join(Chat, Chat.id == ChatMessageReference.chat_id)
            .join(ChatMessage, ChatMessage.id == ChatMessageReference.message_id)
            .order_by(ChatMessageReference.id, Chat.account_id)
        )
        return [tuple(r) for r in rows]


async def chat_notifications(db) -> list[tuple]:
    """(id, recipient) of every pleroma:chat_mention notification."""
    async with db() as session:
        rows = await session.execute(
            select(Notification.id, Notification.account_id)
            .where(Notification.type == "pleroma:chat_mention")
            .order_by(Notification.id)
        )
        return [tuple(r) for r in rows]


async def message_count(db) -> int:
    async with db() as session:
        return len((await session.scalars(select(ChatMessage.id))).all())
