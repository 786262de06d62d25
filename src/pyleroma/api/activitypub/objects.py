"""Posts and activities by their ids: ``/objects/<id>``, ``/activities/<id>``, ``/notice/<id>``.

A local public or unlisted post whose author is active is served to anyone. A
followers-only or direct post is served only to a signed fetch (``signed_requester`` in
``__init__``) by an account that may see it, a follower or a recipient, as in Pleroma; to
anyone else it is a 404 like a missing post (a bad signature is a 401). Local-only posts
never federate; deleted and unknown ids, and remote posts (fetched from their own server,
never from us), are 404 too.

``/activities/<id>`` serves the Announce of a local reblog (a reblog row's ``uri``), and
the Like of a local favourite and the Follow of a local account's follow, as Pleroma serves
them (federation/activity_documents.py). Blocks share the ``/activities/`` space
(urls.py) but are never served, as Mastodon and Pleroma keep them from everyone but the
blocked account's server.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse

from pyleroma.activities.handlers.events import event_document
from pyleroma.api.activitypub import (
    ACCEPT,
    AS_OBJECT,
    VARY,
    as_response,
    authorized_fetcher,
    not_found,
    requester,
    require_federating,
    signed_requester,
    wants_activitypub,
    web_page,
)
from pyleroma.api.deps import get_session, get_settings
from pyleroma.api.openapi import STR, api_doc, param
from pyleroma.api.web_pages import object_html, status_html
from pyleroma.federation.activity_documents import local_activity_document
from pyleroma.federation.to_as import AS_TYPE
from pyleroma.federation.to_as_note import (
    announce_to_as,
    load_note_parts,
    load_parts,
    served_status,
    status_to_as,
)
from pyleroma.models import Event, Status
from pyleroma.policy.visibility import can_see
from pyleroma.settings import Settings
from pyleroma.urls import status_uri
from pyleroma.values import parse_int

router = APIRouter(tags=["ActivityPub"])

INT64_MAX = 2**63 - 1


def _object_doc(name: str, description: str, errors=(401, 403, 404), **extra) -> dict:
    return api_doc(
        path=[param(name, STR, description)],
        headers=[ACCEPT],
        response=AS_OBJECT,
        media_type=AS_TYPE,
        errors=errors,
        **extra,
    )


def _id(raw: str) -> int | None:
    """A status id from the path; None for anything no row can have (then a 404)."""
    number = parse_int(raw)
    return number if number is not None and 0 < number <= INT64_MAX else None


async def _served(session: AsyncSession, raw: str):
    ident = _id(raw)
    return None if ident is None else await served_status(session, ident)


@router.get(
    "/objects/{status_id}",
    summary="A post as a Note or Question (ActivityPub)",
    **_object_doc("status_id", "The post's id"),
)
async def get_object(
    status_id: str,
    request: Request,
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    if not wants_activitypub(request.headers.get("accept")):
        return await object_html(request, status_id, session, settings)
    require_federating(settings)
    await authorized_fetcher(request, session, settings)
    status = await _served(session, status_id)
    if status is None:
        status = await _addressed_to_fetcher(request, session, settings, status_id)
    if status is None or status.reblog_of_id is not None:
        return not_found(negotiated=True)
    parts = await load_note_parts(session, status)
    document = status_to_as(settings, status, parts)
    event = await session.get(Event, status.id)
    if event is not None:  # an event is served as the Event its Create carried
        document = event_document(document, event)
    return as_response(document, negotiated=True)


async def _addressed_to_fetcher(request: Request, session, settings: Settings, raw: str):
    """A local followers-only or direct post, for a signed fetch by an account that may
    see it (a follower, a recipient); None for anyone else, as for a missing post."""
    ident = _id(raw)
    if ident is None:
        return None
    fetcher = requester(request) or await signed_requester(request, session, settings)
    if fetcher is None:
        return None
    status = await session.get(Status, ident)
    if status is None or not status.local or status.visibility in ("local", "public"):
        return None
    return status if await can_see(session, fetcher, status) else None


@router.get(
    "/activities/{activity_id}",
    summary="A local activity: the Announce of a reblog, a Like, a Follow (ActivityPub)",
    **_object_doc("activity_id", "The activity's id (a reblog's, favourite's or follow's id)"),
)
async def get_activity(
    activity_id: str,
    request: Request,
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    require_federating(settings)
    if not wants_activitypub(request.headers.get("accept")):
        return web_page()
    await authorized_fetcher(request, session, settings)
    status = await _served(session, activity_id)
    if status is None or status.reblog_of_id is None:
        ident = _id(activity_id)
        document = None
        if ident is not None and status is None:  # a favourite's or a follow's id?

            async def fetcher():
                return requester(request) or await signed_requester(request, session, settings)

            document = await local_activity_document(session, settings, ident, fetcher)
        if document is None:
            return not_found(negotiated=True)
        return as_response(document, negotiated=True)
    announce = (await load_parts(session, [status])).announces[status.id]
    if announce.actor is None or announce.original_uri is None:
        return not_found(negotiated=True)
    return as_response(announce_to_as(settings, status, announce), negotiated=True)


@router.get(
    "/notice/{status_id}",
    summary="A post's notice URL: to its ActivityPub id for AP requests",
    **_object_doc(
        "status_id",
        "The post's (or reblog's) id",
        errors=(404,),
        status=302,
        responses={
            302: {
                "description": "An ActivityPub request: to the post's id (``/objects/<id>``)",
                "headers": {"Location": {"schema": STR}, "Vary": {"schema": STR}},
            }
        },
    ),
)
async def notice(
    status_id: str,
    request: Request,
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Pleroma's notice URL: AP requests are sent to the object (or a reblog's activity),
    others get the post's page."""
    if not wants_activitypub(request.headers.get("accept")):
        return await status_html(request, status_id, session, settings)
    require_federating(settings)
    status = await _served(session, status_id)
    if status is None:
        return not_found(negotiated=True)
    return RedirectResponse(status_uri(settings, status), status_code=302, headers=VARY)
