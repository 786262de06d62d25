"""The relay actor over ActivityPub: ``/relay``, its inbox, following, followers and outbox.

Relays fetch ``/relay`` to check the signature of our Follow (and LitePub relays to follow
it back), and deliver their Accepts and Follows to its inbox, which is handled like any
other (api/activitypub/inbox.py). The actor is made on first use, as Pleroma makes it
(federation/relay.py). Its following and followers are shown, as Pleroma shows them, so an
admin of a relay can see who is subscribed. Everything here is a 404 while relays are off
(``instance_allow_relay``), as Pleroma's relay routes are.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.activitypub import (
    ACCEPT,
    AS_ACTOR,
    AS_COLLECTION,
    as_response,
    not_found,
    wants_activitypub,
    web_page,
)
from pyleroma.api.activitypub.inbox import _DOC as INBOX_DOC
from pyleroma.api.activitypub.inbox import _accept
from pyleroma.api.deps import get_session, get_settings
from pyleroma.api.openapi import api_doc
from pyleroma.errors import Conflict, NotFound
from pyleroma.federation.keys import ensure_keys
from pyleroma.federation.relay import (
    RELAY_NICKNAME,
    get_or_create_relay_actor,
    relay_actor_document,
    relay_enabled,
)
from pyleroma.federation.to_as import AS_CONTEXT, AS_TYPE
from pyleroma.federation.to_as_actor import follow_collection_to_as, follow_page_ids
from pyleroma.settings import Settings

router = APIRouter(tags=["ActivityPub"])


def _require_relay(settings: Settings) -> None:
    if not relay_enabled(settings):
        raise NotFound("Not found")


async def _relay_actor(session: AsyncSession, settings: Settings):
    """The relay actor, made now on first use (committed), None when it cannot be."""
    _require_relay(settings)
    try:
        account = await get_or_create_relay_actor(session, settings)
    except Conflict:
        return None
    await session.commit()  # the row and key pair made now, if they were
    return account


@router.get(
    "/relay",
    summary="The instance's relay actor (ActivityPub)",
    **api_doc(headers=[ACCEPT], response=AS_ACTOR, media_type=AS_TYPE, errors=(404,)),
)
async def relay_actor(
    request: Request,
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The Application actor that follows relays, for AP and JSON requests."""
    _require_relay(settings)
    if not wants_activitypub(request.headers.get("accept")):
        return web_page()
    account = await _relay_actor(session, settings)
    if account is None:
        return not_found(negotiated=True)
    public_key = await ensure_keys(session, account)
    return as_response(relay_actor_document(settings, account, public_key), negotiated=True)


async def _collection(which: str, session: AsyncSession, settings: Settings):
    account = await _relay_actor(session, settings)
    if account is None:
        return not_found()
    first = await follow_page_ids(session, account.id, which, 1)
    return as_response(follow_collection_to_as(settings, account, which, first, owner=True))


@router.get(
    "/relay/following",
    summary="The relays the relay actor follows (ActivityPub)",
    **api_doc(response=AS_COLLECTION, media_type=AS_TYPE, errors=(404,)),
)
async def relay_following(
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The relays followed (accepted ones), first page embedded."""
    return await _collection("following", session, settings)


@router.get(
    "/relay/followers",
    summary="The relays that follow the relay actor (ActivityPub)",
    **api_doc(response=AS_COLLECTION, media_type=AS_TYPE, errors=(404,)),
)
async def relay_followers(
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The relays following back (LitePub relays do), first page embedded."""
    return await _collection("followers", session, settings)


@router.get(
    "/relay/outbox",
    summary="The relay actor's outbox (ActivityPub; always empty)",
    **api_doc(response=AS_COLLECTION, media_type=AS_TYPE, errors=(404,)),
)
async def relay_outbox(
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Empty: the relay actor posts nothing (our posts reach relays as their authors')."""
    account = await _relay_actor(session, settings)
    if account is None:
        return not_found()
    return as_response(
        {
            "@context": AS_CONTEXT,
            "id": account.outbox,
            "type": "OrderedCollection",
            "totalItems": 0,
            "orderedItems": [],
        }
    )


@router.post("/relay/inbox", **INBOX_DOC)
async def relay_inbox(request: Request):
    """The relay actor's inbox: relays' Accepts and Follows, handled as in the shared
    inbox."""
    _require_relay(request.app.state.settings)
    return await _accept(request, RELAY_NICKNAME)
