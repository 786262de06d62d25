"""Hashtags: GET /api/v1/tags/:name, POST .../follow and .../unfollow, GET /api/v1/followed_tags.

Scopes as Akkoma's TagController: ``read`` to look at a tag (anonymous allowed, as
Mastodon), ``write:follows`` to follow, ``read:follows`` for the followed list. The Tag
entity has Akkoma's fields; ``history`` is empty (Akkoma keeps no usage statistics either).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from pyleroma.api.deps import AuthContext, get_session, get_settings, optional_user, require_user
from pyleroma.api.openapi import api_doc, arr, ref
from pyleroma.api.openapi.parameters import PAGE
from pyleroma.api.pagination import link_header, read_page
from pyleroma.api.params import Params, get_params
from pyleroma.api.responses import json_response
from pyleroma.models import Hashtag
from pyleroma.services.discovery import tags as tag_service
from pyleroma.settings import Settings

router = APIRouter(tags=["Tags"])

READ = optional_user("read")
FOLLOW = require_user("write:follows")
LIST = require_user("read:follows")


def tag_to_api(settings: Settings, hashtag: Hashtag, following: bool) -> dict:
    """Mastodon's Tag entity; the url is the one status ``tags`` link to."""
    return {
        "name": hashtag.name,
        "url": f"{settings.base_url}/tag/{quote(hashtag.name, safe='')}",
        "history": [],
        "following": following,
    }


@router.get(
    "/api/v1/tags/{name}", summary="A hashtag", **api_doc(response=ref("Tag"), errors=(404, 422))
)
async def show(
    name: str,
    auth: AuthContext | None = Depends(READ),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The tag in any case, also one nobody used yet (``following: false``, as Mastodon);
    422 for a name no post could carry."""
    hashtag = await tag_service.show_hashtag(session, name)
    viewer = auth.account if auth else None
    return tag_to_api(settings, hashtag, await tag_service.is_following(session, viewer, hashtag))


@router.post(
    "/api/v1/tags/{name}/follow",
    summary="Follow a hashtag",
    **api_doc(response=ref("Tag"), errors=(404, 422)),
)
async def follow(
    name: str,
    auth: AuthContext = Depends(FOLLOW),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Creates the tag if new (422 for a name no post could carry); idempotent."""
    hashtag = await tag_service.follow_tag(session, auth.user, name)
    return tag_to_api(settings, hashtag, True)


@router.post(
    "/api/v1/tags/{name}/unfollow",
    summary="Unfollow a hashtag",
    **api_doc(response=ref("Tag"), errors=(404, 422)),
)
async def unfollow(
    name: str,
    auth: AuthContext = Depends(FOLLOW),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Idempotent, also for a tag nobody used yet; 422 for an invalid name."""
    hashtag = await tag_service.unfollow_tag(session, auth.user, name)
    return tag_to_api(settings, hashtag, False)


@router.get(
    "/api/v1/followed_tags",
    summary="Followed hashtags",
    **api_doc(query=PAGE, response=arr(ref("Tag")), paged=True),
)
async def followed(
    request: Request,
    auth: AuthContext = Depends(LIST),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Newest follow first, paginated by the follow's id (Link header)."""
    page = read_page(params)
    rows = await tag_service.followed_tags(session, auth.user, page)
    data = [tag_to_api(settings, hashtag, True) for _, hashtag in rows]
    return json_response(data, headers=link_header(request, [i for i, _ in rows], page))
