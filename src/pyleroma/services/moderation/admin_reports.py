"""What the admin API does with reports: list and show them, change their state in a
batch, group them by reported status, and load what a page of them renders from.

Pleroma's rules (AdminAPI ReportController, ``CommonAPI.update_report_state``):
- a list is newest first, optionally of one state (open, closed, resolved), by page, with
  the number of matches;
- a state change names each report and its new state; an unknown report is ``not_found``,
  an unknown state ``Unsupported state``. Pleroma applies the good ones and reports the bad
  ones; here a batch with any bad item changes nothing (never half of a batch) and the
  answer lists the bad items only;
- each change is logged as ``report_update`` with the report (``subject``: type, id, new
  state) and, as Pleroma logs it, the report's actor (``subject_actor``: the reporter).
A report keeps its statuses' ids after they are deleted (models/report.py): those that are
gone are left out of what renders, or shown as ``deleted`` in the grouped view.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.fastread import Prepared, in_list, reader, row_type
from pyleroma.db.ids import parse_id
from pyleroma.errors import NotFound
from pyleroma.models import Account, Report, ReportNote, Status
from pyleroma.models.report import REPORT_STATES
from pyleroma.services.moderation.moderation_log import log_action, user_map
from pyleroma.services.statuses.status_batches import (
    ACCOUNT_COLUMNS,
    STATUS_COLUMNS,
    AccountRow,
    StatusRow,
)

NOT_FOUND = "Not found"


def report_subject(report: Report) -> dict:
    """The report as Pleroma's log names it."""
    return {"type": "report", "id": str(report.id), "state": report.state}


