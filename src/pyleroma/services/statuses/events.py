"""Events (the pl fork's ``/api/v1/pleroma/events`` routes, which come with the Pleroma
API, call these): making one, joining and leaving one, and the organiser's answer to a
participation request.

Everything goes through the activity pipeline (activities/handlers/events.py): an event
is a post made with its event fields (its Create carries an Event), a Join of an event of
ours is accepted at once when it is ``free``, and a Join or Leave of a remote event is
delivered to its organiser, whose Accept or Reject arrives later through the inbox.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities import pipeline
from pyleroma.activities.activity import Activity
from pyleroma.activities.build import build_create
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.handlers.events import participation_of
from pyleroma.db.ids import new_id
from pyleroma.errors import BadRequest, NotFound, Unprocessable
from pyleroma.models import Account, Event, EventParticipation, Status
from pyleroma.models.event import PENDING
from pyleroma.policy.visibility import can_see
from pyleroma.services.statuses.posting import StatusDraft, check_draft
from pyleroma.settings import Settings
from pyleroma.urls import activity_uri

# What a client may choose (the pl fork's API: free or restricted).
LOCAL_JOIN_MODES = ("free", "restricted")
LOCATION_KEYS = (
    "name", "url", "street", "postal_code", "locality", "region", "country", "longitude",
    "latitude",
)  # fmt: skip


def _naive_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


async def create_event(
    session: AsyncSession,
    settings: Settings,
    author: Account,
    draft: StatusDraft,
    *,
    name: str,
    start_time: dt.datetime,
    end_time: dt.datetime | None = None,
    join_mode: str = "free",
    location: dict | None = None,
) -> Status:
    """Post an event: ``draft`` is its description (a post like any other; an empty one
    takes the name as its text), the rest its event fields. Commits."""
    name = (name or "").strip()
    if not name:
        raise BadRequest("an event needs a name")
    if len(name) > 1024:
        raise Unprocessable("The event name is too long")
    if join_mode not in LOCAL_JOIN_MODES:
        raise BadRequest(f"join_mode must be one of {', '.join(LOCAL_JOIN_MODES)}")
    start_time, end_time = _naive_utc(start_time), _naive_utc(end_time)
    if start_time is None:
        raise BadRequest("an event needs a start time")
    if end_time is not None and end_time < start_time:
        raise Unprocessable("The event ends before it starts")
    if location is not None:
        location = {key: location.get(key) for key in LOCATION_KEYS}
    if not (draft.text or "").strip() and not draft.media_ids:
        draft.text = name
    checked = await check_draft(session, settings, author, draft)
    activity = build_create(settings, author, checked)
    activity.options["event"] = {
        "name": name,
        "start_time": start_time,
        "end_time": end_time,
        "join_mode": join_mode,
        "location": location,
    }
    status = await pipeline.run(PipelineContext(session, settings), activity)
    return status


async def _event_status(session: AsyncSession, account: Account, status: Status) -> Event:
    """The event of ``status``, if ``account`` may see it; NotFound otherwise."""
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
    """Join the event ``status``; idempotent (the participation is returned). Commits."""
    await _event_status(session, account, status)
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
    """Leave the event ``status``; BadRequest when not joined (the pl fork's answer).
    Commits."""
    await _event_status(session, account, status)
    if await participation_of(session, account.id, status.id) is None:
        raise BadRequest("Not participating in the event")
    row_id = new_id()
    activity = Activity("Leave", account, status, row_id=row_id)
    await pipeline.run(PipelineContext(session, settings), activity)


async def _answer(
    session, settings, kind: str, organiser: Account, status: Status, participant: Account
) -> EventParticipation:
    if status.account_id != organiser.id or await session.get(Event, status.id) is None:
        raise NotFound("Record not found")
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
    """Accept ``participant``'s pending request to join ``organiser``'s event. Commits."""
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


async def participations(
    session: AsyncSession, status_id: int, state: str
) -> list[EventParticipation]:
    """An event's participations in ``state``, oldest first."""
    rows = await session.scalars(
        select(EventParticipation)
        .where(EventParticipation.status_id == status_id, EventParticipation.state == state)
        .order_by(EventParticipation.id)
    )
    return list(rows)
