"""Account backups (Pleroma's ``Pleroma.User.Backup``): asked for through
``POST /api/v1/pleroma/backups`` or made by ``pyleroma user backup``, built by a job into
``data_dir/backups/<file_name>`` (the zip: services/accounts/backup_archive.py), downloaded
from ``/media/backups/<file_name>`` and deleted when they expire.

The rules, as Pleroma has them:

- One backup per ``backup_limit_days``: a request within that time of the previous backup
  is refused with Pleroma's "Last export was less than N days ago" (a failed backup does
  not count, so a failure never locks the owner out; ``0`` means no limit).
- A backup moves pending -> running -> complete (or failed), its ``processed_number``
  counting the items written so far; when it completes, the owner's older backups are
  deleted (Pleroma keeps only the newest) and, with the mailer on and an email address
  known, the owner is mailed the link (template ``backup_ready``).
- A backup is deleted ``backup_purge_after_days`` after it was made (a "backups.delete"
  job queued with it, and a sweep of the owner's expired ones at the next request; ``0``
  keeps it until a newer one replaces it).

The file name carries 32 random bytes (Pleroma's ``archive-<nickname>-<time>-<random>.zip``),
so its link is a capability nobody can guess: a download needs no login, which is what
Pleroma-FE's plain link and the mail need (api/pleroma/backups.py).

Building is safe to repeat: each attempt starts over, writing ``<file_name>.part`` (its own
file, overwritten) and renaming it into place only when it is whole.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import logging
import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.errors import BadRequest
from pyleroma.jobs.queue import enqueue
from pyleroma.models import Account, Backup
from pyleroma.models.backup import (
    BACKUP_COMPLETE,
    BACKUP_FAILED,
    BACKUP_PENDING,
    BACKUP_RUNNING,
)
from pyleroma.services.accounts.backup_archive import write_archive
from pyleroma.services.mail.outbox import queue_mail
from pyleroma.settings import Settings
from pyleroma.urls import backup_url

log = logging.getLogger("pyleroma.backups")

BUILD_JOB = "backups.build"
DELETE_JOB = "backups.delete"
CONTENT_TYPE = "application/zip"
# processed_number is written at most once per this many items (and at the end).
PROGRESS_EVERY = 100
FILE_NAME = re.compile(r"^archive-[A-Za-z0-9_.@-]+-[0-9]{8}T[0-9]{6}-[A-Za-z0-9_-]{43}\.zip$")


class BackupGone(Exception):  # noqa: N818  (a fact, not a failure)
    """The backup row was deleted while it was being built."""


def backups_dir(settings: Settings) -> Path:
    return settings.data_dir / "backups"


def archive_path(settings: Settings, file_name: str) -> Path:
    return backups_dir(settings) / file_name


def new_file_name(nickname: str, now: dt.datetime) -> str:
    """``archive-<nickname>-<yyyymmddThhmmss>-<32 random bytes, url-safe base64>.zip``."""
    random = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    return f"archive-{nickname}-{now.strftime('%Y%m%dT%H%M%S')}-{random}.zip"


def is_file_name(value: str) -> bool:
    """A name we could have minted (nothing that could reach outside the directory)."""
    return bool(FILE_NAME.match(value))


def download_url(settings: Settings, backup: Backup) -> str:
    return backup_url(settings, backup.file_name)


def limit_message(days: int) -> str:
    """Pleroma's refusal (its gettext plural)."""
    if days == 1:
        return "Last export was less than a day ago"
    return f"Last export was less than {days} days ago"


# --- files ------------------------------------------------------------------------------------


def remove_files(settings: Settings, file_name: str) -> None:
    """Delete a backup's archive and any half-written one; a missing file is fine."""
    if not is_file_name(file_name):
        return
    for path in (archive_path(settings, file_name), archive_path(settings, file_name + ".part")):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.exception("could not delete backup file %s", path)


# --- reads ------------------------------------------------------------------------------------


async def list_backups(session: AsyncSession, account: Account) -> list[Backup]:
    """The account's backups, newest first."""
    rows = await session.scalars(
        select(Backup).where(Backup.account_id == account.id).order_by(Backup.id.desc())
    )
    return list(rows)


async def find_download(session: AsyncSession, settings: Settings, file_name: str):
    """The complete backup named ``file_name`` whose archive is on disk, else None."""
    if not is_file_name(file_name):
        return None
    backup = await session.scalar(select(Backup).where(Backup.file_name == file_name))
    if backup is None or backup.state != BACKUP_COMPLETE:
        return None
    if not archive_path(settings, file_name).is_file():
        return None
    return backup


# --- creating and deleting --------------------------------------------------------------------


async def check_can_back_up(session: AsyncSession, settings: Settings, account: Account) -> None:
    """Refuse a backup within ``backup_limit_days`` of the last one that did not fail."""
    days = settings.backup_limit_days
    if days <= 0:
        return
    last = await session.scalar(
        select(Backup.created_at)
        .where(Backup.account_id == account.id, Backup.state != BACKUP_FAILED)
        .order_by(Backup.id.desc())
        .limit(1)
    )
    if last is not None and utcnow() - last < dt.timedelta(days=days):
        raise BadRequest(limit_message(days))


