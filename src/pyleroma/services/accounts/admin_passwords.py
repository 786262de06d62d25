"""What an admin does about an account's way in (Pleroma's ``AdminAPIController``
``get_password_reset``, ``force_password_reset`` and ``disable_mfa``):

- a password reset link for the owner, made without mailing it
  (services/accounts/password_reset.py: one use, ``password_reset_token_ttl``): the admin
  passes it on. Only a local, active account has a password to reset.
- a forced password reset: ``password_reset_pending`` is set and every session ends, so the
  account is signed out and every login (the OAuth password grant, the login form, HTTP
  Basic) is refused with Pleroma's 403 "Password reset is required" until the password is
  changed (the reset link mailed from ``POST /auth/password``, or one the admin hands on);
  a new password clears the flag (services/accounts/passwords.py). Remote accounts, which
  have no password here, are left out. Logged ``force_password_reset``.
- two-factor authentication turned off for an owner who lost the authenticator: the TOTP
  secret and the backup codes go, with the logins waiting for their second step, as the
  owner's own ``DELETE /api/pleroma/accounts/mfa/totp`` does (services/accounts/mfa.py),
  without the owner's password. Pleroma logs nothing for it; it is logged ``disable_mfa``
  here, as every change staff make is.

The caller commits.
"""

from __future__ import annotations

from urllib.parse import unquote

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.errors import Unprocessable
from pyleroma.models import Account, MfaToken
from pyleroma.services.accounts.password_reset import can_reset, create_reset_token
from pyleroma.services.accounts.passwords import end_sessions
from pyleroma.services.moderation.moderation_log import log_action, user_map
from pyleroma.settings import Settings

CANNOT_RESET = "Only an active local account has a password to reset"


async def reset_token(session: AsyncSession, settings: Settings, account: Account) -> dict:
    """``{"token", "link"}``: a new reset link for ``account`` (added to the session)."""
    if not can_reset(account):
        raise Unprocessable(CANNOT_RESET)
    link = await create_reset_token(session, settings, account)
    return {"token": unquote(link.rsplit("/", 1)[1]), "link": link}


async def force_password_reset(
    session: AsyncSession, actor: Account, accounts: list[Account]
) -> list[Account]:
    """Require a new password of the local ``accounts`` and sign them out; logged. Returns
    the accounts it applied to."""
    local = [a for a in accounts if a.local]
    for account in local:
        account.password_reset_pending = True
        await end_sessions(session, account)
    if local:
        await log_action(
            session, actor, "force_password_reset", subject=[user_map(a) for a in local]
        )
    return local


async def disable_mfa(session: AsyncSession, actor: Account, account: Account) -> bool:
    """Turn ``account``'s two-factor authentication off; False (and nothing logged) when
    there was nothing to turn off."""
    if not account.totp_secret and not account.totp_confirmed and not account.mfa_backup_codes:
        return False
    account.totp_secret = None
    account.totp_confirmed = False
    account.totp_last_step = None
    account.mfa_backup_codes = []
    await session.execute(
        delete(MfaToken)
        .where(MfaToken.account_id == account.id)
        .execution_options(synchronize_session=False)
    )
    await log_action(session, actor, "disable_mfa", subject=[user_map(account)])
    return True
