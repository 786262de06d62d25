"""Buffered job outcomes: many jobs' "completed" (or failure) marks in one transaction.

Why: committing each job's mark on its own is one write transaction per job. On SQLite
(one writer at a time) and even on PostgreSQL (a commit per job) that, not the work, caps
how many short jobs a second a runner finishes: a thousand federation deliveries were a
thousand commits. Kinds registered with ``batch_outcomes=True`` hand their outcome to this
buffer instead, and the handler's slot is free at once; the flusher writes what has
gathered every ``max_delay`` seconds (or as soon as ``max_batch`` are waiting), all in ONE
transaction.

Until it is written, a buffered job's row stays ``running`` under this worker's lease (the
runner renews it, ``held_ids``), so no other worker can claim it. Every write is
conditional on this worker still holding the row, as the per-job marks are. If a flush
fails, or the process dies first, the outcomes are dropped: the leases expire and the jobs
run again. So a batched kind's completion is at-least-once, which is why only kinds whose
writes happen in sessions of their own (and whose effects tolerate a repeat) may opt in.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable

from sqlalchemy import and_, bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pyleroma.db.base import utcnow
from pyleroma.models.job import AVAILABLE, COMPLETED, RUNNING, Job

log = logging.getLogger("pyleroma.jobs")

# Longest IN list in one statement: well under SQLite's variable limit and small enough
# for PostgreSQL to plan quickly.
IN_CHUNK = 500


@dataclasses.dataclass(frozen=True)
class Outcome:
    """One finished attempt: ``values`` None means completed, else the failure's columns."""

    job_id: int
    attempt: int
    values: dict | None = None


class OutcomeBuffer:
    """Outcomes waiting to be written, and the task that writes them.

    ``start()`` runs the flusher in the background; without it (``JobRunner.drain``) the
    owner calls ``flush()`` itself. ``lock`` serialises flushes with the runner's lease
    renewal: both update the same running rows, and on PostgreSQL two transactions locking
    overlapping rows in different orders could deadlock.
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        worker_id: str,
        *,
        max_delay: float = 0.05,
        max_batch: int = 200,
        on_due_retry: Callable[[], None] | None = None,
    ):
        self.sessionmaker = sessionmaker
        self.worker_id = worker_id
        self.max_delay = max_delay
        self.max_batch = max_batch
        self.on_due_retry = on_due_retry
        self.lock = asyncio.Lock()
        self._pending: list[Outcome] = []
        self._has_items = asyncio.Event()
        self._full = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._closing = False

    def __len__(self) -> int:
        return len(self._pending)

    def held_ids(self) -> list[int]:
        """Jobs whose outcome is buffered: their leases must still be renewed."""
        return [outcome.job_id for outcome in self._pending]

    def complete(self, job_id: int, attempt: int) -> None:
        self._add(Outcome(job_id, attempt))

    def fail(self, job_id: int, attempt: int, values: dict) -> None:
        """``values``: the columns to set (state, last_error, scheduled_at ...)."""
        self._add(Outcome(job_id, attempt, values))

    def _add(self, outcome: Outcome) -> None:
        self._pending.append(outcome)
        self._has_items.set()
        if len(self._pending) >= self.max_batch:
            self._full.set()

    # -- the flusher ------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._closing = False
            self._task = asyncio.create_task(self._flush_loop(), name="jobs-outcomes")

    async def stop(self) -> None:
        """Write what is buffered and stop the flusher (it is not cancelled mid-write)."""
        self._closing = True
        self._has_items.set()
        self._full.set()
        if self._task is not None:
            task, self._task = self._task, None
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.flush()

    async def _flush_loop(self) -> None:
        while not self._closing:
            await self._has_items.wait()
            if not self._closing and len(self._pending) < self.max_batch:
                # Let outcomes gather for up to max_delay: one transaction for all of them.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.max_delay):
                        await self._full.wait()
            self._has_items.clear()
            self._full.clear()
            await self.flush()

    async def flush(self) -> None:
        """Write every buffered outcome in one transaction; on failure log and drop them."""
        async with self.lock:
            if not self._pending:
                return
            batch, self._pending = self._pending, []
            try:
                due_retry = await self._write(batch)
            except Exception:
                # The rows stay running under leases nobody renews: once they pass, the
                # jobs are claimed and run again (completion is at-least-once).
                log.exception("could not write the outcomes of %d job(s)", len(batch))
                return
        if due_retry and self.on_due_retry is not None:
            self.on_due_retry()

    async def _write(self, batch: list[Outcome]) -> bool:
        """The UPDATEs for ``batch``; True when a retry is due already (backoff 0)."""
        now = utcnow()
        done = [outcome.job_id for outcome in batch if outcome.values is None]
        failed: dict[tuple[str, ...], list[dict]] = {}
        for outcome in batch:
            if outcome.values is not None:
                params = {f"v_{name}": value for name, value in outcome.values.items()}
                params.update(b_id=outcome.job_id, b_attempt=outcome.attempt)
                failed.setdefault(tuple(sorted(outcome.values)), []).append(params)
        options = {"synchronize_session": False}
        written = 0
        async with self.sessionmaker() as session, session.begin():
            for start in range(0, len(done), IN_CHUNK):
                chunk = done[start : start + IN_CHUNK]
                result = await session.execute(
                    update(Job)
                    .where(Job.id.in_(chunk), Job.state == RUNNING, Job.locked_by == self.worker_id)
                    .values(state=COMPLETED, completed_at=now, locked_until=None)
                    .values(unique_key=None),
                    execution_options=options,
                )
                written += result.rowcount
            table = Job.__table__
            for names, rows in failed.items():
                # One executemany per shape of failure (retry / discard): the same held
                # check as a single failure's, row by row.
                held = and_(
                    table.c.id == bindparam("b_id"),
                    table.c.state == RUNNING,
                    table.c.locked_by == self.worker_id,
                    table.c.attempt == bindparam("b_attempt"),
                )
                values = {name: bindparam(f"v_{name}") for name in names}
                await session.execute(table.update().where(held).values(values), rows)
        if written < len(done):
            log.warning(
                "%d of %d finished job(s) had passed to another worker before their "
                "completion was written; left to that worker",
                len(done) - written,
                len(done),
            )
        return any(
            outcome.values.get("state") == AVAILABLE and outcome.values["scheduled_at"] <= now
            for outcome in batch
            if outcome.values is not None
        )
