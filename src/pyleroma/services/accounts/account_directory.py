"""Finding accounts to show: by id or nickname and by ``acct`` handle (search is in
services/discovery/search.py).

Who may see an account follows Pleroma's ``User.visible_for``: the account itself and staff
(admins, moderators) always; others only while it is active, approved and confirmed; and an
anonymous viewer not at all when ``restrict_unauthenticated_profiles`` is on (401, so the
client knows logging in would help).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.errors import NotFound, Unauthorized
from pyleroma.federation.actors import resolve_account_or_none
from pyleroma.models import Account
from pyleroma.policy.permissions import is_staff
from pyleroma.services.accounts.accounts import find_account
from pyleroma.settings import Settings

NOT_FOUND = "Can't find user"
AUTH_REQUIRED = "This API requires an authenticated user"


def is_listed(account: Account) -> bool:
    """Whether anyone but the account and staff may see it."""
    return account.is_active and account.is_approved and account.is_confirmed


def check_anonymous_access(settings: Settings, viewer: Account | None) -> None:
    if viewer is None and settings.restrict_unauthenticated_profiles:
        raise Unauthorized(AUTH_REQUIRED)


def check_visible(settings: Settings, account: Account | None, viewer: Account | None) -> Account:
    """``account`` if ``viewer`` may see it; 401 for a restricted anonymous viewer, else 404."""
    if account is None:
        raise NotFound(NOT_FOUND)
    if viewer is not None and (viewer.id == account.id or is_staff(viewer)):
        return account
    check_anonymous_access(settings, viewer)
    if not is_listed(account):
        raise NotFound(NOT_FOUND)
    return account


async def show_account(
    session: AsyncSession, settings: Settings, ident: str, viewer: Account | None
) -> Account:
    """An account by id or nickname, as GET /api/v1/accounts/:id accepts."""
    return check_visible(settings, await find_account(session, ident), viewer)


def acct_key(settings: Settings, acct: str) -> str:
    """The nickname key of an ``acct`` handle: ``nick``, ``@nick``, ``nick@our.domain``
    (local) or ``nick@remote.domain`` (remote accounts keep the domain in their nickname)."""
    key = acct.strip().lstrip("@").lower()
    local, sep, domain = key.partition("@")
    if sep and domain == settings.domain.lower():
        return local
    return key


async def lookup_account(
    session: AsyncSession, settings: Settings, acct: str, viewer: Account | None
) -> Account:
    """An account by ``acct``; a remote ``nick@host`` not stored yet is resolved on its
    server (WebFinger, then the actor: federation/actors.py) when the viewer is logged in,
    as a Mastodon client's profile link expects. Anonymous lookups never make the server
    fetch anything. A failure to resolve is a 404 like any unknown name."""
    key = acct_key(settings, acct)
    account = None
    if key:
        account = (
            await session.execute(select(Account).where(Account.nickname_key == key))
        ).scalar_one_or_none()
    if account is None and viewer is not None and "@" in key:
        account = await resolve_account_or_none(session, settings, acct.strip())
        if account is not None:
            await session.commit()
    return check_visible(settings, account, viewer)
