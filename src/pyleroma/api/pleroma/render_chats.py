"""The Chat and ChatMessage entities, field by field as Pleroma's ChatView and
Chat.MessageReferenceView render them.

- Chat: ``id``, ``account`` (the counterpart's Account, rendered as for anyone: Pleroma
  renders it without a viewer), ``unread`` (the chat's unread messages), ``last_message``
  (a ChatMessage or null), ``updated_at``.
- ChatMessage: ``id`` (the reference's: a message has one per local chat showing it),
  ``account_id`` (the sender), ``chat_id``, ``content`` (HTML, null without text),
  ``created_at``, ``emojis``, ``attachment`` (one Attachment or null), ``card`` (null: link
  previews are made for statuses only), ``unread``, and ``idempotency_key`` when the
  sender's request carried one.

Pages are rendered in batches: the messages with their media in one statement, and for a
list of chats the counterparts, the unread counts and the last messages in one each.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.mastodon.render_accounts import accounts_to_api
from pyleroma.api.mastodon.render_emojis import emojis_to_api
from pyleroma.api.mastodon.render_statuses import media_to_api
from pyleroma.models import Account, Chat, ChatMessage, ChatMessageReference, MediaAttachment
from pyleroma.settings import Settings
from pyleroma.urls import masto_datetime


def message_to_api(
    settings: Settings,
    reference: ChatMessageReference,
    message: ChatMessage,
    media: MediaAttachment | None,
) -> dict:
    """One ChatMessage as ``reference``'s chat shows it."""
    data = {
        "id": str(reference.id),
        "content": message.content or None,
        "chat_id": str(reference.chat_id),
        "account_id": str(message.account_id),
        "created_at": masto_datetime(message.created_at),
        "emojis": emojis_to_api(message.emojis),
        "attachment": media_to_api(settings, media) if media is not None else None,
        "unread": reference.unread,
        "card": None,
    }
    if message.local and isinstance(message.raw, dict) and message.raw.get("idempotency_key"):
        data["idempotency_key"] = message.raw["idempotency_key"]
    return data


async def messages_to_api(
    session: AsyncSession, settings: Settings, references: Iterable[ChatMessageReference]
) -> list[dict]:
    """``references`` rendered in their order (one statement for messages and media)."""
    references = list(references)
    if not references:
        return []
    rows = await session.execute(
        select(ChatMessage, MediaAttachment)
        .outerjoin(MediaAttachment, MediaAttachment.id == ChatMessage.media_attachment_id)
        .where(ChatMessage.id.in_({r.message_id for r in references}))
    )
    found = {message.id: (message, media) for message, media in rows.all()}
    return [
        message_to_api(settings, r, *found[r.message_id])
        for r in references
        if r.message_id in found
    ]


async def messages_by_reference_id(
    session: AsyncSession, settings: Settings, reference_ids: Iterable[int]
) -> dict[int, dict]:
    """Rendered messages by reference id (gone ones are missing): for notifications."""
    ids = set(reference_ids)
    if not ids:
        return {}
    references = await session.scalars(
        select(ChatMessageReference).where(ChatMessageReference.id.in_(ids))
    )
    rendered = await messages_to_api(session, settings, references)
    return {int(data["id"]): data for data in rendered}


async def chats_to_api(
    session: AsyncSession,
    settings: Settings,
    chats: Iterable[Chat],
    last: dict[int, int] | None = None,
) -> list[dict]:
    """``chats`` rendered in their order; ``last`` names, by chat id, the reference to show
    as ``last_message`` (a stream event's message) instead of the newest one."""
    chats = list(chats)
    if not chats:
        return []
    chat_ids = [chat.id for chat in chats]
    accounts = list(
        await session.scalars(
            select(Account).where(Account.id.in_({c.recipient_id for c in chats}))
        )
    )
    rendered_accounts = await accounts_to_api(session, settings, accounts, None)
    by_account = {a.id: data for a, data in zip(accounts, rendered_accounts, strict=True)}
    unread = dict(
        (
            await session.execute(
                select(ChatMessageReference.chat_id, func.count())
                .where(
                    ChatMessageReference.chat_id.in_(chat_ids),
                    ChatMessageReference.unread.is_(True),
                )
                .group_by(ChatMessageReference.chat_id)
            )
        ).all()
    )
    newest = dict(
        (
            await session.execute(
                select(ChatMessageReference.chat_id, func.max(ChatMessageReference.id))
                .where(ChatMessageReference.chat_id.in_(chat_ids))
                .group_by(ChatMessageReference.chat_id)
            )
        ).all()
    )
    last = last or {}
    references = list(
        await session.scalars(
            select(ChatMessageReference).where(
                ChatMessageReference.id.in_({*newest.values(), *last.values()}),
                ChatMessageReference.chat_id.in_(chat_ids),
            )
        )
    )
    by_id = {int(m["id"]): m for m in await messages_to_api(session, settings, references)}
    by_chat = {}
    for chat_id in chat_ids:  # the named message if it is still there, else the newest
        shown = by_id.get(last.get(chat_id)) or by_id.get(newest.get(chat_id))
        if shown is not None:
            by_chat[chat_id] = shown
    result = []
    for chat in chats:
        account = by_account.get(chat.recipient_id)
        if account is None:  # the counterpart's row is gone
            continue
        result.append(
            {
                "id": str(chat.id),
                "account": account,
                "unread": int(unread.get(chat.id, 0)),
                "last_message": by_chat.get(chat.id),
                "updated_at": masto_datetime(chat.updated_at),
            }
        )
    return result
