"""Media attachments: POST /api/v1/media and /api/v2/media, GET and PUT /api/v1/media/:id.

Uploads are multipart bodies of up to ``max_upload_size`` (plus a thumbnail and a few form
fields). The body is read as a stream and parsing stops as soon as it passes what a valid
upload can weigh (413); file parts are spooled to temporary files, never held whole in
memory. See docs/api/media.md.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.formparsers import MultiPartException, MultiPartParser

from pyleroma.api.deps import AuthContext, get_session, get_settings, require_user
from pyleroma.api.mastodon.render_statuses import media_to_api
from pyleroma.api.openapi import STR, api_doc, nullable, param, ref
from pyleroma.api.params import Params, check_no_nul, fold_pairs, get_params
from pyleroma.db.ids import is_ascii_digits
from pyleroma.errors import BadRequest, TooLarge
from pyleroma.services.media import media as media_service
from pyleroma.settings import Settings

router = APIRouter(tags=["Media attachments"])

# Room for the multipart boundaries, part headers and the small fields of an upload.
FORM_OVERHEAD = 64 * 1024
MAX_FILE_PARTS = 2  # file and thumbnail
MAX_FIELDS = 50


def body_limit(settings: Settings) -> int:
    """The most bytes a valid upload body can hold: the file, a thumbnail, the fields."""
    return (
        settings.max_upload_size
        + settings.max_media_thumbnail_size
        + 4 * settings.media_description_limit
        + FORM_OVERHEAD
    )


async def media_params(
    request: Request, settings: Settings = Depends(get_settings)
) -> AsyncIterator[Params]:
    """Dependency: the request's parameters, reading multipart bodies under a size cap.

    A declared Content-Length over the cap is refused before reading anything; a chunked
    body is counted as it arrives and the read stops at the cap. The spooled upload files
    are closed (and deleted) when the request is done.
    """
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "multipart/form-data":
        yield await get_params(request)
        return
    limit = body_limit(settings)
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

    parser = MultiPartParser(
        request.headers, capped_stream(), max_files=MAX_FILE_PARTS, max_fields=MAX_FIELDS
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise BadRequest(f"Malformed form body: {exc.message}") from exc
    try:
        data = fold_pairs(request.query_params.multi_items())
        data.update(fold_pairs(form.multi_items()))
        check_no_nul(data)
        params = Params(data)
        request.state.params = params
        yield params
    finally:
        await form.close()


async def _upload(params: Params, auth: AuthContext, session, settings) -> dict:
    changes = await media_service.check_changes(settings, params)
    media = await media_service.create_media(
        session, settings, auth.user, params.file("file"), changes
    )
    return media_to_api(settings, media)


UPLOAD = {"type": "string", "format": "binary"}
MEDIA_FIELDS = [
    param("description", nullable(STR), "The alt text"),
    param("focus", STR, 'The focal point "x,y", each from -1.0 to 1.0'),
    param("thumbnail", UPLOAD, "A preview image (for video and audio)"),
]
UPLOAD_DOC = api_doc(
    body=[param("file", UPLOAD, required=True), *MEDIA_FIELDS],
    uploads=True,
    response=ref("MediaAttachment"),
    errors=(413, 415, 422),
)


@router.post("/api/v1/media", **UPLOAD_DOC)
async def upload_media(
    auth: AuthContext = Depends(require_user("write:media")),
    params: Params = Depends(media_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Upload a file (multipart `file`, optional `description`, `focus`, `thumbnail`)."""
    return await _upload(params, auth, session, settings)


@router.post("/api/v2/media", **UPLOAD_DOC)
async def upload_media_v2(
    auth: AuthContext = Depends(require_user("write:media")),
    params: Params = Depends(media_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Upload a file; processing is synchronous, so the answer is 200 with its `url`."""
    return await _upload(params, auth, session, settings)


@router.get("/api/v1/media/{media_id}", **api_doc(response=ref("MediaAttachment"), errors=(404,)))
async def get_media(
    media_id: str,
    auth: AuthContext = Depends(require_user("read:media", "write:media")),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """One of your own attachments (anyone else's is 404)."""
    media = await media_service.get_own_media(session, auth.user, media_id)
    return media_to_api(settings, media)


@router.put(
    "/api/v1/media/{media_id}",
    **api_doc(body=MEDIA_FIELDS, uploads=True, response=ref("MediaAttachment"), errors=(404, 422)),
)
async def update_media(
    media_id: str,
    auth: AuthContext = Depends(require_user("write:media")),
    params: Params = Depends(media_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Change an attachment's `description`, `focus` or (video/audio) `thumbnail`."""
    media = await media_service.get_own_media(session, auth.user, media_id)
    changes = await media_service.check_changes(settings, params)
    media = await media_service.update_media(session, settings, media, changes)
    return media_to_api(settings, media)
