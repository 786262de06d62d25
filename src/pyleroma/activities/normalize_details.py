"""What only some object types carry, read into an object's ``details`` key.

Part of ``normalize_object`` (normalize_objects.py): pure functions on dicts, capped like
the rest. ``details`` is None for every type but these:

Event (the pl fork of Pleroma, Mobilizon, Gancio)::

    start_time end_time   ISO 8601 strings as sent (``startTime``, ``endTime``), or None
    join_mode             free | restricted | invite | external (Mobilizon's values; the
                          pl fork sends free or restricted; unknown or absent: free)
    location              {name url street postal_code locality region country longitude
                          latitude} or None: a Place, its address a PostalAddress
                          (Mobilizon, the pl fork) or a plain string (Gancio)
    participants_count    ``participantCount`` (Mobilizon), ``participation_count`` (pl)
    participation_request_count   the pl fork's count of pending Joins
    timezone              the IANA zone the times were chosen in (Mobilizon, pl), or None

Audio (Pleroma's scrobbles: the object of a ``Listen``; any Audio post reads the same)::

    title artist album    plain strings or None (``title``, else ``name``)
    length                milliseconds (a non-negative integer) or None
    external_link         ``externalLink`` (Pleroma since 2.6), else ``url``; an http(s) URL
"""

from __future__ import annotations

import math
from typing import Any

from pyleroma.activities.normalize_objects import count, date, is_http_url, link, pick_type

JOIN_MODES = frozenset({"free", "restricted", "invite", "external"})
# Titles, artists, place names: longer is cut (the storage caps them too).
MAX_DETAIL_TEXT = 1024


def details(kind: str, raw: dict[str, Any]) -> dict[str, Any] | None:
    """The ``details`` of an object of type ``kind`` (see the module docstring)."""
    if kind == "Event":
        return event_details(raw)
    if kind == "Audio":
        return audio_details(raw)
    return None


def _short(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:MAX_DETAIL_TEXT] or None


def _coordinate(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and abs(number) <= 180 else None


def event_details(raw: dict[str, Any]) -> dict[str, Any]:
    mode = raw.get("joinMode")
    participants = count(raw.get("participantCount"))
    if participants is None:
        participants = count(raw.get("participation_count"))
    return {
        "start_time": date(raw.get("startTime")),
        "end_time": date(raw.get("endTime")),
        "join_mode": mode if isinstance(mode, str) and mode in JOIN_MODES else "free",
        "location": place(raw.get("location")),
        "timezone": _short(raw.get("timezone")),
        "participants_count": participants,
        "participation_request_count": count(raw.get("participationRequestCount"))
        if raw.get("participationRequestCount") is not None
        else count(raw.get("participation_request_count")),
    }


def place(value: Any) -> dict[str, Any] | None:
    """A Place (the first of a list); None without one or without a name or address."""
    if isinstance(value, list):
        value = next((item for item in value[:10] if isinstance(item, dict)), None)
    if not isinstance(value, dict) or pick_type(value.get("type")) not in (None, "Place"):
        return None
    geo = value.get("geo") if isinstance(value.get("geo"), dict) else {}
    found: dict[str, Any] = {
        "name": _short(value.get("name")),
        "url": link(value.get("url")) if value.get("url") is not None else None,
        "street": None,
        "postal_code": None,
        "locality": None,
        "region": None,
        "country": None,
        "longitude": _coordinate(value.get("longitude", geo.get("longitude"))),
        "latitude": _coordinate(value.get("latitude", geo.get("latitude"))),
    }
    address = value.get("address")
    if isinstance(address, str):  # Gancio: the address as one line
        found["street"] = _short(address)
    elif isinstance(address, dict):
        found["street"] = _short(address.get("streetAddress"))
        found["postal_code"] = _short(address.get("postalCode"))
        found["locality"] = _short(address.get("addressLocality"))
        found["region"] = _short(address.get("addressRegion"))
        found["country"] = _short(address.get("addressCountry"))
    if found["url"] is not None and not is_http_url(found["url"]):
        found["url"] = None
    if not any(found[key] for key in ("name", "street", "locality")):
        return None
    return found


def audio_details(raw: dict[str, Any]) -> dict[str, Any]:
    external = raw.get("externalLink")
    if not is_http_url(external):
        external = link(raw.get("url"))
    return {
        "title": _short(raw.get("title")) or _short(raw.get("name")),
        "artist": _short(raw.get("artist")),
        "album": _short(raw.get("album")),
        "length": count(raw.get("length")),
        "external_link": external,
    }
