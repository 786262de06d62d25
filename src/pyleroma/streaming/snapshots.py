"""Stream events for deletions, which must be taken BEFORE the rows go.

After the commit a deleted status, its tags and the home entries that held it are gone (the
entries by cascade), so the dispatcher could no longer tell who had it. The services call
these helpers just before deleting; the events still only go out if that commit happens.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.models import Account, HomeTimelineEntry, Status
from pyleroma.streaming import audience
from pyleroma.streaming.events import emit


async def emit_deleted(session: AsyncSession, statuses: list[Status]) -> None:
    """``delete`` events for ``statuses`` and for the reblogs of them (which go with them)."""
    for event in await deleted_events(session, statuses):
        emit(session, event)


async def deleted_events(session: AsyncSession, statuses: list[Status]) -> list[dict]:
    """The events ``emit_deleted`` sends, for a caller that releases them itself."""
    events: list[dict] = []
    if not statuses:
        return events
    originals = [s.id for s in statuses if s.reblog_of_id is None]
    if originals:
        reblogs = await session.execute(select(Status).where(Status.reblog_of_id.in_(originals)))
        statuses = [*statuses, *reblogs.scalars()]
    ids = [s.id for s in statuses]
    holders: dict[int, list[int]] = defaultdict(list)
    rows = await session.execute(
        select(HomeTimelineEntry.status_id, HomeTimelineEntry.account_id).where(
            HomeTimelineEntry.status_id.in_(ids)
        )
    )
    for status_id, account_id in rows.all():
        holders[status_id].append(account_id)
    for status in statuses:
        public = status.reblog_of_id is None and status.visibility in ("public", "local")
        domain = None
        if public and not status.local:
            domain = await session.scalar(
                select(Account.domain).where(Account.id == status.account_id)
            )
        events.append(
            {
                "type": "delete",
                "status_id": status.id,
                "author_id": status.account_id,
                "visibility": status.visibility,
                "local": status.local,
                "has_media": status.has_media,
                "reblog": status.reblog_of_id is not None,
                "domain": domain,
                "tags": await audience.tag_names(session, status.id) if public else [],
                "holder_ids": sorted(holders.get(status.id, [])),
            },
        )
        if status.visibility == "direct" and status.conversation_id is not None:
            # Participants see the conversation again, now ending at the previous message.
            events.append({"type": "conversation", "thread_id": status.conversation_id})
    return events


async def unreblogged_events(session: AsyncSession, actor_id: int, original_id: int) -> list:
    """``delete`` for ``actor_id``'s reblog of ``original_id``, if there is one."""
    reblog = await session.scalar(
        select(Status).where(Status.account_id == actor_id, Status.reblog_of_id == original_id)
    )
    return [] if reblog is None else await deleted_events(session, [reblog])
