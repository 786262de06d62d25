"""Password reset links, as Pleroma's ``PasswordResetToken``.

``POST /auth/password`` (``request_password_reset``) mails a link to a local, active
account with an address; whatever the request named, the answer is the same, so it tells
nobody which addresses are known. The link (``/api/v1/pleroma/password_reset/:token``)
shows a form; posting it sets the password (services/accounts/passwords.py: every session
ends) and uses the token up. A token lives ``password_reset_token_ttl`` seconds, is good
once, and only its digest is stored. A successful reset uses up the account's other
outstanding links too (Pleroma leaves them live; a careful user expects them dead).

``create_reset_token`` is the admin API's way in: it returns the link without mailing it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.errors import NotFound
from pyleroma.models import Account, PasswordResetToken
from pyleroma.services.accounts.mail_links import PASSWORD_RESET_PATH, find_local_by_login, link
from pyleroma.services.accounts.passwords import check_new_password, set_password
from pyleroma.services.mail.outbox import queue_mail
from pyleroma.services.oauth.secrets import digest, new_secret
from pyleroma.settings import Settings

INVALID_TOKEN = "Invalid Token: this password reset link is unknown or was already used"
EXPIRED_TOKEN = "This password reset link has expired: ask for a new one"


class InvalidResetToken(NotFound):
    """The link's token is unknown, used, expired, or its account cannot reset."""


def reset_link(settings: Settings, secret: str) -> str:
    return link(settings, PASSWORD_RESET_PATH, secret)


def can_reset(account: Account | None) -> bool:
    return account is not None and account.local and account.is_active


async def create_reset_token(session: AsyncSession, settings: Settings, account: Account) -> str:
    """A new reset link for ``account`` (added to the session; the caller commits)."""
    secret = new_secret()
    session.add(
        PasswordResetToken(
            id=new_id(),
            account_id=account.id,
            token_digest=digest(secret),
            valid_until=utcnow() + dt.timedelta(seconds=settings.password_reset_token_ttl),
            used=False,
        )
    )
    await session.flush()
    return reset_link(settings, secret)


async def request_password_reset(session: AsyncSession, settings: Settings, login) -> bool:
    """POST /auth/password: mail a reset link to the account ``login`` (an email or a
    nickname) names, if it is local, active and has an address, and the mailer is on.
    Returns whether a mail was queued (callers answer the same either way)."""
    if not settings.mailer_enabled:
        return False
    account = await find_local_by_login(session, login)
    if not can_reset(account) or not account.email:
        return False
    url = await create_reset_token(session, settings, account)
    await queue_mail(
        session,
        settings,
        to=account.email,
        template="password_reset",
        values={"nickname": account.nickname, "reset_url": url},
    )
    await session.commit()
    return True


async def find_reset_token(session: AsyncSession, secret) -> tuple[PasswordResetToken, Account]:
    """The live token behind a link and its account, or InvalidResetToken."""
    if not isinstance(secret, str) or not secret:
        raise InvalidResetToken(INVALID_TOKEN)
    token = (
        await session.execute(
            select(PasswordResetToken).where(PasswordResetToken.token_digest == digest(secret))
        )
    ).scalar_one_or_none()
    if token is None or token.used:
        raise InvalidResetToken(INVALID_TOKEN)
    if token.valid_until < utcnow():
        raise InvalidResetToken(EXPIRED_TOKEN)
    account = await session.get(Account, token.account_id)
    if not can_reset(account):
        raise InvalidResetToken(INVALID_TOKEN)
    return token, account


async def reset_password(session: AsyncSession, secret, password, confirmation) -> Account:
    """POST /api/v1/pleroma/password_reset: set the password through a live link.

    The token is used up in one conditional UPDATE, so two posts of the same form cannot
    both succeed. A bad password (PasswordError) leaves the link usable for another try.
    """
    token, account = await find_reset_token(session, secret)
    check_new_password(password, confirmation, subject="Password")
    used = await session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == token.id, PasswordResetToken.used.is_(False))
        .values(used=True)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        raise InvalidResetToken(INVALID_TOKEN)
    await session.execute(
        update(PasswordResetToken)
        .where(
            PasswordResetToken.account_id == account.id,
            PasswordResetToken.used.is_(False),
        )
        .values(used=True)
        .execution_options(synchronize_session=False)
    )
    await set_password(session, account, password)
    await session.commit()
    return account
