"""Events (the pl fork of Pleroma, Mobilizon, Gancio): the Event itself, Join, Leave, and
the organiser's Accept or Reject of a Join.

An Event is a status (its text the description, its ``name`` the linked title, as any
titled post) with an ``events`` row: a remote one is stored by the remote Create handler
and its row written from the object's ``details`` (normalize_details.py) by
``handle_remote_event``, and refreshed by its Updates (``sync_event``); ours gets its row
from services/statuses/events.py through the Create (``write_local_event``), and its
Create carries an Event (``event_document``).

Participation (``event_participations``, one row per account and event), as the pl fork
handles it:

- a Join of one of our events: accepted at once when the event is ``free`` (or the joiner
  is its organiser, or an account an ``invite`` event mentions; anyone else's Join of an
  ``invite`` event is refused), and then the organiser's Accept goes back to a remote joiner; else
  pending, counted in ``participation_request_count``, and the organiser gets a
  ``pleroma:participation_request`` notification, until the organiser answers
  (services/statuses/events.py: Accept or Reject through this module);
- our Join of a remote event: pending, delivered to the organiser, whose Accept or Reject
  (federation/receive.py matches it to the row by the Join's id, or the embedded Join)
  sets the state; an Accept of a non-free event tells the participant
  (``pleroma:participation_accepted``);
- a Leave removes the row (and the counts), and ours is delivered to the organiser;
- an edit of one of our events (``apply_local_event_update``, from the Update handler)
  tells our participants and requesters (``pleroma:event_update``).

Only the organiser answers a Join (receive.py refuses an Accept or Reject from anyone
else); a Join of a remote event arriving here, or of a status that is no event, is refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, select

from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.effects import Effects
from pyleroma.activities.policies import Rejected
from pyleroma.db.base import utcnow
from pyleroma.db.upsert import insert_or_ignore
from pyleroma.models import Account, Event, EventParticipation, Notification, Status
from pyleroma.models.event import ACCEPTED, PENDING, REJECTED
from pyleroma.models.status import StatusMention
from pyleroma.services.notifications.notifications import create_notification
from pyleroma.urls import activity_uri

REQUEST_NOTIFICATION = "pleroma:participation_request"
ACCEPTED_NOTIFICATION = "pleroma:participation_accepted"
UPDATE_NOTIFICATION = "pleroma:event_update"


def _time(value: str | None) -> dt.datetime | None:
    from pyleroma.federation.from_as_note import parse_time

    return parse_time(value, clamp=False)


# --- the Event itself --------------------------------------------------------------------


async def sync_event(session, status: Status, note: dict[str, Any]) -> Event:
    """Write (or refresh) the ``events`` row of a remote event's status from its object."""
    details = note.get("details") or {}
    event = await session.get(Event, status.id)
    if event is None:
        event = Event(status_id=status.id)
        session.add(event)
    event.name = (note.get("name") or "")[:1024]
    event.start_time = _time(details.get("start_time"))
    event.end_time = _time(details.get("end_time"))
    event.join_mode = details.get("join_mode") or "free"
    event.location = details.get("location")
    zone = details.get("timezone")
    event.timezone = zone if zone and len(zone) <= 64 else None
    event.participants_count = details.get("participants_count") or 0
    event.participation_request_count = details.get("participation_request_count") or 0
    event.updated_at = utcnow()
    await session.flush()
    return event


async def handle_remote_event(ctx: PipelineContext, activity: Activity) -> Effects:
    """A remote Create of an Event: the status as for any post, then its ``events`` row."""
    from pyleroma.activities.handlers.remote_posts import store_remote_post

    effects = await store_remote_post(ctx, activity)
    status = effects.result
    if isinstance(status, Status) and status.account_id == activity.actor.id:
        await sync_event(ctx.session, status, activity.object)
    return effects


async def write_local_event(ctx: PipelineContext, status: Status, fields: dict) -> Event:
    """The ``events`` row of a post of ours made as an event (checked ``fields``:
    services/statuses/events.py)."""
    event = Event(
        status_id=status.id,
        name=fields["name"],
        start_time=fields.get("start_time"),
        end_time=fields.get("end_time"),
        join_mode=fields.get("join_mode") or "free",
        location=fields.get("location"),
        timezone=fields.get("timezone"),
        banner_id=fields.get("banner_id"),
        participants_count=0,
        participation_request_count=0,
        updated_at=utcnow(),
    )
    ctx.session.add(event)
    await ctx.session.flush()
    return event


