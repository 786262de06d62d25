"""Reading credentials off OAuth requests: the client's (HTTP Basic or body, RFC 6749 2.3.1)
and the user's (nickname or email plus password, rate-limited per IP).
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import find_account_by_login
from pyleroma.api.params import Params
from pyleroma.models import Account
from pyleroma.services.oauth.oauth import InvalidGrant
from pyleroma.services.oauth.secrets import verify_password_off_loop


def client_credentials(request: Request, params: Params) -> tuple[str | None, str | None]:
    """The client id and secret: HTTP Basic wins over the body, as RFC 6749 prefers.

    A Basic header that cannot be decoded yields no credentials (a 400 later), never a
    fall-back to the body, so a broken header is not silently ignored.
    """
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        client_id, sep, secret = decoded.partition(":")
        if not sep:
            return None, None
        client_id, secret = unquote_plus(client_id), unquote_plus(secret)
        if "\x00" in client_id + secret:  # no client has one (PostgreSQL can't compare it)
            return None, None
        return client_id, secret
    return params.str("client_id"), params.str("client_secret")


async def check_password_login(request: Request, session: AsyncSession, login, password) -> Account:
    """The local account these credentials name, or 400 ``Invalid credentials``.

    Failures count against the client IP in ``login_limiter``; once it is used up every
    attempt is a 429 until the window moves on, right password or not.
    """
    limiter = request.app.state.login_limiter
    limiter.check(request)
    if not isinstance(login, str) or not login.strip() or not isinstance(password, str):
        raise InvalidGrant()
    account = await find_account_by_login(session, login)
    if not await verify_password_off_loop(account.password_hash if account else None, password):
        limiter.hit(request)
        raise InvalidGrant()
    assert account is not None
    return account


def wants_json(request: Request) -> bool:
    """Browser routes answer HTML, unless the client asked for JSON and not for HTML."""
    accept = request.headers.get("accept", "").lower()
    return "application/json" in accept and "text/html" not in accept
