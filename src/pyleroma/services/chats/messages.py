"""Sending and deleting chat messages (Pleroma's ChatMessage).

What Pleroma's ``CommonAPI.post_chat_message`` takes: text (plain, linkified, with custom
emoji) and/or one of the sender's unattached uploads, at most ``chat_limit`` characters, to
an account that accepts chat messages and does not block the sender, and never to oneself
(we also refuse a message to an account the sender blocks: its answers could not come
back). It goes through the activity pipeline (activities/handlers/chats.py): stored, each
local side's chat updated and told (``pleroma:chat_update``), the recipient notified
(``pleroma:chat_mention``), and a remote recipient gets the Create of the ChatMessage.

Pleroma's error texts are kept where clients may show them: ``no_content`` and
``content_too_long`` (400), ``could_not_delete`` (400).

Deleting, as Pleroma's ChatController: one's own message is deleted for everyone (a Delete
goes to a remote recipient, every local chat loses it); someone else's message is only
removed from one's own chat (the reference goes, the message stays for its author).
"""

from __future__ import annotations

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities import pipeline
from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.handlers.chats import ChatDraft, chat_update_event, refuses_chat_from
from pyleroma.db.ids import new_id
from pyleroma.errors import BadRequest, Forbidden
from pyleroma.models import (
    Account,
    Block,
    Chat,
    ChatMessage,
    ChatMessageReference,
    MediaAttachment,
    Notification,
)
from pyleroma.services.chats.reads import owned_chat
from pyleroma.services.text.emoji import find_emojis
from pyleroma.services.text.formatting import render_plain_text
from pyleroma.settings import Settings
from pyleroma.streaming.events import emit
from pyleroma.urls import activity_uri

# Longer Idempotency-Key headers are not kept (Pleroma keeps any; clients send UUIDs).
IDEMPOTENCY_KEY_MAX = 256


async def blocks(session: AsyncSession, blocker_id: int, target_id: int) -> bool:
    return bool(
        await session.scalar(
            select(exists().where(Block.account_id == blocker_id, Block.target_id == target_id))
        )
    )


async def check_chat_message(
    session: AsyncSession,
    settings: Settings,
    sender: Account,
    recipient: Account,
    content: str | None,
    media_id: int | None,
    idempotency_key: str | None = None,
) -> ChatDraft:
    """The checked message; BadRequest / Forbidden say what is wrong."""
    text = (content or "").strip()
    media = None
    if media_id is not None:
        media = await session.get(MediaAttachment, media_id)
        if media is None or media.account_id != sender.id:
            raise BadRequest("no such media attachment of yours")
        if media.status_id is not None:
            raise BadRequest("the media attachment is already attached to a status")
    if not text and media is None:
        raise BadRequest("no_content")
    if len(text) > settings.chat_limit:
        raise BadRequest("content_too_long")
    if recipient.id == sender.id:
        raise BadRequest("Cannot chat with yourself")
    refusal = await refuses_chat_from(session, recipient, sender)
    if refusal is not None:
        raise Forbidden(refusal)
    if await blocks(session, sender.id, recipient.id):
        raise Forbidden("you are blocking the recipient")
    html = render_plain_text(settings, text, {}).html if text else ""
    key = idempotency_key or None
    if key is not None and len(key) > IDEMPOTENCY_KEY_MAX:
        key = None
    return ChatDraft(recipient, html, find_emojis(settings, text), media, key)


async def post_chat_message(
    session: AsyncSession,
    settings: Settings,
    sender: Account,
    recipient: Account,
    content: str | None = None,
    *,
    media_id: int | None = None,
    idempotency_key: str | None = None,
) -> ChatMessage:
    """Send ``content`` (and/or the upload ``media_id``) from ``sender`` to ``recipient``;
    returns the stored ChatMessage. Commits."""
    draft = await check_chat_message(
        session, settings, sender, recipient, content, media_id, idempotency_key
    )
    row_id = new_id()
    activity = Activity(
        "ChatMessage", sender, draft, id=activity_uri(settings, row_id), row_id=row_id
    )
    return await pipeline.run(PipelineContext(session, settings), activity)


async def post_to_chat(
    session: AsyncSession,
    settings: Settings,
    owner: Account,
    chat_id: int | None,
    content: str | None,
    *,
    media_id: int | None = None,
    idempotency_key: str | None = None,
) -> ChatMessageReference:
    """POST /chats/:id/messages: send to the counterpart of ``owner``'s chat; the
    message as ``owner``'s chat shows it (its reference). Commits."""
    chat = await owned_chat(session, owner, chat_id)
    recipient = await session.get(Account, chat.recipient_id)
    if recipient is None:
        raise BadRequest("Recipient does not exist")
    message = await post_chat_message(
        session,
        settings,
        owner,
        recipient,
        content,
        media_id=media_id,
        idempotency_key=idempotency_key,
    )
    return (
        await session.execute(
            select(ChatMessageReference).where(
                ChatMessageReference.chat_id == chat.id,
                ChatMessageReference.message_id == message.id,
            )
        )
    ).scalar_one()


async def delete_from_chat(
    session: AsyncSession,
    settings: Settings,
    owner: Account,
    chat_id: int | None,
    reference_id: int | None,
) -> tuple[ChatMessageReference, ChatMessage]:
    """DELETE /chats/:id/messages/:message_id: (the reference, its message) as they were,
    for the answer. Commits."""
    found = None
    if chat_id is not None and reference_id is not None:
        found = (
            await session.execute(
                select(ChatMessageReference, ChatMessage)
                .join(ChatMessage, ChatMessage.id == ChatMessageReference.message_id)
                .join(Chat, Chat.id == ChatMessageReference.chat_id)
                .where(
                    ChatMessageReference.id == reference_id,
                    ChatMessageReference.chat_id == chat_id,
                    Chat.account_id == owner.id,
                )
            )
        ).first()
    if found is None:
        raise BadRequest("could_not_delete")
    reference, message = found
    if message.account_id == owner.id:
        activity = Activity(
            "Delete", owner, message, id=activity_uri(settings, new_id()), row_id=new_id()
        )
        await pipeline.run(PipelineContext(session, settings), activity)
    else:
        await session.execute(delete(Notification).where(Notification.id == reference.id))
        await session.execute(
            delete(ChatMessageReference).where(ChatMessageReference.id == reference.id)
        )
        emit(session, chat_update_event(owner.id, reference.chat_id))
        await session.commit()
    return reference, message
