"""The history import (under both /api/v1/pleroma and /api/pleroma; Pleroma has no such
route, the name follows its ``follow_import``): an account that moved here brings the posts
of its old account from that account's backup archive (docs/api/history_import.md).

- ``POST /history_import`` (multipart ``file``: the zip Mastodon's or Pleroma's "export"
  gives; scope ``write:statuses``): the archive is checked in the request and its import
  queued; 202 with the import's state (``{"state": "pending", "total": ...}``). A body
  over ``history_import_max_size`` is refused (413) while it is still arriving.
- ``GET /history_import`` (``read:statuses`` or ``write:statuses``): the latest import's
  state and counts; 404 when there was none.

Errors are ``{"error": ...}``: 422 for an archive that is not acceptable (not a zip, no
outbox, an unsafe entry name, another actor's posts), 413 too large, 409 while an import
is running.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.formparsers import MultiPartException, MultiPartParser

from pyleroma.api.deps import AuthContext, get_session, get_settings, require_user
from pyleroma.api.openapi import INT, STR, api_doc, enum, nullable, obj, param
from pyleroma.api.params import Params, get_params
from pyleroma.db.ids import is_ascii_digits
from pyleroma.errors import BadRequest, TooLarge
from pyleroma.services.accounts import history_import
from pyleroma.settings import Settings

pleroma_router = APIRouter(tags=["History import"])

# Room for the multipart boundaries and part headers around the archive.
FORM_OVERHEAD = 64 * 1024
STATE = obj(
    {
        "state": enum("pending", "running", "done", "failed"),
        "total": INT,
        "imported": INT,
        "skipped": INT,
        "ignored": INT,
        "media": INT,
        "error": nullable(STR),
        "created_at": STR,
        "finished_at": nullable(STR),
    }
)


async def archive_params(
    request: Request, settings: Settings = Depends(get_settings)
) -> AsyncIterator[Params]:
    """Dependency: the parameters, reading a multipart body under the archive size cap
    (a declared Content-Length over it is refused before anything is read, a chunked body
    as soon as it passes it). The spooled file is removed when the request is done."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "multipart/form-data":
        yield await get_params(request)
        return
    limit = settings.history_import_max_size + FORM_OVERHEAD
    declared = request.headers.get("content-length", "")
    if is_ascii_digits(declared) and int(declared) > limit:
        raise TooLarge("File is too large")

    async def capped_stream():
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise TooLarge("File is too large")
            yield chunk

    parser = MultiPartParser(request.headers, capped_stream(), max_files=1, max_fields=10)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise BadRequest(f"Malformed form body: {exc.message}") from exc
    try:
        yield Params(dict(form.items()))
    finally:
        await form.close()


@pleroma_router.post(
    "/history_import",
    **api_doc(
        body=[param("file", {"type": "string", "format": "binary"}, "The account archive (zip)",
                    required=True)],
        uploads=True,
        status=202,
        response=STATE,
        errors=(400, 401, 403, 409, 413, 422),
    ),
)  # fmt: skip
async def start_history_import(
    auth: AuthContext = Depends(require_user("write:statuses")),
    params: Params = Depends(archive_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    state = await history_import.start_import(session, settings, auth.user, params.file("file"))
    return JSONResponse(state, status_code=202)


@pleroma_router.get("/history_import", **api_doc(response=STATE, errors=(401, 403, 404)))
async def history_import_progress(
    auth: AuthContext = Depends(require_user("read:statuses", "write:statuses")),
    settings: Settings = Depends(get_settings),
):
    return history_import.import_progress(settings, auth.user)
