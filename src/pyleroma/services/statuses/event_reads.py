"""What the pl fork's event routes read: the events an account joined, an event's
participants and its pending requests, and the event as an iCalendar file.

- ``joined_events``: the events the account asked to join (any state, or one ``state``),
  newest participation first and paged by the participation's id, as the pl fork pages its
  Joins; ``recent`` keeps the events that are not over yet. Events the account may no
  longer see are left out.
- ``participants``: the accepted participants the viewer may be shown (not the accounts
  they block, not deactivated ones), oldest first, as the pl fork's list.
- ``participation_requests``: the organiser's pending requests, paged by participation id.
- ``event_ics``: a VCALENDAR with one VEVENT (the pl fork's fields: SUMMARY, DESCRIPTION,
  DTSTART, DTEND, ORGANIZER, UID, URL, LOCATION and GEO when there is a place), made with
  the icalendar library so calendar applications read it.
"""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar, vGeo
from icalendar import Event as VEvent
from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.db.paging import Page, in_display_order, paginate
from pyleroma.errors import Unprocessable
from pyleroma.models import Account, Block, Event, EventParticipation, Status
from pyleroma.models.event import ACCEPTED, PENDING, REJECTED
from pyleroma.policy.visibility import visible_filter
from pyleroma.services.text.formatting import html_to_text
from pyleroma.settings import Settings
from pyleroma.urls import status_uri, status_url

# The pl fork's join states, as a client filters by them, and ours.
JOIN_STATE_FILTER = {"pending": PENDING, "accept": ACCEPTED, "reject": REJECTED}


def check_join_state(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if value not in JOIN_STATE_FILTER:
        raise Unprocessable(f"state must be one of {', '.join(JOIN_STATE_FILTER)}")
    return JOIN_STATE_FILTER[value]


async def joined_events(
    session: AsyncSession,
    account: Account,
    page: Page,
    *,
    state: str | None = None,
    recent: bool = False,
) -> list[tuple[int, Status]]:
    """(participation id, event status) pairs, newest participation first."""
    stmt = (
        select(EventParticipation.id, Status)
        .join(Status, Status.id == EventParticipation.status_id)
        .join(Event, Event.status_id == Status.id)
        .where(EventParticipation.account_id == account.id, visible_filter(account.id))
    )
    if state is not None:
        stmt = stmt.where(EventParticipation.state == state)
    if recent:
        now = utcnow()
        stmt = stmt.where(
            or_(
                Event.end_time >= now,
                Event.end_time.is_(None) & (Event.start_time >= now - dt.timedelta(days=1)),
            )
        )
    rows = (await session.execute(paginate(stmt, EventParticipation.id, page))).all()
    return [(row[0], row[1]) for row in in_display_order(rows, page)]


async def participants(
    session: AsyncSession, status: Status, viewer: Account | None
) -> list[Account]:
    """The accepted participants of the event, oldest first."""
    stmt = (
        select(Account)
        .join(EventParticipation, EventParticipation.account_id == Account.id)
        .where(
            EventParticipation.status_id == status.id,
            EventParticipation.state == ACCEPTED,
            Account.is_active.is_(True),
        )
        .order_by(EventParticipation.id)
    )
    if viewer is not None:
        stmt = stmt.where(
            ~exists().where(Block.account_id == viewer.id, Block.target_id == Account.id)
        )
    return list((await session.scalars(stmt)).all())


async def participation_requests(
    session: AsyncSession, status: Status, page: Page
) -> list[tuple[EventParticipation, Account]]:
    """The pending requests of the event, newest first, paged by participation id."""
    stmt = (
        select(EventParticipation, Account)
        .join(Account, Account.id == EventParticipation.account_id)
        .where(EventParticipation.status_id == status.id, EventParticipation.state == PENDING)
    )
    rows = (await session.execute(paginate(stmt, EventParticipation.id, page))).all()
    return [(row[0], row[1]) for row in in_display_order(rows, page)]


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC)


def _place_line(location: dict) -> str:
    parts = [
        location.get(key)
        for key in ("name", "street", "postal_code", "locality", "region", "country")
    ]
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    return ", ".join(seen)


def event_ics(settings: Settings, status: Status, event: Event, organiser: Account) -> bytes:
    """The event as an iCalendar file (text/calendar)."""
    calendar = Calendar()
    calendar.add("prodid", "-//pyleroma//events//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    vevent = VEvent()
    vevent.add("uid", status_uri(settings, status))
    vevent.add("dtstamp", _utc(event.updated_at or status.created_at))
    vevent.add("summary", event.name)
    vevent.add("description", html_to_text(status.content or ""))
    if event.start_time is not None:
        vevent.add("dtstart", _utc(event.start_time))
    if event.end_time is not None:
        vevent.add("dtend", _utc(event.end_time))
    vevent.add("organizer", organiser.display_name or organiser.username)
    vevent.add("url", status_url(settings, status))
    if event.location:
        line = _place_line(event.location)
        if line:
            vevent.add("location", line)
        latitude, longitude = event.location.get("latitude"), event.location.get("longitude")
        if latitude is not None and longitude is not None:
            vevent.add("geo", vGeo((float(latitude), float(longitude))))
    calendar.add_component(vevent)
    return calendar.to_ical()