def event_document(note: dict, event: Event) -> dict:
    """A post's Note made the Event it is (federation/to_as_pleroma.py's fields)."""
    from pyleroma.federation.to_as_pleroma import event_fields

    return {**note, **event_fields(event)}


async def apply_local_event_update(ctx: PipelineContext, status: Status, fields: dict, effects):
    """An edit of an event of ours (the Update handler, after the post's own changes):
    the ``events`` row takes the checked ``fields`` (services/statuses/events.py), and
    every participant and pending requester of ours is told (``pleroma:event_update``)."""
    session = ctx.session
    event = await session.get(Event, status.id)
    if event is None:
        return None
    for key in ("name", "start_time", "end_time", "join_mode", "location", "timezone"):
        setattr(event, key, fields.get(key))
    event.banner_id = fields.get("banner_id")
    event.updated_at = utcnow()
    rows = await session.execute(
        select(Account)
        .join(EventParticipation, EventParticipation.account_id == Account.id)
        .where(
            EventParticipation.status_id == status.id,
            EventParticipation.state.in_((PENDING, ACCEPTED)),
            EventParticipation.account_id != status.account_id,
            Account.local.is_(True),
        )
        .order_by(EventParticipation.id)
    )
    for participant in rows.scalars():
        notification = await create_notification(
            session, participant, status.account_id, UPDATE_NOTIFICATION, status
        )
        effects.notified(notification)
    await session.flush()
    return event


# --- participation -----------------------------------------------------------------------


