"""What the account mails share: the links they carry and the lookups behind them.

A link's secret is shown once (in the mail) and stored only as a digest. The confirmation
of a registration and the confirmation of a new address both keep theirs in
``Account.confirmation_token`` (a confirmed account has no registration token left, and an
unconfirmed one cannot log in to ask for a new address); each kind digests its secret with
its own prefix, so a link of one kind can never be taken for the other.
"""

from __future__ import annotations

import hmac
from urllib.parse import quote

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.models import Account
from pyleroma.services.oauth.secrets import digest
from pyleroma.settings import Settings

# Pleroma's routes (its mails link to the same paths).
CONFIRM_EMAIL_PATH = "/api/account/confirm_email"
PASSWORD_RESET_PATH = "/api/v1/pleroma/password_reset"
# Pleroma has no confirmation step for a new address; this is ours.
CONFIRM_EMAIL_CHANGE_PATH = "/api/account/confirm_email_change"

REGISTRATION = "registration:"
EMAIL_CHANGE = "email-change:"


def link(settings: Settings, path: str, *parts: object) -> str:
    tail = "/".join(quote(str(part), safe="") for part in parts)
    return f"{settings.base_url.rstrip('/')}{path}/{tail}"


def token_digest(kind: str, secret: str) -> str:
    return digest(kind + secret)


def token_matches(stored: str | None, kind: str, secret) -> bool:
    if not stored or not isinstance(secret, str) or not secret:
        return False
    return hmac.compare_digest(stored, token_digest(kind, secret))


async def find_local_by_login(session: AsyncSession, login) -> Account | None:
    """The local account a nickname or an email names (case ignored), as the login does."""
    if not isinstance(login, str) or not login.strip():
        return None
    key = login.strip().lstrip("@").lower()
    result = await session.execute(
        select(Account).where(
            Account.local.is_(True),
            or_(Account.nickname_key == key, Account.email_key == key),
        )
    )
    return result.scalars().first()
