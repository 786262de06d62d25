"""Reports (Pleroma's Flag): an account flags another account and some of its statuses.

The rules, as Pleroma's CommonAPI.report with Mastodon's additions:
- the reported account must exist (422 "Account not found") and may not be the reporter;
- each status id must be a status of the reported account that the reporter may see
  (Pleroma drops the others silently; we say which one is wrong, 422, so a client bug shows);
- the comment is at most ``settings.max_report_comment_size`` characters (Pleroma's
  :max_report_comment_size and message);
- ``forward``: a remote reported account's server gets the report too, as a Flag
  (activities/handlers/reports.py); ``category`` is Mastodon's spam / violation / other
  (default other).
Reports are stored open, for the admin API to list and resolve. The report is a Flag
activity run through the pipeline, so the row and its delivery are one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities import pipeline
from pyleroma.activities.build import build_flag
from pyleroma.activities.context import PipelineContext
from pyleroma.db.ids import parse_id
from pyleroma.errors import Unprocessable
from pyleroma.models import Account, Report, Status
from pyleroma.models.report import REPORT_CATEGORIES
from pyleroma.policy.visibility import visible_filter
from pyleroma.settings import Settings

MAX_REPORTED_STATUSES = 100


@dataclass
class ReportDraft:
    account_id: object
    status_ids: list = field(default_factory=list)
    comment: str | None = None
    forward: bool = False
    category: str | None = None


async def check_target(session: AsyncSession, reporter: Account, account_id) -> Account:
    ident = parse_id(account_id)
    target = await session.get(Account, ident) if ident is not None else None
    if target is None:
        raise Unprocessable("Account not found")
    if target.id == reporter.id:
        raise Unprocessable("You cannot report yourself")
    return target


def check_comment(settings: Settings, comment: str | None) -> str:
    comment = comment or ""
    limit = settings.max_report_comment_size
    if len(comment) > limit:
        raise Unprocessable(f"Comment must be up to {limit} characters")
    return comment


def check_category(category: str | None) -> str:
    if category is None or category == "":
        return "other"
    if category not in REPORT_CATEGORIES:
        raise Unprocessable(f"category: must be one of {', '.join(REPORT_CATEGORIES)}")
    return category


async def check_statuses(
    session: AsyncSession, reporter: Account, target: Account, raw_ids: list
) -> list[int]:
    """The reported statuses' ids, in the order given, without repeats; all must be the
    target's and visible to the reporter."""
    ids: list[int] = []
    for raw in raw_ids:
        ident = parse_id(raw)
        if ident is None:
            raise Unprocessable(f"status_ids: {raw!s} is not a valid id")
        if ident not in ids:
            ids.append(ident)
    if len(ids) > MAX_REPORTED_STATUSES:
        raise Unprocessable(f"status_ids: at most {MAX_REPORTED_STATUSES} statuses")
    if not ids:
        return []
    found = set(
        (
            await session.execute(
                select(Status.id).where(
                    Status.id.in_(ids),
                    Status.account_id == target.id,
                    visible_filter(reporter.id),
                )
            )
        ).scalars()
    )
    for ident in ids:
        if ident not in found:
            raise Unprocessable(f"status_ids: status {ident} not found for this account")
    return ids


async def create_report(
    session: AsyncSession, settings: Settings, reporter: Account, draft: ReportDraft
) -> tuple[Report, Account]:
    """Validate and store a report (forwarded as a Flag when asked and the account is
    remote); answers it with the reported account. Commits."""
    target = await check_target(session, reporter, draft.account_id)
    comment = check_comment(settings, draft.comment)
    category = check_category(draft.category)
    status_ids = await check_statuses(session, reporter, target, draft.status_ids)
    flag = build_flag(
        settings,
        reporter,
        target,
        status_ids=status_ids,
        comment=comment,
        category=category,
        forward=bool(draft.forward),
    )
    report = await pipeline.run(PipelineContext(session, settings), flag)
    return report, target
