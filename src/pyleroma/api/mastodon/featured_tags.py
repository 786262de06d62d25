"""Featured tags, as Mastodon (megalodon and Mastodon.py call them on Pleroma too):

- ``GET /api/v1/featured_tags`` (``read:accounts``): yours;
- ``POST /api/v1/featured_tags`` (``name``; ``write:accounts``): feature a tag;
- ``DELETE /api/v1/featured_tags/:id`` (``write:accounts``): answers ``{}``;
- ``GET /api/v1/featured_tags/suggestions`` (``read:accounts``): your most used tags not
  featured yet, as Tag entities;
- ``GET /api/v1/accounts/:id/featured_tags`` (anonymous allowed): an account's.

The FeaturedTag entity is Mastodon's: ``id``, ``name``, ``url``, ``statuses_count`` (a
string, as Mastodon sends it) and ``last_status_at`` (a date, or null). Its ``url`` is the
tag's page here, the same as the Tag entity's. Rules: services/discovery/featured_tags.py.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, optional_user, require_user
from pyleroma.api.mastodon.tags import tag_to_api
from pyleroma.api.openapi import ID, STR, api_doc, arr, nullable, obj, param, ref
from pyleroma.api.openapi.types import DATE, EMPTY_OBJECT, component
from pyleroma.api.params import Params, get_params
from pyleroma.services.accounts import account_directory
from pyleroma.services.discovery import featured_tags
from pyleroma.services.discovery import tags as tag_service
from pyleroma.services.discovery.featured_tags import FeaturedTagView
from pyleroma.settings import Settings

router = APIRouter(tags=["Featured tags"])

READ = require_user("read:accounts")
WRITE = require_user("write:accounts")
FEATURED_TAG = component(
    "FeaturedTag",
    obj(
        {
            "id": ID,
            "name": STR,
            "url": STR,
            "statuses_count": {"type": "string", "pattern": "^[0-9]+$"},
            "last_status_at": nullable(DATE),
        }
    ),
)


def featured_tag_to_api(settings: Settings, view: FeaturedTagView) -> dict:
    return {
        "id": str(view.id),
        "name": view.name,
        "url": f"{settings.base_url}/tag/{quote(view.name, safe='')}",
        "statuses_count": str(view.statuses_count),
        "last_status_at": view.last_status_at.date().isoformat() if view.last_status_at else None,
    }


@router.get(
    "/api/v1/featured_tags",
    summary="Your featured tags",
    **api_doc(response=arr(FEATURED_TAG), errors=(401, 403)),
)
async def list_featured_tags(
    auth: AuthContext = Depends(READ),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    views = await featured_tags.list_featured(session, auth.user)
    return [featured_tag_to_api(settings, v) for v in views]


@router.get(
    "/api/v1/featured_tags/suggestions",
    summary="Your most used tags, to feature",
    **api_doc(response=arr(ref("Tag")), errors=(401, 403)),
)
async def suggested_tags(
    auth: AuthContext = Depends(READ),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    hashtags = await featured_tags.suggestions(session, auth.user)
    followed = await _followed(session, auth, hashtags)
    return [tag_to_api(settings, h, h.id in followed) for h in hashtags]


async def _followed(session: AsyncSession, auth: AuthContext, hashtags) -> set[int]:
    """Which suggestions the viewer follows (ten at most: a query each is fine)."""
    return {h.id for h in hashtags if await tag_service.is_following(session, auth.user, h)}


@router.post(
    "/api/v1/featured_tags",
    summary="Feature a tag on your profile",
    **api_doc(
        body=[param("name", STR, "The tag, with or without #", required=True)],
        response=FEATURED_TAG,
        errors=(401, 403, 422),
    ),
)
async def feature_tag(
    auth: AuthContext = Depends(WRITE),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    view = await featured_tags.feature(session, auth.user, params.str("name", max_length=300))
    return featured_tag_to_api(settings, view)


@router.delete(
    "/api/v1/featured_tags/{featured_id}",
    summary="Stop featuring a tag",
    **api_doc(response=EMPTY_OBJECT, errors=(401, 403, 404)),
)
async def unfeature_tag(
    featured_id: str,
    auth: AuthContext = Depends(WRITE),
    session: AsyncSession = Depends(get_session),
):
    await featured_tags.unfeature(session, auth.user, featured_id)
    return {}


@router.get(
    "/api/v1/accounts/{ident}/featured_tags",
    summary="An account's featured tags",
    **api_doc(response=arr(FEATURED_TAG), errors=(401, 404)),
)
async def account_featured_tags(
    ident: str,
    auth: AuthContext | None = Depends(optional_user("read:accounts")),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    viewer = auth.account if auth else None
    account = await account_directory.show_account(session, settings, ident, viewer)
    views = await featured_tags.list_featured(session, account)
    return [featured_tag_to_api(settings, v) for v in views]
