"""GET /api/v2/search (accounts, statuses, hashtags); the Pleroma location search is in
api/pleroma/events.py.

As Akkoma's SearchController: ``read:search`` (or ``read``), anonymous allowed; there is no
``/api/v1/search`` (Mastodon 3.0 removed it and Akkoma does not serve it). Parameter
errors a Pleroma client could make by hand are 400 as Akkoma's schema check answers them
(missing ``q``, unknown ``type``); values of the wrong kind are the house 422. The search
itself lives in services/discovery/search.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, optional_user
from pyleroma.api.mastodon.render_accounts import accounts_to_api
from pyleroma.api.mastodon.render_statuses import statuses_to_api
from pyleroma.api.mastodon.tags import tag_to_api
from pyleroma.api.openapi import BOOL, STR, api_doc, enum, param, ref
from pyleroma.api.openapi.parameters import PAGE, WITH_RELATIONSHIPS
from pyleroma.api.pagination import read_page
from pyleroma.api.params import Params, get_params
from pyleroma.services.discovery import search as search_service
from pyleroma.settings import Settings

router = APIRouter(tags=["Search"])

READ = optional_user("read:search")


@router.get(
    "/api/v2/search",
    summary="Search accounts, statuses and hashtags",
    **api_doc(
        query=[
            param("q", STR, 'Words, "phrases", -excluded, #tags, or a URL', required=True),
            param("type", enum(*search_service.TYPES)),
            *PAGE,
            param("account_id", STR, "Only statuses by this account"),
            param("following", BOOL, "Only accounts the viewer follows"),
            WITH_RELATIONSHIPS,
            param("resolve", BOOL, "Look a remote handle or URL up on its server (logged in)"),
            param("exclude_unreviewed", BOOL, "Accepted; changes nothing"),
        ],
        response=ref("SearchResults"),
        errors=(400, 422),
    ),
)
async def search(
    auth: AuthContext | None = Depends(READ),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """``q`` (required), ``type``, ``limit`` (20, at most 40), ``offset``, ``max_id``/
    ``min_id``/``since_id`` (statuses), ``account_id`` (statuses by that author),
    ``following`` (accounts), ``with_relationships``, ``resolve`` (a logged-in viewer's
    remote handle or URL is fetched first); ``exclude_unreviewed`` is accepted and changes
    nothing."""
    query = search_service.check_query(params.str("q"))
    request = search_service.SearchRequest(
        query=query,
        type=search_service.check_type(params.str("type")),
        following=params.bool("following", False),
        account_id=params.str("account_id") or None,
        page=read_page(
            params, default_limit=search_service.DEFAULT_LIMIT, max_limit=search_service.MAX_LIMIT
        ),
        resolve=params.bool("resolve", False),
    )
    params.bool("exclude_unreviewed")
    embed_relationships = params.bool("with_relationships", False)
    viewer = auth.account if auth else None
    found = await search_service.search(session, settings, viewer, request)
    return {
        "accounts": await accounts_to_api(
            session, settings, found.accounts, viewer, embed_relationships
        ),
        "statuses": await statuses_to_api(session, settings, found.statuses, viewer),
        "hashtags": [
            tag_to_api(settings, tag, tag.id in found.followed_hashtag_ids)
            for tag in found.hashtags
        ],
    }
