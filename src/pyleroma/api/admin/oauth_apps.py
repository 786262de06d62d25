"""Admin API, OAuth apps (under /api/v1/pleroma/admin and /api/pleroma/admin): list and
search, create, update and delete apps, trusted ones included (Pleroma's
``OAuthAppController``: admins only, scope ``admin:write`` for all four, reads too).
The work is services/oauth/admin_apps.py's. Pleroma logs none of these; we log the
three changes (the app's id and name, never its secret) in the change's transaction.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from pyleroma.api.admin.deps import require_admin
from pyleroma.api.deps import AuthContext, get_session
from pyleroma.api.openapi import BOOL, INT, STR, api_doc, arr, nullable, obj, param
from pyleroma.api.params import Params, get_params
from pyleroma.services.oauth import admin_apps

admin_router = APIRouter(tags=["Admin: OAuth apps"])

ACCESS = require_admin(None, "admin:write")
APP = obj(
    {
        "id": STR,
        "name": STR,
        "client_id": STR,
        "client_secret": STR,
        "redirect_uri": STR,
        "website": nullable(STR),
        "trusted": BOOL,
    }
)
REDIRECT_URIS = "Where codes go, space or newline separated (or urn:ietf:wg:oauth:2.0:oob)"
FIELDS = [
    param("name", STR, "The app's name"),
    param("redirect_uris", STR, REDIRECT_URIS),
    param("scopes", arr(STR), "Scopes the app may ask for (default: read)"),
    param("website", nullable(STR), "The app's home page"),
    param("trusted", BOOL, "Skips the consent click and the registration captcha"),
]
ID = param("id", STR, "The app's id")
NO_CONTENT = {204: {"description": "No Content: the app and its tokens are gone"}}


@admin_router.get(
    "/oauth_app",
    **api_doc(
        query=[
            param("name", STR, "The app's name, exactly"),
            param("client_id", STR, "The app's client id"),
            param("trusted", BOOL, "Only trusted (or untrusted) apps"),
            param("page", INT, "Page (from 1)"),
            param("page_size", INT, "Apps per page (50)"),
        ],
        response=obj({"apps": arr(APP), "count": INT, "page_size": INT}),
        errors=(401, 403, 422),
    ),
)
async def list_apps(
    auth: AuthContext = Depends(ACCESS),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    page = params.int("page", 1, min=1, max=2**31 - 1)
    page_size = params.int("page_size", 50, min=1, max=500, clamp=True)
    found = admin_apps.AppFilter(
        name=params.str("name", max_length=1000),
        client_id=params.str("client_id", max_length=1000),
        trusted=params.bool("trusted"),
    )
    apps, count = await admin_apps.search_apps(session, found, page, page_size)
    return {
        "apps": [admin_apps.render_app(a) for a in apps],
        "count": count,
        "page_size": page_size,
    }


@admin_router.post(
    "/oauth_app",
    **api_doc(
        body=[
            param("name", STR, "The app's name", required=True),
            param("redirect_uris", STR, REDIRECT_URIS, required=True),
            *FIELDS[2:],
        ],
        response=APP,
        errors=(401, 403, 422),
    ),
)
async def create_app(
    auth: AuthContext = Depends(ACCESS),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    app = await admin_apps.create_admin_app(session, auth.user, params)
    await session.commit()
    return admin_apps.render_app(app)


@admin_router.patch(
    "/oauth_app/{id}",
    **api_doc(path=[ID], body=FIELDS, response=APP, errors=(400, 401, 403, 422)),
)
async def update_app(
    id: str,
    auth: AuthContext = Depends(ACCESS),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    app = await admin_apps.get_app(session, id)
    await admin_apps.update_app(session, auth.user, app, params)
    await session.commit()
    return admin_apps.render_app(app)


@admin_router.delete(
    "/oauth_app/{id}",
    **api_doc(path=[ID], status=204, errors=(400, 401, 403), responses=NO_CONTENT),
)
async def delete_app(
    id: str,
    auth: AuthContext = Depends(ACCESS),
    session: AsyncSession = Depends(get_session),
):
    app = await admin_apps.get_app(session, id)
    await admin_apps.delete_app(session, auth.user, app)
    await session.commit()
    return Response(status_code=204)
