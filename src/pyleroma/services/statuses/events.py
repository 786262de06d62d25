"""Events (the pl fork's ``/api/v1/pleroma/events`` routes call these): making one,
editing it, joining and leaving one, and the organiser's answer to a participation
request. Reads (lists, the ICS file) are in event_reads.py, places in event_locations.py.

Everything goes through the activity pipeline (activities/handlers/events.py): an event
is a post made with its event fields (its Create carries an Event), an edit is the post's
Update with the new event fields, a Join of an event of ours is accepted at once when it
is ``free`` (or the joiner was invited to an ``invite`` event), and a Join or Leave of a
remote event is delivered to its organiser, whose Accept or Reject arrives later through
the inbox.

The pl fork's answers are kept: an event ending before it starts is 422 "Event can't end
before its start"; the organiser joining or leaving their own event is 400; leaving an
event one is not in is 400 "Not participating in the event"; answering a request of an
event one does not organise is 403; a repeated Join changes nothing and answers as the
first did.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities import pipeline
from pyleroma.activities.activity import Activity
from pyleroma.activities.build import build_create, build_update
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.handlers.events import mentioned, participation_of
from pyleroma.db.ids import new_id
from pyleroma.errors import BadRequest, Forbidden, NotFound, Unprocessable
from pyleroma.models import Account, Event, EventParticipation, MediaAttachment, Status
from pyleroma.models.event import PENDING
from pyleroma.policy.visibility import can_see
from pyleroma.services.statuses.posting import StatusDraft, check_draft
from pyleroma.settings import Settings
from pyleroma.urls import activity_uri

# What a client may choose: the pl fork's free and restricted, and invite (only the
# accounts the event mentions may join).
LOCAL_JOIN_MODES = ("free", "restricted", "invite")
LOCATION_KEYS = (
    "name", "url", "street", "postal_code", "locality", "region", "country", "longitude",
    "latitude",
)  # fmt: skip
MAX_NAME = 1024


def _naive_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def parse_event_time(value, name: str) -> dt.datetime | None:
    """An ISO 8601 time (``Z`` or an offset; none means UTC) as naive UTC; None when
    absent; 422 naming the parameter otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return _naive_utc(value)
    if not isinstance(value, str):
        raise Unprocessable(f"{name}: must be an ISO 8601 date-time")
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise Unprocessable(f"{name}: must be an ISO 8601 date-time") from None
    return _naive_utc(moment)


def check_timezone(value: str | None) -> str | None:
    """An IANA zone name (what the times were chosen in, for display), or None."""
    if value is None or value == "":
        return None
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise Unprocessable(f"timezone: unknown time zone {value!r}") from None
    return value


def _check_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise Unprocessable("An event needs a name")
    if len(name) > MAX_NAME:
        raise Unprocessable("The event name is too long")
    return name


def _check_join_mode(join_mode: str | None) -> str:
    if join_mode not in LOCAL_JOIN_MODES:
        raise Unprocessable(f"join_mode must be one of {', '.join(LOCAL_JOIN_MODES)}")
    return join_mode


def _check_times(start: dt.datetime | None, end: dt.datetime | None) -> None:
    if start is None:
        raise Unprocessable("An event needs a start time")
    if end is not None and end < start:
        raise Unprocessable("Event can't end before its start")


def _clean_location(location: dict | None) -> dict | None:
    if location is None:
        return None
    return {key: location.get(key) for key in LOCATION_KEYS}


async def _check_banner(session: AsyncSession, author: Account, banner_id: int | None):
    """The banner: a media attachment of the author's, not attached to another post."""
    if banner_id is None:
        return None
    media = await session.get(MediaAttachment, banner_id)
    if media is None or media.account_id != author.id:
        raise Unprocessable("banner_id: no such media attachment of yours")
    return media


async def create_event(
    session: AsyncSession,
    settings: Settings,
    author: Account,
    draft: StatusDraft,
    *,
    name: str,
    start_time: dt.datetime | None,
    end_time: dt.datetime | None = None,
    join_mode: str = "free",
    location: dict | None = None,
    timezone: str | None = None,
    banner_id: int | None = None,
) -> Status:
    """Post an event: ``draft`` is its description (a post like any other; an empty one
    takes the name as its text), the rest its event fields; the banner becomes one of the
    post's attachments. Commits."""
    name = _check_name(name)
    join_mode = _check_join_mode(join_mode or "free")
    start_time, end_time = _naive_utc(start_time), _naive_utc(end_time)
    _check_times(start_time, end_time)
    timezone = check_timezone(timezone)
    banner = await _check_banner(session, author, banner_id)
    if banner is not None and banner.id not in draft.media_ids:
        draft.media_ids = [banner.id, *draft.media_ids]
    if not (draft.text or "").strip() and not draft.media_ids:
        draft.text = name
    checked = await check_draft(session, settings, author, draft)
    activity = build_create(settings, author, checked)
    activity.options["event"] = {
        "name": name,
        "start_time": start_time,
        "end_time": end_time,
        "join_mode": join_mode,
        "location": _clean_location(location),
        "timezone": timezone,
        "banner_id": banner.id if banner is not None else None,
    }
    return await pipeline.run(PipelineContext(session, settings), activity)


@dataclass
class EventChanges:
    """What an edit asked for; None keeps the value (``location_given`` with a None
    ``location`` removes the place; an empty ``end_time`` is kept, as the pl fork)."""

    name: str | None = None
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    join_mode: str | None = None
    timezone: str | None = None
    location_given: bool = False
    location: dict | None = None
    banner_id: int | None = None


