"""FastAPI dependencies every router uses: the DB session, settings, and authentication.

Authentication accepts, in order: ``Authorization: Bearer``, an ``access_token`` parameter,
HTTP Basic (nickname or email + password, as spec/pleroma_api.md allows; refused with 403
for an account with two-factor authentication on, which needs the OAuth login), and the
``_pleroma_key`` cookie set by the login form (for unsafe methods only from the instance's
own origin: api/csrf.py). Routes declare the scopes they accept with
``require_user(...)`` (alternatives, as Pleroma's OAuthScopesPlug) and get an ``AuthContext``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from fastapi import Depends, Request
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from pyleroma.api.csrf import check_cookie_request
from pyleroma.cache.tokens import find_token
from pyleroma.db.base import utcnow
from pyleroma.errors import Forbidden, Unauthorized
from pyleroma.models import Account, OAuthApp, OAuthToken
from pyleroma.policy.scopes import TOP_LEVEL, satisfies
from pyleroma.services.accounts import mfa
from pyleroma.services.oauth.secrets import digest, verify_password_off_loop
from pyleroma.settings import Settings

SESSION_COOKIE = "_pleroma_key"
BASIC_WITH_MFA = (
    "Two-factor authentication is enabled for this account: log in through OAuth "
    "(/oauth/token or /oauth/authorize) instead of HTTP Basic"
)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        yield session


async def get_settings(request: Request) -> Settings:
    """Async on purpose: FastAPI runs a plain ``def`` dependency in its thread pool, a
    thread hop (and event loop wake-up) per request for a simple attribute read."""
    return request.app.state.settings


@dataclass
class AuthContext:
    account: Account | None
    app: OAuthApp | None
    token: OAuthToken | None
    scopes: set[str] = field(default_factory=set)
    via: str = "bearer"

    @property
    def user(self) -> Account:
        assert self.account is not None
        return self.account


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query_params.get("access_token") or None


def _basic(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise Unauthorized("Invalid credentials") from exc
    name, sep, password = decoded.partition(":")
    if not sep or "\x00" in decoded:  # no account has a NUL (PostgreSQL can't compare one)
        raise Unauthorized("Invalid credentials")
    return name, password


def check_can_log_in(account: Account) -> None:
    """Refuse deactivated, unapproved and unconfirmed accounts, with Pleroma's messages."""
    if not account.is_active:
        raise Forbidden("Your account is currently disabled")
    if not account.is_approved:
        raise Forbidden("Your account is awaiting approval.")
    if not account.is_confirmed:
        raise Forbidden("Your login is missing a confirmed e-mail address")


async def find_account_by_login(session: AsyncSession, login: str) -> Account | None:
    """A local account by nickname or email, case-insensitively."""
    key = login.strip().lower()
    result = await session.execute(
        select(Account).where(
            Account.local.is_(True),
            or_(Account.nickname_key == key, Account.email_key == key),
        )
    )
    return result.scalars().first()


async def token_context(session: AsyncSession, secret: str, via: str) -> AuthContext:
    token = await find_token(session, digest(secret))
    if token is None or token.valid_until < utcnow():
        raise Unauthorized("Invalid or expired access token")
    account = token.account
    if account is not None:
        check_can_log_in(account)
    return AuthContext(
        account=account, app=token.app, token=token, scopes=set(token.scopes), via=via
    )


async def authenticate(request: Request, session: AsyncSession) -> AuthContext | None:
    """Whoever the request speaks for, or None for an anonymous request.

    A credential that is present but wrong is a 401, never a silent fall-back to anonymous.
    """
    cached = getattr(request.state, "auth", False)
    if cached is not False:
        return cached
    context: AuthContext | None = None
    secret = _bearer(request)
    if secret:
        context = await token_context(session, secret, "bearer")
    elif (basic := _basic(request)) is not None:
        limiter = request.app.state.login_limiter
        limiter.check(request)
        account = await find_account_by_login(session, basic[0])
        if account is None or not await verify_password_off_loop(account.password_hash, basic[1]):
            limiter.hit(request)
            raise Unauthorized("Invalid credentials")
        check_can_log_in(account)
        if account.password_reset_pending:  # a login: refused after a forced reset
            raise Forbidden("Password reset is required")
        if mfa.is_enabled(account):
            # The password alone is one factor: Basic would bypass the second step.
            raise Forbidden(BASIC_WITH_MFA)
        scopes = {s for s in TOP_LEVEL if s != "admin" or account.is_admin}
        context = AuthContext(account=account, app=None, token=None, scopes=scopes, via="basic")
    elif cookie := request.cookies.get(SESSION_COOKIE):
        try:
            context = await token_context(session, cookie, "cookie")
        except Unauthorized:
            context = None  # a stale cookie just means "not logged in"
        if context is not None:
            # A browser sends the cookie wherever a request comes from (api/csrf.py).
            check_cookie_request(request, request.app.state.settings.base_url)
    request.state.auth = context
    return context


def require_user(*scopes: str):
    """Dependency: a logged-in user whose token has one of ``scopes`` (none: any token)."""

    async def dependency(
        request: Request, session: AsyncSession = Depends(get_session)
    ) -> AuthContext:
        context = await authenticate(request, session)
        if context is None or context.account is None:
            raise Unauthorized(
                "Missing access token"
                if context is None
                else "This method requires an authenticated user"
            )
        _check_scopes(context, scopes)
        return context

    dependency.required_scopes = scopes  # read by the OpenAPI document (api/openapi)
    dependency.auth_kind = "user"
    return dependency


def optional_user(*scopes: str):
    """Dependency: the user if there is one (scopes checked only then), else None."""

    async def dependency(
        request: Request, session: AsyncSession = Depends(get_session)
    ) -> AuthContext | None:
        context = await authenticate(request, session)
        if context is None or context.account is None:
            return None
        _check_scopes(context, scopes)
        return context

    dependency.required_scopes = scopes
    dependency.auth_kind = "optional"
    return dependency


def require_app(*scopes: str):
    """Dependency: any valid token, an app's own (client_credentials) included."""

    async def dependency(
        request: Request, session: AsyncSession = Depends(get_session)
    ) -> AuthContext:
        context = await authenticate(request, session)
        if context is None or context.app is None:
            raise Unauthorized("Missing access token")
        _check_scopes(context, scopes)
        return context

    dependency.required_scopes = scopes
    dependency.auth_kind = "app"
    return dependency


def _check_scopes(context: AuthContext, scopes: tuple[str, ...]) -> None:
    if scopes and not satisfies(context.scopes, scopes):
        raise Forbidden(f"Insufficient permissions: {' | '.join(scopes)}.")


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    """Log this browser in: the ``_pleroma_key`` cookie Pleroma's own pages set, holding an
    access token (read by ``optional_user`` for its requests, and by the login form)."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.access_token_ttl,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.base_url.startswith("https://"),
    )
