"""The inboxes: ``POST /inbox`` (shared) and ``POST /users/<nickname>/inbox``.

An inbox only checks and stores (federation/intake.py, federation/inbox.py): the guard,
then the HTTP signature over the exact bytes received; a valid delivery becomes a durable
receive job and the answer is 202 at once, so a burst of deliveries never waits for our
database work (jobs/receive_jobs.py runs them). Unsigned or badly signed requests are 401,
strangers sending what only a known actor may send are 403, malformed bodies 400, all as
``{"error": "..."}``; 503 if the job could not be stored (the sender tries again later).
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from pyleroma.api.activitypub import require_federating
from pyleroma.api.openapi import STR, api_doc, param
from pyleroma.api.responses import JSONResponse
from pyleroma.errors import TooLarge

router = APIRouter(tags=["ActivityPub"])

_DOC = api_doc(
    body=[param("activity", STR, "An ActivityStreams activity (JSON), HTTP-signed")],
    status=202,
    errors=(400, 401, 403, 404, 413),
)


def _raw_target(request: Request) -> str:
    """The request target as sent (percent-encoding kept), which the signature covers."""
    path = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string") or b""
    target = path.decode("latin-1")
    return f"{target}?{query.decode('latin-1')}" if query else target


async def _read_capped(request: Request) -> bytes:
    """The body, refused (413) as soon as it passes ``inbox_max_body_bytes``: a sender
    cannot make us hold more than that in memory, whatever Content-Length says."""
    limit = request.app.state.settings.inbox_max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"activity larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"activity larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _accept(request: Request, nickname: str | None = None) -> JSONResponse:
    require_federating(request.app.state.settings)
    body = await _read_capped(request)
    intake = request.app.state.inbox_intake
    await intake.accept(request.method, _raw_target(request), request.headers, body, nickname)
    return JSONResponse({}, status_code=202)


# No dependencies (session, settings): the intake opens a session only when its caches miss.
@router.post("/inbox", **_DOC)
async def shared_inbox(request: Request):
    """The instance's shared inbox."""
    return await _accept(request)


@router.post("/users/{nickname}/inbox", **_DOC)
async def user_inbox(nickname: str, request: Request):
    """A local account's inbox (the activity is handled the same as in the shared inbox)."""
    return await _accept(request, nickname)
