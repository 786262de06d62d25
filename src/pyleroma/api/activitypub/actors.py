"""Actors and their collections: ``/users/<nickname>`` with its followers, following, outbox
and featured collections, and the instance actor ``/internal/fetch``.

Only served accounts have documents (local, active, approved, confirmed:
``to_as_actor.is_served``); anyone else, remote accounts included, is a 404. A local account
gets its key pair the first time its actor is fetched (federation/keys.py). Each answer is a
few statements whatever the page: the account, then the page's ids or rows, then (outbox
and featured) one batch for what the posts need.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.activitypub import (
    ACCEPT,
    AS_ACTOR,
    AS_COLLECTION,
    as_response,
    authorized_fetcher,
    not_found,
    requester,
    require_federating,
    wants_activitypub,
)
from pyleroma.api.deps import get_session, get_settings
from pyleroma.api.openapi import STR, api_doc, param
from pyleroma.api.openapi.parameters import ID_PARAM
from pyleroma.api.params import Params, get_params
from pyleroma.api.web_pages import profile_html
from pyleroma.errors import Forbidden
from pyleroma.federation.keys import ensure_keys, instance_key_pair
from pyleroma.federation.to_as import AS_TYPE
from pyleroma.federation.to_as_actor import (
    MAX_FOLLOW_PAGE,
    account_to_as,
    actor_urls,
    find_served_account,
    follow_collection_to_as,
    follow_page_ids,
    follow_page_to_as,
    follows_shown,
    instance_actor_to_as,
    moved_to_ap_id,
)
from pyleroma.federation.to_as_note import (
    featured_statuses,
    featured_to_as,
    load_parts,
    outbox_page_to_as,
    outbox_statuses,
    outbox_to_as,
)
from pyleroma.settings import Settings

router = APIRouter(tags=["ActivityPub"])

NICKNAME = param("nickname", STR, "A local account's nickname")
FOLLOW_PAGE = param(
    "page", STR, "A page number from 1 (or true: the first page); without it, the collection"
)


def _document(response=AS_ACTOR, **extra) -> dict:
    return api_doc(path=[NICKNAME], response=response, media_type=AS_TYPE, **extra)


@router.get(
    "/users/{nickname}",
    summary="An account's actor document (ActivityPub), or its profile page",
    **_document(
        headers=[ACCEPT],
        query=[param("max_id", STR, "The profile page (text/html): posts older than this id")],
        errors=(404, 422),
    ),
)
async def actor(
    nickname: str,
    request: Request,
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The actor for AP and JSON requests; the profile page for the others."""
    if not wants_activitypub(request.headers.get("accept")):
        return await profile_html(request, nickname, params, session, settings)
    require_federating(settings)
    account = await find_served_account(session, nickname)
    if account is None:
        return not_found(negotiated=True)
    public_key = await ensure_keys(session, account)
    if public_key != account.public_key:
        await session.commit()  # the pair made now for an account that had none
    moved_to = await moved_to_ap_id(session, account)
    document = account_to_as(settings, account, public_key, moved_to=moved_to)
    return as_response(document, negotiated=True)


def _follow_page(params: Params) -> int | None:
    """The page asked for (``?page=N``, ``?page=true`` is the first), None for the
    collection itself."""
    raw = params.raw("page")
    if raw is None or raw == "":
        return None
    if isinstance(raw, str) and raw.strip().lower() == "true":
        return 1
    return params.int("page", min=1, max=MAX_FOLLOW_PAGE)


async def _follows(
    which: str,
    nickname: str,
    request: Request,
    params: Params,
    session: AsyncSession,
    settings: Settings,
):
    require_federating(settings)
    await authorized_fetcher(request, session, settings)
    account = await find_served_account(session, nickname)
    if account is None:
        return not_found()
    viewer = requester(request)
    owner = viewer is not None and viewer.id == account.id
    items_shown, _ = follows_shown(account, which, owner=owner)
    page = _follow_page(params)
    if page is None:
        first = await follow_page_ids(session, account.id, which, 1) if items_shown else None
        return as_response(follow_collection_to_as(settings, account, which, first, owner=owner))
    if not items_shown:
        raise Forbidden(f"{account.nickname} hides their {which}")
    items = await follow_page_ids(session, account.id, which, page)
    return as_response(follow_page_to_as(settings, account, which, page, items, owner=owner))


@router.get(
    "/users/{nickname}/followers",
    summary="An account's followers collection (ActivityPub)",
    **_document(response=AS_COLLECTION, query=[FOLLOW_PAGE], errors=(401, 403, 404, 422)),
)
async def followers(
    nickname: str,
    request: Request,
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Pages of 10 actor ids, newest follow first; an account that hides its followers
    shows only their number (or 0 when it hides that too), and its pages are a 403."""
    return await _follows("followers", nickname, request, params, session, settings)


@router.get(
    "/users/{nickname}/following",
    summary="The accounts an account follows (ActivityPub)",
    **_document(response=AS_COLLECTION, query=[FOLLOW_PAGE], errors=(401, 403, 404, 422)),
)
async def following(
    nickname: str,
    request: Request,
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """As ``followers``, ruled by ``hide_follows`` and ``hide_follows_count``."""
    return await _follows("following", nickname, request, params, session, settings)


@router.get(
    "/users/{nickname}/outbox",
    summary="An account's outbox (ActivityPub)",
    **_document(
        response=AS_COLLECTION,
        query=[
            param("page", STR, "true for a page of activities; without it, the collection"),
            param("max_id", ID_PARAM, "Only activities older than this id"),
        ],
        errors=(401, 403, 404, 422),
    ),
)
async def outbox(
    nickname: str,
    request: Request,
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The Creates of the account's public and unlisted posts and the Announces of its
    boosts, 20 a page, newest first (``?page=true&max_id=...``)."""
    require_federating(settings)
    await authorized_fetcher(request, session, settings)
    account = await find_served_account(session, nickname)
    if account is None:
        return not_found()
    box = actor_urls(settings, account)["outbox"]
    paged = params.bool("page", False)
    max_id = params.int("max_id", min=1)
    if not paged:
        return as_response(outbox_to_as(box, account.statuses_count))
    statuses = await outbox_statuses(session, account.id, max_id)
    parts = await load_parts(session, statuses)
    return as_response(outbox_page_to_as(settings, box, max_id, statuses, parts))


@router.get(
    "/users/{nickname}/collections/featured",
    summary="An account's pinned posts (ActivityPub)",
    **_document(response=AS_COLLECTION, errors=(401, 403, 404)),
)
async def featured(
    nickname: str,
    request: Request,
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The pinned public and unlisted posts as Notes, last pinned first."""
    require_federating(settings)
    await authorized_fetcher(request, session, settings)
    account = await find_served_account(session, nickname)
    if account is None:
        return not_found()
    statuses = await featured_statuses(session, account.id)
    parts = await load_parts(session, statuses)
    collection = actor_urls(settings, account)["featured_url"]
    return as_response(featured_to_as(settings, collection, statuses, parts))


@router.get(
    "/internal/fetch",
    summary="The instance actor (ActivityPub)",
    **api_doc(response=AS_ACTOR, media_type=AS_TYPE, errors=(404,)),
)
async def internal_fetch(
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The actor that signs fetches made on nobody's behalf; its key pair is made once for
    the instance and kept."""
    require_federating(settings)
    _, public_key = await instance_key_pair(session)
    return as_response(instance_actor_to_as(settings, public_key))
