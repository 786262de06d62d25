"""Follow requests to the user: list them, authorize or reject one.

``:id`` is the requesting account's id (as in Mastodon and Pleroma), and both actions
answer with the user's Relationship to the requester.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, require_user
from pyleroma.api.mastodon.relationships import relationship_to_api
from pyleroma.api.mastodon.render_accounts import accounts_to_api
from pyleroma.api.openapi import api_doc, arr, ref
from pyleroma.api.openapi.parameters import PAGE
from pyleroma.api.pagination import link_header, read_page
from pyleroma.api.params import Params, get_params
from pyleroma.api.responses import json_response
from pyleroma.services.relations import follows
from pyleroma.settings import Settings

router = APIRouter(tags=["Follow requests"])


@router.get(
    "/api/v1/follow_requests", **api_doc(query=PAGE, response=arr(ref("Account")), paged=True)
)
async def follow_requests(
    request: Request,
    auth: AuthContext = Depends(require_user("follow", "read:follows")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Accounts waiting for approval, newest request first, paged by the request id."""
    page = read_page(params)
    rows = await follows.list_follow_requests(session, auth.user, page)
    data = await accounts_to_api(session, settings, [row[0] for row in rows], auth.user)
    return json_response(data, headers=link_header(request, [row[1] for row in rows], page))


@router.post(
    "/api/v1/follow_requests/{account_id}/authorize",
    **api_doc(response=ref("Relationship"), errors=(404,)),
)
async def authorize(
    account_id: str,
    auth: AuthContext = Depends(require_user("follow", "write:follows")),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    requester = await follows.get_target(session, account_id)
    await follows.authorize_follow_request(session, settings, auth.user, requester)
    return await relationship_to_api(session, auth.user, requester)


@router.post(
    "/api/v1/follow_requests/{account_id}/reject",
    **api_doc(response=ref("Relationship"), errors=(404,)),
)
async def reject(
    account_id: str,
    auth: AuthContext = Depends(require_user("follow", "write:follows")),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    requester = await follows.get_target(session, account_id)
    await follows.reject_follow_request(session, settings, auth.user, requester)
    return await relationship_to_api(session, auth.user, requester)
