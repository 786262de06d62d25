"""POST /api/v1/apps (register a client) and GET /api/v1/apps/verify_credentials."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import (
    AuthContext,
    authenticate,
    get_session,
    get_settings,
    require_app,
)
from pyleroma.api.oauth.render import app_public_to_api, app_to_api
from pyleroma.api.openapi import STR, api_doc, nullable, param, ref
from pyleroma.api.params import Params, get_params
from pyleroma.errors import DomainError
from pyleroma.services.notifications import vapid
from pyleroma.services.oauth import oauth
from pyleroma.settings import Settings

router = APIRouter(tags=["Applications"])


@router.post(
    "/api/v1/apps",
    **api_doc(
        body=[
            param("client_name", STR, "The app's name", required=True),
            param(
                "redirect_uris",
                STR,
                "Where codes go, space or newline separated",
                required=True,
            ),
            param("scopes", STR, "Space-separated scopes (default: read)"),
            param("scope", STR, "Alias of scopes"),
            param("website", nullable(STR)),
        ],
        example={
            "client_name": "My app",
            "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "scopes": "read write follow push",
            "website": "https://app.example",
        },
        response=ref("Application"),
    ),
)
async def create_app(
    request: Request,
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Anyone may register an app. A request that also carries a valid user token records
    that user as the app's owner (as Pleroma does); a bad token is ignored here, since
    registering needs no authentication at all."""
    app_request = oauth.check_app_request(
        params.raw("client_name"),
        params.raw("redirect_uris"),
        params.raw("scopes", params.raw("scope")),
        params.raw("website"),
    )
    try:
        context = await authenticate(request, session)
    except DomainError:
        context = None
    owner_id = context.account.id if context and context.account else None
    app = await oauth.create_app(session, app_request, owner_id)
    return app_to_api(app, (await vapid.get_keys(session, settings)).public_key)


@router.get("/api/v1/apps/verify_credentials", **api_doc(response=ref("ApplicationPublic")))
async def verify_credentials(
    context: AuthContext = Depends(require_app()),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Any token works, an app's own (client_credentials) included."""
    return app_public_to_api(context.app, (await vapid.get_keys(session, settings)).public_key)
