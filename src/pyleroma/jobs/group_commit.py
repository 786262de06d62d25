"""Jobs stored for many concurrent callers in one transaction (a group commit).

An inbox under load takes hundreds of deliveries a second, and each must be durable (a
stored receive job) before it is answered 202. A transaction per delivery makes the commit
the bottleneck, above all on SQLite, which writes one transaction at a time. Here each
caller hands over its job and waits; one flusher per process writes every job handed over
meanwhile in a single INSERT and commit, then answers them all. Nothing waits for a batch
to fill: an idle server commits a lone job at once, and batches grow only as fast as jobs
arrive during a commit, so the latency under load is about one commit.

A caller is answered only after the commit that holds its job, so a 202 still means the
job is stored. If that commit fails, every caller of the batch gets ``StoreFailed`` and
none of their jobs exists (the sender retries later, as it would after any 5xx).
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pyleroma.jobs.queue import job_row, notify
from pyleroma.models.job import Job

log = logging.getLogger("pyleroma.jobs")

# Rows per INSERT: a burst larger than this is written in several rounds.
MAX_BATCH = 500


class StoreFailed(Exception):
    """The batch holding this job could not be committed; the job was not stored."""


class GroupCommitter:
    """``await add(kind, args)`` returns once the job is committed, with its id."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]):
        self.sessionmaker = sessionmaker
        self._pending: list[tuple[dict, asyncio.Future]] = []
        self._flusher: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def add(self, kind: str, args: dict, *, queue: str | None = None) -> int:
        values = job_row(kind, args, queue=queue)
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self._pending.append((values, done))
        if self._flusher is None or self._flusher.done() or self._loop is not loop:
            self._loop = loop
            self._flusher = loop.create_task(self._flush(), name="jobs-group-commit")
        # Shielded: a caller that goes away (the sender hung up) leaves its job in the batch.
        return await asyncio.shield(done)

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                async with self.sessionmaker() as session:
                    await session.execute(insert(Job), [values for values, _ in batch])
                    await session.commit()
            except Exception as exc:
                log.exception("storing %d jobs failed", len(batch))
                for _, done in batch:
                    if not done.done():
                        done.set_exception(StoreFailed(f"could not store the job: {exc}"))
                continue
            notify()
            for values, done in batch:
                if not done.done():
                    done.set_result(values["id"])
