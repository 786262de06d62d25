"""ChatMessage (Pleroma's chats): a message from one account to exactly one other.

A message is one ``chat_messages`` row, and each local participant's chat (``chats``, one
per account and counterpart, made on the first message either way) gets a
``chat_message_references`` row: unread for the recipient, read for the sender. The local
recipient gets a ``pleroma:chat_mention`` notification whose id is its reference's id (so
the Pleroma API can find the message a notification is about: notifications point at
statuses), streamed as any notification. (Pleroma's ``pleroma:chat_update`` stream event,
which carries the rendered chat, comes with the chat API.)

What Pleroma's ChatMessageValidator refuses is refused here before anything is written
(``Rejected``): a message to anyone but one local account (from a remote sender), one the
recipient does not accept (``accepts_chat_messages`` off), one from an account the
recipient blocks, one with neither content nor attachment, one longer than
``REMOTE_LIMIT``. A remote message is also contained like a post: its author is the
actor, on the actor's host. The same message delivered twice is stored once.

``handle_chat_message`` takes ours (``object`` a checked ``ChatDraft`` built by
services/chats.py, delivered as a Create to a remote recipient);
``handle_remote_chat_message`` the remote Create's normalised ChatMessage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select

from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.effects import Effects
from pyleroma.activities.policies import Rejected
from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.db.upsert import insert_or_ignore
from pyleroma.models import (
    Account,
    Block,
    Chat,
    ChatMessage,
    ChatMessageReference,
    MediaAttachment,
)
from pyleroma.services.notifications.notifications import create_notification
from pyleroma.urls import activity_uri, object_uri

NOTIFICATION_TYPE = "pleroma:chat_mention"
# Pleroma's :instance, :remote_limit: the longest content taken from another server.
REMOTE_LIMIT = 100_000


@dataclass
class ChatDraft:
    """A checked local message (services/chats.py): rendered HTML, its custom emoji and
    at most one of the sender's unattached uploads."""

    recipient: Account
    content: str
    emojis: dict[str, str]
    media: MediaAttachment | None = None


async def refuses_chat_from(session, recipient: Account, sender: Account) -> str | None:
    """Why ``recipient`` takes no message from ``sender`` (None when it does)."""
    if not recipient.is_active:
        return "the recipient is deactivated"
    if recipient.accepts_chat_messages is False:
        return "the recipient does not accept chat messages"
    blocked = await session.scalar(
        select(exists().where(Block.account_id == recipient.id, Block.target_id == sender.id))
    )
    return "the sender is blocked by the recipient" if blocked else None


async def chat_of(session, owner_id: int, other_id: int, now=None) -> Chat:
    """``owner_id``'s chat with ``other_id``, made when there is none (concurrent first
    messages make one: the pair is unique)."""
    await insert_or_ignore(
        session,
        Chat,
        {
            "id": new_id(),
            "account_id": owner_id,
            "recipient_id": other_id,
            "created_at": now or utcnow(),
            "updated_at": now or utcnow(),
        },
        ("account_id", "recipient_id"),
    )
    return (
        await session.execute(
            select(Chat).where(Chat.account_id == owner_id, Chat.recipient_id == other_id)
        )
    ).scalar_one()


async def write_chat_message(
    ctx: PipelineContext,
    effects: Effects,
    sender: Account,
    recipient: Account,
    values: dict[str, Any],
) -> tuple[ChatMessage, bool]:
    """The message row and the references, notification and stream events of a new one:
    (the message, whether this call stored it)."""
    session = ctx.session
    inserted = await insert_or_ignore(session, ChatMessage, values, ("ap_id",))
    message = (
        await session.execute(select(ChatMessage).where(ChatMessage.ap_id == values["ap_id"]))
    ).scalar_one()
    if not inserted:
        return message, False
    now = utcnow()
    recipient_reference = None
    for owner, other, unread in ((recipient, sender, True), (sender, recipient, False)):
        if not owner.local:
            continue
        chat = await chat_of(session, owner.id, other.id, now)
        chat.updated_at = now
        reference = ChatMessageReference(
            id=new_id(), chat_id=chat.id, message_id=message.id, unread=unread, created_at=now
        )
        session.add(reference)
        if owner is recipient:
            recipient_reference = reference
    await session.flush()
    if recipient_reference is not None:
        notification = await create_notification(
            session, recipient, sender.id, NOTIFICATION_TYPE, notification_id=recipient_reference.id
        )
        effects.notified(notification)
    return message, True


