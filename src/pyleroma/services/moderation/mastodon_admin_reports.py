"""Mastodon's admin API over our reports (``/api/v1/admin/reports``, as pl and Rebased).

- A report is *resolved* (Mastodon's ``action_taken``) in any state but ``open``
  (``resolved`` or Pleroma's ``closed``); ``resolve`` sets ``resolved``, ``reopen`` ``open``.
  A change of state is logged as Pleroma's ``report_update`` (the report as ``subject``,
  its reporter as ``subject_actor``); setting the state it already has changes and logs
  nothing.
- A list is newest first, by ``max_id`` / ``since_id`` / ``min_id``: the unresolved reports
  unless ``resolved`` is asked (both ``resolved`` and ``unresolved``: all of them), of one
  reporter (``account_id``), one reported account (``target_account_id``) or one domain
  (``by_target_domain``).
- ``update`` changes the category. Reports keep no instance rules here (Mastodon's
  ``rule_ids`` have no column), so naming rules is refused (422) rather than dropped.
- Assigning a report to a moderator is not possible either: there is no column for it.
Everything joins the caller's transaction (the router commits).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.fastread import Prepared, in_list, reader
from pyleroma.db.ids import parse_id
from pyleroma.db.paging import Page, in_display_order, paginate
from pyleroma.errors import NotFound, Unprocessable
from pyleroma.models import Account, Report, Status
from pyleroma.models.report import REPORT_CATEGORIES
from pyleroma.services.moderation.moderation_log import log_action, user_map
from pyleroma.services.statuses.status_batches import (
    ACCOUNT_COLUMNS,
    STATUS_COLUMNS,
    AccountRow,
    StatusRow,
)

ASSIGN_NOT_SUPPORTED = "Assigning reports is not supported"
RULES_NOT_SUPPORTED = "rule_ids: reports name no rules here (not supported)"


@dataclass
class ReportFilter:
    resolved: bool | None = False  # None: every report
    account_id: int | None = None
    target_account_id: int | None = None
    by_target_domain: str | None = None


def _id_or_none(value, name: str) -> int | None:
    if value is None or value == "":
        return None
    ident = parse_id(value)
    if ident is None:
        raise Unprocessable(f"{name}: must be an id")
    return ident


def report_filter(
    resolved: bool | None, unresolved: bool | None, account_id, target_account_id, domain
) -> ReportFilter:
    """Mastodon's parameters: unresolved reports by default, ``resolved`` ones when asked,
    all of them with both switches on."""
    state = None if resolved and unresolved else bool(resolved)
    return ReportFilter(
        resolved=state,
        account_id=_id_or_none(account_id, "account_id"),
        target_account_id=_id_or_none(target_account_id, "target_account_id"),
        by_target_domain=(domain or "").strip().lower() or None,
    )


async def list_reports(session: AsyncSession, wanted: ReportFilter, page: Page) -> list[Report]:
    conditions = []
    if wanted.resolved is not None:
        conditions.append(Report.state != "open" if wanted.resolved else Report.state == "open")
    if wanted.account_id is not None:
        conditions.append(Report.account_id == wanted.account_id)
    if wanted.target_account_id is not None:
        conditions.append(Report.target_account_id == wanted.target_account_id)
    if wanted.by_target_domain:
        targets = select(Account.id).where(func.lower(Account.domain) == wanted.by_target_domain)
        conditions.append(Report.target_account_id.in_(targets))
    stmt = paginate(select(Report).where(*conditions), Report.id, page)
    return in_display_order(list((await session.scalars(stmt)).all()), page)


async def get_report(session: AsyncSession, ident, *, lock: bool = False) -> Report:
    report_id = parse_id(ident)
    report = (
        await session.get(Report, report_id, with_for_update=lock)
        if report_id is not None
        else None
    )
    if report is None:
        raise NotFound()
    return report


async def set_state(session: AsyncSession, actor: Account, report: Report, state: str) -> None:
    """Give ``report`` its new state and log it (nothing when it has that state already)."""
    if report.state == state:
        return
    report.state = state
    reporter = await session.get(Account, report.account_id)
    await log_action(
        session,
        actor,
        "report_update",
        subject={"type": "report", "id": str(report.id), "state": state},
        subject_actor=user_map(reporter) if reporter is not None else None,
    )


async def update(
    session: AsyncSession, actor: Account, report: Report, category: str | None, rule_ids: list
) -> None:
    """Mastodon's ``PUT /reports/:id``: a new category (spam, violation, other)."""
    if rule_ids:
        raise Unprocessable(RULES_NOT_SUPPORTED)
    if category is None or category == report.category:
        return
    if category not in REPORT_CATEGORIES:
        raise Unprocessable(f"category: must be one of {', '.join(REPORT_CATEGORIES)}")
    report.category = category
    reporter = await session.get(Account, report.account_id)
    await log_action(
        session,
        actor,
        "report_update",
        subject={"type": "report", "id": str(report.id), "state": report.state},
        subject_actor=user_map(reporter) if reporter is not None else None,
    )


@dataclass
class ReportPage:
    """What a page of reports renders from: its reports, their reporters and reported
    accounts, and the reported statuses still there (by id)."""

    reports: list[Report]
    accounts: dict[int, Account]
    statuses: dict[int, Status]

    def statuses_of(self, report: Report) -> list[Status]:
        return [self.statuses[i] for i in report.status_ids or [] if i in self.statuses]


_ACCOUNTS = Prepared(select(*ACCOUNT_COLUMNS).where(in_list(Account.id, "account_ids")))
_STATUSES = Prepared(select(*STATUS_COLUMNS).where(in_list(Status.id, "status_ids")))


async def load_page(session: AsyncSession, reports: list[Report]) -> ReportPage:
    """One batch whatever the page's length (one hop on SQLite): the accounts and the
    statuses, as read-only rows (db/fastread.py)."""
    account_ids = {r.account_id for r in reports} | {r.target_account_id for r in reports}
    status_ids = {int(i) for r in reports for i in r.status_ids or []}
    params = {"account_ids": account_ids, "status_ids": status_ids}
    batch = ([(_ACCOUNTS, params)] if account_ids else []) + (
        [(_STATUSES, params)] if status_ids else []
    )
    results = await (await reader(session)).run(batch) if batch else []
    found = iter(results)
    accounts = {row[0]: AccountRow._make(row) for row in next(found)} if account_ids else {}
    statuses = {row[0]: StatusRow._make(row) for row in next(found)} if status_ids else {}
    return ReportPage(reports=reports, accounts=accounts, statuses=statuses)
