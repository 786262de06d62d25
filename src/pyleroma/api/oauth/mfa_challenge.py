"""The second step of a login with two-factor authentication on (Pleroma's
OAuth.MFAController).

- The password grant (api/oauth/token.py) answers a right password with 403
  ``{"error": "mfa_required", "mfa_token", "supported_challenge_types": "totp"}``
  (``mfa_required_response``); the client then posts ``POST /oauth/mfa/challenge`` with its
  credentials, the ``mfa_token``, ``challenge_type`` (``totp`` or ``recovery``) and the
  ``code``, and gets the token the password grant would have given. Any failure there is
  Pleroma's 400 ``{"error": "Invalid code"}``.
- The HTML form (api/oauth/authorize.py) answers a right password with a page asking for
  the code; it posts ``mfa[mfa_token]``, ``mfa[code]`` and ``mfa[challenge_type]`` to
  ``POST /oauth/mfa/verify``, which completes the authorization as the form would have
  (redirect with the code or the out-of-band page, and the session cookie). A wrong code
  shows the page again with 401 "Two-factor authentication failed."; ``GET /oauth/mfa``
  shows it for a token (Pleroma's route, with ``challenge_type=recovery`` for the
  recovery wording).

The MFA token is a secret only this login's page carried, which no other site can know,
so the verify form needs no session-bound token; it must still come from our origin. An
MFA token works once, for the flow that made it, within ``mfa_token_ttl``; wrong codes
count against the per-IP login allowance like wrong passwords.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from pyleroma.api.csrf import cross_site_reason
from pyleroma.api.deps import SESSION_COOKIE, get_session, get_settings
from pyleroma.api.errors import http_headers, http_status
from pyleroma.api.oauth.authorize import HTML_ERROR, authorized_response
from pyleroma.api.oauth.credentials import client_credentials
from pyleroma.api.oauth.pages import error_page, mfa_page
from pyleroma.api.oauth.render import token_to_api
from pyleroma.api.openapi import STR, api_doc, enum, obj, param, ref
from pyleroma.api.params import Params, get_params
from pyleroma.api.responses import json_response
from pyleroma.errors import BadRequest, RateLimited
from pyleroma.models import Account, OAuthApp
from pyleroma.services.accounts import mfa
from pyleroma.services.oauth import oauth
from pyleroma.settings import Settings

router = APIRouter(tags=["OAuth"])

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
FAILED = "Two-factor authentication failed."
EXPIRED = "This login has expired or was already completed: please log in again."
CHALLENGE_TYPE = enum(*mfa.CHALLENGE_TYPES)


async def mfa_required_response(
    session: AsyncSession,
    settings: Settings,
    app: OAuthApp,
    account: Account,
    requested: list[str] | None,
) -> Response:
    """The password grant's answer for an account with MFA on. What the password step
    can refuse (account state: ``LoginRefused``, scopes) is refused first, as Pleroma."""
    oauth.check_can_log_in(account)
    scopes = oauth.grant_scopes(app, account, requested)
    secret = await mfa.begin_login(session, settings, account, app.id, scopes)
    body = {
        "error": "mfa_required",
        "mfa_token": secret,
        "supported_challenge_types": mfa.supported_challenge_types(account),
    }
    return json_response(body, status=403, headers=NO_STORE)


def _blank(name: str) -> BadRequest:
    return BadRequest(f"{name}: can't be blank")


@router.post(
    "/oauth/mfa/challenge",
    **api_doc(
        body=[
            param("client_id", STR, "Or HTTP Basic"),
            param("client_secret", STR),
            param("mfa_token", STR, "From the password grant's mfa_required answer",
                  required=True),
            param("challenge_type", CHALLENGE_TYPE, required=True),
            param("code", STR, "A TOTP code, or a backup code for recovery", required=True),
        ],
        response=ref("Token"),
        errors=(400, 403, 429),
    ),
)  # fmt: skip
async def challenge(
    request: Request,
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Finish a password grant that answered ``mfa_required``: the same token response."""
    limiter = request.app.state.login_limiter
    limiter.check(request)
    values = {}
    for name in ("mfa_token", "challenge_type", "code"):
        values[name] = params.str(name, max_length=mfa.MAX_CODE_LENGTH)
        if not values[name]:
            raise _blank(name)
    client_id, client_secret = client_credentials(request, params)
    try:
        try:
            app = await oauth.authenticate_client(session, client_id, client_secret)
        except oauth.InvalidGrant:
            raise mfa.InvalidCode() from None
        token = await mfa.find_login(session, values["mfa_token"], form=False)
        if token is None or token.app_id != app.id:
            raise mfa.InvalidCode()
        scopes = list(token.scopes)
        account = await mfa.complete_login(
            session, settings, token, values["challenge_type"], values["code"]
        )
    except mfa.InvalidCode:
        limiter.hit(request)
        raise
    try:
        issued = await oauth.issue_token(session, settings, app, account, scopes)
    except oauth.LoginRefused as exc:
        return json_response(
            {"error": exc.message, "identifier": exc.identifier}, status=403, headers=NO_STORE
        )
    return json_response(token_to_api(issued), headers=NO_STORE)


