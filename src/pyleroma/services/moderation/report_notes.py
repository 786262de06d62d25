"""Notes staff leave on a report (Pleroma's ``ReportNote``): add one, delete one.

Each is logged as Pleroma logs it (``report_note`` / ``report_note_delete``: the report as
``subject``, its reporter as ``subject_actor``, the note's text as ``text``) in the
caller's transaction; the caller commits. Any staff member allowed to manage reports may
delete any note, as in Pleroma.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id, parse_id
from pyleroma.errors import NotFound, Unprocessable
from pyleroma.models import Account, Report, ReportNote
from pyleroma.services.moderation.admin_reports import NOT_FOUND, report_subject
from pyleroma.services.moderation.moderation_log import log_action, user_map

MAX_NOTE_LENGTH = 10_000


def check_content(content: str | None) -> str:
    content = (content or "").strip()
    if not content:
        raise Unprocessable("content: can't be blank")
    if len(content) > MAX_NOTE_LENGTH:
        raise Unprocessable(f"content: is too long (maximum is {MAX_NOTE_LENGTH} characters)")
    return content


async def _log(session, actor: Account, action: str, report: Report, text: str) -> None:
    reporter = await session.get(Account, report.account_id)
    await log_action(
        session,
        actor,
        action,
        subject=report_subject(report),
        subject_actor=user_map(reporter) if reporter is not None else None,
        text=text,
    )


async def add_note(
    session: AsyncSession, actor: Account, report: Report, content: str
) -> ReportNote:
    note = ReportNote(
        id=new_id(),
        report_id=report.id,
        account_id=actor.id,
        content=check_content(content),
        created_at=utcnow(),
    )
    session.add(note)
    await _log(session, actor, "report_note", report, note.content)
    await session.flush()
    return note


async def delete_note(session: AsyncSession, actor: Account, report: Report, note_id) -> None:
    """Delete a note of ``report``; one of another report, or none, is 404."""
    ident = parse_id(note_id)
    note = await session.get(ReportNote, ident) if ident is not None else None
    if note is None or note.report_id != report.id:
        raise NotFound(NOT_FOUND)
    text = note.content
    await session.delete(note)
    await _log(session, actor, "report_note_delete", report, text)
    await session.flush()
