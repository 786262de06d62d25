"""What the admin API does to accounts: search with Pleroma's filters, (de)activation,
tags and roles, suggestions, backups made for an account, each change logged
(services/moderation/moderation_log.py) in the same transaction. The caller commits.

The rest has modules of its own: creation (admin_user_creation.py), deletion
(admin_user_removal.py), follows (admin_user_follows.py), statuses (admin_user_statuses.py),
credentials (admin_credentials.py), passwords and MFA (admin_passwords.py)."""

from __future__ import annotations

from sqlalchemy import exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.errors import Forbidden, NotFound, Unprocessable
from pyleroma.models import Account
from pyleroma.services.accounts import backups
from pyleroma.services.accounts.accounts import find_account, find_by_nickname
from pyleroma.services.moderation.moderation_log import log_action, user_map
from pyleroma.services.statuses.status_batches import ACCOUNT_COLUMNS, AccountRow
from pyleroma.settings import Settings
from pyleroma.urls import avatar_url, masto_datetime

FILTERS = {
    "local": Account.local.is_(True),
    "external": Account.local.is_(False),
    "active": Account.is_active.is_(True),
    "deactivated": Account.is_active.is_(False),
    "need_approval": Account.is_approved.is_(False),
    "unconfirmed": Account.is_confirmed.is_(False),
    "is_admin": Account.is_admin.is_(True),
    "is_moderator": Account.is_moderator.is_(True),
}
GROUPS = ("admin", "moderator")


def _like(value: str) -> str:
    escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _has_any_tag(dialect: str, tags: list[str]):
    """The account's JSON list of tags holds one of ``tags``: an EXISTS over the list's
    elements (``json_each`` on SQLite, ``json_array_elements_text`` on PostgreSQL), so the
    database filters, counts and cuts the page."""
    elements = func.json_each if dialect == "sqlite" else func.json_array_elements_text
    element = elements(Account.tags).table_valued("value")
    return exists(select(literal(1)).select_from(element).where(element.c.value.in_(tags)))


