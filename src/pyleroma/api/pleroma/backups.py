"""Pleroma's account backups (services/accounts/backups.py), under both /api/v1/pleroma and
/api/pleroma, and their downloads:

- ``GET /backups``: the user's backups, newest first, as Pleroma's BackupView renders them
  (``id``, ``content_type``, ``url``, ``file_size``, ``processed``, ``state``,
  ``processed_number``, ``inserted_at``).
- ``POST /backups``: asks for a new backup (built by a job) and answers the list as GET does;
  within ``backup_limit_days`` of the last one, 400 "Last export was less than N days ago".
- ``GET /media/backups/<file_name>``: the zip (Pleroma's URL for it). Its name holds 32 random
  bytes, so the link itself is the credential, as in Pleroma, where it is a public upload:
  that is what Pleroma-FE's plain link and the mail can use. A request made with some other
  account's credentials is refused all the same, and an unknown, unfinished or expired name
  is a 404.

Both list routes take ``read:accounts`` (what Pleroma's controller checks) or
``read:backups`` (the scope its API document names).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import FileResponse

from pyleroma.api.deps import AuthContext, authenticate, get_session, get_settings, require_user
from pyleroma.api.openapi import BOOL, DATETIME, ID, INT, STR, api_doc, arr, enum, obj, param
from pyleroma.errors import NotFound
from pyleroma.models import Backup
from pyleroma.models.backup import (
    BACKUP_COMPLETE,
    BACKUP_FAILED,
    BACKUP_PENDING,
    BACKUP_RUNNING,
)
from pyleroma.services.accounts import backups
from pyleroma.settings import Settings
from pyleroma.urls import BACKUPS_PATH, masto_datetime

pleroma_router = APIRouter(tags=["Backups"])
router = APIRouter(tags=["Backups"])

SCOPES = ("read:accounts", "read:backups")
BACKUP = obj(
    {
        "id": ID,
        "content_type": STR,
        "url": STR,
        "file_size": INT,
        "processed": BOOL,
        "state": enum(BACKUP_PENDING, BACKUP_RUNNING, BACKUP_COMPLETE, BACKUP_FAILED),
        "processed_number": INT,
        "inserted_at": DATETIME,
    }
)
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, max-age=0",
    "Referrer-Policy": "no-referrer",
}


def backup_to_api(settings: Settings, backup: Backup) -> dict:
    """Pleroma's Backup entity (``processed``: the archive is ready)."""
    return {
        "id": str(backup.id),
        "content_type": backup.content_type,
        "url": backups.download_url(settings, backup),
        "file_size": backup.file_size,
        "processed": backup.state == BACKUP_COMPLETE,
        "state": backup.state,
        "processed_number": backup.processed_number,
        "inserted_at": masto_datetime(backup.created_at),
    }


async def _listing(session: AsyncSession, settings: Settings, auth: AuthContext) -> list[dict]:
    return [backup_to_api(settings, b) for b in await backups.list_backups(session, auth.user)]


@pleroma_router.get(
    "/backups",
    summary="List the user's backups",
    **api_doc(response=arr(BACKUP), errors=(401, 403)),
)
async def list_backups(
    auth: AuthContext = Depends(require_user(*SCOPES)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    return await _listing(session, settings, auth)


@pleroma_router.post(
    "/backups",
    summary="Ask for a backup of the user's account (a zip made in the background)",
    **api_doc(response=arr(BACKUP), errors=(400, 401, 403)),
)
async def create_backup(
    auth: AuthContext = Depends(require_user(*SCOPES)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    await backups.create_backup(session, settings, auth.user)
    await session.commit()
    return await _listing(session, settings, auth)


@router.get(
    BACKUPS_PATH + "/{file_name}",
    summary="Download a backup archive",
    response_class=FileResponse,
    **api_doc(
        path=[param("file_name", STR, "The archive's name, as its url gives it")],
        response={"type": "string", "format": "binary"},
        media_type=backups.CONTENT_TYPE,
        errors=(401, 404),
    ),
)
async def download_backup(
    file_name: str,
    request: Request,
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    auth = await authenticate(request, session)
    backup = await backups.find_download(session, settings, file_name)
    if backup is None:
        raise NotFound()
    if auth is not None and auth.account is not None and auth.account.id != backup.account_id:
        raise NotFound()
    return FileResponse(
        backups.archive_path(settings, backup.file_name),
        media_type=backup.content_type,
        filename=backup.file_name,
        headers=DOWNLOAD_HEADERS,
    )
