"""Helpers shared by the job runner tests: runners, jobs, waiting."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import time
from pathlib import Path

from sqlalchemy import func, select, update

from pyleroma.db.base import utcnow
from pyleroma.jobs import JobRunner, enqueue
from pyleroma.models.job import Job


def make_runner(app, worker_id="w", concurrency=4, **settings) -> JobRunner:
    config = dataclasses.replace(app.state.settings, **settings)
    return JobRunner(app.state.sessionmaker, config, worker_id, concurrency)


async def add_job(db, kind, args=None, **options) -> int:
    async with db() as session:
        job_id = await enqueue(session, kind, args or {}, **options)
        await session.commit()
    return job_id


async def get_job(db, job_id) -> Job | None:
    async with db() as session:
        return await session.get(Job, job_id)


async def job_count(db) -> int:
    async with db() as session:
        return await session.scalar(select(func.count()).select_from(Job))


async def make_due(db, job_id) -> None:
    """Move a job's schedule into the past (instead of sleeping through a backoff)."""
    async with db() as session, session.begin():
        await session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(scheduled_at=utcnow() - dt.timedelta(seconds=1))
        )


async def wait_for(predicate, timeout=30.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


async def file_exists(path: Path) -> bool:
    """An awaitable check for ``wait_for`` (handlers signal progress by touching files)."""
    return path.exists()