async def search_users(
    session: AsyncSession,
    *,
    filters: list[str],
    query: str | None,
    tags: list[str],
    name: str | None,
    email: str | None,
    page: int,
    page_size: int,
    actor_types: list[str] | None = None,
) -> tuple[list[AccountRow], int]:
    """Pleroma's ``AdminAPI.Search.user``: ordered by nickname; unknown filters ignored.
    Invisible accounts (the instance's relay actor) are never listed, as in Pleroma;
    ``actor_types`` (Person, Service, Application...) keeps those types only. Two
    statements: the count and the page (cut by the database, never every account), whose
    accounts are read-only rows (db/fastread.py's, for showing only)."""
    conditions = [Account.invisible.is_(False)]
    if actor_types:
        conditions.append(Account.actor_type.in_(actor_types))
    conditions += [FILTERS[key] for key in filters if key in FILTERS]
    if query:
        pattern = _like(query.lstrip("@"))
        conditions.append(
            or_(
                func.lower(Account.nickname).like(pattern, escape="\\"),
                func.lower(func.coalesce(Account.display_name, "")).like(pattern, escape="\\"),
            )
        )
    if name:
        conditions.append(
            func.lower(func.coalesce(Account.display_name, "")).like(_like(name), escape="\\")
        )
    if email:
        conditions.append(
            func.lower(func.coalesce(Account.email, "")).like(_like(email), escape="\\")
        )
    if tags:
        conditions.append(_has_any_tag(session.bind.dialect.name, tags))
    count = await session.scalar(select(func.count()).select_from(Account).where(*conditions))
    rows = await session.execute(
        select(*ACCOUNT_COLUMNS)
        .where(*conditions)
        .order_by(Account.nickname_key)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return [AccountRow._make(row) for row in rows], count or 0


def render_user(settings: Settings, account: Account) -> dict:
    """Pleroma's ``AdminAPI.AccountView`` "show.json"."""
    return {
        "id": str(account.id),
        "email": account.email,
        "avatar": avatar_url(settings, account),
        "display_name": account.display_name or account.nickname,
        "nickname": account.nickname,
        "is_active": account.is_active,
        "local": account.local,
        "roles": {"admin": account.is_admin, "moderator": account.is_moderator},
        "tags": list(account.tags or []),
        "is_confirmed": account.is_confirmed,
        "is_approved": account.is_approved,
        "is_suggested": account.is_suggested,
        "url": account.url or account.ap_id,
        "registration_reason": account.registration_reason,
        "actor_type": account.actor_type,
        "created_at": masto_datetime(account.created_at),
    }


async def get_user(session: AsyncSession, ident: str) -> Account:
    account = await find_account(session, ident)
    if account is None:
        raise NotFound("Not found")
    return account


async def users_by_nicknames(session: AsyncSession, nicknames: list[str]) -> list[Account]:
    """The accounts named (unknown nicknames skipped, as Pleroma does)."""
    found = []
    for nickname in nicknames:
        account = await find_by_nickname(session, nickname)
        if account is not None and account not in found:
            found.append(account)
    return found


async def set_active(
    session: AsyncSession, actor: Account, accounts: list[Account], active: bool
) -> None:
    for account in accounts:
        account.is_active = active
    if accounts:
        action = "activate" if active else "deactivate"
        await log_action(session, actor, action, subject=[user_map(a) for a in accounts])


async def tag_users(
    session: AsyncSession, actor: Account, nicknames: list[str], tags: list[str], add: bool
) -> None:
    accounts = await users_by_nicknames(session, nicknames)
    for account in accounts:
        current = list(account.tags or [])
        if add:
            account.tags = current + [t for t in tags if t not in current]
        else:
            account.tags = [t for t in current if t not in tags]
    await log_action(session, actor, "tag" if add else "untag", nicknames=nicknames, tags=tags)


def check_group(group: str) -> str:
    if group not in GROUPS:
        raise NotFound("Not found")  # Pleroma: 404 for an unknown permission group
    return group


async def set_group(
    session: AsyncSession, actor: Account, accounts: list[Account], group: str, on: bool
) -> None:
    """Grant or revoke ``admin``/``moderator``; an admin cannot revoke their own role."""
    check_group(group)
    if not on and any(a.id == actor.id for a in accounts):
        raise Forbidden("You can't revoke your own admin/moderator status.")
    for account in accounts:
        setattr(account, f"is_{group}", on)
    if accounts:
        await log_action(
            session,
            actor,
            "grant" if on else "revoke",
            subject=[user_map(a) for a in accounts],
            permission=group,
        )


async def approve(
    session: AsyncSession, settings: Settings, actor: Account, accounts: list[Account]
) -> None:
    """Approve pending registrations (each approved one gets Pleroma's "approved" mail)."""
    from pyleroma.services.accounts.approval import approve_account

    for account in accounts:
        await approve_account(session, settings, account)
    if accounts:
        await log_action(session, actor, "approve", subject=[user_map(a) for a in accounts])


async def confirm_emails(
    session: AsyncSession, settings: Settings, actor: Account, accounts: list[Account]
) -> None:
    from pyleroma.services.accounts.confirmation import confirm_account

    for account in accounts:
        await confirm_account(session, settings, account)
    if accounts:
        await log_action(session, actor, "confirm_email", subject=[user_map(a) for a in accounts])


async def resend_confirmations(
    session: AsyncSession, settings: Settings, actor: Account, accounts: list[Account]
) -> None:
    """A new confirmation mail for each account still awaiting one (none with mail off)."""
    from pyleroma.services.accounts.confirmation import send_confirmation

    for account in accounts:
        await send_confirmation(session, settings, account)
    if accounts:
        await log_action(
            session, actor, "resend_confirmation_email", subject=[user_map(a) for a in accounts]
        )


async def set_suggested(
    session: AsyncSession, actor: Account, accounts: list[Account], suggested: bool
) -> None:
    """Add ``accounts`` to the staff's follow suggestions (``/api/v2/suggestions`` lists
    them first, services/discovery/discovery_lists.py) or take them off."""
    for account in accounts:
        account.is_suggested = suggested
    if accounts:
        action = "add_suggestion" if suggested else "remove_suggestion"
        await log_action(session, actor, action, subject=[user_map(a) for a in accounts])


async def create_backup(
    session: AsyncSession, settings: Settings, actor: Account, account: Account
) -> None:
    """A backup of ``account`` made for it (the owner is mailed the link when it is ready,
    services/accounts/backups.py), without the owner's one-per-``backup_limit_days`` limit
    (Pleroma's admin backups skip it too); logged ``create_backup``."""
    if not account.local:
        raise Unprocessable("Only a local account can be backed up")
    await backups.create_backup(session, settings, account, check_limit=False)
    await log_action(session, actor, "create_backup", subject=user_map(account))
