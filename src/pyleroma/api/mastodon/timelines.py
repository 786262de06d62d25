"""Timelines: GET /api/v1/timelines/home, public, tag/:hashtag, direct and list/:id.

Scopes as Pleroma: home and direct need ``read:statuses``; public and hashtag timelines are
open to anonymous readers (a token, when given, must have ``read:statuses``); a list
timeline needs ``read:lists``. Every page carries a Link header (next: ``max_id``, prev:
``min_id``) and the other parameters of the request.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, optional_user, require_user
from pyleroma.api.mastodon.render_statuses import statuses_to_api
from pyleroma.api.openapi import STR, api_doc, arr, param, ref
from pyleroma.api.openapi.parameters import PAGE, TIMELINE_OPTIONS
from pyleroma.api.pagination import Page, link_header, read_page
from pyleroma.api.params import Params, get_params
from pyleroma.api.responses import json_response
from pyleroma.models import Account, Status
from pyleroma.services import home_timeline, timelines
from pyleroma.services.filters import filter_statuses
from pyleroma.services.timelines import TimelineOptions, check_options
from pyleroma.settings import Settings

router = APIRouter(tags=["Timelines"])


def read_options(params: Params) -> TimelineOptions:
    """The optional filters every timeline accepts (Pleroma's differences document)."""
    return check_options(
        TimelineOptions(
            local=params.bool("local", False),
            remote=params.bool("remote", False),
            only_media=params.bool("only_media", False),
            with_muted=params.bool("with_muted", False),
            exclude_replies=params.bool("exclude_replies", False),
            exclude_reblogs=params.bool("exclude_reblogs", False),
            exclude_visibilities=tuple(params.str_list("exclude_visibilities")),
            reply_visibility=params.str("reply_visibility") or None,
            instance=params.str("instance") or None,
        )
    )


async def statuses_page(
    request: Request,
    session: AsyncSession,
    settings: Settings,
    statuses: list[Status],
    page: Page,
    viewer: Account | None,
    *,
    links: bool = True,
    context: str | None = None,
):
    """Render a page of statuses with its Link header.

    With a filter ``context``, the viewer's filters for it apply (services/filters.py): a
    page may come out shorter than asked, but its Link header is still made from the
    unfiltered page so clients keep paging past a page that was entirely hidden.
    """
    data = await statuses_to_api(session, settings, statuses, viewer)
    if context is not None and viewer is not None:
        data = await filter_statuses(session, viewer.id, context, data)
    headers = link_header(request, [s.id for s in statuses], page) if links else None
    return json_response(data, headers=headers)


@router.get(
    "/api/v1/timelines/home",
    **api_doc(query=[*PAGE, *TIMELINE_OPTIONS], response=arr(ref("Status")), paged=True),
)
async def home(
    request: Request,
    auth: AuthContext = Depends(require_user("read:statuses")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Posts and boosts by followed accounts, the viewer's own, and posts addressed to it."""
    page = read_page(params)
    options = read_options(params)
    statuses = await home_timeline.home_timeline(session, settings, auth.user, page, options)
    return await statuses_page(
        request, session, settings, statuses, page, auth.user, context="home"
    )


@router.get(
    "/api/v1/timelines/public",
    **api_doc(query=[*PAGE, *TIMELINE_OPTIONS], response=arr(ref("Status")), paged=True),
)
async def public(
    request: Request,
    auth: AuthContext | None = Depends(optional_user("read:statuses")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Public posts of this server (``local``), of others (``remote``) or of all."""
    viewer = auth.account if auth else None
    page = read_page(params)
    options = read_options(params)
    statuses = await timelines.public_timeline(session, settings, viewer, page, options)
    return await statuses_page(request, session, settings, statuses, page, viewer, context="public")


@router.get(
    "/api/v1/timelines/tag/{hashtag}",
    **api_doc(
        query=[
            *PAGE,
            *TIMELINE_OPTIONS,
            param("any", arr(STR), "Also posts with any of these hashtags"),
            param("all", arr(STR), "Only posts with all of these too"),
            param("none", arr(STR), "Not posts with any of these"),
        ],
        response=arr(ref("Status")),
        paged=True,
    ),
)
async def hashtag(
    request: Request,
    hashtag: str,
    auth: AuthContext | None = Depends(optional_user("read:statuses")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Public posts with the hashtag (or ``any[]``), ``all[]`` of some, ``none[]`` of others."""
    viewer = auth.account if auth else None
    page = read_page(params)
    options = read_options(params)
    statuses = await timelines.tag_timeline(
        session,
        settings,
        viewer,
        hashtag,
        page,
        options,
        any_tags=params.str_list("any"),
        all_tags=params.str_list("all"),
        none_tags=params.str_list("none"),
    )
    return await statuses_page(request, session, settings, statuses, page, viewer, context="public")


@router.get(
    "/api/v1/timelines/direct",
    **api_doc(query=[*PAGE, *TIMELINE_OPTIONS], response=arr(ref("Status")), paged=True),
)
async def direct(
    request: Request,
    auth: AuthContext = Depends(require_user("read:statuses")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Direct posts the viewer sent or received (Pleroma; clients prefer conversations)."""
    page = read_page(params)
    options = read_options(params)
    statuses = await timelines.direct_timeline(session, auth.user, page, options)
    return await statuses_page(request, session, settings, statuses, page, auth.user)


@router.get(
    "/api/v1/timelines/list/{list_id}",
    **api_doc(
        query=[*PAGE, *TIMELINE_OPTIONS], response=arr(ref("Status")), paged=True, errors=(404,)
    ),
)
async def list_timeline(
    request: Request,
    list_id: str,
    auth: AuthContext = Depends(require_user("read:lists")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Posts and boosts by the list's members; another account's list is a 404."""
    page = read_page(params)
    options = read_options(params)
    statuses = await timelines.list_timeline(session, settings, auth.user, list_id, page, options)
    return await statuses_page(
        request, session, settings, statuses, page, auth.user, context="home"
    )
