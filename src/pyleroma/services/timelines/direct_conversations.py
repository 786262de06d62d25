"""Pleroma direct conversations: keeping Conversation and participation rows up to date.

A direct status belongs to the Conversation of its thread (``Conversation.thread_id`` is
``Status.conversation_id``). Every local account taking part (the author and the addressed
accounts) has a participation, which is what ``direct_conversation_id`` renders and what
``in_reply_to_conversation_id`` points at. Posting a direct status, as Pleroma's
``Conversation.create_or_bump_for``:

- creates the conversation and any missing participation;
- marks the participation unread for every recipient and read for the author;
- a participant who blocks another participant gets the conversation as read, and later
  bumps leave its read flag alone (Pleroma's "invisible conversation");
- sets ``recipient_ids`` once, from the first status the participant saw in it: every
  participant of that status, the participant included (Pleroma's recipient ships), so a
  later reply "to the conversation" addresses the same people;
- moves ``last_status_id`` and ``updated_at`` (the conversations list is ordered by it).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities.effects import Effects
from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.db.upsert import insert_or_ignore
from pyleroma.models import Account, Block, Conversation, ConversationParticipation, Status


async def conversation_for_thread(session: AsyncSession, thread_id: int) -> Conversation:
    """The conversation following ``thread_id``, created if needed (safe against races)."""
    await insert_or_ignore(
        session,
        Conversation,
        {"id": new_id(), "thread_id": thread_id, "created_at": utcnow()},
        ["thread_id"],
    )
    conversation = await session.scalar(
        select(Conversation).where(Conversation.thread_id == thread_id)
    )
    assert conversation is not None
    return conversation


async def bump_for_status(
    session: AsyncSession,
    status: Status,
    author: Account,
    recipients: Iterable[Account],
    effects: Effects,
) -> Conversation | None:
    """Record a new direct ``status`` in its conversation (the live "conversation" event
    goes to ``effects``); None for other visibilities."""
    if status.visibility != "direct" or status.conversation_id is None:
        return None
    participants = {author.id: author}
    for account in recipients:
        if account.local:
            participants.setdefault(account.id, account)
    ids = sorted(participants)
    conversation = await conversation_for_thread(session, status.conversation_id)
    blockers = {
        row[0]
        for row in (
            await session.execute(
                select(Block.account_id).where(Block.account_id.in_(ids), Block.target_id.in_(ids))
            )
        ).all()
    }
    now = utcnow()
    for account_id in ids:
        invisible = account_id in blockers
        read = account_id == author.id or invisible
        inserted = await insert_or_ignore(
            session,
            ConversationParticipation,
            {
                "id": new_id(),
                "conversation_id": conversation.id,
                "account_id": account_id,
                "read": read,
                "last_status_id": status.id,
                "recipient_ids": ids,
                "updated_at": now,
            },
            ["conversation_id", "account_id"],
        )
        if inserted:
            continue
        participation = await session.scalar(
            select(ConversationParticipation).where(
                ConversationParticipation.conversation_id == conversation.id,
                ConversationParticipation.account_id == account_id,
            )
        )
        if participation is None:  # pragma: no cover - deleted between the two statements
            continue
        if not invisible:
            participation.read = read
        participation.last_status_id = status.id
        participation.updated_at = now
        if not participation.recipient_ids:
            participation.recipient_ids = ids
    await session.flush()
    effects.stream({"type": "conversation", "thread_id": status.conversation_id})
    return conversation


async def get_own_participation(
    session: AsyncSession, account: Account, participation_id: int | None
) -> ConversationParticipation | None:
    """The account's participation with this id, or None (someone else's counts as none)."""
    if participation_id is None:
        return None
    participation = await session.get(ConversationParticipation, participation_id)
    if participation is None or participation.account_id != account.id:
        return None
    return participation