async def purge_expired(session: AsyncSession, settings: Settings, account_id: int) -> int:
    """Delete the account's backups older than ``backup_purge_after_days`` (rows in the
    caller's transaction, files now: they are expired either way); return how many."""
    days = settings.backup_purge_after_days
    if days <= 0:
        return 0
    cutoff = utcnow() - dt.timedelta(days=days)
    expired = list(
        await session.scalars(
            select(Backup).where(Backup.account_id == account_id, Backup.created_at < cutoff)
        )
    )
    for backup in expired:
        remove_files(settings, backup.file_name)
        await session.delete(backup)
    return len(expired)


async def create_backup(
    session: AsyncSession,
    settings: Settings,
    account: Account,
    *,
    check_limit: bool = True,
    build_job: bool = True,
) -> Backup:
    """A new pending backup of ``account`` with its jobs (build now unless ``build_job`` is
    off, delete when it expires); the caller commits. ``check_limit`` off is for the admin
    (the CLI), as Pleroma's admin-made backups skip the limit."""
    await purge_expired(session, settings, account.id)
    if check_limit:
        await check_can_back_up(session, settings, account)
    now = utcnow()
    backup = Backup(
        id=new_id(),
        account_id=account.id,
        file_name=new_file_name(account.nickname, now),
        content_type=CONTENT_TYPE,
        file_size=0,
        state=BACKUP_PENDING,
        processed_number=0,
        created_at=now,
    )
    session.add(backup)
    if build_job:
        await enqueue(
            session, BUILD_JOB, {"backup_id": backup.id}, unique_key=f"backup:{backup.id}"
        )
    if settings.backup_purge_after_days > 0:
        await enqueue(
            session,
            DELETE_JOB,
            {"backup_id": backup.id, "file_name": backup.file_name},
            run_at=now + dt.timedelta(days=settings.backup_purge_after_days),
        )
    await session.flush()
    return backup


async def delete_backup(
    session: AsyncSession, settings: Settings, backup_id: int, file_name: str
) -> None:
    """Delete a backup's files and row (the caller commits); a row already gone (the
    account was deleted) still has its files removed."""
    remove_files(settings, file_name)
    await session.execute(delete(Backup).where(Backup.id == backup_id))


# --- building ---------------------------------------------------------------------------------


async def _set_progress(
    sessionmaker: async_sessionmaker[AsyncSession], backup_id: int, count: int
) -> None:
    async with sessionmaker() as session, session.begin():
        result = await session.execute(
            update(Backup)
            .where(Backup.id == backup_id)
            .values(processed_number=count)
            .execution_options(synchronize_session=False)
        )
    if result.rowcount != 1:
        raise BackupGone(f"backup {backup_id} was deleted")


async def mark_unfinished(
    sessionmaker: async_sessionmaker[AsyncSession], backup_id: int, *, final: bool
) -> None:
    """After a failed attempt: ``failed`` if none follows, else ``pending`` (a retry will
    start over)."""
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Backup)
            .where(Backup.id == backup_id, Backup.state != BACKUP_COMPLETE)
            .values(state=BACKUP_FAILED if final else BACKUP_PENDING, processed_number=0)
            .execution_options(synchronize_session=False)
        )


async def build_backup(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    backup_id: int,
    *,
    notify: bool = True,
    on_progress: Callable[[int], None] | None = None,
) -> Backup | None:
    """Build backup ``backup_id`` from scratch and mark it complete; return it, or None when
    the backup (or its account) is gone. ``notify``: mail the owner the link.
    ``on_progress(count)`` is called as items are written (the CLI's progress bar).

    Raises whatever stopped the build (the caller marks the backup with ``mark_unfinished``);
    ``BackupGone`` when the row was deleted meanwhile. Commits its own short transactions.
    """
    async with sessionmaker() as session:
        backup = await session.get(Backup, backup_id)
        if backup is None:
            return None
        if backup.state == BACKUP_COMPLETE and archive_path(settings, backup.file_name).is_file():
            return backup  # built already (a job repeated after its work committed)
        account = await session.get(Account, backup.account_id)
        if account is None:
            return None
        backup.state = BACKUP_RUNNING
        backup.processed_number = 0
        backup.file_size = 0
        backup.completed_at = None
        await session.commit()
        file_name, email, nickname = backup.file_name, account.email, account.nickname
        account_id = account.id

    directory = backups_dir(settings)
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    part = archive_path(settings, file_name + ".part")
    final = archive_path(settings, file_name)
    written = {"saved": 0}

    async def progress(count: int) -> None:
        if on_progress is not None:
            on_progress(count)
        if count - written["saved"] >= PROGRESS_EVERY:
            written["saved"] = count
            await _set_progress(sessionmaker, backup_id, count)

    try:
        count = await write_archive(sessionmaker, settings, account_id, part, progress)
        size = part.stat().st_size
        os.replace(part, final)
    except BaseException:
        part.unlink(missing_ok=True)
        raise

    async with sessionmaker() as session:
        backup = await session.get(Backup, backup_id)
        if backup is None:
            final.unlink(missing_ok=True)
            raise BackupGone(f"backup {backup_id} was deleted")
        backup.state = BACKUP_COMPLETE
        backup.file_size = size
        backup.processed_number = count
        backup.completed_at = utcnow()
        older = list(
            await session.scalars(
                select(Backup).where(Backup.account_id == account_id, Backup.id < backup_id)
            )
        )
        for old in older:
            await session.delete(old)
        if notify and email:
            values = {"nickname": nickname, "download_url": download_url(settings, backup)}
            await queue_mail(session, settings, to=email, template="backup_ready", values=values)
        await session.commit()
    for old in older:  # Pleroma keeps only the newest backup
        remove_files(settings, old.file_name)
    return backup
