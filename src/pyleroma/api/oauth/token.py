"""POST /oauth/token (authorization_code, password, client_credentials, refresh_token) and
POST /oauth/revoke.

Errors keep Pleroma's shapes: 400 ``{"error": "Invalid credentials"}`` for a bad client,
password, code or refresh token (with a more precise message where that helps the client
developer and tells an attacker nothing), 403 ``{"error", "identifier"}`` for an account
that may not log in, 429 when the per-IP login allowance is used up. Token responses are
never cached (RFC 6749 5.1). A right password for an account with two-factor
authentication on is 403 ``{"error": "mfa_required", "mfa_token", ...}`` (mfa_challenge.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import SESSION_COOKIE, get_session, get_settings
from pyleroma.api.oauth.credentials import check_password_login, client_credentials
from pyleroma.api.oauth.mfa_challenge import mfa_required_response
from pyleroma.api.oauth.render import token_to_api
from pyleroma.api.openapi import STR, api_doc, enum, param, ref
from pyleroma.api.params import Params, get_params
from pyleroma.api.responses import json_response
from pyleroma.errors import BadRequest
from pyleroma.services.accounts import mfa
from pyleroma.services.oauth import oauth
from pyleroma.settings import Settings

router = APIRouter(tags=["OAuth"])

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
GRANT_TYPES = ("authorization_code", "password", "client_credentials", "refresh_token")


@router.post(
    "/oauth/token",
    **api_doc(
        body=[
            param("grant_type", enum(*GRANT_TYPES), required=True),
            param("client_id", STR, "Or HTTP Basic"),
            param("client_secret", STR),
            param("code", STR, "authorization_code"),
            param("redirect_uri", STR, "authorization_code"),
            param("code_verifier", STR, "authorization_code with PKCE"),
            param("username", STR, "password: nickname or email"),
            param("name", STR, "password: alias of username"),
            param("password", STR, "password"),
            param("refresh_token", STR, "refresh_token"),
            param("scope", STR, "Space-separated scopes"),
            param("scopes", STR, "Alias of scope"),
        ],
        example={"grant_type": "client_credentials", "client_id": "…", "client_secret": "…"},
        response=ref("Token"),
        errors=(400, 403, 429),
    ),
)
async def token_exchange(
    request: Request,
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    grant_type = params.str("grant_type")
    if grant_type not in GRANT_TYPES:
        raise BadRequest("Unsupported grant_type" if grant_type else "grant_type: can't be blank")
    client_id, client_secret = client_credentials(request, params)
    app = await oauth.authenticate_client(session, client_id, client_secret)
    try:
        if grant_type == "authorization_code":
            issued = await oauth.exchange_code(
                session,
                settings,
                app,
                params.raw("code"),
                params.raw("redirect_uri"),
                params.raw("code_verifier"),
            )
        elif grant_type == "password":
            account = await check_password_login(
                request,
                session,
                params.raw("username", params.raw("name")),
                params.raw("password"),
            )
            if mfa.is_enabled(account):  # a second step first (api/oauth/mfa_challenge.py)
                return await mfa_required_response(
                    session, settings, app, account, _requested(params)
                )
            issued = await oauth.issue_token(session, settings, app, account, _requested(params))
        elif grant_type == "client_credentials":
            issued = await oauth.issue_token(session, settings, app, None, _requested(params))
        else:
            issued = await oauth.refresh(
                session, settings, app, params.raw("refresh_token"), _requested(params)
            )
    except oauth.LoginRefused as exc:
        return json_response(
            {"error": exc.message, "identifier": exc.identifier}, status=403, headers=NO_STORE
        )
    return json_response(token_to_api(issued), headers=NO_STORE)


def _requested(params: Params) -> list[str] | None:
    return oauth.requested_scopes(params.raw("scope", params.raw("scopes"))) or None


@router.post(
    "/oauth/revoke",
    **api_doc(
        body=[
            param("token", STR, required=True),
            param("client_id", STR),
            param("client_secret", STR),
        ],
        errors=(400,),
    ),
)
async def token_revoke(
    request: Request,
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    """Always ``{}`` for a well-formed request (RFC 7009), whether or not the token existed.

    Client credentials are optional (the token itself proves the right to end it, as in
    Pleroma); when a secret is given it must be right, and then only that client's tokens
    are revoked.
    """
    secret = params.str("token")
    if not secret:
        raise BadRequest("token: can't be blank")
    client_id, client_secret = client_credentials(request, params)
    app = None
    if client_secret is not None:
        app = await oauth.authenticate_client(session, client_id, client_secret)
    await oauth.revoke(session, secret, app)
    response = json_response({})
    if request.cookies.get(SESSION_COOKIE) == secret:
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response
