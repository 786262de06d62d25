"""Changing an account's email address (POST /api/pleroma/change_email).

Pleroma changes the address at once. With the mailer on we first prove the new address
belongs to the user: it is kept in ``unconfirmed_email`` and a link is mailed to it
(``email_change_confirmation``); following the link makes the change, if no other account
took the address meanwhile, and tells the old address (``email_changed``). With the mailer
off nothing could be confirmed, so the address changes at once, as in Pleroma.

The link's secret starts with the time it was made, covered by the stored digest, so the
link expires (``password_reset_token_ttl``, like a reset link) without a column of its own.
Asking again replaces the pending address and its link.
"""

from __future__ import annotations

import time

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.ids import parse_id
from pyleroma.errors import NotFound, Unprocessable
from pyleroma.models import Account
from pyleroma.services.accounts.accounts import AccountError, check_email
from pyleroma.services.accounts.mail_links import (
    CONFIRM_EMAIL_CHANGE_PATH,
    EMAIL_CHANGE,
    link,
    token_digest,
    token_matches,
)
from pyleroma.services.accounts.passwords import check_current_password
from pyleroma.services.mail.outbox import queue_mail
from pyleroma.services.oauth.secrets import new_secret
from pyleroma.settings import Settings

TAKEN = "Email has already been taken."
INVALID_LINK = (
    "This link is not valid: it was already used, a newer one was sent, or it has expired"
)


class EmailError(Unprocessable):
    """The new address is not acceptable (Pleroma's words: "Email has invalid format.")."""


def check_new_email(value) -> str:
    """Pleroma's messages for a bad address (its changeset errors with a full stop)."""
    if value is None or value == "" or (isinstance(value, str) and not value.strip()):
        raise EmailError("Email can't be blank.")
    if not isinstance(value, str):
        raise EmailError("Email has invalid format.")
    try:
        email = check_email(value.strip(), required=True)
    except AccountError as exc:
        if "too long" in exc.message:
            raise EmailError(f"{exc.message}.") from exc
        raise EmailError("Email has invalid format.") from exc
    assert email is not None
    return email


async def _taken_by_other(session: AsyncSession, account: Account, email: str) -> bool:
    count = await session.scalar(
        select(func.count())
        .select_from(Account)
        .where(Account.email_key == email.lower(), Account.id != account.id)
    )
    return bool(count)


def _set_email(account: Account, email: str) -> None:
    account.email = email
    account.email_key = email.lower()
    account.unconfirmed_email = None
    account.confirmation_token = None


async def _commit_change(session: AsyncSession) -> None:
    try:
        await session.commit()
    except IntegrityError:  # another account took it between our check and the commit
        await session.rollback()
        raise EmailError(TAKEN) from None


async def change_email(
    session: AsyncSession, settings: Settings, account: Account, password, new_email
) -> bool:
    """Check the password and the address, then change it now (mailer off, or the same
    address) or mail a confirmation link to it. Returns whether a link was mailed."""
    check_current_password(account, password)
    email = check_new_email(new_email)
    if await _taken_by_other(session, account, email):
        raise EmailError(TAKEN)
    if not settings.mailer_enabled or email.lower() == (account.email_key or ""):
        _set_email(account, email)
        await _commit_change(session)
        return False
    secret = f"{int(time.time())}.{new_secret()}"
    account.unconfirmed_email = email
    account.confirmation_token = token_digest(EMAIL_CHANGE, secret)
    await queue_mail(
        session,
        settings,
        to=email,
        template="email_change_confirmation",
        values={
            "nickname": account.nickname,
            "new_email": email,
            "confirmation_url": link(settings, CONFIRM_EMAIL_CHANGE_PATH, account.id, secret),
        },
    )
    await session.commit()
    return True


def _fresh(settings: Settings, secret: str) -> bool:
    made, _, _ = secret.partition(".")
    if not made.isdigit():
        return False
    return 0 <= time.time() - int(made) <= settings.password_reset_token_ttl


async def confirm_email_change(
    session: AsyncSession, settings: Settings, user_id, secret
) -> Account:
    """GET /api/account/confirm_email_change/:user_id/:token: make the pending change."""
    ident = parse_id(user_id)
    account = await session.get(Account, ident) if ident is not None else None
    if (
        account is None
        or not account.local
        or not account.is_confirmed
        or not account.unconfirmed_email
        or not token_matches(account.confirmation_token, EMAIL_CHANGE, secret)
        or not _fresh(settings, secret)
    ):
        raise NotFound(INVALID_LINK)
    email = account.unconfirmed_email
    if await _taken_by_other(session, account, email):
        raise EmailError(TAKEN)
    old = account.email
    _set_email(account, email)
    if old and old.lower() != email.lower():
        await queue_mail(
            session,
            settings,
            to=old,
            template="email_changed",
            values={"nickname": account.nickname, "new_email": email},
        )
    await _commit_change(session)
    return account
