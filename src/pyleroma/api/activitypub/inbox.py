"""The inboxes: ``POST /inbox`` (shared) and ``POST /users/<nickname>/inbox``.

An inbox only checks and stores (federation/inbox.py): the guard, then the HTTP signature
over the exact bytes received; a valid delivery becomes a durable receive job and the
answer is 202 at once, so a burst of deliveries never waits for our database work
(jobs/receive_jobs.py runs them). Unsigned or badly signed requests are 401, strangers
sending what only a known actor may send are 403, malformed bodies 400, all as
``{"error": "..."}``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.activitypub import require_federating
from pyleroma.api.deps import get_session, get_settings
from pyleroma.api.openapi import STR, api_doc, param
from pyleroma.api.responses import JSONResponse
from pyleroma.errors import NotFound, TooLarge
from pyleroma.federation.inbox import (
    MAX_INBOX_BODY,
    DropSilently,
    guard,
    parse_body,
    verify_signer,
)
from pyleroma.jobs.queue import enqueue
from pyleroma.jobs.receive_jobs import RECEIVE_JOB, RECEIVE_QUEUE
from pyleroma.models import Account
from pyleroma.settings import Settings

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
    """The body, refused (413) as soon as it passes MAX_INBOX_BODY: a sender cannot make us
    hold more than that in memory, whatever Content-Length says."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_INBOX_BODY:
        raise TooLarge(f"activity larger than {MAX_INBOX_BODY} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_INBOX_BODY:
            raise TooLarge(f"activity larger than {MAX_INBOX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _accept(request: Request, session: AsyncSession, settings: Settings) -> JSONResponse:
    require_federating(settings)
    body = await _read_capped(request)
    data = parse_body(body)
    try:
        actor_id = await guard(session, data)
    except DropSilently:
        return JSONResponse({}, status_code=202)
    signer = await verify_signer(
        session, settings, request.method, _raw_target(request), request.headers, body, actor_id
    )
    await enqueue(
        session, RECEIVE_JOB, {"activity": data, "actor_id": signer.id}, queue=RECEIVE_QUEUE
    )
    await session.commit()
    return JSONResponse({}, status_code=202)


@router.post("/inbox", **_DOC)
async def shared_inbox(
    request: Request,
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The instance's shared inbox."""
    return await _accept(request, session, settings)


@router.post("/users/{nickname}/inbox", **_DOC)
async def user_inbox(
    nickname: str,
    request: Request,
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """A local account's inbox (the activity is handled the same as in the shared inbox)."""
    found = await session.scalar(
        select(Account.id).where(Account.nickname_key == nickname.lower(), Account.local.is_(True))
    )
    if found is None:
        raise NotFound("Not found")
    return await _accept(request, session, settings)
