"""OAuth 2 use cases: registering apps, authorization codes, tokens, refresh and revocation.

Only SHA-256 digests of access tokens, refresh tokens and codes are stored; the secrets are
returned once, in the value the use case answers (``IssuedToken``, the code string).

Scope rules (as Pleroma's ``Scopes`` module): a request naming no scopes gets all the app's
scopes; admin scopes are silently dropped for anyone who is not staff (admin or moderator,
like Pleroma) and for app-only tokens; what is left must be covered by the app's registered
scopes, else the request is refused. An empty result is refused too.

Each verb commits its own transaction at the end; ``check_*`` functions only validate.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id, parse_id
from pyleroma.errors import BadRequest, Forbidden, NotFound, Unprocessable
from pyleroma.models import Account, OAuthApp, OAuthAuthorization, OAuthToken
from pyleroma.policy.permissions import is_staff
from pyleroma.policy.scopes import (
    DEFAULT_APP_SCOPES,
    is_admin_scope,
    parse_scopes,
    unknown_scopes,
    within,
)
from pyleroma.services.oauth.secrets import digest, new_secret
from pyleroma.settings import Settings
from pyleroma.streaming.events import emit

OOB_REDIRECT_URI = "urn:ietf:wg:oauth:2.0:oob"
APP_NAME_MAX = 255
WEBSITE_MAX = 2048
REDIRECT_URI_MAX = 2048
REDIRECT_URIS_MAX = 20
PKCE_METHODS = ("S256", "plain")
# RFC 7636 section 4.1/4.2: 43-128 characters of the unreserved set.
_PKCE_VALUE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
OUTSIDE_SCOPES = "This action is outside of authorized scopes"


class InvalidGrant(BadRequest):
    """A client, code, refresh token or password that does not check out (Pleroma: 400)."""

    def __init__(self, message: str = "Invalid credentials", **kwargs):
        super().__init__(message, **kwargs)


class ScopeRefused(BadRequest):
    """The requested scopes are not all within what the app (and the user) may have."""

    def __init__(self, message: str = OUTSIDE_SCOPES, **kwargs):
        super().__init__(message, **kwargs)


class LoginRefused(Forbidden):
    """The password was right but the account may not log in; ``identifier`` as Pleroma's."""

    def __init__(self, message: str, identifier: str):
        super().__init__(message)
        self.identifier = identifier


@dataclass
class AppRequest:
    name: str
    redirect_uris: list[str]
    scopes: list[str]
    website: str | None


@dataclass
class IssuedToken:
    """A freshly issued token with its secrets, which are never readable again."""

    token: OAuthToken
    access_token: str
    refresh_token: str | None
    account: Account | None


# --- apps -----------------------------------------------------------------------------------


def _redirect_uri_list(value) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [part for item in value for part in item.split()]
    raise Unprocessable("redirect_uris: must be a string or a list of strings")


def check_redirect_uris(value) -> list[str]:
    """Absolute URIs without fragments (RFC 6749 3.1.2), or the out-of-band URN."""
    if value is None:
        raise Unprocessable("redirect_uris: can't be blank")
    uris = list(dict.fromkeys(_redirect_uri_list(value)))
    if not uris:
        raise Unprocessable("redirect_uris: can't be blank")
    if len(uris) > REDIRECT_URIS_MAX:
        raise Unprocessable(f"redirect_uris: at most {REDIRECT_URIS_MAX} are allowed")
    for uri in uris:
        if uri == OOB_REDIRECT_URI:
            continue
        if len(uri) > REDIRECT_URI_MAX:
            raise Unprocessable("redirect_uris: a redirect URI is too long")
        try:
            parts = urlsplit(uri)
        except ValueError as exc:
            raise Unprocessable("redirect_uris: must be absolute URIs") from exc
        if not parts.scheme or not (parts.netloc or parts.path):
            raise Unprocessable("redirect_uris: must be absolute URIs")
        if parts.fragment or "#" in uri:
            raise Unprocessable("redirect_uris: must not contain a fragment")
    return uris


def check_app_scopes(value) -> list[str]:
    """The scopes an app registers: ``read`` when none are named; unknown ones are a 422."""
    if value is not None and not isinstance(value, str | list):
        raise Unprocessable("scopes: must be a space-separated string or a list")
    scopes = parse_scopes(value)
    if not scopes:
        return list(DEFAULT_APP_SCOPES)
    unknown = unknown_scopes(scopes)
    if unknown:
        raise Unprocessable(f"scopes: unknown scope {', '.join(unknown)}")
    return scopes


