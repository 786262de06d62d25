"""Two-factor authentication (Pleroma's ``Pleroma.MFA``): a TOTP authenticator app, with
one-use backup codes for when the phone is lost.

State lives on the account: ``totp_secret`` (base32; set up first, enabled once a code from
the app confirms it: ``totp_confirmed``) and ``mfa_backup_codes`` (argon2 hashes, so a
leaked database holds no usable code; a used code is removed). MFA is on exactly when TOTP
is confirmed, the only method, as in Pleroma.

A login with MFA on has two steps. The password step stores an ``MfaToken`` (its SHA-256
digest; the secret goes to the client once) carrying what is being authorized: the app and
granted scopes for the password grant, plus the redirect URI, state and PKCE challenge for
the HTML form. The second step (``complete_login``) checks a TOTP or backup code against
it and removes it in the same transaction that issues the token or code, so it works once.

TOTP codes are accepted one period either side of now (clock drift, as authenticator apps
expect), and a code is refused once a code of the same or a later period was accepted for
the account (``totp_last_step``, moved forward by one conditional UPDATE, so two processes
cannot both accept one code): someone who sees a code typed in cannot log in with it too.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import time

import pyotp
from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.errors import BadRequest, Unprocessable
from pyleroma.models import Account, MfaToken
from pyleroma.services.oauth.secrets import digest, hash_password, new_secret, verify_password
from pyleroma.settings import Settings

METHODS = ("totp",)
CHALLENGE_TYPES = ("totp", "recovery")
# Pleroma's messages (its error atoms, rendered as strings, for the code ones).
INVALID_PASSWORD = "Invalid password."
INVALID_TOKEN = "invalid_token"
NO_SECRET = "invalid_secret_and_token"
ALREADY_ENABLED = "Two-factor authentication is already enabled."
NOT_ENABLED = "Two-factor authentication is not enabled."
INVALID_CODE = "Invalid code"
DRIFT_STEPS = 1
MAX_CODE_LENGTH = 128


class InvalidCode(BadRequest):
    """The second step failed: unknown or expired token, wrong code (Pleroma: 400)."""

    def __init__(self, message: str = INVALID_CODE):
        super().__init__(message)


def is_enabled(account: Account) -> bool:
    return bool(account.totp_confirmed and account.totp_secret)


def settings_of(account: Account) -> dict:
    """``{"enabled", "totp"}`` as Pleroma's ``mfa_settings`` renders them."""
    enabled = is_enabled(account)
    return {"enabled": enabled, "totp": enabled}


def supported_challenge_types(account: Account) -> str:
    """The enabled methods, comma-joined as Pleroma's ``supported_methods`` (so "totp");
    a ``recovery`` challenge is accepted whenever MFA is on."""
    return ",".join(method for method in METHODS if is_enabled(account))


def _check_password(account: Account, password) -> None:
    if not isinstance(password, str) or not verify_password(account.password_hash, password):
        raise Unprocessable(INVALID_PASSWORD)


# --- TOTP ------------------------------------------------------------------------------------


def _totp(settings: Settings, secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=settings.mfa_totp_digits, interval=settings.mfa_totp_period)


def provisioning_uri(settings: Settings, account: Account, secret: str) -> str:
    """The ``otpauth://totp/...`` URI an authenticator app scans (as a QR code)."""
    return _totp(settings, secret).provisioning_uri(
        name=account.nickname, issuer_name=settings.instance_name
    )


def _matching_step(settings: Settings, secret: str, code) -> int | None:
    """The period whose code ``code`` is, within the drift allowed, or None."""
    if not isinstance(code, str):
        return None
    code = code.strip().replace(" ", "")
    if not (code.isascii() and code.isdigit()) or len(code) != settings.mfa_totp_digits:
        return None
    totp = _totp(settings, secret)
    now = int(time.time()) // settings.mfa_totp_period
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


