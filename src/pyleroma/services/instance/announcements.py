"""Instance announcements: created by admins, read, dismissed and reacted to by users.

Visible announcements are those whose window is open now (``starts_at`` before now, or none;
``ends_at`` after now, or none), as Pleroma's Announcement.list_all_visible. Each viewer
sees whether they dismissed it (``read``) and the emoji reactions with counts and ``me``.
Reaction names are unicode emoji only for now (custom emoji come with the emoji packs): a
name must be short and made of emoji code points (symbols, modifiers, joiners, keycaps).
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from sqlalchemy import and_, case, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id, parse_id
from pyleroma.db.upsert import insert_or_ignore
from pyleroma.errors import NotFound, Unprocessable
from pyleroma.models import Account, Announcement, AnnouncementDismissal, AnnouncementReaction
from pyleroma.services.text.formatting import sanitize_html
from pyleroma.urls import masto_datetime

MAX_REACTION_LENGTH = 32
# Code point categories an emoji sequence is made of: symbols (So), skin-tone modifiers
# (Sk), variation selectors and combining marks (Mn/Me: the keycap), joiners and tag
# characters (Cf). Digits, '#' and '*' only as keycap bases.
_EMOJI_CATEGORIES = {"So", "Sk", "Mn", "Me", "Cf"}
_KEYCAP_BASES = set("0123456789#*")


def _active(now: dt.datetime):
    return and_(
        or_(Announcement.starts_at.is_(None), Announcement.starts_at < now),
        or_(Announcement.ends_at.is_(None), Announcement.ends_at > now),
    )


async def create_announcement(
    session: AsyncSession,
    content: str,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    all_day: bool = False,
) -> Announcement:
    """Store an announcement (``content`` is HTML, sanitised here). Commits.

    Times are naive UTC (aware ones are converted). Raises Unprocessable for empty content
    or a window that ends before it starts.
    """
    html = sanitize_html(content or "").strip()
    if not html:
        raise Unprocessable("content: can't be blank")
    starts_at, ends_at = _naive_utc(starts_at), _naive_utc(ends_at)
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise Unprocessable("ends_at: must be after starts_at")
    announcement = Announcement(
        id=new_id(), content=html, starts_at=starts_at, ends_at=ends_at, all_day=bool(all_day)
    )
    session.add(announcement)
    await session.commit()
    return announcement


def _naive_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


async def list_visible(session: AsyncSession) -> list[Announcement]:
    """The announcements active now, oldest (by start, else publication) first."""
    result = await session.execute(
        select(Announcement)
        .where(_active(utcnow()))
        .order_by(func.coalesce(Announcement.starts_at, Announcement.published_at), Announcement.id)
    )
    return list(result.scalars())


async def get_announcement(session: AsyncSession, announcement_id, *, active: bool = False):
    """The announcement with this id (only if active now, when ``active``), else 404."""
    ident = parse_id(announcement_id)
    query = select(Announcement).where(Announcement.id == ident)
    if active:
        query = query.where(_active(utcnow()))
    announcement = (await session.execute(query)).scalar_one_or_none() if ident else None
    if announcement is None:
        raise NotFound("Record not found")
    return announcement


async def dismiss(session: AsyncSession, viewer: Account, announcement_id) -> None:
    """Mark the announcement read by ``viewer``; dismissing twice is harmless. Commits."""
    announcement = await get_announcement(session, announcement_id)
    await insert_or_ignore(
        session,
        AnnouncementDismissal,
        {"id": new_id(), "announcement_id": announcement.id, "account_id": viewer.id},
        ("announcement_id", "account_id"),
    )
    await session.commit()


def check_reaction_name(name: str) -> str:
    """A unicode emoji sequence; anything else (words, ``:shortcode:``) is a 422."""
    name = unicodedata.normalize("NFC", (name or "").strip())
    if not name:
        raise Unprocessable("name: can't be blank")
    if len(name) > MAX_REACTION_LENGTH:
        raise Unprocessable("name: is not a valid emoji")
    categories = [unicodedata.category(ch) for ch in name]
    valid = all(
        cat in _EMOJI_CATEGORIES or ch in _KEYCAP_BASES
        for ch, cat in zip(name, categories, strict=True)
    ) and any(cat in ("So", "Me") for cat in categories)
    if not valid:
        raise Unprocessable("name: is not a valid emoji (custom emoji are not supported yet)")
    return name


async def add_reaction(session: AsyncSession, viewer: Account, announcement_id, name: str):
    """React to an active announcement; reacting twice with one emoji is harmless. Commits."""
    name = check_reaction_name(name)
    announcement = await get_announcement(session, announcement_id, active=True)
    await insert_or_ignore(
        session,
        AnnouncementReaction,
        {
            "id": new_id(),
            "announcement_id": announcement.id,
            "account_id": viewer.id,
            "name": name,
        },
        ("announcement_id", "account_id", "name"),
    )
    await session.commit()


async def remove_reaction(session: AsyncSession, viewer: Account, announcement_id, name: str):
    """Withdraw the viewer's reaction; 404 when there is none (as Mastodon). Commits."""
    name = check_reaction_name(name)
    announcement = await get_announcement(session, announcement_id, active=True)
    result = await session.execute(
        delete(AnnouncementReaction).where(
            AnnouncementReaction.announcement_id == announcement.id,
            AnnouncementReaction.account_id == viewer.id,
            AnnouncementReaction.name == name,
        )
    )
    if result.rowcount == 0:
        await session.rollback()
        raise NotFound("Record not found")
    await session.commit()


async def announcements_to_api(
    session: AsyncSession, announcements: list[Announcement], viewer: Account | None
) -> list[dict]:
    """The Announcement entities, with ``read`` and reactions for ``viewer``, in two queries."""
    ids = [a.id for a in announcements]
    read: set[int] = set()
    reactions: dict[int, list[dict]] = {i: [] for i in ids}
    if ids:
        if viewer is not None:
            read = set(
                (
                    await session.execute(
                        select(AnnouncementDismissal.announcement_id).where(
                            AnnouncementDismissal.announcement_id.in_(ids),
                            AnnouncementDismissal.account_id == viewer.id,
                        )
                    )
                ).scalars()
            )
        mine = AnnouncementReaction.account_id == (viewer.id if viewer else -1)
        rows = await session.execute(
            select(
                AnnouncementReaction.announcement_id,
                AnnouncementReaction.name,
                func.count(),
                func.max(case((mine, 1), else_=0)),
                func.min(AnnouncementReaction.id),
            )
            .where(AnnouncementReaction.announcement_id.in_(ids))
            .group_by(AnnouncementReaction.announcement_id, AnnouncementReaction.name)
            .order_by(func.min(AnnouncementReaction.id))
        )
        for announcement_id, name, count, me, _first in rows:
            reactions[announcement_id].append({"name": name, "count": count, "me": bool(me)})
    return [
        {
            "id": str(a.id),
            "content": a.content,
            "starts_at": masto_datetime(a.starts_at),
            "ends_at": masto_datetime(a.ends_at),
            "all_day": a.all_day,
            "published_at": masto_datetime(a.published_at),
            "updated_at": masto_datetime(a.updated_at),
            "read": a.id in read,
            "mentions": [],
            "statuses": [],
            "tags": [],
            "emojis": [],
            "reactions": reactions[a.id],
        }
        for a in announcements
    ]
