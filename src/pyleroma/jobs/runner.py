"""The job runner: claims due jobs from the database and runs their handlers.

Guarantees (docs/jobs.md has the long form):

- A committed job is never lost: its row stays available (or running under a lease) until a
  handler finishes it; a worker that dies mid-job stops renewing its lease and the job is
  claimed again once the lease has passed.
- No two workers hold the same job at once: PostgreSQL claims with
  ``SELECT ... FOR UPDATE SKIP LOCKED``, SQLite with one ``UPDATE ... RETURNING`` under its
  single-writer lock.
- A handler's database writes and the job's "completed" mark commit in ONE transaction, and
  the mark only applies while this worker still holds the job (same ``locked_by`` and
  ``attempt``); otherwise everything rolls back. So a DB-only job's effect happens exactly
  once even across crashes and lost leases. Effects outside the database (HTTP deliveries)
  are at-least-once: a crash after the effect and before the commit repeats it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
import os
import random
import secrets
import signal
import socket
import time
import traceback
from collections.abc import Callable

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pyleroma.db.base import utcnow
from pyleroma.jobs import queue as job_queue
from pyleroma.jobs.registry import (
    DiscardJob,
    JobContext,
    JobKind,
    RetryJob,
    get_kind,
    load_job_modules,
)
from pyleroma.models.job import (
    AVAILABLE,
    COMPLETED,
    DISCARDED,
    LAST_ERROR_LENGTH,
    RUNNING,
    Job,
)
from pyleroma.settings import Settings

log = logging.getLogger("pyleroma.jobs")

PRUNE_EVERY_SECONDS = 300
PRUNE_BATCH = 1000


@dataclasses.dataclass(frozen=True)
class ClaimedJob:
    """A snapshot of a job row as this worker claimed it (attempt already counted)."""

    id: int
    kind: str
    args: dict
    queue: str
    attempt: int
    max_attempts: int | None
    scheduled_at: dt.datetime


_CLAIMED_COLUMNS = (
    Job.id,
    Job.kind,
    Job.args,
    Job.queue,
    Job.attempt,
    Job.max_attempts,
    Job.scheduled_at,
)


def default_worker_id() -> str:
    """host:pid:random, so leases name the process and a restarted pid is still distinct."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def format_error(exc: BaseException) -> str:
    """The traceback, trimmed to fit ``last_error``: its head (the error) and its tail."""
    text = "".join(traceback.format_exception(exc)).strip()
    if len(text) <= LAST_ERROR_LENGTH:
        return text
    message = f"{type(exc).__name__}: {exc}"[:500]
    tail = text[-(LAST_ERROR_LENGTH - len(message) - 6) :]
    return f"{message}\n...\n{tail}"


