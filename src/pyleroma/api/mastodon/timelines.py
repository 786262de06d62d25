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
from pyleroma.api.full_pages import Fetch, fill_page
from pyleroma.api.mastodon.render_statuses import statuses_to_api
from pyleroma.api.openapi import STR, api_doc, arr, param, ref
from pyleroma.api.openapi.parameters import PAGE, TIMELINE_OPTIONS
from pyleroma.api.pagination import link_header, read_page
from pyleroma.api.params import Params, get_params
from pyleroma.api.responses import json_response
from pyleroma.db.paging import Page
from pyleroma.models import Account, Status
from pyleroma.services.filters.filters import apply_filters, load_active_filters
from pyleroma.services.timelines import home_timeline, timelines
from pyleroma.services.timelines.timelines import TimelineOptions, check_options
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
    fetch: Fetch,
    page: Page,
    viewer: Account | None,
    *,
    links: bool = True,
    context: str | None = None,
):
    """Read a page of statuses through ``fetch`` (a read function given the page) and
    render it with its Link header.

    With a filter ``context``, the viewer's filters for it apply (services/filters/filters.py). When
    ``hide`` filters leave statuses out, the page is read on until it is full
    (api/full_pages.py), and its Link header points past every status examined, so clients
    keep paging past runs of hidden posts.
    """
    active = None
    if context is not None and viewer is not None:
        active = await load_active_filters(session, viewer.id, context)

    async def present(statuses: list[Status]) -> list[dict]:
        data = await statuses_to_api(session, settings, statuses, viewer)
        return apply_filters(data, active) if active is not None else data

    filled = await fill_page(
        page, fetch, present, _status_key, read_on=links and active is not None and active.hides
    )
    headers = link_header(request, filled.keys, page) if links else None
    return json_response(filled.items, headers=headers)


def _status_key(status: Status) -> int:
    return status.id


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

    async def fetch(batch: Page) -> list[Status]:
        return await home_timeline.home_timeline(session, settings, auth.user, batch, options)

    return await statuses_page(request, session, settings, fetch, page, auth.user, context="home")


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

    async def fetch(batch: Page) -> list[Status]:
        return await timelines.public_timeline(session, settings, viewer, batch, options)

    return await statuses_page(request, session, settings, fetch, page, viewer, context="public")


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

    async def fetch(batch: Page) -> list[Status]:
        return await timelines.tag_timeline(
            session,
            settings,
            viewer,
            hashtag,
            batch,
            options,
            any_tags=params.str_list("any"),
            all_tags=params.str_list("all"),
            none_tags=params.str_list("none"),
        )

    return await statuses_page(request, session, settings, fetch, page, viewer, context="public")


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

    async def fetch(batch: Page) -> list[Status]:
        return await timelines.direct_timeline(session, auth.user, batch, options)

    return await statuses_page(request, session, settings, fetch, page, auth.user)


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

    async def fetch(batch: Page) -> list[Status]:
        return await timelines.list_timeline(session, settings, auth.user, list_id, batch, options)

    return await statuses_page(request, session, settings, fetch, page, auth.user, context="home")
