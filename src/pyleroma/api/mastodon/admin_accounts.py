"""Mastodon admin API: accounts (``/api/v1/admin/accounts``, ``/api/v2/admin/accounts``), as
the Pleroma forks pl and Rebased serve it, so that Mastodon clients' admin calls work.

Access as Pleroma's admin API (api/admin/deps.py ``require_admin``): the privilege of
Pleroma's default table (reading ``users_read``; ``action``, ``enable``, ``unsuspend``
``users_manage_activation_state``; ``unsilence``, ``unsensitive`` and the silence and
sensitive actions ``users_manage_tags``; ``approve``, ``reject`` ``users_manage_invites``;
``DELETE`` ``users_delete``), then the token's ``admin:read:accounts`` or
``admin:write:accounts``. What each action does is services/moderation/mastodon_admin.py.

The entity is Mastodon's Admin::Account, rendered here from a fixed number of statements
for a whole page (``admin_accounts_to_api``); the reports router renders its accounts with
it too.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.admin.deps import NOT_PRIVILEGED, require_admin
from pyleroma.api.deps import AuthContext, get_session, get_settings
from pyleroma.api.mastodon.render_accounts import accounts_to_api
from pyleroma.api.openapi import (
    ANY_OBJECT,
    BOOL,
    DATETIME,
    ID,
    STR,
    api_doc,
    arr,
    enum,
    nullable,
    obj,
    param,
    ref,
)
from pyleroma.api.openapi.parameters import ID_PARAM, PAGE
from pyleroma.api.openapi.types import EMPTY_OBJECT, component
from pyleroma.api.pagination import link_header, read_page
from pyleroma.api.params import Params, get_params
from pyleroma.api.responses import json_response
from pyleroma.errors import Forbidden
from pyleroma.models import Account
from pyleroma.policy.permissions import is_privileged
from pyleroma.services.moderation import mastodon_admin
from pyleroma.settings import Settings
from pyleroma.urls import masto_datetime

router = APIRouter(tags=["Mastodon admin API: accounts"])

READ = ("admin:read:accounts",)
WRITE = ("admin:write:accounts",)
PAGE_SIZE, MAX_PAGE_SIZE = 100, 200  # Mastodon's

ROLES = {
    mastodon_admin.EVERYONE_ROLE: {"name": "", "permissions": "65536", "highlighted": False},
    mastodon_admin.MODERATOR_ROLE: {
        "name": "Moderator",
        "permissions": "1400",
        "highlighted": True,
    },
    mastodon_admin.ADMIN_ROLE: {"name": "Admin", "permissions": "1", "highlighted": True},
}
ROLE = obj({"id": STR, "name": STR, "permissions": STR, "color": STR, "highlighted": BOOL})
ADMIN_ACCOUNT = component(
    "MastodonAdminAccount",
    obj(
        {
            "id": ID,
            "username": STR,
            "domain": nullable(STR),
            "created_at": DATETIME,
            "email": nullable(STR),
            "ip": nullable(STR),
            "ips": arr(ANY_OBJECT),
            "locale": nullable(STR),
            "invite_request": nullable(STR),
            "role": nullable(ROLE),
            "confirmed": BOOL,
            "approved": BOOL,
            "disabled": BOOL,
            "silenced": BOOL,
            "suspended": BOOL,
            "sensitized": BOOL,
            "account": ref("Account"),
            "created_by_application_id": nullable(ID),
            "invited_by_account_id": nullable(ID),
        }
    ),
)
TEXT_FILTERS = (
    param("username", STR, "Username contains this"),
    param("display_name", STR, "Display name contains this"),
    param("email", STR, "Email contains this"),
    param("ip", STR, "Last known address (none are stored here: no account matches)"),
    param("by_domain", STR, "Accounts of this domain"),
)
V1_SWITCHES = tuple(
    param(name, BOOL, description)
    for name, description in (
        ("local", "Only local accounts"),
        ("remote", "Only remote accounts"),
        ("active", "Only active (activated, approved, confirmed) accounts"),
        ("pending", "Only registrations waiting for approval"),
        ("disabled", "Only deactivated local accounts"),
        ("silenced", "Only silenced accounts (mrf_tag:force-unlisted)"),
        ("suspended", "Only deactivated accounts"),
        ("sensitized", "Only accounts whose media are forced sensitive"),
        ("staff", "Only admins and moderators"),
    )
)
V2_FILTERS = (
    param("origin", enum(*mastodon_admin.ORIGINS)),
    param("status", enum(*mastodon_admin.STATUSES)),
    param("permissions", enum("staff")),
    param("role_ids", arr(STR), "Any of these roles: 3 admin, 2 moderator, -99 the others"),
    param("invited_by", ID_PARAM, "Invited by this account (not stored here: none match)"),
)
ANSWER = {"response": ADMIN_ACCOUNT, "errors": (401, 403, 404)}


def _role(account: Account) -> dict | None:
    role_id = mastodon_admin.role_of(account)
    return None if role_id is None else {"id": role_id, "color": "", **ROLES[role_id]}


def admin_account_to_api(account: Account, rendered: dict) -> dict:
    """Mastodon's Admin::Account around ``rendered``, the account's Account entity."""
    return {
        "id": str(account.id),
        "username": account.username,
        "domain": account.domain if not account.local else None,
        "created_at": masto_datetime(account.created_at),
        "email": account.email if account.local else None,
        "ip": None,
        "ips": [],
        "locale": None,
        "invite_request": account.registration_reason,
        "role": _role(account),
        "confirmed": account.is_confirmed,
        "approved": account.is_approved,
        "disabled": account.local and not account.is_active,
        "silenced": mastodon_admin.silenced(account),
        "suspended": not account.is_active,
        "sensitized": mastodon_admin.sensitized(account),
        "account": rendered,
        "created_by_application_id": None,
        "invited_by_account_id": None,
    }


async def admin_accounts_to_api(
    session: AsyncSession, settings: Settings, accounts: Iterable[Account], viewer: Account
) -> list[dict]:
    """Admin::Account entities, one batch for all (the accounts as ``viewer`` sees them)."""
    accounts = list(accounts)
    rendered = await accounts_to_api(session, settings, accounts, viewer)
    return [admin_account_to_api(a, r) for a, r in zip(accounts, rendered, strict=True)]


async def _one(session, settings, account: Account, viewer: Account) -> dict:
    return (await admin_accounts_to_api(session, settings, [account], viewer))[0]


async def _list(request, auth, params, session, settings, wanted) -> object:
    page = read_page(params, PAGE_SIZE, MAX_PAGE_SIZE)
    accounts = await mastodon_admin.list_accounts(session, settings, wanted, page)
    data = await admin_accounts_to_api(session, settings, accounts, auth.user)
    return json_response(data, headers=link_header(request, [a.id for a in accounts], page))


@router.get(
    "/api/v1/admin/accounts",
    **api_doc(
        query=[*V1_SWITCHES, *TEXT_FILTERS, *PAGE],
        response=arr(ADMIN_ACCOUNT),
        paged=True,
        errors=(401, 403, 422),
    ),
)
async def list_accounts_v1(
    request: Request,
    auth: AuthContext = Depends(require_admin("users_read", *READ)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Accounts, newest first, with Mastodon's v1 filters (``local=true``, ``pending=true``...)."""
    wanted = mastodon_admin.v1_filter(params)
    return await _list(request, auth, params, session, settings, wanted)