async def participation_of(session, account_id: int, status_id: int):
    return (
        await session.execute(
            select(EventParticipation)
            .where(
                EventParticipation.account_id == account_id,
                EventParticipation.status_id == status_id,
            )
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


async def recount(session, event: Event) -> None:
    """An event of ours: its counts read back from its participations."""
    rows = await session.execute(
        select(EventParticipation.state, func.count())
        .where(EventParticipation.status_id == event.status_id)
        .group_by(EventParticipation.state)
    )
    counts = dict(rows.all())
    event.participants_count = counts.get(ACCEPTED, 0)
    event.participation_request_count = counts.get(PENDING, 0)
    event.updated_at = utcnow()


async def mentioned(session, status_id: int, account_id: int) -> bool:
    """Whether the post mentions the account: who an ``invite`` event invites."""
    found = await session.scalar(
        select(StatusMention.account_id).where(
            StatusMention.status_id == status_id, StatusMention.account_id == account_id
        )
    )
    return found is not None


async def _organiser(session, status: Status) -> Account:
    organiser = await session.get(Account, status.account_id)
    assert organiser is not None
    return organiser


async def handle_join(ctx: PipelineContext, activity: Activity) -> Effects:
    """``actor`` joins the event ``object`` (a status with an ``events`` row);
    ``options["message"]`` is the participation message. ``result`` is the participation
    (the existing one for a repeat, which changes nothing)."""
    session, settings = ctx.session, ctx.settings
    status: Status = activity.object
    actor = activity.actor
    effects = Effects()
    event = await session.get(Event, status.id)
    if event is None:
        raise Rejected(f"{status.uri} is no event")
    if not status.local and not actor.local:
        raise Rejected("a Join of an event that is not ours")
    organiser = await _organiser(session, status)
    join_id = activity.id or activity_uri(settings, activity.row_id)
    activity.id = join_id
    invited = event.join_mode == "invite" and await mentioned(session, status.id, actor.id)
    if status.local and event.join_mode == "invite" and not invited and actor.id != organiser.id:
        raise Rejected(f"{actor.ap_id} was not invited to {status.uri}")
    free = event.join_mode == "free" or actor.id == organiser.id or invited
    state = ACCEPTED if status.local and free else PENDING
    inserted = await insert_or_ignore(
        session,
        EventParticipation,
        {
            "id": activity.row_id,
            "account_id": actor.id,
            "status_id": status.id,
            "state": state,
            "activity_id": join_id,
            "message": activity.options.get("message"),
            "created_at": utcnow(),
            "updated_at": utcnow(),
        },
        ("account_id", "status_id"),
    )
    effects.result = await participation_of(session, actor.id, status.id)
    if not inserted:
        return effects
    if not status.local:  # ours, of a remote event: to its organiser
        from pyleroma.federation.to_as_pleroma import join_to_as

        document = join_to_as(
            join_id, actor, status, organiser.ap_id, activity.options.get("message")
        )
        effects.deliver([organiser.id], activity=document)
        return effects
    await recount(session, event)
    if state == ACCEPTED:
        if not actor.local:
            _deliver_answer(ctx, effects, "Accept", organiser, actor, join_id, status)
    else:
        notification = await create_notification(
            session, organiser, actor.id, REQUEST_NOTIFICATION, status
        )
        effects.notified(notification)
    return effects


def _deliver_answer(ctx, effects, kind, organiser, participant, join_id, status, answer_id=None):
    """The organiser's Accept or Reject of a remote participant's Join, signed by the
    organiser (the Join's own activity may be the remote one)."""
    from pyleroma.db.ids import new_id
    from pyleroma.federation.to_as_pleroma import join_answer_to_as

    answer_id = answer_id or activity_uri(ctx.settings, new_id())
    document = join_answer_to_as(kind, answer_id, organiser, participant.ap_id, join_id, status.uri)
    effects.deliver([participant.id], activity=document, actor_id=organiser.id)


async def handle_leave(ctx: PipelineContext, activity: Activity) -> Effects:
    """``actor`` leaves the event ``object``: the participation goes (nothing happens, and
    nothing is sent, when there is none)."""
    session = ctx.session
    status: Status = activity.object
    actor = activity.actor
    effects = Effects()
    removed = await session.execute(
        delete(EventParticipation)
        .where(
            EventParticipation.account_id == actor.id,
            EventParticipation.status_id == status.id,
        )
        .returning(EventParticipation.id)
    )
    if removed.first() is None:
        return effects
    await session.execute(
        delete(Notification).where(
            Notification.from_account_id == actor.id,
            Notification.status_id == status.id,
            Notification.type.in_((REQUEST_NOTIFICATION, ACCEPTED_NOTIFICATION)),
        )
    )
    event = await session.get(Event, status.id)
    if status.local and event is not None:
        await recount(session, event)
    if actor.local and not status.local:
        from pyleroma.federation.to_as_pleroma import leave_to_as

        organiser = await _organiser(session, status)
        activity.id = activity.id or activity_uri(ctx.settings, activity.row_id)
        document = leave_to_as(activity.id, actor, status, organiser.ap_id)
        effects.deliver([organiser.id], activity=document)
    return effects


async def handle_join_answer(ctx: PipelineContext, activity: Activity) -> Effects:
    """Accept or Reject (``activity.type``) of the Join ``inner`` (its actor the
    participant, its object the event) by the event's organiser (``actor``). An Accept
    takes a pending participation only; a Reject a pending or accepted one. ``result``
    is the participation, None when there was nothing to answer."""
    session = ctx.session
    join = activity.inner
    status: Status = join.object
    participant: Account = join.actor
    organiser = activity.actor
    effects = Effects()
    if status.account_id != organiser.id:
        raise Rejected(f"only the organiser answers a Join of {status.uri}")
    row = await participation_of(session, participant.id, status.id)
    wanted = (PENDING,) if activity.type == "Accept" else (PENDING, ACCEPTED)
    if row is None or row.state not in wanted:
        return effects
    row.state = ACCEPTED if activity.type == "Accept" else REJECTED
    row.updated_at = utcnow()
    effects.result = row
    event = await session.get(Event, status.id)
    if status.local and event is not None:
        await recount(session, event)
    await session.execute(
        delete(Notification).where(
            Notification.account_id == organiser.id,
            Notification.from_account_id == participant.id,
            Notification.status_id == status.id,
            Notification.type == REQUEST_NOTIFICATION,
        )
    )
    free = event is not None and event.join_mode == "free"
    if activity.type == "Accept" and participant.local and not free:
        notification = await create_notification(
            session, participant, organiser.id, ACCEPTED_NOTIFICATION, status
        )
        effects.notified(notification)
    if activity.local and not participant.local:
        answer_id = activity.id or activity_uri(ctx.settings, activity.row_id)
        activity.id = answer_id
        _deliver_answer(
            ctx, effects, activity.type, organiser, participant, row.activity_id, status, answer_id
        )
    await session.flush()
    return effects
