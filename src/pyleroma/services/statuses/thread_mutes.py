"""Muting a thread (Pleroma's conversation mute): no notifications from it, hidden in timelines.

The mute is kept per (account, thread) where the thread is the status's ``conversation_id``;
``notify`` and ``not_muted_filter`` read it, so nothing else has to change when a thread is
muted. As Pleroma does, muting marks the thread's existing notifications read, refuses a
second mute of the same thread ("conversation is already muted", 400), and takes an optional
``expires_in`` (seconds): a "thread_mute.expire" job lifts that very mute later (a newer mute
of the same thread, made after an unmute, is left alone).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.db.upsert import insert_or_ignore
from pyleroma.errors import BadRequest, Unprocessable
from pyleroma.jobs.queue import enqueue
from pyleroma.models import Account, Notification, Status, ThreadMute

EXPIRE_JOB = "thread_mute.expire"
# Longer expiries are refused rather than overflowing a date (about 68 years).
MAX_EXPIRES_IN = 2**31 - 1


def thread_of(status: Status) -> int:
    return status.conversation_id or status.id


def check_expires_in(expires_in: int | None) -> int:
    """0 or None means forever (Pleroma's default)."""
    if expires_in is None:
        return 0
    if expires_in < 0 or expires_in > MAX_EXPIRES_IN:
        raise Unprocessable(f"expires_in: must be between 0 and {MAX_EXPIRES_IN}")
    return expires_in


async def mute_thread(
    session: AsyncSession, actor: Account, status: Status, expires_in: int | None = None
) -> None:
    """Mute the thread of ``status`` (visible to ``actor``). Commits."""
    seconds = check_expires_in(expires_in)
    thread_id = thread_of(status)
    mute_id = new_id()
    inserted = await insert_or_ignore(
        session,
        ThreadMute,
        {"id": mute_id, "account_id": actor.id, "conversation_id": thread_id},
        ("account_id", "conversation_id"),
    )
    if not inserted:
        await session.rollback()
        raise BadRequest("conversation is already muted")
    in_thread = select(Status.id).where(Status.conversation_id == thread_id)
    await session.execute(
        update(Notification)
        .where(
            Notification.account_id == actor.id,
            Notification.seen.is_(False),
            Notification.status_id.in_(in_thread),
        )
        .values(seen=True)
        .execution_options(synchronize_session=False)
    )
    if seconds:
        await enqueue(
            session,
            EXPIRE_JOB,
            {"mute_id": mute_id},
            run_at=utcnow() + dt.timedelta(seconds=seconds),
        )
    await session.commit()


async def unmute_thread(session: AsyncSession, actor: Account, status: Status) -> None:
    """Unmute the thread of ``status``; a no-op when it isn't muted. Commits."""
    await session.execute(
        delete(ThreadMute).where(
            ThreadMute.account_id == actor.id, ThreadMute.conversation_id == thread_of(status)
        )
    )
    await session.commit()


async def expire_mute(session: AsyncSession, mute_id: int) -> None:
    """Lift one timed mute by its id (the job's work; the runner commits)."""
    await session.execute(delete(ThreadMute).where(ThreadMute.id == mute_id))
