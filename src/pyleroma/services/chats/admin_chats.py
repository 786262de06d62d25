"""Chats as staff read and moderate them (Pleroma's admin ChatController and
``AdminAPIController.list_user_chats``).

Staff see any account's chats (all of them, last updated first: no block, mute or
deactivation filter, as Pleroma) and any chat's messages (references, paged as the owner
pages them: reads.py ``messages_page``).

Deleting a message removes it for everyone, as Pleroma's ``CommonAPI.delete`` does for a
privileged user: every local chat loses it and its notifications. The Delete is made in the
author's name (as a moderator's deletion of a post is: activities/handlers/posts.py), so a
local author's remote recipient gets the author's Delete; a remote author's message is only
removed here (no other server takes a Delete from us for it). The moderation log gets
``chat_message_delete`` with ``subject_id`` (the message's id), in the same transaction,
unless the message was the deleter's own (Pleroma logs only deletions of others' messages).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities import pipeline
from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.db.ids import new_id, parse_id
from pyleroma.errors import BadRequest, NotFound
from pyleroma.models import Account, Chat, ChatMessage, ChatMessageReference, MediaAttachment
from pyleroma.services.moderation.moderation_log import log_action
from pyleroma.settings import Settings
from pyleroma.urls import activity_uri

COULD_NOT_DELETE = "could_not_delete"


async def chats_of(session: AsyncSession, account: Account) -> list[Chat]:
    """Every chat of ``account``, last updated first."""
    rows = await session.scalars(
        select(Chat)
        .where(Chat.account_id == account.id)
        .order_by(Chat.updated_at.desc(), Chat.id.desc())
    )
    return list(rows)


async def get_chat(session: AsyncSession, chat_id: str, message: str = "Not found") -> Chat:
    ident = parse_id(chat_id)
    chat = await session.get(Chat, ident) if ident is not None else None
    if chat is None:
        raise NotFound(message)
    return chat


async def delete_message(
    session: AsyncSession, settings: Settings, actor: Account, chat_id: str, reference_id: str
) -> tuple[ChatMessageReference, ChatMessage, MediaAttachment | None]:
    """Delete the message that chat ``chat_id`` shows as ``reference_id``; the reference,
    the message and its media as they were (for the answer). 400 ``could_not_delete``
    when the chat shows no such message. Commits."""
    chat, reference = parse_id(chat_id), parse_id(reference_id)
    found = None
    if chat is not None and reference is not None:
        found = (
            await session.execute(
                select(ChatMessageReference, ChatMessage)
                .join(ChatMessage, ChatMessage.id == ChatMessageReference.message_id)
                .where(ChatMessageReference.id == reference, ChatMessageReference.chat_id == chat)
            )
        ).first()
    if found is None:
        raise BadRequest(COULD_NOT_DELETE)
    reference_row, message = found
    author = await session.get(Account, message.account_id)
    if author is None:
        raise BadRequest(COULD_NOT_DELETE)
    media = None
    if message.media_attachment_id is not None:
        media = await session.get(MediaAttachment, message.media_attachment_id)
    row_id = new_id()
    delete = Activity(
        "Delete",
        author,
        message,
        id=activity_uri(settings, row_id),
        local=author.local,
        row_id=row_id,
    )
    await pipeline.run(PipelineContext(session, settings), delete, commit=False)
    if author.id != actor.id:
        await log_action(session, actor, "chat_message_delete", subject_id=str(message.id))
    await session.commit()
    return reference_row, message, media
