"""Removing a deleted account's content a batch at a time, before the account row goes.

``delete_local_account`` (account_deletion.py) deletes the account row and lets ``ON
DELETE CASCADE`` take everything with it in one statement: right for the CLI, but for an
account with many thousands of statuses that is one long transaction holding locks while
the site runs. The "accounts.delete" job (jobs/account_deletion_jobs.py) therefore calls
``remove_batch`` until it returns 0, one short transaction each, and only then
``delete_local_account`` for what is left (follows, favourites, the row, the tombstone,
the federated Delete).

A batch is the account's newest ``limit`` statuses (reblogs included), with their media
rows and files (removed after the commit, and only files no other row uses), their live
``delete`` events, and the counters of the statuses they replied to, reblogged or quoted;
once no status is left, its remaining (unattached) media, ``limit`` at a time.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.models import Account, MediaAttachment, Status
from pyleroma.services.accounts.account_deletion import recount_statuses
from pyleroma.services.media.media_cleanup import remove_files_after_commit, unshared_paths
from pyleroma.settings import Settings
from pyleroma.streaming.snapshots import emit_deleted

BATCH = 200


async def _remove_media(session: AsyncSession, settings: Settings, media: list[MediaAttachment]):
    if not media:
        return
    paths = await unshared_paths(session, media, settings)
    await session.execute(
        delete(MediaAttachment)
        .where(MediaAttachment.id.in_([m.id for m in media]))
        .execution_options(synchronize_session=False)
    )
    for row in media:
        if row in session:
            session.expunge(row)
    remove_files_after_commit(session, paths)


async def remove_batch(
    session: AsyncSession, settings: Settings, account: Account, limit: int = BATCH
) -> int:
    """Delete up to ``limit`` statuses of ``account`` (or, when none is left, up to
    ``limit`` of its media); how many rows went. No commit (the job runner commits)."""
    statuses = list(
        (
            await session.scalars(
                select(Status)
                .where(Status.account_id == account.id)
                .order_by(Status.id.desc())
                .limit(limit)
            )
        ).all()
    )
    if not statuses:
        media = (
            await session.scalars(
                select(MediaAttachment).where(MediaAttachment.account_id == account.id).limit(limit)
            )
        ).all()
        await _remove_media(session, settings, list(media))
        return len(media)
    ids = {s.id for s in statuses}
    related = {
        other
        for s in statuses
        for other in (s.in_reply_to_id, s.reblog_of_id, s.quote_id)
        if other is not None and other not in ids
    }
    await emit_deleted(session, statuses)
    media = (
        await session.scalars(select(MediaAttachment).where(MediaAttachment.status_id.in_(ids)))
    ).all()
    await _remove_media(session, settings, list(media))
    await session.execute(
        delete(Status).where(Status.id.in_(ids)).execution_options(synchronize_session=False)
    )
    for status in statuses:
        if status in session:
            session.expunge(status)
    await recount_statuses(session, related)
    return len(statuses)
