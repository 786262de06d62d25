"""RSS and Atom feeds at Pleroma's paths: ``/users/:nickname/feed.atom`` and ``.rss``, and
``/tags/:tag.atom`` and ``.rss`` (services/feeds.py decides what they hold, web/feeds.py
writes them; docs/feeds.md).

Anonymous always: a feed reader sends no token, so the feeds show what an anonymous visitor
may see. ``max_id`` pages back (each feed links its next page). Errors are Pleroma's JSON
``{"error": ...}`` (404 for an account or a feed that is not served).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from pyleroma.api.deps import get_session, get_settings
from pyleroma.api.mastodon.render_accounts import account_to_api
from pyleroma.api.mastodon.render_statuses import statuses_to_api
from pyleroma.api.openapi import STR, api_doc, param
from pyleroma.api.params import Params, get_params
from pyleroma.services import feeds
from pyleroma.settings import Settings
from pyleroma.web.feeds import ATOM_TYPE, RSS_TYPE, account_feed_document, tag_feed_document

router = APIRouter(tags=["Feeds"])

_MEDIA_TYPES = {"atom": ATOM_TYPE, "rss": RSS_TYPE}
_MAX_ID = param("max_id", STR, "Posts older than this id (the feed's next page)")
_NICKNAME = param("nickname", STR, "A local account's nickname")
_TAG = param("tag", STR, "A hashtag (without #)")
_XML = {"type": "string"}
# Feed readers poll: let caches keep a page for a minute.
_CACHE = {"Cache-Control": "public, max-age=60"}


def _doc(fmt: str, path_param) -> dict:
    return api_doc(
        path=[path_param],
        query=[_MAX_ID],
        response=_XML,
        media_type=_MEDIA_TYPES[fmt].split(";")[0],
        errors=(404, 422),
    )


async def _account_feed(fmt, nickname, params, session, settings) -> Response:
    page = feeds.feed_page(params.str("max_id"))
    feed = await feeds.account_feed(session, settings, nickname, page)
    statuses = await statuses_to_api(session, settings, feed.statuses, None)
    account = account_to_api(settings, feed.account, None)
    document = account_feed_document(settings, fmt, account, statuses)
    return Response(document, media_type=_MEDIA_TYPES[fmt], headers=_CACHE)


async def _tag_feed(fmt, tag, params, session, settings) -> Response:
    page = feeds.feed_page(params.str("max_id"))
    feed = await feeds.tag_feed(session, settings, tag, page)
    statuses = await statuses_to_api(session, settings, feed.statuses, None)
    document = tag_feed_document(settings, fmt, feed.tag, statuses)
    return Response(document, media_type=_MEDIA_TYPES[fmt], headers=_CACHE)


@router.get(
    "/users/{nickname}/feed.atom",
    summary="A local account's public posts as an Atom feed",
    response_class=Response,
    **_doc("atom", _NICKNAME),
)
async def account_atom(
    nickname: str,
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    return await _account_feed("atom", nickname, params, session, settings)


@router.get(
    "/users/{nickname}/feed.rss",
    summary="A local account's public posts as an RSS feed",
    response_class=Response,
    **_doc("rss", _NICKNAME),
)
async def account_rss(
    nickname: str,
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    return await _account_feed("rss", nickname, params, session, settings)


@router.get(
    "/tags/{tag}.atom",
    summary="Public posts with a hashtag as an Atom feed",
    response_class=Response,
    **_doc("atom", _TAG),
)
async def tag_atom(
    tag: str,
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    return await _tag_feed("atom", tag, params, session, settings)


@router.get(
    "/tags/{tag}.rss",
    summary="Public posts with a hashtag as an RSS feed",
    response_class=Response,
    **_doc("rss", _TAG),
)
async def tag_rss(
    tag: str,
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    return await _tag_feed("rss", tag, params, session, settings)
