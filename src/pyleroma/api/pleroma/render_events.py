"""The ``pleroma.event`` of a Status, as the pl fork's StatusView renders it, and the
schemas of the event routes' entities.

``{name, start_time, end_time, timezone, join_mode, participants_count,
participation_request_count, join_state, location, banner}``:

- ``participation_request_count`` only for the organiser (null for everyone else);
- ``join_state`` the viewer's own participation in the pl fork's words (``pending``,
  ``accept``, ``reject``), null without one (or anonymous);
- ``location`` ``{name, url, street, postal_code, locality, region, country, longitude,
  latitude}`` or null;
- ``banner`` one of the status's media attachments: the one chosen as banner, else (the
  pl fork's rule for remote events) an image described as a banner, else the first image.

Rendered from the status's bundle (its ``events`` row, cached like the rest of what every
viewer sees alike) and the viewer's participation read in the same batch
(services/statuses/event_batches.py), so a page of events costs no more statements.
"""

from __future__ import annotations

from pyleroma.api.openapi import DATETIME, INT, STR, enum, nullable, obj, ref
from pyleroma.api.openapi.types import component
from pyleroma.models.event import ACCEPTED, PENDING, REJECTED
from pyleroma.services.statuses.events import LOCATION_KEYS
from pyleroma.urls import masto_datetime

NUMBER = {"type": "number"}
# Our participation states in the pl fork's words (those of its Join activities).
JOIN_STATES = {PENDING: "pending", ACCEPTED: "accept", REJECTED: "reject"}

LOCATION = component(
    "EventLocation",
    obj(
        {
            "name": nullable(STR),
            "url": nullable(STR),
            "street": nullable(STR),
            "postal_code": nullable(STR),
            "locality": nullable(STR),
            "region": nullable(STR),
            "country": nullable(STR),
            "longitude": nullable(NUMBER),
            "latitude": nullable(NUMBER),
        },
        description="An event's place (the pl fork's)",
    ),
)
STATUS_EVENT = component(
    "StatusEvent",
    obj(
        {
            "name": STR,
            "start_time": nullable(DATETIME),
            "end_time": nullable(DATETIME),
            "timezone": nullable(STR),
            "join_mode": enum("free", "restricted", "invite", "external"),
            "participants_count": INT,
            "participation_request_count": nullable(INT),
            "join_state": nullable(enum("pending", "accept", "reject")),
            "location": nullable(LOCATION),
            "banner": nullable(ref("MediaAttachment")),
        },
        description="What makes a status an event (the pl fork's pleroma.event)",
    ),
)
PARTICIPATION_REQUEST = component(
    "ParticipationRequest",
    obj({"account": ref("Account"), "participation_message": nullable(STR)}),
)
_LOCATION_RESULT = {
    "url": nullable(STR),
    "description": nullable(STR),
    "geom": nullable(obj({"coordinates": {"type": "array"}, "srid": INT})),
    "country": nullable(STR),
    "locality": nullable(STR),
    "region": nullable(STR),
    "postal_code": nullable(STR),
    "street": nullable(STR),
    "origin_id": STR,
    "origin_provider": STR,
    "type": nullable(STR),
    "timezone": nullable(STR),
}
LOCATION_RESULT = component(
    "Location", obj(_LOCATION_RESULT, description="A place found by the location search")
)


def _banner(event, media: list[dict]) -> dict | None:
    if event.banner_id is not None:
        wanted = str(event.banner_id)
        for item in media:
            if item["id"] == wanted:
                return item
    images = [item for item in media if item["type"] == "image"]
    for item in images:
        if "banner" in (item.get("description") or "").lower():
            return item
    return images[0] if images else None


def location_to_api(location: dict | None) -> dict | None:
    if not location:
        return None
    return {key: location.get(key) for key in LOCATION_KEYS}


def event_to_api(event, media: list[dict], status, viewer, state: str | None) -> dict:
    """``event`` an Event row, ``media`` the status's rendered attachments, ``state`` the
    viewer's participation state (ours: pending, accepted, rejected) or None."""
    organiser = viewer is not None and viewer.id == status.account_id
    return {
        "name": event.name,
        "start_time": masto_datetime(event.start_time),
        "end_time": masto_datetime(event.end_time),
        "timezone": event.timezone,
        "join_mode": event.join_mode,
        "participants_count": event.participants_count,
        "participation_request_count": event.participation_request_count if organiser else None,
        "join_state": JOIN_STATES.get(state) if viewer is not None else None,
        "location": location_to_api(event.location),
        "banner": _banner(event, media),
    }
