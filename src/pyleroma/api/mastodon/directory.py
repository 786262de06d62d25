"""Discovery lists: profile directory, follow suggestions, familiar followers, trends.

The directory and trends are public documents (a token, when sent, only personalises them,
as Pleroma's ``skip_auth`` does); suggestions and familiar followers are about the viewer's
own network and need a token. GET /api/v1/accounts/familiar_followers lives here because
this router is mounted before the accounts router's ``/api/v1/accounts/{id}``.
"""

from __future__ import annotations

import calendar

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, optional_user, require_user
from pyleroma.api.mastodon.render_accounts import accounts_to_api
from pyleroma.api.mastodon.render_statuses import statuses_to_api
from pyleroma.api.openapi import ANY_OBJECT, BOOL, api_doc, arr, enum, param, ref
from pyleroma.api.openapi.parameters import IDS, LIMIT, OFFSET_LIMIT
from pyleroma.api.pagination import read_offset
from pyleroma.api.params import Params, get_params
from pyleroma.services.accounts.account_directory import check_anonymous_access
from pyleroma.services.discovery import discovery_lists
from pyleroma.services.discovery.discovery_lists import TrendingTag
from pyleroma.settings import Settings
from pyleroma.urls import tag_url

router = APIRouter(tags=["Discovery lists"])


def _offset_limit(params: Params, default: int, maximum: int) -> tuple[int, int]:
    """``offset`` (422 when negative or past the cap) and ``limit`` (clamped to 1..maximum,
    as Pleroma)."""
    offset = read_offset(params)
    limit = params.int("limit", default, min=1, max=maximum, clamp=True)
    return offset, limit


def tag_to_api(settings: Settings, tag: TrendingTag) -> dict:
    """Mastodon's Tag entity with its daily history (day: unix time of the UTC day start; counts
    are strings, as Mastodon sends them)."""
    data = {
        "name": tag.name,
        "url": tag_url(settings, tag.name),
        "history": [
            {
                "day": str(calendar.timegm(day.timetuple())),
                "uses": str(uses),
                "accounts": str(accounts),
            }
            for day, uses, accounts in tag.history
        ],
    }
    if tag.following is not None:
        data["following"] = tag.following
    return data


@router.get(
    "/api/v1/directory",
    **api_doc(
        query=[
            *OFFSET_LIMIT,
            param("order", enum(*discovery_lists.DIRECTORY_ORDERS)),
            param("local", BOOL, "Only accounts of this instance"),
        ],
        response=arr(ref("Account")),
    ),
)
async def directory(
    auth: AuthContext | None = Depends(optional_user()),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    viewer = auth.account if auth else None
    check_anonymous_access(settings, viewer)
    offset, limit = _offset_limit(params, 40, 80)
    order = discovery_lists.check_directory_order(params.str("order"))
    accounts = await discovery_lists.directory(
        session,
        viewer,
        offset=offset,
        limit=limit,
        order=order,
        local_only=params.bool("local", False),
    )
    return await accounts_to_api(session, settings, accounts, viewer)


@router.get("/api/v1/suggestions", **api_doc(query=[LIMIT], response=arr(ref("Account"))))
async def suggestions_v1(
    auth: AuthContext = Depends(require_user("read:accounts")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    limit = params.int("limit", 40, min=1, max=80, clamp=True)
    found = await discovery_lists.suggestions(session, auth.user, limit=limit)
    return await accounts_to_api(session, settings, [a for _, a in found], auth.user)


@router.get("/api/v2/suggestions", **api_doc(query=[LIMIT], response=arr(ref("Suggestion"))))
async def suggestions_v2(
    auth: AuthContext = Depends(require_user("read:accounts")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    limit = params.int("limit", 40, min=1, max=80, clamp=True)
    found = await discovery_lists.suggestions(session, auth.user, limit=limit)
    rendered = await accounts_to_api(session, settings, [a for _, a in found], auth.user)
    return [
        {"source": source, "account": account}
        for (source, _), account in zip(found, rendered, strict=True)
    ]


@router.delete("/api/v1/suggestions/{account_id}", **api_doc(errors=(404,)))
async def dismiss_suggestion(
    account_id: str,
    auth: AuthContext = Depends(require_user("write:accounts")),
    session: AsyncSession = Depends(get_session),
):
    await discovery_lists.dismiss_suggestion(session, auth.user, account_id)
    return {}


@router.get(
    "/api/v1/accounts/familiar_followers",
    **api_doc(query=[param("id", IDS)], response=arr(ref("FamiliarFollowers"))),
)
async def familiar_followers(
    auth: AuthContext = Depends(require_user("read:follows")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    ids = discovery_lists.check_familiar_ids(params.str_list("id"))
    found = await discovery_lists.familiar_followers(session, auth.user, ids)
    result = []
    for ident, accounts in found:
        rendered = await accounts_to_api(session, settings, accounts, auth.user)
        result.append({"id": str(ident), "accounts": rendered})
    return result


async def _trending_tags(auth, params, session, settings):
    viewer = auth.account if auth else None
    offset, limit = _offset_limit(params, 10, 20)
    tags = await discovery_lists.trending_tags(session, viewer, offset=offset, limit=limit)
    return [tag_to_api(settings, tag) for tag in tags]


@router.get("/api/v1/trends", **api_doc(query=OFFSET_LIMIT, response=arr(ref("Tag"))))
async def trends(
    auth: AuthContext | None = Depends(optional_user()),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    return await _trending_tags(auth, params, session, settings)


@router.get("/api/v1/trends/tags", **api_doc(query=OFFSET_LIMIT, response=arr(ref("Tag"))))
async def trends_tags(
    auth: AuthContext | None = Depends(optional_user()),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    return await _trending_tags(auth, params, session, settings)


@router.get("/api/v1/trends/statuses", **api_doc(query=OFFSET_LIMIT, response=arr(ref("Status"))))
async def trends_statuses(
    auth: AuthContext | None = Depends(optional_user()),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    viewer = auth.account if auth else None
    offset, limit = _offset_limit(params, 20, 40)
    statuses = await discovery_lists.trending_statuses(session, viewer, offset=offset, limit=limit)
    return await statuses_to_api(session, settings, statuses, viewer)


@router.get("/api/v1/trends/links", **api_doc(query=OFFSET_LIMIT, response=arr(ANY_OBJECT)))
async def trends_links(params: Params = Depends(get_params)):
    """No link previews are fetched yet, so no link trends (validated like the others)."""
    _offset_limit(params, 10, 20)
    return []
