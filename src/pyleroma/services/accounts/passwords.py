"""Setting a new password: by the user (POST /api/pleroma/change_password) or through a
reset link (services/accounts/password_reset.py).

As Pleroma's ``User.reset_password``: the new password and its confirmation must match,
the hash is replaced, ``password_reset_pending`` is cleared, and every OAuth token and
pending authorization code of the account is revoked, so whoever knew the old password is
logged out everywhere (the client that changed it too: it logs in again).
Messages are Pleroma's ("New password does not match confirmation.").
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.errors import Forbidden, Unprocessable
from pyleroma.models import Account, OAuthAuthorization, OAuthToken
from pyleroma.services.accounts.accounts import PASSWORD_MAX, PASSWORD_MIN
from pyleroma.services.oauth.secrets import hash_password, verify_password
from pyleroma.streaming.events import emit

INVALID_PASSWORD = "Invalid password."


class PasswordError(Unprocessable):
    """The new password is not acceptable; the message says why."""


def check_current_password(account: Account, password) -> None:
    if not isinstance(password, str) or not verify_password(account.password_hash, password):
        raise Forbidden(INVALID_PASSWORD)


def check_new_password(password, confirmation, subject: str = "New password") -> str:
    """The new password, or PasswordError in Pleroma's (Ecto's) words."""
    if not isinstance(password, str) or not password:
        raise PasswordError(f"{subject} can't be blank.")
    if not isinstance(confirmation, str) or not confirmation:
        raise PasswordError(f"{subject} confirmation can't be blank.")
    if password != confirmation:
        raise PasswordError(f"{subject} does not match confirmation.")
    if len(password) < PASSWORD_MIN:
        raise PasswordError(f"{subject} should be at least {PASSWORD_MIN} character(s).")
    if len(password) > PASSWORD_MAX:
        raise PasswordError(f"{subject} should be at most {PASSWORD_MAX} character(s).")
    return password


async def end_sessions(session: AsyncSession, account: Account) -> int:
    """Revoke every token and pending code of the account (the caller commits); its open
    streaming sockets close when the transaction commits."""
    result = await session.execute(
        delete(OAuthToken)
        .where(OAuthToken.account_id == account.id)
        .returning(OAuthToken.id)
        .execution_options(synchronize_session=False)
    )
    revoked = list(result.scalars())
    await session.execute(
        delete(OAuthAuthorization)
        .where(OAuthAuthorization.account_id == account.id)
        .execution_options(synchronize_session=False)
    )
    if revoked:
        emit(session, {"type": "token_revoked", "token_ids": revoked})
    return len(revoked)


async def set_password(session: AsyncSession, account: Account, password: str) -> int:
    """Store the (checked) new password and end the account's sessions; the caller
    commits. Returns how many tokens were revoked."""
    account.password_hash = hash_password(password)
    account.password_reset_pending = False
    return await end_sessions(session, account)


async def change_password(
    session: AsyncSession, account: Account, password, new_password, confirmation
) -> None:
    """POST /api/pleroma/change_password: the current password first, then the new one."""
    check_current_password(account, password)
    check_new_password(new_password, confirmation)
    await set_password(session, account, new_password)
    await session.commit()
