"""Removing media files safely, and purging media that no status uses.

Files go only after the transaction that dropped their rows commits (never on rollback),
and only when no other media row still points at them. Media detached from a status (its
status was deleted: clients "delete & redraft" with the same media ids, as Mastodon allows)
or uploaded and never attached is purged by the ``media.purge_unattached`` job a while later
(``media_unattached_ttl``), unless by then it is attached again or a scheduled status will
attach it.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from sqlalchemy import delete, event, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.jobs.queue import enqueue
from pyleroma.models import MediaAttachment, ScheduledStatus
from pyleroma.services.media.media import media_file
from pyleroma.settings import Settings

log = logging.getLogger("pyleroma.media")

PURGE_JOB = "media.purge_unattached"
_PENDING_FILES = "pyleroma.media_cleanup.files"
_HOOKED = "pyleroma.media_cleanup.hooked"


async def unshared_paths(
    session: AsyncSession, media: list[MediaAttachment], settings: Settings
) -> list[Path]:
    """Files of ``media`` that no other media row uses (only files in our media store)."""
    relative = {p for m in media for p in (m.file_path, m.thumbnail_path) if p}
    if not relative:
        return []
    gone = [m.id for m in media]
    shared = set()
    for column in (MediaAttachment.file_path, MediaAttachment.thumbnail_path):
        shared.update(
            (
                await session.execute(
                    select(column).where(column.in_(relative), MediaAttachment.id.not_in(gone))
                )
            ).scalars()
        )
    paths = (media_file(settings, name) for name in sorted(relative - shared))
    return [path for path in paths if path is not None]


def _remove_files(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:  # a leftover file is untidy, not an error for the deleted status
            log.warning("could not remove %s", path, exc_info=True)


def _after_commit(sync_session) -> None:
    _remove_files(sync_session.info.pop(_PENDING_FILES, []))


def _after_rollback(sync_session) -> None:
    sync_session.info.pop(_PENDING_FILES, None)


def remove_files_after_commit(session: AsyncSession, paths: list[Path]) -> None:
    """Unlink ``paths`` once this session's transaction commits (never on rollback)."""
    if not paths:
        return
    sync = session.sync_session
    sync.info.setdefault(_PENDING_FILES, []).extend(paths)
    if not sync.info.get(_HOOKED):
        sync.info[_HOOKED] = True
        event.listen(sync, "after_commit", _after_commit)
        event.listen(sync, "after_rollback", _after_rollback)


async def schedule_purge(
    session: AsyncSession,
    settings: Settings,
    media_ids,
    *,
    delay: float | None = None,
    deduplicate: bool = True,
) -> None:
    """Enqueue the purge of these (now unattached) media, in the caller's transaction.

    One pending purge per media is enough, so the job carries a unique key; a purge job
    that re-schedules itself passes ``deduplicate=False``, as it still holds that key.
    """
    seconds = settings.media_unattached_ttl if delay is None else delay
    run_at = utcnow() + dt.timedelta(seconds=seconds)
    for media_id in media_ids:
        await enqueue(
            session,
            PURGE_JOB,
            {"media_id": media_id},
            run_at=run_at,
            unique_key=f"{PURGE_JOB}:{media_id}" if deduplicate else None,
        )


async def purge_if_unattached(session: AsyncSession, settings: Settings, media_id: int) -> bool:
    """Delete the media row (files after commit) if nothing uses it; True when purged.

    Media a pending scheduled status of its owner names is kept: the purge is tried again
    after that status's time.
    """
    media = await session.get(MediaAttachment, media_id)
    if media is None or media.status_id is not None:
        return False
    scheduled = (
        await session.execute(
            select(ScheduledStatus.scheduled_at, ScheduledStatus.media_ids).where(
                ScheduledStatus.account_id == media.account_id
            )
        )
    ).all()
    waiting = [at for at, ids in scheduled if media_id in {int(i) for i in ids or []}]
    if waiting:
        delay = (max(waiting) - utcnow()).total_seconds() + settings.media_unattached_ttl
        await schedule_purge(session, settings, [media_id], delay=max(delay, 60), deduplicate=False)
        return False
    paths = await unshared_paths(session, [media], settings)
    await session.execute(delete(MediaAttachment).where(MediaAttachment.id == media_id))
    session.expunge(media)
    remove_files_after_commit(session, paths)
    return True
