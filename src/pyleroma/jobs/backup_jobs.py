"""Job kinds for account backups (services/accounts/backups.py):

- "backups.build" ``{"backup_id"}``: write the archive, mark the backup complete, mail the
  owner. An attempt that fails leaves the backup ``pending`` for the retry, which starts
  over (the half-written file is its own and is overwritten); the last failed attempt
  leaves it ``failed``. The build has its own deadline, shorter than the job's, so even a
  build that runs out of time is marked rather than left ``running``.
- "backups.delete" ``{"backup_id", "file_name"}``: queued with the backup for when it
  expires (``backup_purge_after_days``): its file and row go.
"""

from __future__ import annotations

import asyncio

from pyleroma.db.ids import parse_id
from pyleroma.jobs.registry import DiscardJob, JobContext, register
from pyleroma.services.accounts import backups

BUILD_MAX_ATTEMPTS = 3
# Seconds a build may take; the job's own timeout leaves a minute to record the outcome.
BUILD_DEADLINE = 3600


@register(backups.BUILD_JOB, max_attempts=BUILD_MAX_ATTEMPTS, timeout=BUILD_DEADLINE + 60)
async def build(ctx: JobContext) -> None:
    backup_id = parse_id(ctx.args.get("backup_id"))
    if backup_id is None:
        raise DiscardJob("backups.build needs a backup_id")
    try:
        async with asyncio.timeout(BUILD_DEADLINE):
            built = await backups.build_backup(ctx.sessionmaker, ctx.settings, backup_id)
    except backups.BackupGone as exc:
        raise DiscardJob(str(exc)) from exc
    except asyncio.CancelledError:  # the worker stops: the job runs again later
        await backups.mark_unfinished(ctx.sessionmaker, backup_id, final=False)
        raise
    except Exception:
        final = ctx.attempt >= ctx.max_attempts
        await backups.mark_unfinished(ctx.sessionmaker, backup_id, final=final)
        raise
    if built is None:
        raise DiscardJob(f"backup {backup_id} or its account is gone")


@register(backups.DELETE_JOB, max_attempts=5)
async def delete(ctx: JobContext) -> None:
    backup_id = parse_id(ctx.args.get("backup_id"))
    file_name = ctx.args.get("file_name")
    if backup_id is None or not isinstance(file_name, str):
        raise DiscardJob("backups.delete needs a backup_id and a file_name")
    await backups.delete_backup(ctx.session, ctx.settings, backup_id, file_name)