@router.get(
    "/api/v2/admin/accounts",
    **api_doc(
        query=[*V2_FILTERS, *TEXT_FILTERS, *PAGE],
        response=arr(ADMIN_ACCOUNT),
        paged=True,
        errors=(401, 403, 422),
    ),
)
async def list_accounts_v2(
    request: Request,
    auth: AuthContext = Depends(require_admin("users_read", *READ)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Accounts, newest first, with Mastodon's v2 filters (``origin``, ``status``...)."""
    wanted = mastodon_admin.v2_filter(params)
    return await _list(request, auth, params, session, settings, wanted)


@router.get("/api/v1/admin/accounts/{id}", **api_doc(**ANSWER))
async def show_account(
    id: str,
    auth: AuthContext = Depends(require_admin("users_read", *READ)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """One account as Mastodon's Admin::Account."""
    account = await mastodon_admin.get_account(session, id)
    return await _one(session, settings, account, auth.user)


ACTION_BODY = [
    param("type", enum(*mastodon_admin.ACTION_TYPES), "The action (none: only the report)"),
    param("report_id", ID_PARAM, "A report about this account, resolved with the action"),
    param("text", STR, "A warning for the account (not delivered: no account warnings here)"),
    param("warning_preset_id", STR, "Not used (no warning presets here)"),
    param("send_email_notification", BOOL, "Not used"),
]


@router.post(
    "/api/v1/admin/accounts/{id}/action",
    **api_doc(
        body=ACTION_BODY,
        example={"type": "disable", "report_id": "1"},
        response=EMPTY_OBJECT,
        errors=(400, 401, 403, 404, 422),
    ),
)
async def account_action(
    id: str,
    auth: AuthContext = Depends(require_admin("users_manage_activation_state", *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Disable, suspend, silence or mark sensitive the account; resolve ``report_id``."""
    action = params.str("type") or "none"
    account = await mastodon_admin.get_account(session, id)
    if action in ("silence", "sensitive") and not is_privileged(auth.user, "users_manage_tags"):
        raise Forbidden(NOT_PRIVILEGED)
    await mastodon_admin.moderate(
        session, settings, auth.user, account, action, params.str("report_id")
    )
    await session.commit()
    return {}


async def _changed(session, settings, auth: AuthContext, account: Account) -> dict:
    """Commit the change and answer the account as it is now."""
    await session.commit()
    return await _one(session, settings, account, auth.user)


SIMPLE = {"response": ADMIN_ACCOUNT, "errors": (401, 403, 404)}


@router.post("/api/v1/admin/accounts/{id}/enable", **api_doc(**SIMPLE))
async def enable_account(
    id: str,
    auth: AuthContext = Depends(require_admin("users_manage_activation_state", *WRITE)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Activate a disabled account."""
    account = await mastodon_admin.get_account(session, id)
    await mastodon_admin.set_active(session, auth.user, account, True)
    return await _changed(session, settings, auth, account)


@router.post("/api/v1/admin/accounts/{id}/unsuspend", **api_doc(**SIMPLE))
async def unsuspend_account(
    id: str,
    auth: AuthContext = Depends(require_admin("users_manage_activation_state", *WRITE)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Activate a suspended account (the same switch as ``enable`` here)."""
    account = await mastodon_admin.get_account(session, id)
    await mastodon_admin.set_active(session, auth.user, account, True)
    return await _changed(session, settings, auth, account)


@router.post("/api/v1/admin/accounts/{id}/unsilence", **api_doc(**SIMPLE))
async def unsilence_account(
    id: str,
    auth: AuthContext = Depends(require_admin("users_manage_tags", *WRITE)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Take the silencing tag (``mrf_tag:force-unlisted``) off the account."""
    account = await mastodon_admin.get_account(session, id)
    await mastodon_admin.unsilence(session, auth.user, account)
    return await _changed(session, settings, auth, account)


@router.post("/api/v1/admin/accounts/{id}/unsensitive", **api_doc(**SIMPLE))
async def unsensitive_account(
    id: str,
    auth: AuthContext = Depends(require_admin("users_manage_tags", *WRITE)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Take the sensitive-media tag (``mrf_tag:media-force-nsfw``) off the account."""
    account = await mastodon_admin.get_account(session, id)
    await mastodon_admin.unsensitive(session, auth.user, account)
    return await _changed(session, settings, auth, account)


@router.post("/api/v1/admin/accounts/{id}/approve", **api_doc(**SIMPLE))
async def approve_account(
    id: str,
    auth: AuthContext = Depends(require_admin("users_manage_invites", *WRITE)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Approve a pending registration (its "approved" mail goes out)."""
    account = await mastodon_admin.get_account(session, id)
    await mastodon_admin.approve(session, settings, auth.user, account)
    return await _changed(session, settings, auth, account)


@router.post(
    "/api/v1/admin/accounts/{id}/reject",
    **api_doc(response=ADMIN_ACCOUNT, errors=(400, 401, 403, 404)),
)
async def reject_account(
    id: str,
    auth: AuthContext = Depends(require_admin("users_manage_invites", *WRITE)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Reject a pending registration: the account is deleted (answered as it was)."""
    account = await mastodon_admin.get_account(session, id)
    answer = await _one(session, settings, account, auth.user)
    await mastodon_admin.reject(session, settings, auth.user, account)
    await session.commit()
    return answer


@router.delete("/api/v1/admin/accounts/{id}", **api_doc(**ANSWER))
async def delete_account(
    id: str,
    auth: AuthContext = Depends(require_admin("users_delete", *WRITE)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Delete the account: a local one is deactivated now and deleted by a job."""
    account = await mastodon_admin.get_account(session, id)
    await mastodon_admin.delete(session, settings, auth.user, account)
    return await _changed(session, settings, auth, account)
