"""Deleting finished jobs once their retention has passed (every runner does it every five
minutes: runner.py), in batches so no transaction holds the table for long."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pyleroma.db.base import utcnow
from pyleroma.models.job import COMPLETED, DISCARDED, Job
from pyleroma.settings import Settings

PRUNE_BATCH = 1000


async def prune_finished(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    """Delete completed and discarded jobs older than their retention; return how many."""
    now = utcnow()
    completed_before = now - dt.timedelta(seconds=settings.job_completed_retention_seconds)
    discarded_before = now - dt.timedelta(seconds=settings.job_discarded_retention_seconds)
    old = or_(
        and_(Job.state == COMPLETED, Job.completed_at < completed_before),
        and_(Job.state == DISCARDED, Job.completed_at < discarded_before),
    )
    total = 0
    while True:
        batch = select(Job.id).where(old).limit(PRUNE_BATCH).scalar_subquery()
        async with sessionmaker() as session, session.begin():
            result = await session.execute(
                delete(Job).where(Job.id.in_(batch)),
                execution_options={"synchronize_session": False},
            )
        total += result.rowcount
        if result.rowcount < PRUNE_BATCH:
            return total
