"""Flag: a report from another server about one of our accounts (Mastodon, Pleroma,
Akkoma and Misskey send a Flag to the reported account's server when the reporter asks
for it to be forwarded). It becomes a report for our moderators like a local one
(services/moderation/reports.py writes those). Local reports are not sent as Flags yet.
"""

from __future__ import annotations

from sqlalchemy import select

from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.effects import Effects
from pyleroma.db.ids import new_id
from pyleroma.models import Report
from pyleroma.services.text.formatting import html_to_text


async def handle_remote_flag(ctx: PipelineContext, activity: Activity) -> Effects:
    """Store the report: the sender is the reporter (often the other server's instance
    actor, as Mastodon keeps its users anonymous), ``object`` the local account reported,
    ``options`` the ids of its posts named and the comment (HTML made plain text, cut at
    ``max_report_comment_size``). The same Flag delivered again (same reporter, account,
    posts and comment, still open) is stored once."""
    if activity.local:
        raise ValueError("local reports are written by services/moderation/reports.py")
    session, reporter, target = ctx.session, activity.actor, activity.object
    status_ids = sorted(activity.options.get("status_ids", []))
    limit = ctx.settings.max_report_comment_size
    comment = html_to_text(activity.options.get("comment") or "").strip()[:limit]
    effects = Effects()
    open_reports = await session.scalars(
        select(Report).where(
            Report.account_id == reporter.id,
            Report.target_account_id == target.id,
            Report.state == "open",
        )
    )
    for report in open_reports:
        if report.comment == comment and sorted(report.status_ids) == status_ids:
            effects.result = report
            return effects
    report = Report(
        id=activity.row_id or new_id(),
        account_id=reporter.id,
        target_account_id=target.id,
        status_ids=status_ids,
        comment=comment,
        forward=False,
        category="other",
        state="open",
    )
    session.add(report)
    await session.flush()
    effects.result = report
    return effects
