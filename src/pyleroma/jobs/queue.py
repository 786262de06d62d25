"""Writing jobs: ``enqueue`` in the caller's transaction, and waking runners after commit.

A job is only a row, added to the session of the change that needs it, so the change and
its follow-up work commit together or not at all. When that session commits, the runners
of this process are woken at once (``notify``); runners in other processes find the row by
polling every ``job_poll_interval`` seconds.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy import event, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.jobs.registry import get_kind
from pyleroma.models.job import AVAILABLE, JOB_STATES, RUNNING, Job

log = logging.getLogger("pyleroma.jobs")

_listeners: set[Callable[[], None]] = set()

_PENDING = "pyleroma.jobs.pending"
_HOOKED = "pyleroma.jobs.hooked"


def add_listener(callback: Callable[[], None]) -> None:
    """Call ``callback`` (no arguments, must not block) whenever jobs were committed here."""
    _listeners.add(callback)


def remove_listener(callback: Callable[[], None]) -> None:
    _listeners.discard(callback)


def notify() -> None:
    """Wake this process's runners: jobs may be due. Harmless when none are."""
    for callback in list(_listeners):
        try:
            callback()
        except Exception:  # a runner's broken loop must not fail the committing request
            log.exception("job wake-up callback failed")


def _after_commit(sync_session) -> None:
    if sync_session.info.pop(_PENDING, False):
        notify()


def _after_rollback(sync_session) -> None:
    sync_session.info.pop(_PENDING, None)


def _wake_after_commit(session: AsyncSession) -> None:
    """Arrange for ``notify`` after this session's next successful commit (not on rollback)."""
    sync = session.sync_session
    sync.info[_PENDING] = True
    if not sync.info.get(_HOOKED):
        sync.info[_HOOKED] = True
        event.listen(sync, "after_commit", _after_commit)
        event.listen(sync, "after_rollback", _after_rollback)


def to_naive_utc(moment: dt.datetime) -> dt.datetime:
    """Stored times are naive UTC; accept aware datetimes from callers too."""
    if moment.tzinfo is not None:
        return moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def job_row(
    kind: str,
    args: dict | None = None,
    *,
    run_at: dt.datetime | None = None,
    queue: str | None = None,
    max_attempts: int | None = None,
    unique_key: str | None = None,
) -> dict:
    """The column values of a new job (checked), for ``enqueue`` and batched writers."""
    if not kind or len(kind) > 100:
        raise ValueError("a job kind needs a name of 1 to 100 characters")
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise TypeError("job args must be a JSON object (dict)")
    if max_attempts is not None and max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    spec = get_kind(kind)
    if queue is None:
        queue = spec.queue if spec else "default"
    if max_attempts is None and spec is not None:
        max_attempts = spec.max_attempts
    now = utcnow()
    return {
        "id": new_id(),
        "kind": kind,
        "args": args,
        "queue": queue,
        "state": AVAILABLE,
        "attempt": 0,
        "max_attempts": max_attempts,
        "scheduled_at": to_naive_utc(run_at) if run_at is not None else now,
        "unique_key": unique_key,
        "created_at": now,
    }


async def enqueue(
    session: AsyncSession,
    kind: str,
    args: dict | None = None,
    *,
    run_at: dt.datetime | None = None,
    queue: str | None = None,
    max_attempts: int | None = None,
    unique_key: str | None = None,
) -> int:
    """Add a job to ``session``'s transaction and return its id; the caller commits.

    ``run_at`` (naive UTC or aware) delays the job; ``queue`` defaults to the kind's
    registered queue, ``max_attempts`` to the kind's, else the ``job_max_attempts`` setting.
    With ``unique_key``, at most one pending (available or running) job has the key: when one
    exists, nothing is added and its id is returned (e.g. one poll-end job per poll). The
    check is an INSERT ... ON CONFLICT DO NOTHING, so concurrent enqueuers can't both insert
    and neither transaction fails.
    """
    values = job_row(
        kind,
        args,
        run_at=run_at,
        queue=queue,
        max_attempts=max_attempts,
        unique_key=unique_key,
    )
    if unique_key is None:
        session.add(Job(**values))
        _wake_after_commit(session)
        return values["id"]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt = pg_insert(Job).values(values).on_conflict_do_nothing(index_elements=["unique_key"])
    elif dialect == "sqlite":
        stmt = sqlite_insert(Job).values(values)
        stmt = stmt.on_conflict_do_nothing(index_elements=["unique_key"])
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        stmt = insert(Job).values(values)
    inserted = (await session.execute(stmt.returning(Job.id))).scalar_one_or_none()
    if inserted is not None:
        _wake_after_commit(session)
        return inserted
    existing = await session.scalar(select(Job.id).where(Job.unique_key == unique_key))
    if existing is None:  # pragma: no cover - the holder finished between the two statements
        raise RuntimeError(f"job with unique_key {unique_key!r} vanished; retry the change")
    return existing


async def queue_stats(session: AsyncSession) -> dict:
    """Counts by state and by kind, and how long the oldest due job has waited (healthcheck).

    ``oldest_due_seconds`` is the age of the longest-waiting job that is due now (available
    and scheduled in the past, or running on an expired lease): a growing figure means the
    workers can't keep up or none is running.
    """
    now = utcnow()
    rows = await session.execute(
        select(Job.kind, Job.state, func.count()).group_by(Job.kind, Job.state)
    )
    states = dict.fromkeys(JOB_STATES, 0)
    kinds: dict[str, dict[str, int]] = {}
    for kind, state, count in rows:
        states[state] = states.get(state, 0) + count
        kinds.setdefault(kind, dict.fromkeys(JOB_STATES, 0))[state] = count
    oldest_available = await session.scalar(
        select(func.min(Job.scheduled_at)).where(Job.state == AVAILABLE, Job.scheduled_at <= now)
    )
    oldest_orphan = await session.scalar(
        select(func.min(Job.locked_until)).where(Job.state == RUNNING, Job.locked_until < now)
    )
    due = [t for t in (oldest_available, oldest_orphan) if t is not None]
    oldest = (now - min(due)).total_seconds() if due else None
    return {"states": states, "kinds": kinds, "oldest_due_seconds": oldest}