async def own_event(
    session: AsyncSession, account: Account, status: Status | None
) -> tuple[Status, Event]:
    """``status`` and its event when ``account`` may see it (else NotFound) and organises
    it (else Forbidden)."""
    event = await event_of(session, account, status)
    if status.account_id != account.id:
        raise Forbidden("Access denied")
    return status, event


async def update_event(
    session: AsyncSession,
    settings: Settings,
    organiser: Account,
    status: Status,
    status_changes,
    changes: EventChanges,
) -> Status:
    """Edit the organiser's event: ``status_changes`` (status_edit.StatusChanges) for its
    description, ``changes`` for its event fields. The post's Update carries the Event;
    participants are told (``pleroma:event_update``). Commits."""
    from pyleroma.services.statuses.status_edit import check_edit

    status, event = await own_event(session, organiser, status)
    fields = {
        "name": event.name if changes.name is None else _check_name(changes.name),
        "start_time": changes.start_time or event.start_time,
        "end_time": changes.end_time or event.end_time,
        "join_mode": (
            event.join_mode if changes.join_mode is None else _check_join_mode(changes.join_mode)
        ),
        "timezone": (
            event.timezone if changes.timezone is None else check_timezone(changes.timezone)
        ),
        "location": _clean_location(changes.location) if changes.location_given else event.location,
        "banner_id": event.banner_id,
    }
    _check_times(fields["start_time"], fields["end_time"])
    if changes.banner_id is not None and changes.banner_id != event.banner_id:
        banner = await _check_banner(session, organiser, changes.banner_id)
        if banner.status_id not in (None, status.id):
            raise Unprocessable("banner_id: no such media attachment of yours")
        current = list(
            await session.scalars(
                select(MediaAttachment.id)
                .where(MediaAttachment.status_id == status.id)
                .order_by(MediaAttachment.position, MediaAttachment.id)
            )
        )
        kept = status_changes.media_ids if status_changes.media_ids is not None else current
        if banner.id not in kept:
            status_changes.media_ids = [banner.id, *kept]
        fields["banner_id"] = banner.id
    plan = await check_edit(session, settings, status, organiser, status_changes)
    activity = build_update(settings, organiser, status, plan)
    activity.options["event"] = fields
    await pipeline.run(PipelineContext(session, settings), activity)
    return status


async def event_of(session: AsyncSession, account: Account | None, status: Status | None) -> Event:
    """The event of ``status``, if ``account`` may see it; NotFound otherwise."""
    if status is None or status.reblog_of_id is not None:
        raise NotFound("Record not found")
    event = await session.get(Event, status.id)
    if event is None or not await can_see(session, account, status):
        raise NotFound("Record not found")
    return event


async def join_event(
    session: AsyncSession,
    settings: Settings,
    account: Account,
    status: Status,
    message: str | None = None,
) -> EventParticipation:
    """Join the event ``status``; a repeat returns the participation as it is. The
    organiser may not join (400); an ``invite`` event takes only the accounts it mentions
    (403). Commits."""
    event = await event_of(session, account, status)
    if status.account_id == account.id:
        raise BadRequest("Can't join your own event")
    existing = await participation_of(session, account.id, status.id)
    if existing is not None:
        return existing
    if event.join_mode == "invite" and not await mentioned(session, status.id, account.id):
        raise Forbidden("You were not invited to this event")
    row_id = new_id()
    activity = Activity(
        "Join",
        account,
        status,
        id=activity_uri(settings, row_id),
        row_id=row_id,
        options={"message": (message or "").strip()[:5000] or None},
    )
    return await pipeline.run(PipelineContext(session, settings), activity)


async def leave_event(
    session: AsyncSession, settings: Settings, account: Account, status: Status
) -> None:
    """Leave the event ``status``; 400 for its organiser and when not joined. Commits."""
    await event_of(session, account, status)
    if status.account_id == account.id:
        raise BadRequest("Can't leave your own event")
    if await participation_of(session, account.id, status.id) is None:
        raise BadRequest("Not participating in the event")
    row_id = new_id()
    activity = Activity("Leave", account, status, row_id=row_id)
    await pipeline.run(PipelineContext(session, settings), activity)


async def _answer(
    session, settings, kind: str, organiser: Account, status: Status, participant: Account
) -> EventParticipation:
    status, _event = await own_event(session, organiser, status)
    row = await participation_of(session, participant.id, status.id)
    if row is None or (kind == "Accept" and row.state != PENDING):
        raise NotFound("Record not found")
    join = Activity("Join", participant, status, id=row.activity_id, local=participant.local)
    row_id = new_id()
    activity = Activity(kind, organiser, join, id=activity_uri(settings, row_id), row_id=row_id)
    return await pipeline.run(PipelineContext(session, settings), activity)


async def authorize_participation(
    session: AsyncSession,
    settings: Settings,
    organiser: Account,
    status: Status,
    participant: Account,
) -> EventParticipation:
    """Accept ``participant``'s pending request to join ``organiser``'s event (404 when
    there is none). Commits."""
    return await _answer(session, settings, "Accept", organiser, status, participant)


async def reject_participation(
    session: AsyncSession,
    settings: Settings,
    organiser: Account,
    status: Status,
    participant: Account,
) -> EventParticipation:
    """Reject ``participant``'s request (or participation) in ``organiser``'s event.
    Commits."""
    return await _answer(session, settings, "Reject", organiser, status, participant)
