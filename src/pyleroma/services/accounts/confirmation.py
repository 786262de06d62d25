"""Confirming a new account's email address (``account_activation_required``), as Pleroma.

Registration leaves the account unconfirmed and mails a link,
``/api/account/confirm_email/:user_id/:token``; following it confirms the account (once:
the token is cleared). Only the token's digest is stored, so a resend mints a new token
and the link of an earlier mail stops working; the newest mail is the one that counts.

With the mailer off nothing is mailed and the account waits for an admin
(``pyleroma user set NICK --confirmed``), as in Pleroma.

A confirmed account that still awaits approval gets the approval mails then (Pleroma's
``post_register_action``: the "awaiting approval" mails follow the confirmation).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.ids import parse_id
from pyleroma.errors import NotFound
from pyleroma.models import Account
from pyleroma.services.accounts.approval import queue_approval_pending
from pyleroma.services.accounts.mail_links import (
    CONFIRM_EMAIL_PATH,
    REGISTRATION,
    find_local_by_login,
    link,
    token_digest,
    token_matches,
)
from pyleroma.services.mail.outbox import queue_mail
from pyleroma.services.oauth.secrets import new_secret
from pyleroma.settings import Settings

INVALID_LINK = (
    "This confirmation link is not valid: it was already used, a newer one was sent, or "
    "the account is confirmed already"
)


def awaits_confirmation(account: Account) -> bool:
    return account.local and not account.is_confirmed and bool(account.email)


async def send_confirmation(session: AsyncSession, settings: Settings, account: Account) -> bool:
    """Mint a new token and queue the confirmation mail (the caller commits). Nothing
    happens (False) with the mailer off or for an account that awaits no confirmation."""
    if not settings.mailer_enabled or not awaits_confirmation(account):
        return False
    secret = new_secret()
    account.confirmation_token = token_digest(REGISTRATION, secret)
    await queue_mail(
        session,
        settings,
        to=account.email,
        template="confirmation",
        values={
            "nickname": account.nickname,
            "confirmation_url": link(settings, CONFIRM_EMAIL_PATH, account.id, secret),
        },
    )
    return True


async def resend_confirmation(session: AsyncSession, settings: Settings, login) -> None:
    """POST /api/v1/pleroma/accounts/confirmation_resend: mail a new link to the account
    ``login`` (an email or a nickname) names, if it awaits confirmation. The caller answers
    the same whatever happened, so the request tells nobody whether an address is known."""
    account = await find_local_by_login(session, login)
    if account is not None and await send_confirmation(session, settings, account):
        await session.commit()


async def confirm_account(session: AsyncSession, settings: Settings, account: Account) -> bool:
    """Mark the account confirmed (the link, or an admin); an account that still awaits
    approval gets the approval mails now. The caller commits. False if it was already."""
    if account.is_confirmed:
        return False
    account.is_confirmed = True
    account.confirmation_token = None
    if not account.is_approved:
        await queue_approval_pending(session, settings, account)
    return True


async def confirm_by_link(session: AsyncSession, settings: Settings, user_id, secret) -> Account:
    """GET /api/account/confirm_email/:user_id/:token: confirm and commit, or NotFound."""
    ident = parse_id(user_id)
    account = await session.get(Account, ident) if ident is not None else None
    if (
        account is None
        or not account.local
        or account.is_confirmed
        or not token_matches(account.confirmation_token, REGISTRATION, secret)
    ):
        raise NotFound(INVALID_LINK)
    await confirm_account(session, settings, account)
    await session.commit()
    return account