def check_app_request(name, redirect_uris, scopes, website) -> AppRequest:
    if not isinstance(name, str) or not name.strip():
        raise Unprocessable("client_name: can't be blank")
    name = name.strip()
    if len(name) > APP_NAME_MAX:
        raise Unprocessable(f"client_name: is too long (maximum is {APP_NAME_MAX} characters)")
    if website is not None and not isinstance(website, str):
        raise Unprocessable("website: must be a string")
    website = website.strip() if website else None
    if website and len(website) > WEBSITE_MAX:
        raise Unprocessable(f"website: is too long (maximum is {WEBSITE_MAX} characters)")
    return AppRequest(
        name=name,
        redirect_uris=check_redirect_uris(redirect_uris),
        scopes=check_app_scopes(scopes),
        website=website or None,
    )


async def create_app(session: AsyncSession, request: AppRequest, owner_id: int | None) -> OAuthApp:
    """Register an app; the client secret is kept so the client can authenticate later."""
    app = OAuthApp(
        id=new_id(),
        name=request.name,
        website=request.website,
        # Newline-joined, as Mastodon renders ``redirect_uri`` for several URIs.
        redirect_uris="\n".join(request.redirect_uris),
        scopes=request.scopes,
        client_id=new_secret(32),
        client_secret=new_secret(32),
        owner_id=owner_id,
    )
    session.add(app)
    await session.commit()
    return app


async def find_app(session: AsyncSession, client_id) -> OAuthApp | None:
    if not isinstance(client_id, str) or not client_id:
        return None
    return (
        await session.execute(select(OAuthApp).where(OAuthApp.client_id == client_id))
    ).scalar_one_or_none()


async def authenticate_client(session: AsyncSession, client_id, client_secret) -> OAuthApp:
    """The app whose id and secret these are; anything else is Pleroma's 400."""
    app = await find_app(session, client_id)
    if (
        app is None
        or not isinstance(client_secret, str)
        or not hmac.compare_digest(app.client_secret.encode(), client_secret.encode())
    ):
        raise InvalidGrant()
    return app


def check_redirect_uri(app: OAuthApp, redirect_uri) -> str:
    """The redirect URI to use: one the app registered (the first when none is given)."""
    listed = app.redirect_uri_list
    if redirect_uri is None or redirect_uri == "":
        if not listed:
            raise BadRequest("The app has no redirect_uri")
        return listed[0]
    if not isinstance(redirect_uri, str) or redirect_uri not in listed:
        raise BadRequest("Unlisted redirect_uri")
    return redirect_uri


# --- scopes and accounts ----------------------------------------------------------------------


def grant_scopes(app: OAuthApp, account: Account | None, requested: list[str] | None) -> list[str]:
    """The scopes a new code or token gets (see the module docstring for the rules)."""
    scopes = list(app.scopes) if requested is None else list(requested)
    if not is_staff(account):
        scopes = [s for s in scopes if not is_admin_scope(s)]
    if not scopes or len(within(scopes, app.scopes)) != len(scopes):
        raise ScopeRefused()
    return scopes


def requested_scopes(value) -> list[str] | None:
    """Scopes a client asks for; None when it named none (meaning: all the app's)."""
    if value is None:
        return None
    if not isinstance(value, str | list):
        raise ScopeRefused("scope: must be a space-separated string or a list")
    return parse_scopes(value)


def check_can_log_in(account: Account) -> None:
    """Refuse accounts that may not log in, with Pleroma's messages and identifiers."""
    if not account.is_active:
        raise LoginRefused("Your account is currently disabled", "account_is_disabled")
    if account.password_reset_pending:  # the admin API's force_password_reset
        raise LoginRefused("Password reset is required", "password_reset_required")
    if not account.is_approved:
        raise LoginRefused("Your account is awaiting approval.", "awaiting_approval")
    if not account.is_confirmed:
        raise LoginRefused(
            "Your login is missing a confirmed e-mail address", "missing_confirmed_email"
        )
    if not account.local:
        raise LoginRefused("Your account is currently disabled", "account_is_disabled")


# --- PKCE ------------------------------------------------------------------------------------


