"""Job kinds used only by the job runner tests (imported by the tests and by worker.py).

Each run is logged twice: in ``RUNS`` (this process) and, when the job's args name a
``run_log`` file, as a line appended to it, so tests can count how often a job RAN across
processes. Effects go to ``test_job_effects``, a table outside the app's metadata, in the
job's own transaction, so tests can count how often an effect was COMMITTED.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, func, insert, select

from pyleroma.jobs import DeferJob, DiscardJob, JobContext, RetryJob, register

metadata = MetaData()
job_effects = Table(
    "test_job_effects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False),
    Column("job_id", BigInteger, nullable=False),
    Column("worker", String(200), nullable=False),
)

RUNS: list[tuple[int, str, int]] = []


def _log_run(ctx: JobContext) -> None:
    RUNS.append((ctx.job_id, ctx.worker_id, ctx.attempt))
    run_log = ctx.args.get("run_log")
    if run_log:
        # O_APPEND writes of one short line are atomic between processes.
        fd = os.open(run_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{ctx.job_id} {ctx.worker_id} {ctx.attempt}\n".encode())
        finally:
            os.close(fd)


async def _write_effect(ctx: JobContext) -> None:
    await ctx.session.execute(
        insert(job_effects).values(key=ctx.args["key"], job_id=ctx.job_id, worker=ctx.worker_id)
    )


@register("test.effect")
async def effect_job(ctx: JobContext) -> None:
    _log_run(ctx)
    if ctx.args.get("sleep"):
        await asyncio.sleep(ctx.args["sleep"])
    await _write_effect(ctx)


@register("test.flaky")
async def flaky_job(ctx: JobContext) -> None:
    """Writes its effect, then fails until attempt ``succeed_on`` (the effect rolls back)."""
    _log_run(ctx)
    await _write_effect(ctx)
    await ctx.session.flush()
    if ctx.attempt < ctx.args["succeed_on"]:
        raise RuntimeError(f"boom on attempt {ctx.attempt}")


# A real conflict error of the database under test (tests/jobs/test_runner.py provokes it).
CONFLICTS: list[BaseException] = []


@register("test.conflict")
async def conflict_job(ctx: JobContext) -> None:
    """Writes its effect, then fails its first attempt with ``CONFLICTS[0]``."""
    _log_run(ctx)
    await _write_effect(ctx)
    await ctx.session.flush()
    if ctx.attempt == 1:
        raise CONFLICTS[0]


@register("test.block")
async def block_job(ctx: JobContext) -> None:
    """Writes its effect (unless ``write`` is false), signals ``started``, waits for ``gate``."""
    _log_run(ctx)
    if ctx.args.get("write", True):
        await _write_effect(ctx)
        await ctx.session.flush()
    with open(ctx.args["started"], "a") as started:
        started.write(f"{ctx.worker_id}\n")
    while not Path(ctx.args["gate"]).exists():
        await asyncio.sleep(0.05)


@register("test.hang", timeout=0.3)
async def hang_job(ctx: JobContext) -> None:
    _log_run(ctx)
    await _write_effect(ctx)
    await asyncio.sleep(3600)


@register("test.discard")
async def discard_job(ctx: JobContext) -> None:
    _log_run(ctx)
    await _write_effect(ctx)
    raise DiscardJob("the object is gone")


@register("test.defer")
async def defer_job(ctx: JobContext) -> None:
    _log_run(ctx)
    raise DeferJob("busy elsewhere", delay=60)


@register("test.retry_later")
async def retry_later_job(ctx: JobContext) -> None:
    _log_run(ctx)
    if ctx.attempt == 1:
        raise RetryJob("remote busy", delay=120)


@register("test.fast_retry", max_attempts=3, backoff=lambda attempt: 0)
async def fast_retry_job(ctx: JobContext) -> None:
    _log_run(ctx)
    raise ValueError("always fails")


async def create_effects_table(engine) -> None:
    """Create (or empty) the effects table: on PostgreSQL it outlives one test."""
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(job_effects.delete())


async def effect_counts(sessionmaker) -> dict[str, int]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(job_effects.c.key, func.count()).group_by(job_effects.c.key)
        )
        return {key: count for key, count in rows}


# A kind with batched outcomes (jobs/outcomes.py): its completion is written with others',
# after it returns; its backoff is the kind's own (40 s per failed attempt).
BATCH_BACKOFF_SECONDS = 40.0


@register(
    "test.batch",
    batch_outcomes=True,
    max_attempts=3,
    backoff=lambda attempt: BATCH_BACKOFF_SECONDS * attempt,
)
async def batch_job(ctx: JobContext) -> None:
    """``mode``: ok, retry, discard, error, or session_write (writes through ctx.session,
    which a batched kind must not do: the runner rolls it back). With ``started`` and
    ``gate``: signals it started and waits for the gate first."""
    _log_run(ctx)
    if ctx.args.get("started"):
        with open(ctx.args["started"], "a") as started:
            started.write(f"{ctx.job_id}\n")
        while not Path(ctx.args["gate"]).exists():
            await asyncio.sleep(0.02)
    mode = ctx.args.get("mode", "ok")
    if mode == "retry":
        raise RetryJob("remote busy")
    if mode == "discard":
        raise DiscardJob("the object is gone")
    if mode == "error":
        raise ValueError("broken")
    if mode == "session_write":
        await _write_effect(ctx)
        await ctx.session.flush()