async def list_reports(
    session: AsyncSession, *, state: str | None, page: int, page_size: int
) -> tuple[list[Report], int]:
    """A page of reports, newest first, and how many match in all."""
    conditions = [Report.state == state] if state is not None else []
    total = await session.scalar(select(func.count()).select_from(Report).where(*conditions))
    rows = await session.scalars(
        select(Report)
        .where(*conditions)
        .order_by(Report.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return list(rows), total or 0


async def get_report(session: AsyncSession, report_id, *, lock: bool = False) -> Report:
    ident = parse_id(report_id)
    report = await session.get(Report, ident, with_for_update=lock) if ident is not None else None
    if report is None:
        raise NotFound(NOT_FOUND)
    return report


@dataclass
class StateChange:
    """One item of a batch: the id as sent, and the report and state once checked."""

    raw_id: object
    state: object
    report: Report | None = None
    error: str | None = None


async def update_states(session: AsyncSession, actor: Account, items: list) -> list[dict]:
    """Apply ``[{id, state}, ...]``: the errors (``[{id, error}]``, Pleroma's per-report
    answer) when any item is wrong, and then nothing is changed; else every report gets its
    state and a log entry, and the answer is []."""
    changes = []
    for item in items:
        item = item if isinstance(item, dict) else {}
        change = StateChange(raw_id=item.get("id"), state=item.get("state"))
        ident = parse_id(change.raw_id)
        change.report = (
            await session.get(Report, ident, with_for_update=True) if ident is not None else None
        )
        if change.report is None:
            change.error = "not_found"
        elif change.state not in REPORT_STATES:
            change.error = "Unsupported state"
        changes.append(change)
    errors = [
        {"id": None if c.raw_id is None else str(c.raw_id), "error": c.error}
        for c in changes
        if c.error is not None
    ]
    if errors:
        return errors
    reporters = await _accounts(session, {c.report.account_id for c in changes})
    for change in changes:
        report = change.report
        report.state = change.state
        reporter = reporters.get(report.account_id)
        await log_action(
            session,
            actor,
            "report_update",
            subject=report_subject(report),
            subject_actor=user_map(reporter) if reporter is not None else None,
        )
    await session.flush()
    return []


async def _accounts(session: AsyncSession, ids) -> dict[int, Account]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {a.id: a for a in await session.scalars(select(Account).where(Account.id.in_(wanted)))}


@dataclass
class ReportPage:
    """What a page of reports renders from, read in a fixed number of statements whatever
    its length: the accounts (reporters, reported, note authors), the reported statuses
    still there, and the notes of each report (oldest first); read-only rows
    (db/fastread.py), which the renderers read as ORM objects."""

    reports: list[Report]
    accounts: dict[int, Account] = field(default_factory=dict)
    statuses: dict[int, Status] = field(default_factory=dict)
    notes: dict[int, list[ReportNote]] = field(default_factory=dict)

    def statuses_of(self, report: Report) -> list[Status]:
        """The report's statuses that still exist, in the report's order."""
        found = (self.statuses.get(parse_id(i)) for i in report.status_ids or [])
        return [s for s in found if s is not None]


NoteRow, NOTE_COLUMNS = row_type(ReportNote)
# What a page of reports renders from, in one batch (one hop on SQLite): the notes, the
# statuses still there, and the accounts (reporters, reported, note authors) as rows.
_NOTES = Prepared(
    select(*NOTE_COLUMNS)
    .where(in_list(ReportNote.report_id, "report_ids"))
    .order_by(ReportNote.report_id, ReportNote.id)
)
_STATUSES = Prepared(select(*STATUS_COLUMNS).where(in_list(Status.id, "status_ids")))
_ACCOUNTS = Prepared(
    union_all(
        select(*ACCOUNT_COLUMNS).where(in_list(Account.id, "account_ids")),
        select(*ACCOUNT_COLUMNS).where(
            Account.id.in_(
                select(ReportNote.account_id).where(in_list(ReportNote.report_id, "report_ids"))
            )
        ),
    )
)


async def load_page(session: AsyncSession, reports: list[Report]) -> ReportPage:
    page = ReportPage(reports=list(reports))
    if not page.reports:
        return page
    status_ids = {parse_id(i) for r in page.reports for i in r.status_ids or []}
    status_ids.discard(None)
    params = {
        "report_ids": [r.id for r in page.reports],
        "account_ids": {r.account_id for r in page.reports}
        | {r.target_account_id for r in page.reports},
        "status_ids": status_ids,
    }
    batch = [(_NOTES, params), (_ACCOUNTS, params)] + ([(_STATUSES, params)] if status_ids else [])
    notes, accounts, *statuses = await (await reader(session)).run(batch)
    grouped: dict[int, list[NoteRow]] = defaultdict(list)
    for row in notes:
        note = NoteRow._make(row)
        grouped[note.report_id].append(note)
    page.notes = dict(grouped)
    page.accounts = {row[0]: AccountRow._make(row) for row in accounts}
    page.statuses = {row[0]: StatusRow._make(row) for row in (statuses[0] if statuses else ())}
    return page


@dataclass
class ReportGroup:
    """The reports naming one status (Pleroma's grouped_reports): the status (None once
    deleted), the reported account, the reporters, the reports newest first."""

    status_id: int
    status: Status | None
    account_id: int
    reports: list[Report]

    @property
    def date(self):
        return max(r.created_at for r in self.reports)

    @property
    def reporter_ids(self) -> list[int]:
        seen: list[int] = []
        for report in self.reports:
            if report.account_id not in seen:
                seen.append(report.account_id)
        return seen


async def grouped_reports(session: AsyncSession) -> tuple[list[ReportGroup], ReportPage]:
    """Every report that names statuses, grouped by status (latest report first), with the
    page they all render from."""
    reports = list(await session.scalars(select(Report).order_by(Report.id.desc())))
    reports = [r for r in reports if r.status_ids]
    page = await load_page(session, reports)
    groups: dict[int, ReportGroup] = {}
    for report in reports:  # newest first, so each group's reports are too
        for raw in report.status_ids:
            ident = parse_id(raw)
            if ident is None:
                continue
            group = groups.get(ident)
            if group is None:
                group = groups[ident] = ReportGroup(
                    ident, page.statuses.get(ident), report.target_account_id, []
                )
            if report not in group.reports:
                group.reports.append(report)
    ordered = sorted(groups.values(), key=lambda g: (g.date, g.status_id), reverse=True)
    return ordered, page
