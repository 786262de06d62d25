"""Scheduled statuses: a draft stored now and posted by the job runner at its time.

``POST /api/v1/statuses`` with a ``scheduled_at`` more than five minutes ahead stores a
ScheduledStatus (after running every check posting would run, so a bad draft fails now)
and, in the same transaction, a "status.publish_scheduled" job due at that time. The job
lives in the database like the scheduled status, so a restart loses neither. Rescheduling
moves the job; deleting the scheduled status deletes its job.

Limits as Pleroma's ``ScheduledActivity``: at least five minutes ahead, at most
``scheduled_statuses_daily_limit`` per account per (UTC) day and
``scheduled_statuses_total_limit`` in all.

``params`` keeps the draft in the API's own words (``status``, ``visibility``, ``poll``,
``media_ids`` as strings...), which is also what the ScheduledStatus entity shows.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id, parse_id
from pyleroma.db.paging import Page, in_display_order, paginate
from pyleroma.errors import DomainError, NotFound, Unprocessable
from pyleroma.jobs.queue import enqueue, to_naive_utc
from pyleroma.models import Account, Job, MediaAttachment, OAuthApp, ScheduledStatus, Status
from pyleroma.models.job import AVAILABLE
from pyleroma.services.statuses.posting import StatusDraft, check_draft, post_status
from pyleroma.settings import Settings

log = logging.getLogger("pyleroma.scheduled")

PUBLISH_JOB = "status.publish_scheduled"
# Mastodon's and Pleroma's minimum: a scheduled status is at least this far ahead.
MIN_OFFSET = dt.timedelta(minutes=5)


def publish_job_key(scheduled_id: int) -> str:
    return f"{PUBLISH_JOB}:{scheduled_id}"


def parse_scheduled_at(value) -> dt.datetime | None:
    """An ISO 8601 time as naive UTC (a time without zone is UTC); None when absent."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Unprocessable("scheduled_at: must be an ISO 8601 date-time")
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise Unprocessable("scheduled_at: must be an ISO 8601 date-time") from exc
    return to_naive_utc(moment)


def far_enough(scheduled_at: dt.datetime, now: dt.datetime | None = None) -> bool:
    """More than five minutes ahead (Pleroma posts at once when it is not)."""
    return scheduled_at - (now or utcnow()) > MIN_OFFSET


async def check_limits(
    session: AsyncSession,
    settings: Settings,
    account: Account,
    scheduled_at: dt.datetime,
    *,
    exclude_id: int | None = None,
) -> None:
    """The time is far enough ahead and the account is within its daily and total limits."""
    if not far_enough(scheduled_at):
        raise Unprocessable("scheduled_at must be at least 5 minutes from now")
    mine = ScheduledStatus.account_id == account.id
    if exclude_id is not None:
        mine = mine & (ScheduledStatus.id != exclude_id)
    day = dt.datetime.combine(scheduled_at.date(), dt.time())
    same_day = await session.scalar(
        select(func.count())
        .select_from(ScheduledStatus)
        .where(
            mine,
            ScheduledStatus.scheduled_at >= day,
            ScheduledStatus.scheduled_at < day + dt.timedelta(days=1),
        )
    )
    if (same_day or 0) >= settings.scheduled_statuses_daily_limit:
        raise Unprocessable("daily limit exceeded")
    total = await session.scalar(select(func.count()).select_from(ScheduledStatus).where(mine))
    if (total or 0) >= settings.scheduled_statuses_total_limit:
        raise Unprocessable("total limit exceeded")


def draft_to_params(draft: StatusDraft) -> dict:
    """The draft in the API's words, as stored and shown by the ScheduledStatus entity."""

    def ident(value):
        return None if value in (None, "") else str(value)

    return {
        "status": draft.text or "",
        "content_type": draft.content_type,
        "visibility": draft.visibility,
        "spoiler_text": draft.spoiler_text or "",
        "sensitive": draft.sensitive,
        "language": draft.language,
        "in_reply_to_id": ident(draft.in_reply_to_id),
        "quote_id": ident(draft.quote_id),
        "media_ids": [str(i) for i in draft.media_ids] or None,
        "poll": draft.poll,
        "expires_in": draft.expires_in,
        "to": draft.to,
        "in_reply_to_conversation_id": ident(draft.in_reply_to_conversation_id),
    }


def params_to_draft(params: dict) -> StatusDraft:
    """Back from stored params to a draft (the inverse of ``draft_to_params``)."""
    return StatusDraft(
        text=params.get("status") or "",
        content_type=params.get("content_type") or "text/plain",
        visibility=params.get("visibility"),
        spoiler_text=params.get("spoiler_text") or "",
        sensitive=params.get("sensitive"),
        language=params.get("language"),
        in_reply_to_id=parse_id(params.get("in_reply_to_id")),
        quote_id=parse_id(params.get("quote_id")),
        media_ids=[i for i in (parse_id(m) for m in params.get("media_ids") or []) if i],
        poll=params.get("poll"),
        expires_in=params.get("expires_in"),
        to=params.get("to"),
        in_reply_to_conversation_id=parse_id(params.get("in_reply_to_conversation_id")),
    )


