"""Which remote hosts answer: the ``instances`` table (models/instance.py).

A delivery that fails marks its host unreachable (from the first failure on); one that
succeeds, or any activity received from the host, clears the mark. A host unreachable for
longer than ``UNREACHABLE_AFTER`` gets no new delivery attempts until it is heard from
again (Pleroma's ``Instances.reachable?``), so a dead server costs nothing.

Deliveries write these marks at most once per host and state a minute per process, and
remember ``is_given_up`` for half a minute (jobs/deliver_jobs.py): a row may lag its
host's latest outcome by about a minute, nothing next to the two days before giving up.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.db.upsert import insert_or_ignore
from pyleroma.models import Instance

UNREACHABLE_AFTER = dt.timedelta(days=2)


def host_of(url: str) -> str:
    """``host[:port]``, lower-cased: how instances are keyed (a port is part of a host)."""
    return urlsplit(url).netloc.lower().rsplit("@", 1)[-1]


async def _ensure(session: AsyncSession, host: str) -> None:
    await insert_or_ignore(session, Instance, {"id": new_id(), "host": host}, ("host",))


async def mark_reachable(session: AsyncSession, host: str) -> None:
    await _ensure(session, host)
    await session.execute(
        update(Instance)
        .where(Instance.host == host)
        .values(unreachable_since=None, last_seen_at=utcnow())
    )


async def mark_unreachable(session: AsyncSession, host: str) -> None:
    """From the first failure on (a later failure keeps the first time)."""
    await _ensure(session, host)
    await session.execute(
        update(Instance)
        .where(Instance.host == host, Instance.unreachable_since.is_(None))
        .values(unreachable_since=utcnow())
    )


async def is_given_up(session: AsyncSession, host: str) -> bool:
    """Unreachable for longer than ``UNREACHABLE_AFTER``: deliveries are skipped."""
    since = await session.scalar(select(Instance.unreachable_since).where(Instance.host == host))
    return since is not None and utcnow() - since > UNREACHABLE_AFTER
