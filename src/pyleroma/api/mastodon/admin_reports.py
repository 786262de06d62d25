"""Mastodon admin API: reports (``/api/v1/admin/reports``), as the Pleroma forks pl and
Rebased serve it.

Access as Pleroma's admin API: the ``reports_manage_reports`` privilege (admins, and
moderators by Pleroma's defaults), then the token's ``admin:read:reports`` or
``admin:write:reports``. The rules are services/moderation/mastodon_admin_reports.py.

The entity is Mastodon's Admin::Report: the reporter and the reported account as
Admin::Account (api/mastodon/admin_accounts.py), the reported statuses still there as
Status entities (for no viewer, as Pleroma's admin views), ``rules`` empty and
``assigned_account`` / ``action_taken_by_account`` null (neither is stored here). A page
renders from a fixed number of statements whatever its length.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.admin.deps import require_admin
from pyleroma.api.deps import AuthContext, get_session, get_settings
from pyleroma.api.mastodon.admin_accounts import ADMIN_ACCOUNT, admin_accounts_to_api
from pyleroma.api.mastodon.render_statuses import statuses_to_api
from pyleroma.api.openapi import (
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
from pyleroma.api.openapi.types import component
from pyleroma.api.pagination import link_header, read_page
from pyleroma.api.params import Params, get_params
from pyleroma.api.responses import json_response
from pyleroma.errors import Unprocessable
from pyleroma.models import Account, Report
from pyleroma.models.report import REPORT_CATEGORIES
from pyleroma.services.moderation import mastodon_admin_reports as reports
from pyleroma.settings import Settings
from pyleroma.urls import masto_datetime

router = APIRouter(tags=["Mastodon admin API: reports"])

READ = ("admin:read:reports",)
WRITE = ("admin:write:reports",)
PRIVILEGE = "reports_manage_reports"
PAGE_SIZE, MAX_PAGE_SIZE = 100, 200  # Mastodon's

ADMIN_REPORT = component(
    "MastodonAdminReport",
    obj(
        {
            "id": ID,
            "action_taken": BOOL,
            "action_taken_at": nullable(DATETIME),
            "category": STR,
            "comment": STR,
            "forwarded": BOOL,
            "created_at": DATETIME,
            "updated_at": DATETIME,
            "account": ADMIN_ACCOUNT,
            "target_account": ADMIN_ACCOUNT,
            "assigned_account": nullable(ADMIN_ACCOUNT),
            "action_taken_by_account": nullable(ADMIN_ACCOUNT),
            "statuses": arr(ref("Status")),
            "rules": arr(ref("Rule")),
        }
    ),
)
ANSWER = {"response": ADMIN_REPORT, "errors": (401, 403, 404)}


def _report_to_api(
    report: Report, page: reports.ReportPage, accounts: dict[int, dict], statuses: dict[int, dict]
) -> dict:
    resolved = report.state != "open"
    return {
        "id": str(report.id),
        "action_taken": resolved,
        # The last change of a resolved report: when it was resolved, as pl answers.
        "action_taken_at": masto_datetime(report.updated_at) if resolved else None,
        "category": report.category,
        "comment": report.comment or "",
        "forwarded": report.forward,
        "created_at": masto_datetime(report.created_at),
        "updated_at": masto_datetime(report.updated_at),
        "account": accounts[report.account_id],
        "target_account": accounts[report.target_account_id],
        "assigned_account": None,
        "action_taken_by_account": None,
        "statuses": [statuses[s.id] for s in page.statuses_of(report) if s.id in statuses],
        "rules": [],
    }


async def reports_to_api(
    session: AsyncSession, settings: Settings, found: list[Report], viewer: Account
) -> list[dict]:
    page = await reports.load_page(session, found)
    accounts = list(page.accounts.values())
    rendered = await admin_accounts_to_api(session, settings, accounts, viewer)
    by_id = {account.id: data for account, data in zip(accounts, rendered, strict=True)}
    statuses = await statuses_to_api(session, settings, list(page.statuses.values()), None)
    statuses_by_id = {int(data["id"]): data for data in statuses}
    return [_report_to_api(r, page, by_id, statuses_by_id) for r in page.reports]


async def _one(session, settings, report: Report, viewer: Account) -> dict:
    return (await reports_to_api(session, settings, [report], viewer))[0]


@router.get(
    "/api/v1/admin/reports",
    **api_doc(
        query=[
            param("resolved", BOOL, "Only resolved reports (default: only unresolved ones)"),
            param("unresolved", BOOL, "With resolved: every report"),
            param("account_id", ID_PARAM, "Reports by this account"),
            param("target_account_id", ID_PARAM, "Reports about this account"),
            param("by_target_domain", STR, "Reports about accounts of this domain"),
            *PAGE,
        ],
        response=arr(ADMIN_REPORT),
        paged=True,
        errors=(401, 403, 422),
    ),
)
async def list_reports(
    request: Request,
    auth: AuthContext = Depends(require_admin(PRIVILEGE, *READ)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Reports, newest first: the unresolved ones unless ``resolved`` is asked."""
    wanted = reports.report_filter(
        params.bool("resolved"),
        params.bool("unresolved"),
        params.raw("account_id"),
        params.raw("target_account_id"),
        params.str("by_target_domain"),
    )
    page = read_page(params, PAGE_SIZE, MAX_PAGE_SIZE)
    found = await reports.list_reports(session, wanted, page)
    data = await reports_to_api(session, settings, found, auth.user)
    return json_response(data, headers=link_header(request, [r.id for r in found], page))


