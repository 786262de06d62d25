"""Pleroma's imports (under both /api/v1/pleroma and /api/pleroma):
``POST /follow_import``, ``POST /blocks_import`` and ``POST /mutes_import``.

``list`` is a string (form, JSON or multipart field) or an uploaded file: handles separated
by white space, or a Mastodon CSV export (services/accounts/imports.py reads both). The
answer is Pleroma's, the JSON string ``"job started"``: the work runs in jobs, so it says
nothing of which accounts were found. A missing ``list`` is a 400, one naming no account or
more than ``import_max_accounts`` a 422, an upload that is not UTF-8 text a 422.

Scopes as Pleroma's: ``follow`` or ``write:follows`` / ``write:blocks`` / ``write:mutes``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, require_user
from pyleroma.api.openapi import STR, api_doc, param
from pyleroma.api.params import Params, get_params
from pyleroma.errors import TooLarge, Unprocessable
from pyleroma.services.accounts import imports
from pyleroma.settings import Settings

pleroma_router = APIRouter(tags=["Imports"])

JOB_STARTED = "job started"
LIST = param(
    "list",
    STR,
    "The accounts: handles (nick, nick@host, @nick@host) or actor URLs separated by white "
    "space, or a Mastodon CSV export; a string or an uploaded file",
    required=True,
    example="alice@social.example\n@bob@other.example",
)
DOC = api_doc(body=[LIST], uploads=True, response=STR, errors=(400, 401, 403, 413, 422))


async def _list_text(params: Params, settings: Settings) -> str | None:
    """The ``list`` parameter as text, read from the upload when it is a file."""
    value = params.raw("list")
    if value is None or isinstance(value, str):
        return value
    upload = params.file("list")
    assert upload is not None
    data = await upload.read(settings.max_upload_size + 1)
    if len(data) > settings.max_upload_size:
        raise TooLarge(f"list: the file is larger than {settings.max_upload_size} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unprocessable("list: the file is not UTF-8 text") from exc
    if "\x00" in text:
        raise Unprocessable("list: must not contain NUL characters")
    return text


async def _start(
    kind: str, auth: AuthContext, params: Params, session: AsyncSession, settings: Settings
) -> str:
    entries = imports.check_list(settings, await _list_text(params, settings))
    await imports.start_import(session, auth.user, kind, entries)
    return JOB_STARTED


@pleroma_router.post("/follow_import", **DOC)
async def follow_import(
    auth: AuthContext = Depends(require_user("follow", "write:follows")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Follow the listed accounts (CSV: with their "Show boosts" and "Notify" choices)."""
    return await _start("follow", auth, params, session, settings)


@pleroma_router.post("/blocks_import", **DOC)
async def blocks_import(
    auth: AuthContext = Depends(require_user("follow", "write:blocks")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Block the listed accounts."""
    return await _start("block", auth, params, session, settings)


@pleroma_router.post("/mutes_import", **DOC)
async def mutes_import(
    auth: AuthContext = Depends(require_user("follow", "write:mutes")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Mute the listed accounts (CSV: with their "Hide notifications" choice)."""
    return await _start("mute", auth, params, session, settings)
