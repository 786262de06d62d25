"""Mastodon's admin API over our accounts (``/api/v1/admin/accounts``, as the Pleroma forks
pl and Rebased serve it, so that Mastodon clients' moderation screens work).

Mastodon's moderation states are mapped onto what an account here has:
- *suspended* and *disabled* are one switch here, Pleroma's activation (``is_active``): a
  deactivated account cannot log in, its posts are hidden and it is found nowhere, which
  is Mastodon's suspension; ``disabled`` (login disabled) is only said of local accounts.
  ``disable`` (local accounts only, as pl) and ``suspend`` (any account) deactivate;
  ``enable`` and ``unsuspend`` activate; each is logged as Pleroma logs (de)activation.
- *silenced* and *sensitized* are Pleroma's TagPolicy tags, ``mrf_tag:force-unlisted`` (its
  public posts become unlisted) and ``mrf_tag:media-force-nsfw`` (its media are marked
  sensitive). The policy reads remote posts only, and only when ``TagPolicy`` is in
  ``mrf_policies``: ``silence`` and ``sensitive`` are refused (422) where the tag would do
  nothing; ``unsilence`` / ``unsensitive`` always take the tag off. Logged as Pleroma's tag
  and untag.
- *pending* is ``is_approved`` false (``approve``; ``reject`` deletes the registration).
- ``DELETE`` is the Pleroma admin API's deletion (services/accounts/admin_user_removal.py):
  a local account is deactivated at once and deleted by the "accounts.delete" job; a
  remote one loses its follows and content and stays deactivated. Logged ``delete``.
No account may be moderated by itself, nor the instance's own service actors (403).
Everything here joins the caller's transaction (the router commits); refusals are raised
before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import String, and_, cast, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities.mrf.chain import policy_name
from pyleroma.activities.mrf.tag import FORCE_UNLISTED, MEDIA_FORCE_NSFW
from pyleroma.db.ids import parse_id
from pyleroma.db.paging import Page, in_display_order, paginate
from pyleroma.errors import BadRequest, Forbidden, NotFound, Unprocessable
from pyleroma.models import Account, Report
from pyleroma.services.accounts import admin_users
from pyleroma.services.accounts.account_deletion import delete_local_account
from pyleroma.services.accounts.admin_user_removal import delete_users
from pyleroma.services.moderation.mastodon_admin_reports import set_state
from pyleroma.services.moderation.moderation_log import log_action, user_map
from pyleroma.services.statuses.status_batches import ACCOUNT_COLUMNS, AccountRow
from pyleroma.settings import Settings
from pyleroma.values import Values

SILENCE_TAG = FORCE_UNLISTED
SENSITIVE_TAG = MEDIA_FORCE_NSFW
ACTION_TYPES = ("none", "sensitive", "disable", "silence", "suspend")
STATUSES = ("active", "pending", "disabled", "silenced", "suspended", "sensitized")
ORIGINS = ("local", "remote")
# Mastodon's roles as our two flags map onto them (the ids the credential account uses).
EVERYONE_ROLE = "-99"
MODERATOR_ROLE = "2"
ADMIN_ROLE = "3"
NOT_YOURSELF = "You can't moderate your own account."
SERVICE_ACTOR = "@{} is this instance's own service actor: it cannot be moderated."


@dataclass
class AccountFilter:
    """What a list asks for; every condition given must hold."""

    origin: str | None = None
    statuses: list[str] = field(default_factory=list)
    staff: bool = False
    role_ids: list[str] = field(default_factory=list)
    invited_by: str | None = None
    username: str | None = None
    display_name: str | None = None
    email: str | None = None
    ip: str | None = None
    by_domain: str | None = None


def _text_filters(values: Values) -> dict:
    return {
        name: (values.str(name, max_length=320) or "").strip() or None
        for name in ("username", "display_name", "email", "ip", "by_domain")
    }


def v1_filter(values: Values) -> AccountFilter:
    """Mastodon's v1 switches (``local=true``, ``pending=true``, ``staff=true`` ...): a false
    switch means "either", as Mastodon reads them."""
    remote = values.bool("remote", False)
    origin = "local" if values.bool("local", False) else "remote" if remote else None
    statuses = [name for name in STATUSES if values.bool(name, False)]
    return AccountFilter(
        origin=origin, statuses=statuses, staff=values.bool("staff", False), **_text_filters(values)
    )


def _choice(values: Values, name: str, choices: tuple[str, ...]) -> str | None:
    value = values.str(name)
    if value is None or value == "":
        return None
    if value not in choices:
        raise Unprocessable(f"{name}: must be one of {', '.join(choices)}")
    return value


def v2_filter(values: Values) -> AccountFilter:
    """Mastodon's v2 parameters: ``origin``, ``status``, ``permissions`` (only ``staff``),
    ``role_ids[]``, ``invited_by`` and the text filters; an unknown value is a 422."""
    status = _choice(values, "status", STATUSES)
    return AccountFilter(
        origin=_choice(values, "origin", ORIGINS),
        statuses=[status] if status else [],
        staff=_choice(values, "permissions", ("staff",)) == "staff",
        role_ids=values.str_list("role_ids"),
        invited_by=values.str("invited_by") or None,
        **_text_filters(values),
    )


def _like(value: str) -> str:
    escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def has_tag(tag: str):
    """The account carries ``tag``: its quoted form in the JSON list (same on both engines;
    the MRF tags are plain ASCII, so their JSON text is the tag between quotes)."""
    pattern = '%"' + _like(tag)[1:-1] + '"%'
    return cast(Account.tags, String).like(pattern, escape="\\")


def _status_condition(status: str):
    inactive = Account.is_active.is_(False)
    return {
        # Pleroma's ``active``: activated, approved and confirmed.
        "active": and_(
            Account.is_active.is_(True),
            Account.is_approved.is_(True),
            Account.is_confirmed.is_(True),
        ),
        "pending": and_(Account.local.is_(True), Account.is_approved.is_(False)),
        "disabled": and_(Account.local.is_(True), inactive),
        "suspended": inactive,
        "silenced": has_tag(SILENCE_TAG),
        "sensitized": has_tag(SENSITIVE_TAG),
    }[status]


def _role_condition(role_ids: list[str]):
    local = Account.local.is_(True)
    roles = {
        ADMIN_ROLE: and_(local, Account.is_admin.is_(True)),
        MODERATOR_ROLE: and_(local, Account.is_moderator.is_(True), Account.is_admin.is_(False)),
        EVERYONE_ROLE: and_(local, Account.is_admin.is_(False), Account.is_moderator.is_(False)),
    }
    wanted = [roles[r] for r in role_ids if r in roles]
    return or_(*wanted) if wanted else false()


def _username_condition(username: str):
    pattern = _like(username.lstrip("@"))
    if "@" in username.lstrip("@"):
        return Account.nickname_key.like(pattern, escape="\\")
    # A remote nickname is user@domain: the text must be found before the "@".
    return or_(
        and_(Account.local.is_(True), Account.nickname_key.like(pattern, escape="\\")),
        and_(Account.local.is_(False), Account.nickname_key.like(pattern + "@%", escape="\\")),
    )


def _domain_condition(settings: Settings, domain: str):
    domain = domain.lower().removeprefix("https://").removeprefix("http://").strip("/")
    if domain == settings.domain.lower():
        return Account.local.is_(True)
    return and_(Account.local.is_(False), func.lower(Account.domain) == domain)


def _conditions(settings: Settings, wanted: AccountFilter) -> list:
    conditions = [Account.invisible.is_(False)]  # the relay actor, as Pleroma's lists
    if wanted.origin is not None:
        conditions.append(Account.local.is_(wanted.origin == "local"))
    conditions += [_status_condition(status) for status in wanted.statuses]
    if wanted.staff:
        conditions.append(
            and_(Account.local.is_(True), or_(Account.is_admin, Account.is_moderator))
        )
    if wanted.role_ids:
        conditions.append(_role_condition(wanted.role_ids))
    if wanted.invited_by is not None or wanted.ip is not None:
        # Neither who invited an account nor the addresses it used are stored here.
        conditions.append(false())
    if wanted.username:
        conditions.append(_username_condition(wanted.username))
    if wanted.display_name:
        name = func.lower(func.coalesce(Account.display_name, ""))
        conditions.append(name.like(_like(wanted.display_name), escape="\\"))
    if wanted.email:
        email = func.lower(func.coalesce(Account.email, ""))
        conditions.append(email.like(_like(wanted.email), escape="\\"))
    if wanted.by_domain:
        conditions.append(_domain_condition(settings, wanted.by_domain))
    return conditions


async def list_accounts(
    session: AsyncSession, settings: Settings, wanted: AccountFilter, page: Page
) -> list[AccountRow]:
    """A page of the accounts matching ``wanted``, newest first (by id), as read-only rows
    (db/fastread.py's, for showing only)."""
    stmt = paginate(
        select(*ACCOUNT_COLUMNS).where(*_conditions(settings, wanted)), Account.id, page
    )
    rows = await session.execute(stmt)
    return in_display_order([AccountRow._make(row) for row in rows], page)


async def get_account(session: AsyncSession, ident) -> Account:
    """The account with this id (Mastodon's routes name accounts by id only)."""
    account_id = parse_id(ident)
    account = await session.get(Account, account_id) if account_id is not None else None
    if account is None:
        raise NotFound()
    return account


def role_of(account: Account) -> str | None:
    """The Mastodon role id of a local account (None for remote ones, as Mastodon)."""
    if not account.local:
        return None
    if account.is_admin:
        return ADMIN_ROLE
    return MODERATOR_ROLE if account.is_moderator else EVERYONE_ROLE


def silenced(account: Account) -> bool:
    return SILENCE_TAG in (account.tags or [])


def sensitized(account: Account) -> bool:
    return SENSITIVE_TAG in (account.tags or [])


# -- actions ------------------------------------------------------------------------------


def _check_target(actor: Account, account: Account) -> None:
    """Nobody moderates their own account, nor the instance's service actors (the relay's:
    a local Application)."""
    if actor.id == account.id:
        raise Forbidden(NOT_YOURSELF)
    if account.local and account.actor_type == "Application":
        raise Forbidden(SERVICE_ACTOR.format(account.nickname))


def tag_policy_enabled(settings: Settings) -> bool:
    return any(policy_name(name) == "TagPolicy" for name in settings.mrf_policies)


def check_tag_action(settings: Settings, account: Account, action: str) -> None:
    """``silence`` and ``sensitive`` only where the tag acts: a remote account, with
    TagPolicy on."""
    what = "Silencing" if action == "silence" else "Marking media sensitive"
    if account.local:
        raise Unprocessable(f"{what} is not supported for local accounts")
    if not tag_policy_enabled(settings):
        raise Unprocessable(f"{what} is not supported: TagPolicy is not in mrf_policies")


async def _set_tag(session: AsyncSession, actor: Account, account: Account, tag: str, on: bool):
    tags = list(account.tags or [])
    if (tag in tags) == on:
        return
    account.tags = [*tags, tag] if on else [t for t in tags if t != tag]
    await log_action(
        session, actor, "tag" if on else "untag", nicknames=[account.nickname], tags=[tag]
    )


async def set_active(session: AsyncSession, actor: Account, account: Account, active: bool):
    """(De)activate and log it, unless the account is so already."""
    if account.is_active != active:
        await admin_users.set_active(session, actor, [account], active)


async def report_for(session: AsyncSession, account: Account, report_id) -> Report:
    """The report ``report_id``, which must be about ``account``."""
    ident = parse_id(report_id)
    report = await session.get(Report, ident, with_for_update=True) if ident is not None else None
    if report is None:
        raise NotFound()
    if report.target_account_id != account.id:
        raise BadRequest("Report does not target this account")
    return report


async def moderate(
    session: AsyncSession,
    settings: Settings,
    actor: Account,
    account: Account,
    action: str | None,
    report_id=None,
) -> None:
    """Mastodon's ``POST /accounts/:id/action``: the action (see the module docstring), then
    the report named, if any, resolved. Every check comes before the first change."""
    if action not in ACTION_TYPES:
        raise Unprocessable(f"type: must be one of {', '.join(ACTION_TYPES)}")
    if action != "none":
        _check_target(actor, account)
    if action == "disable" and not account.local:
        raise BadRequest("Only local accounts can be disabled")
    if action in ("silence", "sensitive"):
        check_tag_action(settings, account, action)
    report = await report_for(session, account, report_id) if report_id else None
    if action in ("disable", "suspend"):
        await set_active(session, actor, account, False)
    elif action == "silence":
        await _set_tag(session, actor, account, SILENCE_TAG, True)
    elif action == "sensitive":
        await _set_tag(session, actor, account, SENSITIVE_TAG, True)
    if report is not None:
        await set_state(session, actor, report, "resolved")


async def unsilence(session: AsyncSession, actor: Account, account: Account) -> None:
    await _set_tag(session, actor, account, SILENCE_TAG, False)


async def unsensitive(session: AsyncSession, actor: Account, account: Account) -> None:
    await _set_tag(session, actor, account, SENSITIVE_TAG, False)


async def approve(session: AsyncSession, settings: Settings, actor: Account, account: Account):
    """Approve a pending local registration (its "approved" mail goes); else nothing."""
    if account.local and not account.is_approved:
        await admin_users.approve(session, settings, actor, [account])


async def reject(session: AsyncSession, settings: Settings, actor: Account, account: Account):
    """Delete a pending local registration (Pleroma's ``User.reject``, logged ``reject``)."""
    if not account.local or account.is_approved:
        raise BadRequest("User is approved")
    await log_action(session, actor, "reject", subject=[user_map(account)])
    await delete_local_account(session, settings, account)


async def delete(session: AsyncSession, settings: Settings, actor: Account, account: Account):
    """Delete the account as Pleroma's admin API deletes users (logged ``delete``)."""
    _check_target(actor, account)
    await delete_users(session, settings, actor, [account])
