"""Finding accounts to show: by id or nickname, by ``acct`` handle, and by search.

Who may see an account follows Pleroma's ``User.visible_for``: the account itself and staff
(admins, moderators) always; others only while it is active, approved and confirmed; and an
anonymous viewer not at all when ``restrict_unauthenticated_profiles`` is on (401, so the
client knows logging in would help).
"""

from __future__ import annotations

from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.errors import NotFound, Unauthorized
from pyleroma.models import Account, Follow
from pyleroma.models.relationship import FOLLOW_ACCEPTED
from pyleroma.services.accounts import find_account
from pyleroma.settings import Settings

NOT_FOUND = "Can't find user"
AUTH_REQUIRED = "This API requires an authenticated user"
SEARCH_LIMIT = 40


def is_staff(account: Account | None) -> bool:
    return account is not None and account.local and (account.is_admin or account.is_moderator)


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
    key = acct_key(settings, acct)
    account = None
    if key:
        account = (
            await session.execute(select(Account).where(Account.nickname_key == key))
        ).scalar_one_or_none()
    return check_visible(settings, account, viewer)


def _like_prefix(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def search_accounts(
    session: AsyncSession,
    settings: Settings,
    query: str,
    viewer: Account | None,
    *,
    limit: int = SEARCH_LIMIT,
    offset: int = 0,
    following: bool = False,
) -> list[Account]:
    """Accounts whose nickname or display name starts with ``query``, best first: the exact
    nickname, then nickname prefixes, then display-name prefixes; among equals, the most
    followed first. Only listed accounts are found (staff see no more here than others)."""
    check_anonymous_access(settings, viewer)
    text = query.strip().lstrip("@").lower()
    if not text:
        return []
    if following and viewer is None:
        return []
    key = acct_key(settings, text)
    nickname_prefix = Account.nickname_key.like(_like_prefix(key), escape="\\")
    name_prefix = func.lower(Account.display_name).like(_like_prefix(text), escape="\\")
    rank = case(
        (Account.nickname_key == key, 0),
        (nickname_prefix, 1),
        else_=2,
    )
    stmt = (
        select(Account)
        .where(
            or_(nickname_prefix, name_prefix),
            Account.is_active.is_(True),
            Account.is_approved.is_(True),
            Account.is_confirmed.is_(True),
        )
        .order_by(rank, Account.followers_count.desc(), Account.nickname_key)
        .limit(limit)
        .offset(offset)
    )
    if following:
        stmt = stmt.join(Follow, Follow.followed_id == Account.id).where(
            Follow.follower_id == viewer.id, Follow.state == FOLLOW_ACCEPTED
        )
    return list((await session.execute(stmt)).scalars().all())