@router.get("/api/v1/admin/reports/{id}", **api_doc(**ANSWER))
async def show_report(
    id: str,
    auth: AuthContext = Depends(require_admin(PRIVILEGE, *READ)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """One report as Mastodon's Admin::Report."""
    report = await reports.get_report(session, id)
    return await _one(session, settings, report, auth.user)


async def _set_state(id, auth, session, settings, state: str) -> dict:
    report = await reports.get_report(session, id, lock=True)
    await reports.set_state(session, auth.user, report, state)
    await session.commit()
    return await _one(session, settings, report, auth.user)


@router.post("/api/v1/admin/reports/{id}/resolve", **api_doc(**ANSWER))
async def resolve_report(
    id: str,
    auth: AuthContext = Depends(require_admin(PRIVILEGE, *WRITE)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Mark the report resolved (no action on the account)."""
    return await _set_state(id, auth, session, settings, "resolved")


@router.post("/api/v1/admin/reports/{id}/reopen", **api_doc(**ANSWER))
async def reopen_report(
    id: str,
    auth: AuthContext = Depends(require_admin(PRIVILEGE, *WRITE)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Open a resolved report again."""
    return await _set_state(id, auth, session, settings, "open")


NOT_SUPPORTED = {"response": ADMIN_REPORT, "errors": (401, 403, 404, 422)}


@router.post("/api/v1/admin/reports/{id}/assign_to_self", **api_doc(**NOT_SUPPORTED))
async def assign_report(
    id: str,
    auth: AuthContext = Depends(require_admin(PRIVILEGE, *WRITE)),
    session: AsyncSession = Depends(get_session),
):
    """Not supported: reports have no assignee here (always a 422 for a report)."""
    await reports.get_report(session, id)
    raise Unprocessable(reports.ASSIGN_NOT_SUPPORTED)


@router.post("/api/v1/admin/reports/{id}/unassign", **api_doc(**NOT_SUPPORTED))
async def unassign_report(
    id: str,
    auth: AuthContext = Depends(require_admin(PRIVILEGE, *WRITE)),
    session: AsyncSession = Depends(get_session),
):
    """Not supported: reports have no assignee here (always a 422 for a report)."""
    await reports.get_report(session, id)
    raise Unprocessable(reports.ASSIGN_NOT_SUPPORTED)


@router.put(
    "/api/v1/admin/reports/{id}",
    **api_doc(
        body=[
            param("category", enum(*REPORT_CATEGORIES)),
            param("rule_ids", arr(STR), "Not supported: must be empty (no rules are stored)"),
        ],
        example={"category": "spam"},
        response=ADMIN_REPORT,
        errors=(401, 403, 404, 422),
    ),
)
async def update_report(
    id: str,
    auth: AuthContext = Depends(require_admin(PRIVILEGE, *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Change the report's category."""
    report = await reports.get_report(session, id, lock=True)
    category = params.str("category") or None
    await reports.update(session, auth.user, report, category, params.str_list("rule_ids"))
    await session.commit()
    return await _one(session, settings, report, auth.user)