async def schedule_status(
    session: AsyncSession,
    settings: Settings,
    author: Account,
    draft: StatusDraft,
    scheduled_at: dt.datetime,
    *,
    app: OAuthApp | None = None,
) -> ScheduledStatus:
    """Validate ``draft`` and store it with its publish job; the caller commits."""
    await check_limits(session, settings, author, scheduled_at)
    checked = await check_draft(session, settings, author, draft)
    params = draft_to_params(draft)
    if checked.poll is not None:
        params["poll"] = checked.poll.to_params()
    scheduled = ScheduledStatus(
        id=new_id(),
        account_id=author.id,
        application_id=app.id if app else None,
        scheduled_at=scheduled_at,
        params=params,
        media_ids=[m.id for m in checked.media],
    )
    session.add(scheduled)
    await session.flush()
    await enqueue(
        session,
        PUBLISH_JOB,
        {"scheduled_status_id": scheduled.id},
        run_at=scheduled_at,
        unique_key=publish_job_key(scheduled.id),
    )
    return scheduled


async def get_own_scheduled(
    session: AsyncSession, account: Account, scheduled_id, *, for_update: bool = False
) -> ScheduledStatus:
    """One of the account's scheduled statuses; anyone else's is 404 like a missing one."""
    ident = parse_id(scheduled_id)
    scheduled = (
        await session.get(ScheduledStatus, ident, with_for_update=for_update) if ident else None
    )
    if scheduled is None or scheduled.account_id != account.id:
        raise NotFound("Record not found")
    return scheduled


async def list_scheduled(
    session: AsyncSession, account: Account, page: Page
) -> list[ScheduledStatus]:
    stmt = select(ScheduledStatus).where(ScheduledStatus.account_id == account.id)
    rows = (await session.execute(paginate(stmt, ScheduledStatus.id, page))).scalars().all()
    return in_display_order(list(rows), page)


async def media_for(session: AsyncSession, scheduled: list[ScheduledStatus]) -> dict:
    """The media rows the scheduled statuses refer to, by id (one query)."""
    ids = {int(i) for s in scheduled for i in (s.media_ids or [])}
    if not ids:
        return {}
    rows = await session.execute(select(MediaAttachment).where(MediaAttachment.id.in_(ids)))
    return {m.id: m for m in rows.scalars()}


async def reschedule(
    session: AsyncSession,
    settings: Settings,
    account: Account,
    scheduled_id,
    scheduled_at: dt.datetime | None,
) -> ScheduledStatus:
    """Move a scheduled status (and its job) to ``scheduled_at``; commits."""
    scheduled = await get_own_scheduled(session, account, scheduled_id, for_update=True)
    if scheduled_at is None:
        raise Unprocessable("scheduled_at: is required")
    await check_limits(session, settings, account, scheduled_at, exclude_id=scheduled.id)
    scheduled.scheduled_at = scheduled_at
    moved = await session.execute(
        update(Job)
        .where(Job.unique_key == publish_job_key(scheduled.id), Job.state == AVAILABLE)
        .values(scheduled_at=scheduled_at)
        .execution_options(synchronize_session=False)
    )
    if not moved.rowcount:
        # No waiting job (a worker holds it right now, or it was lost): make sure one exists;
        # a running one notices the new time and comes back later.
        await enqueue(
            session,
            PUBLISH_JOB,
            {"scheduled_status_id": scheduled.id},
            run_at=scheduled_at,
            unique_key=publish_job_key(scheduled.id),
        )
    await session.commit()
    return scheduled


async def cancel(session: AsyncSession, account: Account, scheduled_id) -> ScheduledStatus:
    """Delete a scheduled status and its waiting job; commits. Returns the deleted row."""
    scheduled = await get_own_scheduled(session, account, scheduled_id, for_update=True)
    await session.execute(
        delete(Job)
        .where(Job.unique_key == publish_job_key(scheduled.id), Job.state == AVAILABLE)
        .execution_options(synchronize_session=False)
    )
    await session.delete(scheduled)
    await session.commit()
    return scheduled


class NotDueYet(Exception):  # noqa: N818  (a signal to the job, not an error)
    def __init__(self, seconds_left: float):
        super().__init__(f"due in {seconds_left:.0f} s")
        self.seconds_left = seconds_left


async def publish(session: AsyncSession, settings: Settings, scheduled_id: int) -> Status | None:
    """Post a due scheduled status and delete it, in the caller's (the job's) transaction.

    Returns None when there is nothing to post: the scheduled status was deleted, its author
    is gone or deactivated, or the draft no longer passes the checks (its parent was
    deleted, say) — then the scheduled status is dropped, as Mastodon does. Raises
    ``NotDueYet`` when it was rescheduled later after the job was claimed (the caller rolls
    back, which restores the row).

    The row is deleted first: that locks it against a concurrent DELETE or PUT (PostgreSQL)
    and takes SQLite's write lock before anything is read, so the transaction never has to
    upgrade a stale read snapshot (which SQLite refuses with "database is locked").
    """
    row = (
        await session.execute(
            delete(ScheduledStatus)
            .where(ScheduledStatus.id == scheduled_id)
            .returning(
                ScheduledStatus.id,
                ScheduledStatus.account_id,
                ScheduledStatus.application_id,
                ScheduledStatus.scheduled_at,
                ScheduledStatus.params,
            )
            .execution_options(synchronize_session=False)
        )
    ).first()
    if row is None:
        return None
    left = (row.scheduled_at - utcnow()).total_seconds()
    if left > 1:
        raise NotDueYet(left)
    author = await session.get(Account, row.account_id)
    if author is None or not author.is_active:
        return None
    app = await session.get(OAuthApp, row.application_id) if row.application_id else None
    draft = params_to_draft(row.params or {})
    try:
        async with session.begin_nested():
            return await post_status(session, settings, author, draft, app=app)
    except DomainError as exc:
        log.warning("scheduled status %s dropped: %s", row.id, exc.message)
        return None
