"""The resolvers of federation/receive.py for Pleroma's own activities: Listen (scrobbles),
Join and Leave of events (the pl fork, Mobilizon), and the Accept or Reject of a Join.

Each finds the rows a normalised activity names and builds the ``Activity`` the handlers
take (activities/handlers/scrobbles.py, events.py), with receive.py's containment rules:
the actor may only act for itself, and a Join's answer only comes from the event's
organiser. Something that names nothing here is None; a breach raises ``Refused``.
"""

from __future__ import annotations

from sqlalchemy import select

from pyleroma.activities.activity import Activity
from pyleroma.federation.from_as_note import parse_time, plain_text, status_by_uri, visibility_of
from pyleroma.models import Account, Event, EventParticipation, Scrobble, Status
from pyleroma.policy.visibility import can_see


class _Receive:
    """receive.py's helpers and ``Refused``, read when called (receive.py imports this
    module, so it cannot be imported here at load time)."""

    def __getattr__(self, name):
        from pyleroma.federation import receive

        return getattr(receive, name)


_r = _Receive()


async def resolve_listen(ctx, actor: Account, data: dict) -> Activity | None:
    """A scrobble (Pleroma's Listen of an Audio): the actor's own, its Audio (when it has
    an author) the actor's and on its host. ``object`` becomes the Audio's fields, plain
    text; visibility is read from the Listen's addressing as for a post."""
    obj = data["object"]
    if not isinstance(obj, dict) or obj.get("type") != "Audio":
        return None
    if obj.get("attributed_to") not in (None, actor.ap_id):
        raise _r.Refused(f"a Listen of {obj.get('attributed_to')}'s Audio")
    if not _r._same_host(obj.get("id"), actor.ap_id):
        raise _r.Refused(f"the Audio {obj.get('id')} is not on the host of its actor")
    details = obj.get("details") or {}
    title = plain_text(details.get("title")).strip()
    if not title:
        raise _r.Refused("a Listen without a title")
    if await ctx.session.scalar(select(Scrobble.id).where(Scrobble.activity_id == data["id"])):
        return None
    fields = {
        "title": title,
        "artist": plain_text(details.get("artist")).strip() or None,
        "album": plain_text(details.get("album")).strip() or None,
        "length": details.get("length"),
        "external_link": details.get("external_link"),
        "object_id": obj["id"],
        "created_at": parse_time(data["published"] or obj.get("published")),
    }
    options = {"visibility": visibility_of(actor, data["to"], data["cc"])}
    return Activity(
        "Listen", actor, fields, id=data["id"], local=False, raw=data["raw"], options=options
    )


async def _participation(session, account_id: int, status_id: int):
    return (
        await session.execute(
            select(EventParticipation).where(
                EventParticipation.account_id == account_id,
                EventParticipation.status_id == status_id,
            )
        )
    ).scalar_one_or_none()


async def resolve_join(ctx, actor: Account, data: dict) -> Activity | None:
    """A Join of one of our events (a status with an ``events`` row) that the actor may
    see; a repeat names nothing new. A Join of a remote event, or of a post that is no
    event, is refused: only its organiser's server takes those."""
    session = ctx.session
    status = await status_by_uri(session, _r._ref(data["object"]))
    if status is None:
        return None
    if not status.local:
        raise _r.Refused(f"a Join of {status.uri}, an event that is not ours")
    if await session.get(Event, status.id) is None:
        raise _r.Refused(f"a Join of {status.uri}, which is no event")
    if not await can_see(session, actor, status):
        raise _r.Refused("the actor cannot see the event it joins")
    if await _participation(session, actor.id, status.id) is not None:
        return None
    message = data["raw"].get("participationMessage")
    message = message[:5000] if isinstance(message, str) and message.strip() else None
    return Activity(
        "Join", actor, status, id=data["id"], local=False, raw=data["raw"],
        options={"message": message},
    )  # fmt: skip


async def resolve_leave(ctx, actor: Account, data: dict) -> Activity | None:
    """A Leave of an event the actor joined (else it names nothing here)."""
    status = await status_by_uri(ctx.session, _r._ref(data["object"]))
    if status is None or await _participation(ctx.session, actor.id, status.id) is None:
        return None
    return Activity("Leave", actor, status, id=data["id"], local=False, raw=data["raw"])


async def answered_join(ctx, actor: Account, data: dict) -> Activity | None:
    """The participation an Accept or Reject answers: named by the Join's id (the pl
    fork), or embedded (Mobilizon) by its actor and event. Only the event's organiser
    answers; None when it names no participation (then it may answer a Follow)."""
    session = ctx.session
    inner = data["object"]
    inner_id = _r._ref(inner)
    row = None
    if inner_id:
        row = (
            await session.execute(
                select(EventParticipation).where(EventParticipation.activity_id == inner_id)
            )
        ).scalar_one_or_none()
    if row is None and isinstance(inner, dict) and inner.get("type") == "Join":
        participant = await _r._account_by_ap_id(session, _r._ref(inner.get("actor")), local=True)
        status = await status_by_uri(session, _r._ref(inner.get("object")))
        if participant is not None and status is not None:
            row = await _participation(session, participant.id, status.id)
    if row is None:
        return None
    status = await session.get(Status, row.status_id)
    if status is None or status.account_id != actor.id:
        raise _r.Refused(f"{data['type']} of a Join of an event {actor.ap_id} does not organise")
    participant = await session.get(Account, row.account_id)
    join = Activity("Join", participant, status, id=row.activity_id, local=participant.local)
    return Activity(data["type"], actor, join, id=data["id"], local=False, raw=data["raw"])
