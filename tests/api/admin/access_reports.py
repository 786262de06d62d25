"""Access-table rows for the reports routes of api/admin/reports.py: all allowed to
moderators (Pleroma's default ``reports_manage_reports``)."""

from __future__ import annotations

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.models import Account, ReportNote
from pyleroma.services.moderation.reports import ReportDraft, create_report
from tests.api.admin.access_table import Route


async def make_report(factory, app, comment: str = "spam", **draft):
    """A report by a new account about another new one, made as the Mastodon API makes it."""
    reporter = await factory.account()
    target = await factory.account()
    async with app.state.sessionmaker() as session:
        reporter = await session.get(Account, reporter.id)
        report, _ = await create_report(
            session,
            app.state.settings,
            reporter,
            ReportDraft(account_id=str(target.id), comment=comment, **draft),
        )
        return report


async def _report(factory, app) -> dict:
    report = await make_report(factory, app)
    async with app.state.sessionmaker() as session:
        note = ReportNote(id=new_id(), report_id=report.id, content="a note", created_at=utcnow())
        session.add(note)
        await session.commit()
    return {"report_id": report.id, "note_id": note.id}


ROUTES = [
    Route("GET", "/reports", moderator=True),
    Route("GET", "/grouped_reports", moderator=True),
    Route("GET", "/reports/{report_id}", moderator=True, setup=_report),
    Route(
        "PATCH",
        "/reports",
        {"reports": [{"id": "{report_id}", "state": "resolved"}]},
        moderator=True,
        setup=_report,
        ok=(204,),
    ),
    Route(
        "POST",
        "/reports/{report_id}/notes",
        {"content": "looked at it"},
        moderator=True,
        setup=_report,
        ok=(204,),
    ),
    *(
        Route(
            method,
            "/reports/{report_id}/notes/{note_id}",
            moderator=True,
            setup=_report,
            ok=(204,),
        )
        for method in ("DELETE", "POST")  # Pleroma's method and the document's
    ),
]
