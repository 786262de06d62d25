"""Announcements as the admin API manages them (Pleroma's ``AdminAPI.AnnouncementController``).

The admin writes the content as plain text, as in Pleroma (``format_input`` of text/plain):
it is stored as the HTML users get (escaped, links, known local ``@mentions`` and hashtags,
line breaks), and shown back to the admin as ``pleroma.raw_content``, the text of that
HTML (we keep no second copy of the text). ``starts_at`` / ``ends_at`` are ISO 8601 times
(UTC when they name no offset) or null for an open window; ``all_day`` says clients show
dates only.

Unlike the Mastodon list, the admin list holds every announcement, in creation order, paged
by ``limit`` (20) and ``offset``. The Mastodon ``GET /api/v1/announcements`` reads the same
rows, so a change shows there at once. Nothing here commits: the router does.

Each change adds its moderation log entry (``announcement_create``, ``_update``,
``_delete``, with ``subject`` {type: "announcement", id}) once its checks passed, in the
change's transaction; Pleroma logs none of them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id, parse_id
from pyleroma.errors import BadRequest, NotFound, Unprocessable
from pyleroma.models import Account, Announcement
from pyleroma.services.instance.announcements import announcements_to_api
from pyleroma.services.moderation.moderation_log import log_action
from pyleroma.services.text.formatting import format_plain_text, html_to_text
from pyleroma.settings import Settings

MAX_CONTENT = 10_000
NOT_FOUND = "Not found"
# What a PATCH may change; a field left out keeps its value.
FIELDS = ("content", "starts_at", "ends_at", "all_day")


def parse_time(value: object, name: str) -> dt.datetime | None:
    """An ISO 8601 time as naive UTC (the database's convention); None for null or "".
    400 for anything else, as Pleroma's schema validation answers."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{name}: must be an ISO 8601 date and time")
    try:
        parsed = dt.datetime.fromisoformat(value.strip().upper().replace("Z", "+00:00"))
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):  # OverflowError: an offset past year 1 or 9999
        raise BadRequest(f"{name}: must be an ISO 8601 date and time") from None
    return parsed


async def list_page(session: AsyncSession, limit: int, offset: int) -> list[Announcement]:
    rows = await session.scalars(
        select(Announcement).order_by(Announcement.id).offset(offset).limit(limit)
    )
    return list(rows)


async def get_announcement(session: AsyncSession, announcement_id: str) -> Announcement:
    ident = parse_id(announcement_id)
    found = await session.get(Announcement, ident) if ident is not None else None
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


async def _content_html(session: AsyncSession, settings: Settings, text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        raise Unprocessable("content: can't be blank")
    if len(text) > MAX_CONTENT:
        raise Unprocessable(f"content: is too long (maximum is {MAX_CONTENT} characters)")
    return (await format_plain_text(session, settings, text.strip())).html


def _check_window(announcement: Announcement) -> None:
    starts_at, ends_at = announcement.starts_at, announcement.ends_at
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise Unprocessable("ends_at: must be after starts_at")


def _subject(announcement: Announcement) -> dict:
    return {"type": "announcement", "id": str(announcement.id)}


async def create_announcement(
    session: AsyncSession, settings: Settings, actor: Account, changes: dict
) -> Announcement:
    """``changes`` holds the checked values of FIELDS (``content`` required)."""
    announcement = Announcement(
        id=new_id(),
        content=await _content_html(session, settings, changes.get("content")),
        starts_at=changes.get("starts_at"),
        ends_at=changes.get("ends_at"),
        all_day=bool(changes.get("all_day") or False),
    )
    _check_window(announcement)
    session.add(announcement)
    await session.flush()
    await log_action(session, actor, "announcement_create", subject=_subject(announcement))
    return announcement


async def update_announcement(
    session: AsyncSession, settings: Settings, actor: Account, announcement_id: str, changes: dict
) -> Announcement:
    """Apply the FIELDS present in ``changes`` (a time given as None clears it); logged
    when any was given."""
    announcement = await get_announcement(session, announcement_id)
    if "content" in changes:
        announcement.content = await _content_html(session, settings, changes["content"])
    for name in ("starts_at", "ends_at"):
        if name in changes:
            setattr(announcement, name, changes[name])
    if changes.get("all_day") is not None:
        announcement.all_day = bool(changes["all_day"])
    _check_window(announcement)
    announcement.updated_at = utcnow()
    await session.flush()
    if changes:
        await log_action(session, actor, "announcement_update", subject=_subject(announcement))
    return announcement


async def delete_announcement(session: AsyncSession, actor: Account, announcement_id: str) -> None:
    """The announcement, with its dismissals and reactions (cascade); 404 when unknown."""
    announcement = await get_announcement(session, announcement_id)
    subject = _subject(announcement)
    await session.execute(delete(Announcement).where(Announcement.id == announcement.id))
    await log_action(session, actor, "announcement_delete", subject=subject)


async def render_admin(session: AsyncSession, announcements: list[Announcement]) -> list[dict]:
    """Pleroma's admin ``AnnouncementView``: the Mastodon entity without ``read`` (there is
    no viewer), with ``pleroma.raw_content``."""
    rendered = await announcements_to_api(session, announcements, None)
    for data, announcement in zip(rendered, announcements, strict=True):
        data.pop("read", None)
        data["pleroma"] = {"raw_content": html_to_text(announcement.content)}
    return rendered