def check_pkce(challenge, method) -> tuple[str | None, str | None]:
    """A code challenge and its method (RFC 7636: ``plain`` when no method is named)."""
    if challenge is None or challenge == "":
        return None, None
    if not isinstance(challenge, str) or not _PKCE_VALUE.match(challenge):
        raise BadRequest("code_challenge: must be 43 to 128 URL-safe characters")
    method = method or "plain"
    if method not in PKCE_METHODS:
        raise BadRequest("code_challenge_method: must be S256 or plain")
    return challenge, method


def pkce_matches(challenge: str, method: str, verifier) -> bool:
    if not isinstance(verifier, str) or not _PKCE_VALUE.match(verifier):
        return False
    if method == "S256":
        hashed = hashlib.sha256(verifier.encode("ascii")).digest()
        computed = base64.urlsafe_b64encode(hashed).decode("ascii").rstrip("=")
    else:
        computed = verifier
    return hmac.compare_digest(computed, challenge)


# --- tokens ----------------------------------------------------------------------------------


def _add_token(
    session: AsyncSession,
    settings: Settings,
    app: OAuthApp,
    account: Account | None,
    scopes: list[str],
    *,
    with_refresh: bool = True,
) -> IssuedToken:
    now = utcnow()
    access = new_secret(32)
    refresh = new_secret(32) if with_refresh else None
    token = OAuthToken(
        id=new_id(),
        token_digest=digest(access),
        refresh_digest=digest(refresh) if refresh else None,
        app_id=app.id,
        account_id=account.id if account else None,
        scopes=list(scopes),
        valid_until=now + dt.timedelta(seconds=settings.access_token_ttl),
        refresh_valid_until=(
            now + dt.timedelta(seconds=settings.refresh_token_ttl) if refresh else None
        ),
        created_at=now,
    )
    session.add(token)
    return IssuedToken(token=token, access_token=access, refresh_token=refresh, account=account)


async def issue_token(
    session: AsyncSession,
    settings: Settings,
    app: OAuthApp,
    account: Account | None,
    requested: list[str] | None,
) -> IssuedToken:
    """A token for ``account`` (None: the app itself), as the password and
    client_credentials grants give; the caller has authenticated both."""
    if account is not None:
        check_can_log_in(account)
    issued = _add_token(session, settings, app, account, grant_scopes(app, account, requested))
    await session.commit()
    return issued


@dataclass
class Authorized:
    code: str
    redirect_uri: str
    session_token: str | None


async def authorize(
    session: AsyncSession,
    settings: Settings,
    app: OAuthApp,
    account: Account,
    requested: list[str] | None,
    redirect_uri: str,
    pkce: tuple[str | None, str | None],
    *,
    new_session: bool,
) -> Authorized:
    """Issue an authorization code (and, for a new browser session, a session token for the
    ``_pleroma_key`` cookie, with the same app and scopes) after the user logged in."""
    check_can_log_in(account)
    scopes = grant_scopes(app, account, requested)
    code = new_secret(32)
    session.add(
        OAuthAuthorization(
            id=new_id(),
            code_digest=digest(code),
            app_id=app.id,
            account_id=account.id,
            scopes=scopes,
            redirect_uri=redirect_uri,
            code_challenge=pkce[0],
            code_challenge_method=pkce[1],
            valid_until=utcnow() + dt.timedelta(seconds=settings.auth_code_ttl),
        )
    )
    session_token = None
    if new_session:
        issued = _add_token(session, settings, app, account, scopes, with_refresh=False)
        session_token = issued.access_token
    await session.commit()
    return Authorized(code=code, redirect_uri=redirect_uri, session_token=session_token)


