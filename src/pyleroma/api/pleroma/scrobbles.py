"""Pleroma's scrobbles (under both /api/v1/pleroma and /api/pleroma):

- ``POST /scrobble`` (``write`` or ``write:scrobbles``): post a Listen of what one is playing:
  ``title`` (required), ``artist``, ``album``, ``length`` (milliseconds), ``externalLink``
  (or ``external_link``) and ``visibility`` (public by default). It is federated to the
  followers as Pleroma's Listen (activities/handlers/scrobbles.py).
- ``GET /accounts/:id/scrobbles`` (also ``/api/v1/accounts/:id/scrobbles``; ``read`` or
  ``read:scrobbles``, anonymous allowed): an account's scrobbles the viewer may see, newest
  first, with max_id / since_id / min_id / limit and a Link header
  (services/statuses/scrobbles.py decides what is visible).

The Scrobble entity is Pleroma's, field by field: ``id``, ``account``, ``created_at``,
``title``, ``artist``, ``album``, ``externalLink``, ``length``. Pleroma answers a refused
scrobble with 400 ``{"error": ...}``, and so do we.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, optional_user, require_user
from pyleroma.api.mastodon.render_accounts import one_account_to_api
from pyleroma.api.openapi import (
    DATETIME,
    ID,
    INT,
    STR,
    api_doc,
    arr,
    enum,
    nullable,
    obj,
    param,
    ref,
)
from pyleroma.api.openapi.parameters import PAGE
from pyleroma.api.openapi.types import component
from pyleroma.api.pagination import link_header, read_page
from pyleroma.api.params import Params, get_params
from pyleroma.api.responses import json_response
from pyleroma.models import Account, Scrobble
from pyleroma.models.status import VISIBILITIES
from pyleroma.services.accounts import account_directory
from pyleroma.services.statuses import scrobbles
from pyleroma.settings import Settings
from pyleroma.urls import masto_datetime

pleroma_router = APIRouter(tags=["Scrobbles"])
# The issue's (and some clients') spelling of the list without the Pleroma prefix.
router = APIRouter(tags=["Scrobbles"])

SCROBBLE = component(
    "Scrobble",
    obj(
        {
            "id": ID,
            "account": ref("Account"),
            "created_at": DATETIME,
            "title": STR,
            "artist": nullable(STR),
            "album": nullable(STR),
            "externalLink": nullable(STR),
            "length": nullable(INT),
        }
    ),
)


def scrobble_to_api(scrobble: Scrobble, account: dict) -> dict:
    """Pleroma's Scrobble; ``account`` is the owner's Account entity, rendered once a page."""
    return {
        "id": str(scrobble.id),
        "account": account,
        "created_at": masto_datetime(scrobble.created_at),
        "title": scrobble.title,
        "artist": scrobble.artist,
        "album": scrobble.album,
        "externalLink": scrobble.external_link,
        "length": scrobble.length,
    }


@pleroma_router.post(
    "/scrobble",
    summary="Scrobble what you are listening to",
    **api_doc(
        body=[
            param("title", STR, "What is playing", required=True),
            param("artist", STR, "Who plays it"),
            param("album", STR, "The album it is from"),
            param("length", INT, "Its length in milliseconds"),
            param("externalLink", STR, "A page about it (http or https)"),
            param("external_link", STR, "The same, as older clients name it"),
            param("visibility", enum(*VISIBILITIES), "Who may see it (public by default)"),
        ],
        response=SCROBBLE,
        errors=(400, 401, 403, 422),
    ),
)
async def create_scrobble(
    auth: AuthContext = Depends(require_user("write", "write:scrobbles")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    link = params.str("externalLink")
    if link is None:
        link = params.str("external_link")
    scrobble = await scrobbles.scrobble(
        session,
        settings,
        auth.user,
        title=params.str("title") or "",
        artist=params.str("artist"),
        album=params.str("album"),
        length=params.int("length"),
        external_link=link or None,
        visibility=params.str("visibility") or None,
    )
    account = await session.get(Account, auth.user.id)
    return scrobble_to_api(scrobble, await one_account_to_api(session, settings, account, account))


def _list_doc() -> dict:
    return {
        "summary": "An account's scrobbles",
        **api_doc(query=PAGE, response=arr(SCROBBLE), paged=True, errors=(401, 404)),
    }


@router.get("/api/v1/accounts/{ident}/scrobbles", **_list_doc())
@pleroma_router.get("/accounts/{ident}/scrobbles", **_list_doc())
async def account_scrobbles(
    ident: str,
    request: Request,
    auth: AuthContext | None = Depends(optional_user("read", "read:scrobbles")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The scrobbles of an account (by id or nickname) that the viewer may see."""
    viewer = auth.account if auth else None
    page = read_page(params)
    owner = await account_directory.show_account(session, settings, ident, viewer)
    rows = await scrobbles.scrobbles_page(session, owner, viewer, page)
    account = await one_account_to_api(session, settings, owner, viewer) if rows else None
    data = [scrobble_to_api(row, account) for row in rows]
    return json_response(data, headers=link_header(request, [row.id for row in rows], page))