async def spend_totp(session: AsyncSession, settings: Settings, account: Account, code) -> bool:
    """Is ``code`` a current code of the account's secret, of a later period than any code
    accepted before? Records its period (written with the caller's commit)."""
    step = _matching_step(settings, account.totp_secret or "", code)
    if step is None:
        return False
    result = await session.execute(
        update(Account)
        .where(
            Account.id == account.id,
            or_(Account.totp_last_step.is_(None), Account.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    account.totp_last_step = step
    return True


async def setup_totp(session: AsyncSession, settings: Settings, account: Account) -> str:
    """A new secret, waiting for a code to confirm it (a pending one is replaced). Refused
    while TOTP is on: replacing the secret would lock out the user's app. Commits."""
    if is_enabled(account):
        raise Unprocessable(ALREADY_ENABLED)
    account.totp_secret = pyotp.random_base32()
    account.totp_confirmed = False
    account.totp_last_step = None
    await session.commit()
    return account.totp_secret


async def confirm_totp(
    session: AsyncSession, settings: Settings, account: Account, password, code
) -> None:
    """Turn MFA on once the password and a code of the pending secret check out. Commits."""
    _check_password(account, password)
    if is_enabled(account):
        raise Unprocessable(ALREADY_ENABLED)
    if not account.totp_secret:
        raise Unprocessable(NO_SECRET)
    if not await spend_totp(session, settings, account, code):
        raise Unprocessable(INVALID_TOKEN)
    account.totp_confirmed = True
    await session.commit()


async def disable(session: AsyncSession, account: Account, password) -> None:
    """Turn MFA off (or drop a pending setup) after the password checks out. The backup
    codes go too, so a later setup does not revive codes printed long ago, and so do
    logins waiting for their second step. Commits."""
    _check_password(account, password)
    if not account.totp_secret and not account.totp_confirmed:
        raise Unprocessable(NOT_ENABLED)
    account.totp_secret = None
    account.totp_confirmed = False
    account.totp_last_step = None
    account.mfa_backup_codes = []
    await session.execute(
        delete(MfaToken)
        .where(MfaToken.account_id == account.id)
        .execution_options(synchronize_session=False)
    )
    await session.commit()


# --- backup codes ----------------------------------------------------------------------------


def _new_backup_code(length: int) -> str:
    return secrets.token_hex((length + 1) // 2)[:length]


async def generate_backup_codes(
    session: AsyncSession, settings: Settings, account: Account
) -> list[str]:
    """New codes replacing all earlier ones; only their hashes are kept. Allowed before
    MFA is on (Pleroma-FE fetches them first, then sets up TOTP). Commits."""
    codes = [
        _new_backup_code(settings.mfa_backup_codes_length)
        for _ in range(settings.mfa_backup_codes_number)
    ]
    account.mfa_backup_codes = [hash_password(code) for code in codes]
    await session.commit()
    return codes


def _normalise_backup_code(code) -> str | None:
    if not isinstance(code, str):
        return None
    code = code.strip().lower().replace(" ", "").replace("-", "")
    return code if 0 < len(code) <= MAX_CODE_LENGTH else None


async def use_backup_code(session: AsyncSession, account: Account, code) -> bool:
    """Check ``code`` against the account's backup codes and, when one matches, remove it
    (written with the caller's commit). The row is locked on PostgreSQL so two logins
    cannot spend one code."""
    code = _normalise_backup_code(code)
    if code is None or not is_enabled(account):
        return False
    await session.execute(
        select(Account)
        .where(Account.id == account.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    hashes = list(account.mfa_backup_codes or [])
    for hashed in hashes:
        if verify_password(hashed, code):
            account.mfa_backup_codes = [h for h in hashes if h != hashed]
            return True
    return False


# --- the second step of a login --------------------------------------------------------------


async def begin_login(
    session: AsyncSession,
    settings: Settings,
    account: Account,
    app_id: int,
    scopes: list[str],
    *,
    redirect_uri: str | None = None,
    state: str | None = None,
    pkce: tuple[str | None, str | None] = (None, None),
) -> str:
    """Store what the password step granted and return the ``mfa_token`` for the second
    step. ``redirect_uri`` set means the HTML form's login (its code goes to the redirect
    URI); unset, the password grant's. Expired tokens are swept here. Commits."""
    now = utcnow()
    await session.execute(
        delete(MfaToken)
        .where(MfaToken.valid_until < now)
        .execution_options(synchronize_session=False)
    )
    secret = new_secret(32)
    session.add(
        MfaToken(
            id=new_id(),
            account_id=account.id,
            token_digest=digest(secret),
            app_id=app_id,
            scopes=list(scopes),
            redirect_uri=redirect_uri,
            state=state,
            code_challenge=pkce[0],
            code_challenge_method=pkce[1],
            valid_until=now + dt.timedelta(seconds=settings.mfa_token_ttl),
        )
    )
    await session.commit()
    return secret


async def find_login(session: AsyncSession, secret, *, form: bool) -> MfaToken | None:
    """The live login waiting for its second step under ``secret``, of the HTML form
    (``form``) or of the password grant: a token of one cannot finish the other."""
    if not isinstance(secret, str) or not secret or len(secret) > MAX_CODE_LENGTH:
        return None
    token = (
        await session.execute(select(MfaToken).where(MfaToken.token_digest == digest(secret)))
    ).scalar_one_or_none()
    if token is None or token.valid_until < utcnow():
        return None
    if (token.redirect_uri is not None) != form:
        return None
    return token


async def complete_login(
    session: AsyncSession, settings: Settings, token: MfaToken, challenge_type, code
) -> Account:
    """Check the second factor for ``token``'s login and spend the token (and a backup
    code), uncommitted: the caller commits with the token or code it issues, so a failure
    there leaves both usable. Raises ``InvalidCode``."""
    account = await session.get(Account, token.account_id)
    if account is None or not is_enabled(account):
        raise InvalidCode()
    if challenge_type == "totp":
        passed = await spend_totp(session, settings, account, code)
    elif challenge_type == "recovery":
        passed = await use_backup_code(session, account, code)
    else:
        passed = False
    if not passed:
        raise InvalidCode()
    result = await session.execute(
        delete(MfaToken).where(MfaToken.id == token.id).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # another request finished this login first
        raise InvalidCode()
    return account