async def exchange_code(
    session: AsyncSession,
    settings: Settings,
    app: OAuthApp,
    code,
    redirect_uri,
    code_verifier,
) -> IssuedToken:
    """Trade a code for a token: once only, before it expires, for the same app and
    redirect URI, with the PKCE verifier when a challenge was given."""
    if not isinstance(code, str) or not code:
        raise InvalidGrant("Invalid or expired authorization code")
    auth = (
        await session.execute(
            select(OAuthAuthorization).where(
                OAuthAuthorization.code_digest == digest(code),
                OAuthAuthorization.app_id == app.id,
            )
        )
    ).scalar_one_or_none()
    if auth is None or auth.used or auth.valid_until < utcnow():
        raise InvalidGrant("Invalid or expired authorization code")
    if redirect_uri != auth.redirect_uri:
        raise InvalidGrant("redirect_uri does not match the authorization request")
    if auth.code_challenge and not pkce_matches(
        auth.code_challenge, auth.code_challenge_method or "plain", code_verifier
    ):
        raise InvalidGrant("code_verifier does not match the code_challenge")
    account = await session.get(Account, auth.account_id)
    if account is None:
        raise InvalidGrant("Invalid or expired authorization code")
    check_can_log_in(account)
    # Conditional update: of two concurrent exchanges of one code, only one wins.
    result = await session.execute(
        update(OAuthAuthorization)
        .where(OAuthAuthorization.id == auth.id, OAuthAuthorization.used.is_(False))
        .values(used=True)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise InvalidGrant("Invalid or expired authorization code")
    issued = _add_token(session, settings, app, account, list(auth.scopes))
    await session.commit()
    return issued


async def refresh(
    session: AsyncSession,
    settings: Settings,
    app: OAuthApp,
    refresh_token,
    requested: list[str] | None,
) -> IssuedToken:
    """Rotate: the old access and refresh tokens stop working, a new pair is issued with the
    same scopes (or fewer, when the client asks for a subset)."""
    if not isinstance(refresh_token, str) or not refresh_token:
        raise InvalidGrant("Invalid refresh token")
    old = (
        await session.execute(
            select(OAuthToken).where(
                OAuthToken.refresh_digest == digest(refresh_token),
                OAuthToken.app_id == app.id,
            )
        )
    ).scalar_one_or_none()
    if old is None or old.refresh_valid_until is None or old.refresh_valid_until < utcnow():
        raise InvalidGrant("Invalid refresh token")
    account = old.account
    if account is not None:
        check_can_log_in(account)
    scopes = list(old.scopes)
    if requested:
        if len(within(requested, scopes)) != len(requested):
            raise ScopeRefused()
        scopes = requested
    result = await session.execute(
        delete(OAuthToken)
        .where(OAuthToken.id == old.id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise InvalidGrant("Invalid refresh token")
    emit(session, {"type": "token_revoked", "token_ids": [old.id]})  # its sockets close
    issued = _add_token(session, settings, app, account, scopes)
    await session.commit()
    return issued


async def revoke(session: AsyncSession, secret, app: OAuthApp | None) -> bool:
    """Delete the token whose access or refresh secret this is.

    Holding a token proves the right to end it, so no client authentication is needed (as
    Pleroma); when the client did authenticate, only its own tokens are touched. Unknown
    tokens are not an error (RFC 7009 2.2). Returns whether a token was deleted.
    """
    if not isinstance(secret, str) or not secret:
        return False
    hashed = digest(secret)
    query = delete(OAuthToken).where(
        or_(OAuthToken.token_digest == hashed, OAuthToken.refresh_digest == hashed)
    )
    if app is not None:
        query = query.where(OAuthToken.app_id == app.id)
    result = await session.execute(
        query.returning(OAuthToken.id).execution_options(synchronize_session=False)
    )
    revoked = list(result.scalars())
    if revoked:
        emit(session, {"type": "token_revoked", "token_ids": revoked})  # its sockets close
    await session.commit()
    return bool(revoked)


# --- sessions (the user's own tokens) --------------------------------------------------------


async def find_session_account(session: AsyncSession, secret: str | None) -> Account | None:
    """The user a ``_pleroma_key`` cookie logs in, if it is live and the user may log in."""
    if not secret:
        return None
    token = (
        await session.execute(select(OAuthToken).where(OAuthToken.token_digest == digest(secret)))
    ).scalar_one_or_none()
    if token is None or token.valid_until < utcnow() or token.account is None:
        return None
    return token.account if token.account.can_log_in else None


async def list_user_tokens(session: AsyncSession, account: Account) -> list[OAuthToken]:
    """The account's live tokens, newest first (expired ones are no session any more)."""
    result = await session.execute(
        select(OAuthToken)
        .where(OAuthToken.account_id == account.id, OAuthToken.valid_until >= utcnow())
        .order_by(OAuthToken.id.desc())
    )
    return list(result.scalars().all())


async def delete_user_token(session: AsyncSession, account: Account, token_id) -> None:
    """Revoke one of the account's own tokens; anyone else's is a 404, as a missing one."""
    ident = parse_id(token_id)
    if ident is None:
        raise NotFound()
    result = await session.execute(
        delete(OAuthToken)
        .where(OAuthToken.id == ident, OAuthToken.account_id == account.id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise NotFound()
    emit(session, {"type": "token_revoked", "token_ids": [ident]})  # its sockets close
    await session.commit()
