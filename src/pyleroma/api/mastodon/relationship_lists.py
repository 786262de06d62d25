"""Lists of accounts by relationship: followers, following, blocks, mutes, endorsements.

Each list is paginated by the id of the relationship row (follow, block, mute,
endorsement), newest first, with a Link header: the order is "most recently followed"
(as Mastodon), and the cursor stays stable while accounts come and go.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, optional_user, require_user
from pyleroma.api.mastodon.render_accounts import accounts_to_api
from pyleroma.api.openapi import api_doc, arr, ref
from pyleroma.api.openapi.parameters import PAGE, WITH_RELATIONSHIPS
from pyleroma.api.pagination import link_header, read_page
from pyleroma.api.params import Params, get_params
from pyleroma.api.responses import json_response
from pyleroma.db.paging import Page
from pyleroma.errors import NotFound, Unauthorized
from pyleroma.models import Account
from pyleroma.services.accounts.accounts import find_account
from pyleroma.services.relations import blocks, endorsements, follows
from pyleroma.settings import Settings
from pyleroma.urls import masto_datetime

router = APIRouter(tags=["Relationship lists"])
pleroma_router = APIRouter(tags=["Relationship lists"])


async def _owner(
    session: AsyncSession, settings: Settings, ident: str, viewer: Account | None
) -> Account:
    """The account whose list is asked for; anonymous readers may be refused by settings."""
    if viewer is None and settings.restrict_unauthenticated_profiles:
        raise Unauthorized("This API requires an authenticated user")
    account = await find_account(session, ident)
    if account is None or not (account.is_active or (viewer is not None and viewer.is_admin)):
        raise NotFound("Record not found")
    return account


async def _render_page(
    request: Request,
    session: AsyncSession,
    settings: Settings,
    rows: list[tuple],
    page: Page,
    viewer: Account | None,
    params: Params,
):
    """Accounts of ``rows`` ((account, row id, ...) tuples) with the Link header."""
    embed = params.bool("with_relationships", False)
    data = await accounts_to_api(
        session, settings, [row[0] for row in rows], viewer, embed_relationships=embed
    )
    return data, link_header(request, [row[1] for row in rows], page)


async def _network_list(
    request: Request,
    account_id: str,
    auth: AuthContext | None,
    params: Params,
    session: AsyncSession,
    settings: Settings,
    *,
    followers: bool,
):
    viewer = auth.account if auth else None
    owner = await _owner(session, settings, account_id, viewer)
    page = read_page(params)
    hidden = owner.hide_followers if followers else owner.hide_follows
    if hidden and (viewer is None or viewer.id != owner.id):
        # Pleroma answers a hidden network with an empty list, not an error.
        return json_response([])
    lister = follows.list_followers if followers else follows.list_following
    rows = await lister(session, owner, page)
    data, headers = await _render_page(request, session, settings, rows, page, viewer, params)
    return json_response(data, headers=headers)


@router.get(
    "/api/v1/accounts/{account_id}/followers",
    **api_doc(
        query=[*PAGE, WITH_RELATIONSHIPS], response=arr(ref("Account")), paged=True, errors=(404,)
    ),
)
async def followers(
    request: Request,
    account_id: str,
    auth: AuthContext | None = Depends(optional_user("read:accounts")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Accounts following this one; ``[]`` when it hides them (except to itself)."""
    return await _network_list(request, account_id, auth, params, session, settings, followers=True)


@router.get(
    "/api/v1/accounts/{account_id}/following",
    **api_doc(
        query=[*PAGE, WITH_RELATIONSHIPS], response=arr(ref("Account")), paged=True, errors=(404,)
    ),
)
async def following(
    request: Request,
    account_id: str,
    auth: AuthContext | None = Depends(optional_user("read:accounts")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Accounts this one follows; ``[]`` when it hides them (except to itself)."""
    return await _network_list(
        request, account_id, auth, params, session, settings, followers=False
    )


@router.get(
    "/api/v1/blocks",
    **api_doc(query=[*PAGE, WITH_RELATIONSHIPS], response=arr(ref("Account")), paged=True),
)
async def blocks_list(
    request: Request,
    auth: AuthContext = Depends(require_user("follow", "read:blocks")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    page = read_page(params)
    rows = await blocks.list_blocks(session, auth.user, page)
    data, headers = await _render_page(request, session, settings, rows, page, auth.user, params)
    return json_response(data, headers=headers)


@router.get(
    "/api/v1/mutes",
    **api_doc(query=[*PAGE, WITH_RELATIONSHIPS], response=arr(ref("MutedAccount")), paged=True),
)
async def mutes_list(
    request: Request,
    auth: AuthContext = Depends(require_user("follow", "read:mutes")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Muted accounts, each with ``mute_expires_at`` (null for a mute without end)."""
    page = read_page(params)
    rows = await blocks.list_mutes(session, auth.user, page)
    data, headers = await _render_page(request, session, settings, rows, page, auth.user, params)
    for entity, row in zip(data, rows, strict=True):
        entity["mute_expires_at"] = masto_datetime(row[2])
    return json_response(data, headers=headers)


@router.get(
    "/api/v1/endorsements",
    **api_doc(query=[*PAGE, WITH_RELATIONSHIPS], response=arr(ref("Account")), paged=True),
)
async def own_endorsements(
    request: Request,
    auth: AuthContext = Depends(require_user("read:accounts")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The accounts you endorse (pinned), newest first."""
    page = read_page(params, default_limit=40, max_limit=80)
    rows = await endorsements.list_endorsements(session, auth.user, page)
    data, headers = await _render_page(request, session, settings, rows, page, auth.user, params)
    return json_response(data, headers=headers)


async def _account_endorsements(
    request: Request,
    account_id: str,
    auth: AuthContext | None,
    params: Params,
    session: AsyncSession,
    settings: Settings,
):
    viewer = auth.account if auth else None
    owner = await _owner(session, settings, account_id, viewer)
    page = read_page(params, default_limit=40, max_limit=80)
    rows = await endorsements.list_endorsements(session, owner, page)
    data, headers = await _render_page(request, session, settings, rows, page, viewer, params)
    return json_response(data, headers=headers)


@router.get(
    "/api/v1/accounts/{account_id}/endorsements",
    **api_doc(
        query=[*PAGE, WITH_RELATIONSHIPS], response=arr(ref("Account")), paged=True, errors=(404,)
    ),
)
async def account_endorsements(
    request: Request,
    account_id: str,
    auth: AuthContext | None = Depends(optional_user("read:accounts")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Accounts this account endorses (Mastodon's featured accounts)."""
    return await _account_endorsements(request, account_id, auth, params, session, settings)


@pleroma_router.get(
    "/accounts/{account_id}/endorsements",
    **api_doc(
        query=[*PAGE, WITH_RELATIONSHIPS], response=arr(ref("Account")), paged=True, errors=(404,)
    ),
)
async def pleroma_account_endorsements(
    request: Request,
    account_id: str,
    auth: AuthContext | None = Depends(optional_user("read:accounts")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Accounts this account endorses (spec: GET /api/v1/pleroma/accounts/:id/endorsements)."""
    return await _account_endorsements(request, account_id, auth, params, session, settings)