async def handle_chat_message(ctx: PipelineContext, activity: Activity) -> Effects:
    """A local account's message (``object`` a ChatDraft); ``result`` the ChatMessage."""
    if not activity.local:
        return await handle_remote_chat_message(ctx, activity)
    from pyleroma.federation.to_as_pleroma import chat_create_to_as, chat_message_to_as

    draft: ChatDraft = activity.object
    sender, recipient = activity.actor, draft.recipient
    effects = Effects()
    message, _ = await write_chat_message(
        ctx,
        effects,
        sender,
        recipient,
        {
            "id": activity.row_id,
            "ap_id": object_uri(ctx.settings, activity.row_id),
            "account_id": sender.id,
            "recipient_id": recipient.id,
            "content": draft.content,
            "emojis": draft.emojis,
            "media_attachment_id": draft.media.id if draft.media is not None else None,
            "local": True,
            "created_at": utcnow(),
        },
    )
    effects.result = message
    if not recipient.local:
        document = chat_message_to_as(ctx.settings, sender, recipient, message, draft.media)
        activity.id = activity.id or activity_uri(ctx.settings, activity.row_id)
        effects.deliver([recipient.id], activity=chat_create_to_as(activity.id, document))
    return effects


async def handle_remote_chat_message(ctx: PipelineContext, activity: Activity) -> Effects:
    """A remote account's message (``object`` the normalised ChatMessage of its Create,
    whose ``to`` receive.py checked against the Create's); ``result`` the ChatMessage."""
    from pyleroma.activities.handlers.remote_posts import check_authorship
    from pyleroma.federation.from_as_note import parse_time, prepared_media, sanitize_remote_html

    session, sender = ctx.session, activity.actor
    note = activity.object
    check_authorship(activity, note)
    if len(note["to"]) != 1:
        raise Rejected(f"a chat message goes to exactly one recipient, not {len(note['to'])}")
    recipient = (
        await session.execute(
            select(Account).where(Account.ap_id == note["to"][0], Account.local.is_(True))
        )
    ).scalar_one_or_none()
    if recipient is None:
        raise Rejected(f"{note['to'][0]} is none of our accounts")
    refusal = await refuses_chat_from(session, recipient, sender)
    if refusal is not None:
        raise Rejected(refusal)
    content = note["content"] or ""
    if len(content) > REMOTE_LIMIT:
        raise Rejected("the chat message is too long")
    attachment = note["attachments"][0] if note["attachments"] else None
    if not content.strip() and attachment is None:
        raise Rejected("a chat message needs content or an attachment")

    effects = Effects()
    existing = await session.scalar(select(ChatMessage).where(ChatMessage.ap_id == note["id"]))
    if existing is not None:  # delivered again: nothing new
        effects.result = existing
        return effects
    media_id = None
    if attachment is not None:
        media_id = new_id()
        values = prepared_media(ctx.settings, attachment).row_values()
        session.add(MediaAttachment(id=media_id, account_id=sender.id, **values))
        await session.flush()
    message, _ = await write_chat_message(
        ctx,
        effects,
        sender,
        recipient,
        {
            "id": activity.row_id,
            "ap_id": note["id"],
            "account_id": sender.id,
            "recipient_id": recipient.id,
            "content": sanitize_remote_html(content),
            "emojis": {emoji["shortcode"]: emoji["url"] for emoji in note["emojis"]},
            "media_attachment_id": media_id,
            "local": False,
            "raw": note["raw"],
            "created_at": parse_time(note["published"]) or utcnow(),
        },
    )
    effects.result = message
    return effects
