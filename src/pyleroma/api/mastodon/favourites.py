"""Lists of marked statuses: GET /api/v1/favourites, GET /api/v1/bookmarks, and Pleroma's
GET /api/v1/pleroma/accounts/:id/favourites (another account's favourites timeline).

The viewer's own lists page by the mark's id (the Link header carries favourite or bookmark
ids, as Mastodon's and Pleroma's do), newest mark first. Pleroma's per-account list pages by
status id and is refused (403 "Can't get favorites") when the account hides its favourites,
which new accounts do by default; the account itself may still read its own.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, optional_user, require_user
from pyleroma.api.mastodon.render_statuses import statuses_to_api
from pyleroma.api.openapi import api_doc, arr, param, ref
from pyleroma.api.openapi.parameters import ID_PARAM, PAGE
from pyleroma.api.pagination import link_header, read_page
from pyleroma.api.params import Params, get_params
from pyleroma.api.responses import json_response
from pyleroma.db.ids import parse_id
from pyleroma.errors import Forbidden, NotFound, Unprocessable
from pyleroma.services.accounts import account_directory
from pyleroma.services.statuses import favourites
from pyleroma.settings import Settings

router = APIRouter(tags=["Favourites and bookmarks"])
pleroma_router = APIRouter(tags=["Favourites and bookmarks"])


@router.get("/api/v1/favourites", **api_doc(query=PAGE, response=arr(ref("Status")), paged=True))
async def list_favourites(
    request: Request,
    auth: AuthContext = Depends(require_user("read:favourites")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The viewer's favourites that they may still see, newest favourite first."""
    page = read_page(params)
    rows = await favourites.favourites_page(session, auth.user, page)
    data = await statuses_to_api(session, settings, [s for _, s in rows], auth.user)
    return json_response(data, headers=link_header(request, [k for k, _ in rows], page))


@router.get(
    "/api/v1/bookmarks",
    **api_doc(
        query=[*PAGE, param("folder_id", ID_PARAM, "Only the bookmarks in this folder (Pleroma)")],
        response=arr(ref("Status")),
        paged=True,
        errors=(422,),
    ),
)
async def list_bookmarks(
    request: Request,
    auth: AuthContext = Depends(require_user("read:bookmarks")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The viewer's bookmarks that they may still see, newest bookmark first; with
    ``folder_id``, only those filed in that folder (none for another's folder)."""
    page = read_page(params)
    folder_id = None
    raw_folder = params.str("folder_id")
    if raw_folder not in (None, "") and (folder_id := parse_id(raw_folder)) is None:
        raise Unprocessable("folder_id: must be an id")
    rows = await favourites.bookmarks_page(session, auth.user, page, folder_id)
    data = await statuses_to_api(session, settings, [s for _, s in rows], auth.user)
    return json_response(data, headers=link_header(request, [k for k, _ in rows], page))


@pleroma_router.get(
    "/accounts/{ident}/favourites",
    **api_doc(query=PAGE, response=arr(ref("Status")), paged=True, errors=(403, 404)),
)
async def account_favourites(
    ident: str,
    request: Request,
    auth: AuthContext | None = Depends(optional_user("read:favourites")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """What an account favourited, as far as the viewer may see those posts."""
    viewer = auth.account if auth else None
    try:
        account = await account_directory.show_account(session, settings, ident, viewer)
    except NotFound as exc:  # Pleroma's wording on this route
        raise NotFound("Record not found") from exc
    if account.hide_favorites and (viewer is None or viewer.id != account.id):
        raise Forbidden("Can't get favorites")
    page = read_page(params)
    statuses = await favourites.account_favourites_page(session, account, viewer, page)
    data = await statuses_to_api(session, settings, statuses, viewer)
    return json_response(data, headers=link_header(request, [s.id for s in statuses], page))
