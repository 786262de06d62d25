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
- Kinds registered with ``batch_outcomes=True`` (short jobs by the thousand: deliveries)
  skip the per-job commit: their outcomes are buffered and written many to a transaction
  (jobs/outcomes.py), their completion is at-least-once.
- While handlers run, claims are coalesced (at most one per ``CLAIM_COALESCE_SECONDS``),
  so a runner finishing hundreds of jobs a second doesn't claim after each one.
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

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pyleroma.db.base import utcnow
from pyleroma.db.conflicts import is_transient_conflict
from pyleroma.jobs import queue as job_queue
from pyleroma.jobs.outcomes import IN_CHUNK, OutcomeBuffer
from pyleroma.jobs.pruning import prune_finished
from pyleroma.jobs.registry import (
    DeferJob,
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
# While handlers are running, the next claim waits this long after the previous one, so
# the slots freed meanwhile are filled by one claim transaction instead of one each.
CLAIM_COALESCE_SECONDS = 0.01


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
        self._claim_sql: tuple | None = None  # (dialect, pick, claim): _claim_statements
        # The last claim filled every free slot: more may be due, so a finished job wakes
        # the claim loop. Otherwise new jobs announce themselves (wake()) or the poll finds
        # them, and finishing jobs claim nothing (no empty claim per finished job).
        self._backlog = True
        self._outcomes = OutcomeBuffer(sessionmaker, self.worker_id, on_due_retry=self.wake)
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
        self._outcomes.start()
        self._main_task = asyncio.create_task(self._claim_loop(), name="jobs-claim")
        self._maintenance_task = asyncio.create_task(self._maintain(), name="jobs-maintain")
        log.info("job runner %s started (concurrency %d)", self.worker_id, self.concurrency)

    async def stop(self, grace: float | None = None) -> None:
        """Stop claiming, let running jobs finish for ``grace`` seconds, then cancel them.

        A cancelled job is rolled back and handed back (available again, the attempt not
        counted). Buffered outcomes are written before it returns. Idempotent; concurrent
        callers wait for the same shutdown.
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

        For tests and one-off commands: no background tasks, no lease renewal. Buffered
        outcomes are written after each round, so a retry due at once runs in this drain.
        """
        count = 0
        while True:
            claimed = await self._claim(self.concurrency)
            if not claimed:
                await self.flush_outcomes()
                return count
            await asyncio.gather(*(self._run(job) for job in claimed))
            await self.flush_outcomes()
            count += len(claimed)

    async def flush_outcomes(self) -> None:
        """Write the buffered outcomes of ``batch_outcomes`` kinds now (the flusher does it
        within 50 ms anyway; ``stop()`` and ``drain()`` before they return)."""
        await self._outcomes.flush()

    def wake(self) -> None:
        """Look for due jobs now (called after a commit that enqueued; thread-safe)."""
        loop, event = self._loop, self._wakeup
        if loop is None or event is None or loop.is_closed():
            return
        self._backlog = True  # new work: the next freed slot claims (if none is free now)
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
        await self._outcomes.stop()
        self._maintenance_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._maintenance_task
        job_queue.remove_listener(self.wake)
        log.info("job runner %s stopped", self.worker_id)

    # -- claiming ---------------------------------------------------------------------------

    async def _claim_loop(self) -> None:
        last_claim = -CLAIM_COALESCE_SECONDS
        while not self._stop_requested.is_set():
            pause = last_claim + CLAIM_COALESCE_SECONDS - time.monotonic()
            if self._tasks and pause > 0:
                # Handlers are running: let more slots free up (never longer than this
                # pause, so hanging handlers can't hold back claims for the free slots).
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(pause):
                        await self._stop_requested.wait()
                continue
            self._wakeup.clear()
            free = self.concurrency - len(self._tasks)
            claimed: list[ClaimedJob] = []
            if free > 0:
                last_claim = time.monotonic()
                try:
                    claimed = await self._claim(free)
                    self._backlog = len(claimed) == free
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
        if self._wakeup is not None and self._backlog:
            self._wakeup.set()  # a slot is free and more jobs may be due
        if not task.cancelled() and task.exception() is not None:
            log.error("job task crashed", exc_info=task.exception())

    def _claim_statements(self, dialect: str):
        """The claim's statements, built once per runner with the times and the limit as
        parameters: building them cost more CPU than running them, and a busy runner
        claims many times a second. Due means available and scheduled in the past, or
        running on an expired lease (its worker died). Oldest first."""
        jobs = Job.__table__.c
        now = bindparam("now")
        due = or_(
            and_(jobs.state == AVAILABLE, jobs.scheduled_at <= now),
            and_(jobs.state == RUNNING, jobs.locked_until < now),
        )
        if self.queues:
            due = and_(due, jobs.queue.in_(self.queues))
        pick = select(jobs.id).where(due).order_by(jobs.scheduled_at, jobs.id)
        pick = pick.limit(bindparam("limit"))
        claim = Job.__table__.update().values(
            state=RUNNING,
            attempt=jobs.attempt + 1,
            attempted_at=now,
            locked_by=self.worker_id,
            locked_until=bindparam("until"),
        )
        if dialect == "postgresql":
            # Rows locked by another claimer are skipped, not waited for: many workers
            # claim side by side without blocking each other or taking the same job.
            pick = pick.with_for_update(skip_locked=True)
            claim = claim.where(jobs.id.in_(bindparam("ids", expanding=True)))
        else:
            # One statement under SQLite's write lock: nobody else can claim in between.
            claim = claim.where(jobs.id.in_(pick.scalar_subquery()))
        returning = claim.returning(*(jobs[column.key] for column in _CLAIMED_COLUMNS))
        return pick, returning

    async def _claim(self, limit: int) -> list[ClaimedJob]:
        """Mark up to ``limit`` due jobs running under this worker's lease; return them."""
        now = utcnow()
        params = {"now": now, "until": now + self.lease, "limit": limit}
        async with self.sessionmaker() as session, session.begin():
            if self._claim_sql is None:
                dialect = session.get_bind().dialect.name
                self._claim_sql = (dialect, *self._claim_statements(dialect))
            dialect, pick, claim = self._claim_sql
            if dialect == "postgresql":
                ids = (await session.scalars(pick, params)).all()
                if not ids:
                    return []
                params["ids"] = ids
            rows = await session.execute(claim, params)
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
        ctx = JobContext(
            job_id=job.id,
            kind=job.kind,
            args=job.args or {},
            queue=job.queue,
            attempt=job.attempt,
            max_attempts=max_attempts,
            scheduled_at=job.scheduled_at,
            worker_id=self.worker_id,
            sessionmaker=self.sessionmaker,
            settings=self.settings,
            # A batched kind's session is only for reads and opened if it reads.
            opened_session=None if spec.batch_outcomes else self.sessionmaker(),
        )
        deadline = asyncio.timeout(timeout)
        try:
            async with deadline:
                await spec.handler(ctx)
            if spec.batch_outcomes:
                # The completion is written with other jobs' (jobs/outcomes.py).
                await _close(ctx)
                self._outcomes.complete(job.id, job.attempt)
                return
            session = ctx.opened_session
            held = await session.execute(
                update(Job)
                .where(self._held(job))
                .values(state=COMPLETED, completed_at=utcnow(), locked_until=None)
                .values(unique_key=None),
                execution_options={"synchronize_session": False},
            )
            if held.rowcount != 1:
                await _close(ctx)
                log.warning(
                    "job %s (%s) finished after its lease passed to another worker; "
                    "its transaction was rolled back",
                    job.id,
                    job.kind,
                )
                return
            await session.commit()
        except asyncio.CancelledError:
            await _close(ctx)
            await self._release(job)
            raise
        except DiscardJob as exc:
            await _close(ctx)
            await self._fail(job, spec, f"discarded: {exc}", discard=True)
        except RetryJob as exc:
            await _close(ctx)
            await self._fail(job, spec, f"retry: {exc}", delay=exc.delay)
        except DeferJob as exc:
            await _close(ctx)
            await self._release(job, spec, delay=exc.delay)
        except Exception as exc:
            await _close(ctx)
            if isinstance(exc, TimeoutError) and deadline.expired():
                message = f"timed out after {timeout} s"
            else:
                message = format_error(exc)
            # A deadlock or a locked database is gone a moment later: again at once.
            delay = 0.0 if is_transient_conflict(exc) else None
            await self._fail(job, spec, message, delay=delay)
        finally:
            await _close(ctx)

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
        """Record a failed attempt: back to available after a backoff, or discarded.

        Written at once, or for a ``batch_outcomes`` kind buffered with its completions.
        """
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
        if spec is not None and spec.batch_outcomes:
            self._outcomes.fail(job.id, job.attempt, dict(last_error=message, **values))
            return
        try:
            async with self.sessionmaker() as session, session.begin():
                await session.execute(
                    update(Job).where(self._held(job)).values(last_error=message, **values),
                    execution_options={"synchronize_session": False},
                )
        except Exception:
            # The lease will expire and the job will be claimed again: nothing is lost.
            log.exception("could not record the failure of job %s", job.id)
            return
        if not final and values["scheduled_at"] <= now:
            self.wake()  # due again at once: don't leave it to the next poll

    async def _release(
        self, job: ClaimedJob, spec: JobKind | None = None, *, delay: float = 0.0
    ) -> None:
        """Hand a job back without counting this attempt: at shutdown (available now), or
        deferred by its handler (``DeferJob``: available again in ``delay`` seconds;
        buffered with the outcomes of a ``batch_outcomes`` kind)."""
        values = dict(
            state=AVAILABLE,
            attempt=job.attempt - 1,
            scheduled_at=utcnow() + dt.timedelta(seconds=delay),
            locked_by=None,
            locked_until=None,
        )
        if delay and spec is not None and spec.batch_outcomes:
            self._outcomes.fail(job.id, job.attempt, values)
            return
        try:
            async with self.sessionmaker() as session, session.begin():
                await session.execute(
                    update(Job).where(self._held(job)).values(**values),
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
            if self._tasks or len(self._outcomes):
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
        """Extend the lease of every job this runner is running, or whose outcome waits in
        the buffer; return how many."""
        async with self._outcomes.lock:  # not beside a flush: see OutcomeBuffer
            ids = [job.id for job in self._tasks.values()] + self._outcomes.held_ids()
            if not ids:
                return 0
            renewed = 0
            async with self.sessionmaker() as session, session.begin():
                for start in range(0, len(ids), IN_CHUNK):
                    result = await session.execute(
                        update(Job)
                        .where(
                            Job.id.in_(ids[start : start + IN_CHUNK]),
                            Job.state == RUNNING,
                            Job.locked_by == self.worker_id,
                        )
                        .values(locked_until=utcnow() + self.lease),
                        execution_options={"synchronize_session": False},
                    )
                    renewed += result.rowcount
        return renewed

    async def prune(self) -> int:
        """Delete completed and discarded jobs older than their retention; return how many."""
        return await prune_finished(self.sessionmaker, self.settings)


async def _close(ctx: JobContext) -> None:
    """Roll back and release the handler's session, if it has one open.

    Before a failure is recorded: on SQLite a handler that wrote holds the write lock
    until its transaction ends, and the failure's own transaction would wait for it.
    """
    session, ctx.opened_session = ctx.opened_session, None
    if session is None:
        return
    try:
        await session.close()
    except Exception:  # a broken connection is discarded by the pool anyway
        log.debug("closing a job's session failed", exc_info=True)