class JobRunner:
    """Runs jobs from the shared table with up to ``concurrency`` handlers at once.

    In-process: ``await start()`` in the app's lifespan and ``await stop()`` on shutdown. As
    a worker process: ``await run_forever()`` (returns on SIGTERM/SIGINT or ``stop()``). In
    tests: ``await drain()`` runs jobs until none is due. ``queues`` restricts the runner to
    some queues (None: all).
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        worker_id: str | None = None,
        concurrency: int | None = None,
        *,
        queues: list[str] | tuple[str, ...] | None = None,
    ):
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.worker_id = worker_id or default_worker_id()
        self.concurrency = max(1, concurrency or settings.job_concurrency)
        self.queues = tuple(queues) if queues else None
        self.poll_interval = max(0.01, float(settings.job_poll_interval))
        self.lease = dt.timedelta(seconds=max(1, settings.job_lease_seconds))
        self._tasks: dict[asyncio.Task, ClaimedJob] = {}
        self._wakeup: asyncio.Event | None = None
        self._stop_requested: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main_task: asyncio.Task | None = None
        self._maintenance_task: asyncio.Task | None = None
        self._stop_task: asyncio.Task | None = None
        self._dialect: str | None = None
        load_job_modules()

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._main_task is not None and not self._main_task.done()

    async def start(self) -> None:
        """Start claiming in the background; returns at once."""
        if self._main_task is not None:
            raise RuntimeError("this runner was already started")
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        self._stop_requested = asyncio.Event()
        job_queue.add_listener(self.wake)
        self._main_task = asyncio.create_task(self._claim_loop(), name="jobs-claim")
        self._maintenance_task = asyncio.create_task(self._maintain(), name="jobs-maintain")
        log.info("job runner %s started (concurrency %d)", self.worker_id, self.concurrency)

    async def stop(self, grace: float | None = None) -> None:
        """Stop claiming, let running jobs finish for ``grace`` seconds, then cancel them.

        A cancelled job is rolled back and handed back (available again, the attempt not
        counted). Idempotent; concurrent callers wait for the same shutdown.
        """
        if self._main_task is None:
            return
        if self._stop_task is None:
            self._stop_task = asyncio.create_task(self._shutdown(grace))
        await asyncio.shield(self._stop_task)

    async def run_forever(
        self, *, handle_signals: bool = True, ready: Callable[[], None] | None = None
    ) -> None:
        """Run as a worker process until SIGTERM/SIGINT (or ``stop()``), then shut down.

        ``ready`` is called once the signal handlers are in place: whoever tells the
        operator (or a supervisor) "stop with SIGTERM" must do it only from then on, or an
        early SIGTERM would kill the process instead of stopping it cleanly.
        """
        await self.start()
        loop = asyncio.get_running_loop()
        installed = []
        if handle_signals:
            for signum in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.add_signal_handler(signum, self._request_stop)
                    installed.append(signum)
        if ready is not None:
            ready()
        try:
            await self._stop_requested.wait()
        finally:
            for signum in installed:
                loop.remove_signal_handler(signum)
            await self.stop()

    async def drain(self) -> int:
        """Run jobs (``concurrency`` at a time) until none is due; return how many ran.

        For tests and one-off commands: no background tasks, no lease renewal.
        """
        count = 0
        while True:
            claimed = await self._claim(self.concurrency)
            if not claimed:
                return count
            await asyncio.gather(*(self._run(job) for job in claimed))
            count += len(claimed)

    def wake(self) -> None:
        """Look for due jobs now (called after a commit that enqueued; thread-safe)."""
        loop, event = self._loop, self._wakeup
        if loop is None or event is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(event.set)

    def _request_stop(self) -> None:
        if self._stop_requested is not None:
            self._stop_requested.set()
        self.wake()

    async def _shutdown(self, grace: float | None) -> None:
        self._request_stop()
        with contextlib.suppress(asyncio.CancelledError):
            await self._main_task
        if grace is None:
            grace = min(30.0, float(self.settings.job_timeout_seconds))
        pending = list(self._tasks)
        if pending:
            _done, still = await asyncio.wait(pending, timeout=grace)
            for task in still:
                task.cancel()
            if still:
                await asyncio.wait(still)
        self._maintenance_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._maintenance_task
        job_queue.remove_listener(self.wake)
        log.info("job runner %s stopped", self.worker_id)

    # -- claiming ---------------------------------------------------------------------------

    async def _claim_loop(self) -> None:
        while not self._stop_requested.is_set():
            self._wakeup.clear()
            free = self.concurrency - len(self._tasks)
            claimed: list[ClaimedJob] = []
            if free > 0:
                try:
                    claimed = await self._claim(free)
                except Exception:
                    log.exception("claiming jobs failed; retrying after the poll interval")
                for job in claimed:
                    task = asyncio.create_task(self._run(job), name=f"job-{job.id}")
                    self._tasks[task] = job
                    task.add_done_callback(self._task_done)
                if claimed and len(claimed) == free:
                    continue  # maybe more are due; slots permitting, claim again at once
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval):
                    await self._wakeup.wait()

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.pop(task, None)
        if self._wakeup is not None:
            self._wakeup.set()  # a slot is free
        if not task.cancelled() and task.exception() is not None:
            log.error("job task crashed", exc_info=task.exception())

    def _due(self, now: dt.datetime):
        condition = or_(
            and_(Job.state == AVAILABLE, Job.scheduled_at <= now),
            and_(Job.state == RUNNING, Job.locked_until < now),
        )
        if self.queues:
            condition = and_(condition, Job.queue.in_(self.queues))
        return condition

    async def _claim(self, limit: int) -> list[ClaimedJob]:
        """Mark up to ``limit`` due jobs running under this worker's lease; return them.

        Due means available and scheduled in the past, or running on an expired lease (its
        worker died). Oldest first.
        """
        now = utcnow()
        pick = select(Job.id).where(self._due(now)).order_by(Job.scheduled_at, Job.id)
        pick = pick.limit(limit)
        claim = update(Job).values(
            state=RUNNING,
            attempt=Job.attempt + 1,
            attempted_at=now,
            locked_by=self.worker_id,
            locked_until=now + self.lease,
        )
        async with self.sessionmaker() as session, session.begin():
            if self._dialect is None:
                self._dialect = session.get_bind().dialect.name
            if self._dialect == "postgresql":
                # Rows locked by another claimer are skipped, not waited for: many workers
                # claim side by side without blocking each other or taking the same job.
                ids = (await session.scalars(pick.with_for_update(skip_locked=True))).all()
                if not ids:
                    return []
                claim = claim.where(Job.id.in_(ids))
            else:
                # One statement under SQLite's write lock: nobody else can claim in between.
                claim = claim.where(Job.id.in_(pick.scalar_subquery()))
            rows = await session.execute(
                claim.returning(*_CLAIMED_COLUMNS),
                execution_options={"synchronize_session": False},
            )
            claimed = [ClaimedJob(*row) for row in rows]
        claimed.sort(key=lambda job: (job.scheduled_at, job.id))
        return claimed

    # -- running ----------------------------------------------------------------------------

    def _held(self, job: ClaimedJob):
        """The job row is still ours: running, our lease, the attempt we claimed."""
        return and_(
            Job.id == job.id,
            Job.state == RUNNING,
            Job.locked_by == self.worker_id,
            Job.attempt == job.attempt,
        )

    def _max_attempts(self, job: ClaimedJob, spec: JobKind | None) -> int:
        if job.max_attempts:
            return job.max_attempts
        if spec is not None and spec.max_attempts:
            return spec.max_attempts
        return max(1, self.settings.job_max_attempts)

    async def _run(self, job: ClaimedJob) -> None:
        spec = get_kind(job.kind)
        if spec is None:
            await self._fail(job, None, f"unknown job kind {job.kind!r}", discard=True)
            return
        max_attempts = self._max_attempts(job, spec)
        if job.attempt > max_attempts:
            # Reclaimed from a dead worker after its final attempt: the job itself may be
            # what kills workers, so stop here.
            message = "worker lost during the final attempt (lease expired)"
            await self._fail(job, spec, message, discard=True)
            return
        timeout = spec.timeout or self.settings.job_timeout_seconds
        async with self.sessionmaker() as session:
            ctx = JobContext(
                job_id=job.id,
                kind=job.kind,
                args=job.args or {},
                queue=job.queue,
                attempt=job.attempt,
                max_attempts=max_attempts,
                scheduled_at=job.scheduled_at,
                worker_id=self.worker_id,
                session=session,
                sessionmaker=self.sessionmaker,
                settings=self.settings,
            )
            deadline = asyncio.timeout(timeout)
            try:
                async with deadline:
                    await spec.handler(ctx)
                held = await session.execute(
                    update(Job)
                    .where(self._held(job))
                    .values(state=COMPLETED, completed_at=utcnow(), locked_until=None)
                    .values(unique_key=None),
                    execution_options={"synchronize_session": False},
                )
                if held.rowcount != 1:
                    await _rollback(session)
                    log.warning(
                        "job %s (%s) finished after its lease passed to another worker; "
                        "its transaction was rolled back",
                        job.id,
                        job.kind,
                    )
                    return
                await session.commit()
            except asyncio.CancelledError:
                await _rollback(session)
                await self._release(job)
                raise
            except DiscardJob as exc:
                await _rollback(session)
                await self._fail(job, spec, f"discarded: {exc}", discard=True)
            except RetryJob as exc:
                await _rollback(session)
                await self._fail(job, spec, f"retry: {exc}", delay=exc.delay)
            except Exception as exc:
                await _rollback(session)
                if isinstance(exc, TimeoutError) and deadline.expired():
                    message = f"timed out after {timeout} s"
                else:
                    message = format_error(exc)
                await self._fail(job, spec, message)

    def backoff(self, attempt: int, spec: JobKind | None = None) -> float:
        """Seconds before retrying after failed attempt ``attempt``: exponential, jittered."""
        if spec is not None and spec.backoff is not None:
            return max(0.0, float(spec.backoff(attempt)))
        base = max(0.0, self.settings.job_backoff_base_seconds)
        delay = base * (2 ** min(max(attempt - 1, 0), 40)) * random.uniform(0.75, 1.25)
        return min(delay, max(0.0, self.settings.job_backoff_max_seconds))

    async def _fail(
        self,
        job: ClaimedJob,
        spec: JobKind | None,
        message: str,
        *,
        discard: bool = False,
        delay: float | None = None,
    ) -> None:
        """Record a failed attempt: back to available after a backoff, or discarded."""
        now = utcnow()
        message = message[:LAST_ERROR_LENGTH]
        final = discard or job.attempt >= self._max_attempts(job, spec)
        if final:
            values = dict(state=DISCARDED, completed_at=now, locked_until=None, unique_key=None)
            log.error("job %s (%s) discarded: %s", job.id, job.kind, message.splitlines()[0])
        else:
            wait = self.backoff(job.attempt, spec) if delay is None else max(0.0, delay)
            scheduled = now + dt.timedelta(seconds=wait)
            values = dict(
                state=AVAILABLE, scheduled_at=scheduled, locked_by=None, locked_until=None
            )
            log.warning(
                "job %s (%s) attempt %d failed, retrying in %.1f s: %s",
                job.id,
                job.kind,
                job.attempt,
                wait,
                message.splitlines()[0] if message else "",
            )
        try:
            async with self.sessionmaker() as session, session.begin():
                await session.execute(
                    update(Job).where(self._held(job)).values(last_error=message, **values),
                    execution_options={"synchronize_session": False},
                )
        except Exception:
            # The lease will expire and the job will be claimed again: nothing is lost.
            log.exception("could not record the failure of job %s", job.id)

    async def _release(self, job: ClaimedJob) -> None:
        """Hand a job back at shutdown: available now, and this attempt doesn't count."""
        try:
            async with self.sessionmaker() as session, session.begin():
                await session.execute(
                    update(Job)
                    .where(self._held(job))
                    .values(
                        state=AVAILABLE,
                        attempt=Job.attempt - 1,
                        scheduled_at=utcnow(),
                        locked_by=None,
                        locked_until=None,
                    ),
                    execution_options={"synchronize_session": False},
                )
        except Exception:
            log.exception("could not release job %s; its lease will expire", job.id)

    # -- lease renewal and pruning ----------------------------------------------------------

    async def _maintain(self) -> None:
        """Renew the leases of running jobs every third of a lease; prune old finished jobs."""
        interval = max(0.2, self.lease.total_seconds() / 3)
        next_prune = time.monotonic()
        while True:
            if self._tasks:
                try:
                    await self.renew_leases()
                except Exception:
                    log.exception("renewing job leases failed")
            if time.monotonic() >= next_prune:
                next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
                try:
                    await self.prune()
                except Exception:
                    log.exception("pruning finished jobs failed")
            await asyncio.sleep(interval)

    async def renew_leases(self) -> int:
        """Extend the lease of every job this runner is running; return how many."""
        ids = [job.id for job in self._tasks.values()]
        if not ids:
            return 0
        async with self.sessionmaker() as session, session.begin():
            result = await session.execute(
                update(Job)
                .where(Job.id.in_(ids), Job.state == RUNNING, Job.locked_by == self.worker_id)
                .values(locked_until=utcnow() + self.lease),
                execution_options={"synchronize_session": False},
            )
        return result.rowcount

    async def prune(self) -> int:
        """Delete completed and discarded jobs older than their retention; return how many."""
        now = utcnow()
        completed_before = now - dt.timedelta(seconds=self.settings.job_completed_retention_seconds)
        discarded_before = now - dt.timedelta(seconds=self.settings.job_discarded_retention_seconds)
        old = or_(
            and_(Job.state == COMPLETED, Job.completed_at < completed_before),
            and_(Job.state == DISCARDED, Job.completed_at < discarded_before),
        )
        total = 0
        while True:
            batch = select(Job.id).where(old).limit(PRUNE_BATCH).scalar_subquery()
            async with self.sessionmaker() as session, session.begin():
                result = await session.execute(
                    delete(Job).where(Job.id.in_(batch)),
                    execution_options={"synchronize_session": False},
                )
            total += result.rowcount
            if result.rowcount < PRUNE_BATCH:
                return total


async def _rollback(session: AsyncSession) -> None:
    try:
        await session.rollback()
    except Exception:  # a broken connection: closing the session discards it anyway
        log.debug("rollback failed", exc_info=True)
