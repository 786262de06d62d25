"""GET /oauth/authorize (the login form) and POST /oauth/authorize (log in, issue a code).

The form posts ``authorization[...]`` fields as Pleroma's does; flat names work as well.
A successful login redirects to the client's redirect URI with ``code`` and ``state`` (or
shows the code for ``urn:ietf:wg:oauth:2.0:oob``) and sets the ``_pleroma_key`` cookie to a
session token, so the next authorization in this browser is one click ("Authorize as @x").
That one click is a POST the cookie alone authenticates, so it must come from our origin
and carry the form's token, bound to the session (api/csrf.py): another site can neither
post it for the user nor frame the page. The cookie is ``SameSite=Lax`` besides. A
*trusted* app (marked by an admin, api/admin/oauth_apps.py) skips that click: a browser
logged in here is sent straight back to it with the code.

With two-factor authentication on, a right password shows a second page asking for the TOTP
or backup code instead (api/oauth/mfa_challenge.py); the code and the cookie come after it.

Errors about the client itself (unknown ``client_id``, unlisted ``redirect_uri``) are an
error page and never a redirect, so the server cannot be used as an open redirector.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from pyleroma.api.csrf import FORM_TOKEN_FIELD, cross_site_reason, form_token, form_token_matches
from pyleroma.api.deps import SESSION_COOKIE, get_session, get_settings, set_session_cookie
from pyleroma.api.errors import error_response, http_headers, http_status
from pyleroma.api.oauth.credentials import check_password_login, wants_json
from pyleroma.api.oauth.pages import (
    AuthorizeForm,
    authorize_page,
    error_page,
    mfa_page,
    oob_page,
)
from pyleroma.api.openapi import BOOL, STR, api_doc, enum, obj, param, ref
from pyleroma.api.params import Params, get_params
from pyleroma.errors import BadRequest, DomainError, Forbidden, RateLimited
from pyleroma.models import Account, OAuthApp
from pyleroma.policy.scopes import within
from pyleroma.services.accounts import mfa
from pyleroma.services.oauth import oauth
from pyleroma.settings import Settings
from pyleroma.values import parse_bool

router = APIRouter(tags=["OAuth"])

INVALID_LOGIN = "Invalid Username/Password"
STALE_FORM = (
    "This authorization did not come from a form this server showed you (or the form is out "
    "of date): check the request below and authorize again"
)


def _auth_params(params: Params) -> dict:
    """Flat parameters, overridden by the ``authorization[...]`` ones the form posts."""
    data = {k: v for k, v in params.data.items() if k != "authorization"}
    nested = params.raw("authorization")
    if isinstance(nested, dict):
        data.update(nested)
    return data


def _text(data: dict, key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise BadRequest(f"{key}: must be a string")


def _fail(
    request: Request, settings: Settings, message: str, status: int, headers: dict | None = None
) -> Response:
    if wants_json(request):
        return error_response(status, message, headers)
    return error_page(settings, message, status, headers)


def _check_request(app: OAuthApp, data: dict) -> tuple[str, tuple[str | None, str | None]]:
    """The redirect URI and PKCE challenge of an authorization request (400 when bad)."""
    _text(data, "state")
    response_type = _text(data, "response_type")
    if response_type not in (None, "", "code"):
        raise BadRequest("Unsupported response_type: only code is supported")
    redirect_uri = oauth.check_redirect_uri(app, _text(data, "redirect_uri"))
    pkce = oauth.check_pkce(
        _text(data, "code_challenge"), _text(data, "code_challenge_method") or None
    )
    return redirect_uri, pkce


def _form(app: OAuthApp, data: dict, redirect_uri, pkce, scopes: list[str] | None) -> AuthorizeForm:
    name = data.get("name")
    return AuthorizeForm(
        client_id=app.client_id,
        redirect_uri=redirect_uri,
        scopes=list(app.scopes) if scopes is None else scopes,
        state=_text(data, "state"),
        response_type=_text(data, "response_type") or "code",
        code_challenge=pkce[0],
        code_challenge_method=pkce[1],
        name=name if isinstance(name, str) else "",
    )


AUTHORIZE_FIELDS = [
    param("client_id", STR, "Required, here or nested in authorization"),
    param("redirect_uri", STR),
    param("response_type", enum("code")),
    param("scope", STR, "Space-separated scopes (default: all of the app's)"),
    param("scopes", STR, "Alias of scope"),
    param("state", STR),
    param("code_challenge", STR, "PKCE"),
    param("code_challenge_method", enum("S256", "plain")),
    param("force_login", BOOL),
]
LOGIN_FIELDS = [param("name", STR, "Nickname or email"), param("password", STR)]


def _nested(fields: list) -> object:
    """The ``authorization[...]`` form of the same fields (the login form posts these)."""
    return param(
        "authorization",
        obj(optional={item.name: item.schema for item in fields}),
        "The same fields nested (authorization[client_id]=...); they win over flat ones",
    )


HTML_ERROR = {
    "description": "Bad request: an error page (or {error} when JSON is asked for)",
    "content": {"text/html": {"schema": STR}, "application/json": {"schema": ref("Error")}},
}


@router.get(
    "/oauth/authorize",
    **api_doc(
        query=[*AUTHORIZE_FIELDS, _nested(AUTHORIZE_FIELDS)],
        response=STR,
        media_type="text/html",
        responses={
            302: {
                "description": "A trusted app and a browser logged in here: to the redirect "
                "URI with code and state, without the consent click",
                "headers": {"Location": {"schema": STR}},
            },
            "4XX": HTML_ERROR,
        },
    ),
)
async def authorize_form(
    request: Request,
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    data = _auth_params(params)
    try:
        app = await oauth.find_app(session, _text(data, "client_id"))
        if app is None:
            raise BadRequest("Unknown client_id")
        redirect_uri, pkce = _check_request(app, data)
        requested = oauth.requested_scopes(data.get("scope", data.get("scopes")))
        scopes = requested or list(app.scopes)
        if len(within(scopes, app.scopes)) != len(scopes):
            raise oauth.ScopeRefused()
        force_login = parse_bool(data.get("force_login") or False, "force_login")
    except DomainError as exc:
        return _fail(request, settings, exc.message, http_status(exc))
    account = None
    if not force_login:
        account = await oauth.find_session_account(session, request.cookies.get(SESSION_COOKIE))
    if account is not None and app.trusted:
        # An app the admin trusts (admin API, oauth_app) gets its code without the consent
        # click: the code goes only to a redirect URI the app registered.
        try:
            result = await oauth.authorize(
                session, settings, app, account, requested, redirect_uri, pkce, new_session=False
            )
        except (oauth.LoginRefused, oauth.ScopeRefused):
            pass  # the form below says why once the user goes on
        else:
            return authorized_response(settings, app, result, _text(data, "state"))
    form = _form(app, data, redirect_uri, pkce, scopes)
    return authorize_page(
        settings, app, form, session_account=account, csrf_token=_form_token(request, account)
    )


def _form_token(request: Request, session_account: Account | None) -> str | None:
    """The CSRF token of this browser's session, for the form offering one-click login."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if session_account is None or not cookie:
        return None
    return form_token(request.app.state.secret_key, cookie)


