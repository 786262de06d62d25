"""Deleting a status with everything that hangs off it, in the caller's transaction.

The database does most of the work: favourites, bookmarks, pins, mentions, tags, edits, the
poll and its votes, notifications, home timeline entries and reblogs of the status all go by
``ON DELETE CASCADE``. This module does the rest: counters on the author, the parent, the
quoted status (and the original, for a reblog), direct conversations whose last status it
was, and the media. The status's media are detached, not deleted, so a client can "delete
& redraft" with the same media ids (Mastodon's and Pleroma's behaviour); they and media only
its edit history still names are purged by a job later if nothing attaches them again
(services/media/media_cleanup.py).

``remove_status`` is what ``DELETE /api/v1/statuses/:id`` and the expiring-post job call: a
post goes as a Delete activity, a reblog as the Undo of its Announce, through the activity
pipeline, whose Delete handler calls ``delete_status``. Neither commits here: the request
(or the job runner) commits.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.ids import parse_id
from pyleroma.errors import NotFound
from pyleroma.models import (
    Account,
    Conversation,
    ConversationParticipation,
    MediaAttachment,
    Status,
    StatusEdit,
)
from pyleroma.policy.permissions import is_staff
from pyleroma.policy.visibility import open_to_everyone
from pyleroma.services.media.media_cleanup import schedule_purge
from pyleroma.settings import Settings
from pyleroma.streaming.snapshots import deleted_events, emit_deleted

log = logging.getLogger("pyleroma.statuses")


async def get_deletable_status(session: AsyncSession, actor: Account, status_id) -> Status:
    """The status ``actor`` may delete: their own, or anyone's for staff.

    Anything else is 404 ``Record not found``, as Pleroma answers, so the answer never tells
    a stranger that a status they may not touch exists. A reblog is undone with ``unreblog``,
    not deleted, and is 404 here too (Pleroma only deletes Create activities).
    """
    ident = parse_id(status_id)
    status = await session.get(Status, ident, with_for_update=True) if ident else None
    if status is None or status.reblog_of_id is not None:
        raise NotFound("Record not found")
    if status.account_id == actor.id:
        return status
    if is_staff(actor):  # Pleroma's messages_delete privilege
        return status
    raise NotFound("Record not found")


async def _media_to_remove(session: AsyncSession, status: Status) -> list[MediaAttachment]:
    """The status's media, and media only its edit history still names (detached by edits):
    what becomes unattached when the status goes."""
    history_ids: set[int] = set()
    for media_ids in (
        await session.execute(select(StatusEdit.media_ids).where(StatusEdit.status_id == status.id))
    ).scalars():
        history_ids.update(int(i) for i in media_ids or [])
    condition = MediaAttachment.status_id == status.id
    if history_ids:
        condition = or_(
            condition,
            (MediaAttachment.id.in_(history_ids))
            & MediaAttachment.status_id.is_(None)
            & (MediaAttachment.account_id == status.account_id),
        )
    return list((await session.execute(select(MediaAttachment).where(condition))).scalars())


async def decrement_counter(session: AsyncSession, column, row_id: int | None) -> None:
    """Lower a counter by one, never below zero (counters may predate this code)."""
    if row_id is None:
        return
    table = column.class_
    await session.execute(
        update(table)
        .where(table.id == row_id, column > 0)
        .values({column.key: column - 1})
        .execution_options(synchronize_session=False)
    )


async def _rewind_conversations(session: AsyncSession, status: Status) -> None:
    """Direct conversations whose last status this was point at the one before it."""
    previous = (
        select(func.max(Status.id))
        .where(
            Status.conversation_id == status.conversation_id,
            Status.visibility == "direct",
            Status.reblog_of_id.is_(None),
        )
        .scalar_subquery()
    )
    conversation = (
        select(Conversation.id)
        .where(Conversation.thread_id == status.conversation_id)
        .scalar_subquery()
    )
    await session.execute(
        update(ConversationParticipation)
        .where(
            ConversationParticipation.conversation_id == conversation,
            ConversationParticipation.last_status_id == status.id,
        )
        .values(last_status_id=previous)
        .execution_options(synchronize_session=False)
    )


async def remove_status(session: AsyncSession, settings: Settings, status: Status) -> None:
    """Delete ``status`` as its author (staff and the expiry job act for the author), and
    federate that: a post's Delete, a reblog's Undo of its Announce. The caller commits."""
    from pyleroma.activities import pipeline
    from pyleroma.activities.build import build_delete, build_undo_of
    from pyleroma.activities.context import PipelineContext

    author = await session.get(Account, status.account_id)
    if status.reblog_of_id is not None:
        original = await session.get(Status, status.reblog_of_id)
        activity = build_undo_of(settings, "Announce", author, original)
    else:
        activity = build_delete(settings, author, status)
    await pipeline.run(PipelineContext(session, settings), activity, commit=False)


async def delete_status(
    session: AsyncSession, settings: Settings, status: Status, effects=None
) -> None:
    """Delete ``status`` and what hangs off it. The caller commits; media files go after
    that commit. Whoever must answer with the status (Mastodon's delete & redraft) renders
    it before calling this. The stream events (taken before the rows go: who held the
    status must be known) go into ``effects`` when the activity pipeline gives one."""
    if effects is None:
        await emit_deleted(session, [status])
    else:
        for event in await deleted_events(session, [status]):
            effects.stream(event)

    media = await _media_to_remove(session, status)
    if media:
        await session.execute(
            update(MediaAttachment)
            .where(MediaAttachment.id.in_([m.id for m in media]))
            .values(status_id=None, position=0)
            .execution_options(synchronize_session=False)
        )
        await schedule_purge(session, settings, [m.id for m in media])
    if status.reblog_of_id is not None:
        await decrement_counter(session, Status.reblogs_count, status.reblog_of_id)
    else:
        await decrement_counter(session, Account.statuses_count, status.account_id)
        if open_to_everyone(status.visibility):  # the only replies counted (posting.py)
            await decrement_counter(session, Status.replies_count, status.in_reply_to_id)
        await decrement_counter(session, Status.quotes_count, status.quote_id)
    await session.execute(
        delete(Status).where(Status.id == status.id).execution_options(synchronize_session=False)
    )
    if status.visibility == "direct" and status.conversation_id is not None:
        await _rewind_conversations(session, status)
    # The rows are gone: keep the session from ever flushing these objects again.
    for obj in [*media, status]:
        if obj in session:
            session.expunge(obj)
    await session.flush()
