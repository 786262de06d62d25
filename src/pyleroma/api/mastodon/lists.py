"""Lists: /api/v1/lists CRUD, /api/v1/lists/:id/accounts and /api/v1/accounts/:id/lists.

Reads need ``read:lists``, changes ``write:lists`` (Pleroma's scopes). A list id that is
unknown or belongs to someone else is a 404 "List not found". The List entity carries
Pleroma's ``id`` and ``title`` and Mastodon's ``replies_policy`` and ``exclusive``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, require_user
from pyleroma.api.mastodon.render_accounts import accounts_to_api
from pyleroma.api.openapi import BOOL, STR, api_doc, arr, enum, param, ref
from pyleroma.api.openapi.parameters import PAGE
from pyleroma.api.pagination import link_header, read_page
from pyleroma.api.params import Params, get_params
from pyleroma.api.responses import json_response
from pyleroma.errors import NotFound
from pyleroma.services.accounts.accounts import find_account
from pyleroma.services.timelines import lists
from pyleroma.services.timelines.lists import list_to_api
from pyleroma.services.timelines.timelines import get_own_list
from pyleroma.settings import Settings

router = APIRouter(tags=["Lists"])

READ = require_user("read:lists")
WRITE = require_user("write:lists")
MEMBERS_PAGE = 40
MEMBERS_PAGE_MAX = 80
LIST_FIELDS = [
    param("title", STR),
    param("replies_policy", enum(*lists.REPLIES_POLICIES)),
    param("exclusive", BOOL, "Its members' posts leave the home timeline"),
]
ACCOUNT_IDS = param("account_ids", arr(STR), "Account ids", required=True)


@router.get("/api/v1/lists", **api_doc(response=arr(ref("List"))))
async def index(auth: AuthContext = Depends(READ), session: AsyncSession = Depends(get_session)):
    return [list_to_api(item) for item in await lists.lists_of(session, auth.user)]


@router.post(
    "/api/v1/lists",
    **api_doc(
        body=[LIST_FIELDS[0].with_(required=True), *LIST_FIELDS[1:]],
        example={"title": "Friends", "replies_policy": "list", "exclusive": False},
        response=ref("List"),
        errors=(422,),
    ),
)
async def create(
    auth: AuthContext = Depends(WRITE),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    created = await lists.create_list(
        session,
        auth.user,
        params.str("title"),
        replies_policy=params.str("replies_policy"),
        exclusive=params.bool("exclusive"),
    )
    return list_to_api(created)


@router.get("/api/v1/lists/{list_id}", **api_doc(response=ref("List"), errors=(404,)))
async def show(
    list_id: str,
    auth: AuthContext = Depends(READ),
    session: AsyncSession = Depends(get_session),
):
    return list_to_api(await get_own_list(session, auth.user, list_id))


@router.put(
    "/api/v1/lists/{list_id}",
    **api_doc(body=LIST_FIELDS, response=ref("List"), errors=(404, 422)),
)
async def update(
    list_id: str,
    auth: AuthContext = Depends(WRITE),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    """Rename and/or change the replies policy and exclusivity; absent fields stay."""
    updated = await lists.update_list(
        session,
        auth.user,
        list_id,
        title=params.str("title"),
        replies_policy=params.str("replies_policy"),
        exclusive=params.bool("exclusive"),
    )
    return list_to_api(updated)


@router.delete("/api/v1/lists/{list_id}", **api_doc(errors=(404,)))
async def delete(
    list_id: str,
    auth: AuthContext = Depends(WRITE),
    session: AsyncSession = Depends(get_session),
):
    await lists.delete_list(session, auth.user, list_id)
    return {}


@router.get(
    "/api/v1/lists/{list_id}/accounts",
    **api_doc(query=PAGE, response=arr(ref("Account")), paged=True, errors=(404,)),
)
async def members(
    request: Request,
    list_id: str,
    auth: AuthContext = Depends(READ),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The list's members, paged by account id (Link header)."""
    page = read_page(params, MEMBERS_PAGE, MEMBERS_PAGE_MAX)
    found = await lists.list_members(session, auth.user, list_id, page)
    data = await accounts_to_api(session, settings, found, auth.user)
    return json_response(data, headers=link_header(request, [a.id for a in found], page))


@router.post("/api/v1/lists/{list_id}/accounts", **api_doc(body=[ACCOUNT_IDS], errors=(404, 422)))
async def add_members(
    list_id: str,
    auth: AuthContext = Depends(WRITE),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    await lists.add_members(session, auth.user, list_id, params.str_list("account_ids"))
    return {}


@router.delete(
    "/api/v1/lists/{list_id}/accounts",
    **api_doc(
        query=[ACCOUNT_IDS.with_(required=False)],
        body=[ACCOUNT_IDS.with_(required=False)],
        errors=(404, 422),
    ),
)
async def remove_members(
    list_id: str,
    auth: AuthContext = Depends(WRITE),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    """Account ids come in the query string or the body, as clients send either."""
    await lists.remove_members(session, auth.user, list_id, params.str_list("account_ids"))
    return {}


@router.get(
    "/api/v1/accounts/{account_id}/lists",
    **api_doc(response=arr(ref("List")), errors=(404,)),
)
async def lists_with_account(
    account_id: str,
    auth: AuthContext = Depends(READ),
    session: AsyncSession = Depends(get_session),
):
    """The viewer's lists that contain this account."""
    account = await find_account(session, account_id)
    if account is None:
        raise NotFound("Record not found")
    return [list_to_api(item) for item in await lists.lists_containing(session, auth.user, account)]
