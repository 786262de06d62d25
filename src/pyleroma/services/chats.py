"""Chats (Pleroma's ChatMessage): sending a message; the Pleroma chat API (a later issue)
calls these and reads the rows (models/chat.py).

What Pleroma's ``CommonAPI.post_chat_message`` takes: text (plain, linkified, with custom
emoji) and/or one of the sender's unattached uploads, at most ``max_status_chars``
characters (Pleroma's ``chat_limit``, 5,000 too), to an account that accepts chat messages
and does not block the sender, and never to oneself. It goes through the activity pipeline
(activities/handlers/chats.py): stored, each side's chat updated, the recipient notified
(``pleroma:chat_mention``), and a remote recipient gets the Create of the ChatMessage.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities import pipeline
from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.handlers.chats import ChatDraft, refuses_chat_from
from pyleroma.db.ids import new_id
from pyleroma.errors import BadRequest, Forbidden, Unprocessable
from pyleroma.models import Account, Chat, ChatMessage, ChatMessageReference, MediaAttachment
from pyleroma.services.text.emoji import find_emojis
from pyleroma.services.text.formatting import render_plain_text
from pyleroma.settings import Settings
from pyleroma.urls import activity_uri


async def check_chat_message(
    session: AsyncSession,
    settings: Settings,
    sender: Account,
    recipient: Account,
    content: str | None,
    media_id: int | None,
) -> ChatDraft:
    """The checked message; BadRequest / Unprocessable / Forbidden say what is wrong."""
    text = (content or "").strip()
    media = None
    if media_id is not None:
        media = await session.get(MediaAttachment, media_id)
        if media is None or media.account_id != sender.id:
            raise BadRequest("no such media attachment of yours")
        if media.status_id is not None:
            raise BadRequest("the media attachment is already attached to a status")
    if not text and media is None:
        raise BadRequest("Cannot post an empty chat message")
    if len(text) > settings.max_status_chars:
        raise Unprocessable("The message is over the character limit")
    if recipient.id == sender.id:
        raise BadRequest("Cannot chat with yourself")
    refusal = await refuses_chat_from(session, recipient, sender)
    if refusal is not None:
        raise Forbidden(refusal)
    html = render_plain_text(settings, text, {}).html if text else ""
    return ChatDraft(recipient, html, find_emojis(settings, text), media)


async def post_chat_message(
    session: AsyncSession,
    settings: Settings,
    sender: Account,
    recipient: Account,
    content: str | None = None,
    *,
    media_id: int | None = None,
) -> ChatMessage:
    """Send ``content`` (and/or the upload ``media_id``) from ``sender`` to ``recipient``;
    returns the stored ChatMessage. Commits."""
    draft = await check_chat_message(session, settings, sender, recipient, content, media_id)
    row_id = new_id()
    activity = Activity(
        "ChatMessage", sender, draft, id=activity_uri(settings, row_id), row_id=row_id
    )
    return await pipeline.run(PipelineContext(session, settings), activity)


async def chat_between(session: AsyncSession, owner_id: int, other_id: int) -> Chat | None:
    return (
        await session.execute(
            select(Chat).where(Chat.account_id == owner_id, Chat.recipient_id == other_id)
        )
    ).scalar_one_or_none()


async def unread_count(session: AsyncSession, chat_id: int) -> int:
    """The chat's unread messages (Pleroma's chat entity ``unread``)."""
    return int(
        await session.scalar(
            select(func.count()).where(
                ChatMessageReference.chat_id == chat_id, ChatMessageReference.unread.is_(True)
            )
        )
        or 0
    )