def _check_one_click(request: Request, settings: Settings, data: dict) -> None:
    """The session cookie alone authenticates this POST: it must come from our own page,
    i.e. from our origin and with the token that page carried (api/csrf.py)."""
    reason = cross_site_reason(request, settings.base_url)
    if reason is not None:
        raise Forbidden(f"Cross-site request refused: {reason}")
    cookie = request.cookies.get(SESSION_COOKIE) or ""
    if not form_token_matches(request.app.state.secret_key, cookie, data.get(FORM_TOKEN_FIELD)):
        raise Forbidden(STALE_FORM)


def _redirect_with(uri: str, values: dict[str, str | None]) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(k, v) for k, v in values.items() if v is not None]
    return urlunsplit(parts._replace(query=urlencode(query)))


@router.post(
    "/oauth/authorize",
    **api_doc(
        body=[
            *AUTHORIZE_FIELDS,
            *LOGIN_FIELDS,
            _nested([*AUTHORIZE_FIELDS, *LOGIN_FIELDS]),
        ],
        response=STR,
        media_type="text/html",
        responses={
            302: {
                "description": "Authorized: to the redirect URI with code and state",
                "headers": {"Location": {"schema": STR}},
            },
            "4XX": HTML_ERROR,
        },
    ),
)
async def create_authorization(
    request: Request,
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    data = _auth_params(params)
    try:
        app = await oauth.find_app(session, _text(data, "client_id"))
        if app is None:
            raise BadRequest("Unknown client_id")
        redirect_uri, pkce = _check_request(app, data)
    except DomainError as exc:
        return _fail(request, settings, exc.message, http_status(exc))
    cookie_account = await oauth.find_session_account(session, request.cookies.get(SESSION_COOKIE))

    def refuse(message: str, status: int, scopes=None) -> Response:
        """Show the form again, with the client's details kept and the reason on top."""
        if wants_json(request):
            return error_response(status, message)
        form = _form(app, data, redirect_uri, pkce, scopes)
        token = _form_token(request, cookie_account)
        return authorize_page(settings, app, form, cookie_account, message, status, token)

    try:
        requested = oauth.requested_scopes(data.get("scope", data.get("scopes")))
    except oauth.ScopeRefused as exc:
        return refuse(exc.message, 401)
    name, password = data.get("name"), data.get("password")
    try:
        account: Account
        if name or password:
            account = await check_password_login(request, session, name, password)
        elif cookie_account is not None:
            _check_one_click(request, settings, data)
            account = cookie_account
        else:
            raise oauth.InvalidGrant()
    except RateLimited as exc:
        return _fail(request, settings, exc.message, http_status(exc), http_headers(exc))
    except Forbidden as exc:
        return refuse(exc.message, http_status(exc), requested)
    except oauth.InvalidGrant:
        return refuse(INVALID_LOGIN, 401, requested)
    new_session = cookie_account is None or cookie_account.id != account.id
    try:
        if (name or password) and mfa.is_enabled(account):
            return await _second_step(
                session, settings, app, account, requested, redirect_uri, pkce, data
            )
        result = await oauth.authorize(
            session, settings, app, account, requested, redirect_uri, pkce, new_session=new_session
        )
    except oauth.LoginRefused as exc:
        return refuse(exc.message, 403, requested)
    except oauth.ScopeRefused as exc:
        return refuse(exc.message, 401, requested)
    return authorized_response(settings, app, result, _text(data, "state"))


async def _second_step(
    session: AsyncSession,
    settings: Settings,
    app: OAuthApp,
    account: Account,
    requested: list[str] | None,
    redirect_uri: str,
    pkce: tuple[str | None, str | None],
    data: dict,
) -> Response:
    """The password was right and MFA is on: keep what is being authorized in an MFA token
    and ask for the code (api/oauth/mfa_challenge.py takes the answer). What the first
    step can refuse (account state, scopes) is refused here, on the login form."""
    oauth.check_can_log_in(account)
    scopes = oauth.grant_scopes(app, account, requested)
    secret = await mfa.begin_login(
        session,
        settings,
        account,
        app.id,
        scopes,
        redirect_uri=redirect_uri,
        state=_text(data, "state"),
        pkce=pkce,
    )
    return mfa_page(settings, account.nickname, secret)


def authorized_response(
    settings: Settings, app: OAuthApp, result: oauth.Authorized, state: str | None
) -> Response:
    """The end of a successful login: to the redirect URI with the code (or the page
    showing it), setting the session cookie when the login started a browser session."""
    if result.redirect_uri == oauth.OOB_REDIRECT_URI:
        response: Response = oob_page(settings, app, result.code)
    else:
        url = _redirect_with(result.redirect_uri, {"code": result.code, "state": state})
        response = RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})
    if result.session_token:
        set_session_cookie(response, settings, result.session_token)
    return response
