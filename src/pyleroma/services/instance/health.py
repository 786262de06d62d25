"""The healthcheck report: is the database answering, and how busy is the connection pool.

Load balancers and monitoring poll this, so it must answer quickly even when the database
does not: the probe query has a short deadline, and any failure to reach the database is
reported as unhealthy instead of raised.
"""

from __future__ import annotations

import asyncio
import logging

import psutil
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from pyleroma.jobs.queue import queue_stats

log = logging.getLogger("pyleroma.health")

# Seconds the database has to answer SELECT 1 (a pool wait counts against it too).
PROBE_TIMEOUT = 3.0


def pool_stats(engine: AsyncEngine) -> dict[str, int]:
    """Configured size, connections in use and connections idle in the pool.

    Pools without a fixed size (NullPool, StaticPool) report zeros rather than failing.
    """
    pool = engine.pool

    def _call(name: str) -> int:
        method = getattr(pool, name, None)
        try:
            return int(method()) if method is not None else 0
        except (TypeError, ValueError, NotImplementedError):
            return 0

    return {"pool_size": _call("size"), "active": _call("checkedout"), "idle": _call("checkedin")}


def memory_used_mb() -> float:
    """Resident memory of this process, in megabytes (two decimals, as Pleroma reports)."""
    return round(psutil.Process().memory_info().rss / 1024 / 1024, 2)


async def database_answers(engine: AsyncEngine, timeout: float | None = None) -> bool:
    async def probe() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(probe(), timeout if timeout is not None else PROBE_TIMEOUT)
    except TimeoutError:
        log.warning("healthcheck: the database did not answer within the deadline")
        return False
    except Exception as exc:  # any driver or OS error means "not healthy", never a 500
        log.warning("healthcheck: the database is unreachable: %s", exc)
        return False
    return True


async def job_stats(engine: AsyncEngine, timeout: float | None = None) -> dict:
    """The job queue's counts (jobs/queue.py), or {} when they cannot be read in time."""
    try:
        async with AsyncSession(engine) as session:
            return await asyncio.wait_for(
                queue_stats(session), timeout if timeout is not None else PROBE_TIMEOUT
            )
    except Exception as exc:  # a slow or broken database is already reported as unhealthy
        log.warning("healthcheck: job queue stats unavailable: %s", exc)
        return {}


async def health_report(engine: AsyncEngine, timeout: float | None = None) -> dict:
    """spec/pleroma_api.md's healthcheck body, with the job queue's counts when healthy."""
    healthy = await database_answers(engine, timeout)
    return {
        **pool_stats(engine),
        "memory_used": memory_used_mb(),
        "healthy": healthy,
        "job_queue_stats": await job_stats(engine, timeout) if healthy else {},
    }
