"""``GET /objects/<id>/replies``: a local post's replies (federation/to_as_replies.py).

Served for the posts ``/objects/<id>`` serves to anyone (public and unlisted, author
active), with the same fetch rules (blocked instances, authorized fetch mode); listing only
public and unlisted replies. ``?page=true`` (and ``min_id``) pages; without it, the
collection with its first page embedded.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.activitypub import (
    ACCEPT,
    AS_COLLECTION,
    as_response,
    authorized_fetcher,
    not_found,
    require_federating,
)
from pyleroma.api.activitypub.objects import _served
from pyleroma.api.deps import get_session, get_settings
from pyleroma.api.openapi import STR, api_doc, param
from pyleroma.federation.to_as import AS_TYPE
from pyleroma.federation.to_as_replies import (
    replies_id,
    replies_page_to_as,
    replies_to_as,
    reply_page,
)
from pyleroma.settings import Settings
from pyleroma.urls import status_uri
from pyleroma.values import parse_int

router = APIRouter(tags=["ActivityPub"])

INT64_MAX = 2**63 - 1


@router.get(
    "/objects/{status_id}/replies",
    summary="The replies of a post (ActivityPub collection)",
    **api_doc(
        path=[param("status_id", STR, "The post's id")],
        query=[
            param("page", STR, "true: a page (else the collection)"),
            param("min_id", STR, "The page after this reply id"),
        ],
        headers=[ACCEPT],
        response=AS_COLLECTION,
        media_type=AS_TYPE,
        errors=(401, 403, 404),
    ),
)
async def get_replies(
    status_id: str,
    request: Request,
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    require_federating(settings)
    await authorized_fetcher(request, session, settings)
    status = await _served(session, status_id)
    if status is None or status.reblog_of_id is not None:
        return not_found()
    collection = replies_id(status_uri(settings, status))
    query = request.query_params
    min_id = parse_int(query.get("min_id") or "0")
    if min_id is None or not 0 <= min_id <= INT64_MAX:
        min_id = 0
    rows = await reply_page(session, status.id, min_id)
    if query.get("page") == "true" or min_id:
        return as_response(replies_page_to_as(collection, min_id or None, rows))
    return as_response(replies_to_as(collection, rows))