VERIFY_FIELDS = [
    param("mfa_token", STR, "The hidden field of the page"),
    param("code", STR, "A TOTP code, or a backup code for recovery"),
    param("challenge_type", CHALLENGE_TYPE, "totp when absent"),
]
HTML_PAGE = {"response": STR, "media_type": "text/html", "responses": {"4XX": HTML_ERROR}}


def _verify_params(params: Params) -> dict:
    """Flat fields, overridden by the ``mfa[...]`` ones the page posts."""
    names = [field.name for field in VERIFY_FIELDS]
    data = {name: params.raw(name) for name in names if params.raw(name) is not None}
    nested = params.raw("mfa")
    if isinstance(nested, dict):
        data.update({k: v for k, v in nested.items() if k in names})
    for key, value in data.items():
        if value is not None and not isinstance(value, str):
            raise BadRequest(f"{key}: must be a string")
    return data


def _challenge_type(data: dict) -> str:
    kind = data.get("challenge_type") or "totp"
    return kind if kind in mfa.CHALLENGE_TYPES else "totp"


@router.get(
    "/oauth/mfa",
    **api_doc(
        query=[
            param("mfa_token", STR, "The login's MFA token", required=True),
            param("challenge_type", CHALLENGE_TYPE, "recovery: the recovery wording"),
        ],
        **HTML_PAGE,
    ),
)
async def show(
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The code page of a login waiting for its second step."""
    secret = params.str("mfa_token", max_length=mfa.MAX_CODE_LENGTH)
    token = await mfa.find_login(session, secret, form=True)
    account = await session.get(Account, token.account_id) if token else None
    if token is None or account is None or secret is None:
        return error_page(settings, EXPIRED, 401)
    kind = _challenge_type({"challenge_type": params.str("challenge_type")})
    return mfa_page(settings, account.nickname, secret, kind)


@router.post(
    "/oauth/mfa/verify",
    **api_doc(
        body=[
            *VERIFY_FIELDS,
            param("mfa", obj(optional={f.name: f.schema for f in VERIFY_FIELDS}),
                  "The same fields nested (mfa[code]=...), as the page posts them"),
        ],
        responses={
            302: {
                "description": "Authorized: to the redirect URI with code and state",
                "headers": {"Location": {"schema": STR}},
            },
            "4XX": HTML_ERROR,
        },
        response=STR,
        media_type="text/html",
    ),
)  # fmt: skip
async def verify(
    request: Request,
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Check the code of the HTML login's second step and complete the authorization."""
    data = _verify_params(params)
    reason = cross_site_reason(request, settings.base_url)
    if reason is not None:
        return error_page(settings, f"Cross-site request refused: {reason}", 403)
    limiter = request.app.state.login_limiter
    try:
        limiter.check(request)
    except RateLimited as exc:
        return error_page(settings, exc.message, http_status(exc), http_headers(exc))
    secret = data.get("mfa_token")
    token = await mfa.find_login(session, secret, form=True)
    if token is None:
        limiter.hit(request)
        return error_page(settings, EXPIRED, 401)
    assert token.redirect_uri is not None
    kind = _challenge_type(data)
    redirect_uri, state, scopes = token.redirect_uri, token.state, list(token.scopes)
    pkce = (token.code_challenge, token.code_challenge_method)
    app = await session.get(OAuthApp, token.app_id) if token.app_id else None
    try:
        account = await mfa.complete_login(session, settings, token, kind, data.get("code"))
    except mfa.InvalidCode:
        limiter.hit(request)
        owner = await session.get(Account, token.account_id)
        nickname = owner.nickname if owner else ""
        return mfa_page(settings, nickname, secret or "", kind, FAILED, 401)
    if app is None:
        return error_page(settings, EXPIRED, 401)
    cookie_account = await oauth.find_session_account(session, request.cookies.get(SESSION_COOKIE))
    new_session = cookie_account is None or cookie_account.id != account.id
    try:
        result = await oauth.authorize(
            session, settings, app, account, scopes, redirect_uri, pkce, new_session=new_session
        )
    except oauth.LoginRefused as exc:
        return error_page(settings, exc.message, 403)
    except oauth.ScopeRefused as exc:
        return error_page(settings, exc.message, 401)
    return authorized_response(settings, app, result, state)
