"""ChatMessage (Pleroma's chats): a message from one account to exactly one other.

A message is one ``chat_messages`` row, and each local participant's chat (``chats``, one
per account and counterpart, made on the first message either way) gets a
``chat_message_references`` row: unread for the recipient, read for the sender. The local
recipient gets a ``pleroma:chat_mention`` notification whose id is its reference's id (so
the Pleroma API can find the message a notification is about: notifications point at
statuses), streamed as any notification. Each local participant's ``user`` stream gets
Pleroma's ``pleroma:chat_update`` (the ``chat_update`` event: the chat rendered with this
message as its ``last_message``; streaming/chat_updates.py).

A Delete of a message (``handle_delete_chat_message``: the author's own, local or remote)
removes it from every local chat with its notifications, tells the chats' owners, and
a local author's Delete goes to a remote recipient.

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

from sqlalchemy import delete, exists, select

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
    Notification,
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
    # The request's Idempotency-Key, shown back on the message (Pleroma-FE matches its
    # optimistic copy with it); kept in the row's ``raw`` (None for ours otherwise).
    idempotency_key: str | None = None


def chat_update_event(owner_id: int, chat_id: int, reference_id: int | None = None) -> dict:
    """The stream event telling ``owner_id`` its chat changed; ``reference_id`` is the
    message to show as ``last_message`` (None: whatever is the last one when rendered)."""
    return {
        "type": "chat_update",
        "account_id": owner_id,
        "chat_id": chat_id,
        "reference_id": reference_id,
    }


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
        effects.stream(chat_update_event(owner.id, chat.id, reference.id))
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
            "raw": {"idempotency_key": draft.idempotency_key} if draft.idempotency_key else None,
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


async def remove_chat_message(session, effects: Effects, message: ChatMessage) -> None:
    """Delete ``message``: its references (every local chat's), their notifications (the
    ``pleroma:chat_mention`` ids are reference ids) and the row; each chat's owner hears."""
    references = (
        await session.execute(
            select(ChatMessageReference.id, Chat.id, Chat.account_id)
            .join(Chat, Chat.id == ChatMessageReference.chat_id)
            .where(ChatMessageReference.message_id == message.id)
        )
    ).all()
    ids = [row[0] for row in references]
    if ids:
        await session.execute(
            delete(Notification)
            .where(Notification.id.in_(ids))
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            delete(ChatMessageReference)
            .where(ChatMessageReference.id.in_(ids))
            .execution_options(synchronize_session=False)
        )
    await session.execute(
        delete(ChatMessage)
        .where(ChatMessage.id == message.id)
        .execution_options(synchronize_session=False)
    )
    for _, chat_id, owner_id in references:
        effects.stream(chat_update_event(owner_id, chat_id))


async def handle_delete_chat_message(ctx: PipelineContext, activity: Activity) -> Effects:
    """The author deletes their message (``object`` the ChatMessage row): removed here,
    and a remote recipient gets the Delete (a Tombstone of the object's id)."""
    message: ChatMessage = activity.object
    if message.account_id != activity.actor.id:
        raise Rejected("only its author deletes a chat message")
    effects = Effects()
    recipient = await ctx.session.get(Account, message.recipient_id)
    if activity.local and recipient is not None and not recipient.local:
        from pyleroma.federation.to_as import AS_CONTEXT

        effects.deliver(
            [recipient.id],
            activity={
                "@context": AS_CONTEXT,
                "id": activity.id,
                "type": "Delete",
                "actor": activity.actor.ap_id,
                "object": {"id": message.ap_id, "type": "Tombstone"},
                "to": [recipient.ap_id],
            },
        )
    await remove_chat_message(ctx.session, effects, message)
    effects.result = True
    return effects
