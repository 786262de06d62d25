"""The posts quoting a post: Pleroma's ``GET /statuses/:id/quotes`` (under both
/api/v1/pleroma and /api/pleroma; anonymous allowed, ``read:statuses`` with a token) and
Mastodon 4.5's ``GET /api/v1/statuses/:id/quotes`` (a token with ``read:statuses``, as
Mastodon requires). Both answer Status entities rendered in one batch, newest first, with
max_id / since_id / min_id / limit and a Link header; a post the viewer may not see is a
404 (services/statuses/quotes.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, optional_user, require_user
from pyleroma.api.mastodon.render_statuses import statuses_to_api
from pyleroma.api.openapi import api_doc, arr, ref
from pyleroma.api.openapi.parameters import PAGE
from pyleroma.api.pagination import link_header, read_page
from pyleroma.api.params import Params, get_params
from pyleroma.api.responses import json_response
from pyleroma.models import Account
from pyleroma.services.statuses import quotes
from pyleroma.settings import Settings

router = APIRouter(tags=["Statuses"])
pleroma_router = APIRouter(tags=["Statuses"])


def _doc(errors: tuple[int, ...]) -> dict:
    return {
        "summary": "Posts quoting a post",
        **api_doc(query=PAGE, response=arr(ref("Status")), paged=True, errors=errors),
    }


async def _quotes(
    request: Request,
    status_id: str,
    viewer: Account | None,
    params: Params,
    session: AsyncSession,
    settings: Settings,
):
    page = read_page(params)
    statuses = await quotes.quotes_page(session, viewer, status_id, page)
    data = await statuses_to_api(session, settings, statuses, viewer)
    return json_response(data, headers=link_header(request, [s.id for s in statuses], page))


@pleroma_router.get("/statuses/{status_id}/quotes", **_doc((404,)))
async def pleroma_quotes(
    status_id: str,
    request: Request,
    auth: AuthContext | None = Depends(optional_user("read:statuses")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    viewer = auth.account if auth else None
    return await _quotes(request, status_id, viewer, params, session, settings)


@router.get("/api/v1/statuses/{status_id}/quotes", **_doc((401, 403, 404)))
async def mastodon_quotes(
    status_id: str,
    request: Request,
    auth: AuthContext = Depends(require_user("read:statuses")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    return await _quotes(request, status_id, auth.user, params, session, settings)
