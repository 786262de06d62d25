"""Places for events: ``GET /api/v1/pleroma/search/location`` and the ``location_id`` an
event is made or edited with.

A search answers the places already known here (the locations of the newest
``KNOWN_SCAN`` events, local and remote, whose name or address contains every word of
``q``), then, when an admin set ``geocoding_url``, what that geocoder finds: a Nominatim
search endpoint (``?q=&format=jsonv2&addressdetails=1``, answering a JSON list) or a
Photon one (``?q=``, answering GeoJSON), per ``geocoding_kind``. The geocoder is asked
through the SSRF-guarded client (federation/fetch.py ``guarded_get``, with its deadline and
size cap); when it fails, the known places are still answered.

Each place comes back in the pl fork's Location shape, and its ``origin_id`` carries the
place itself (compact JSON, base64url): the client sends it back as ``location_id`` and
the event takes that place, without a second question to the geocoder (Photon has no
lookup by id) or any table of search results. Everything read back from an id is checked
again like a remote Place (normalize_details.py caps and coordinate ranges), so a made-up
id can only set the author's own event's place, as its description already could.
"""

from __future__ import annotations

import base64
import binascii
import logging
from typing import Any
from urllib.parse import urlencode

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities.normalize_details import place
from pyleroma.errors import Unprocessable
from pyleroma.federation.errors import FetchError
from pyleroma.federation.fetch import guarded_get
from pyleroma.models import Event
from pyleroma.settings import Settings

log = logging.getLogger(__name__)

KNOWN_SCAN = 500
MAX_RESULTS = 20
GEOCODER_LIMIT = 10
MAX_ID_LENGTH = 4096
_KEYS = (
    "name", "url", "street", "postal_code", "locality", "region", "country", "longitude",
    "latitude",
)  # fmt: skip


def _as_place(location: dict[str, Any]) -> dict | None:
    """A stored-shape location (our keys) checked as a remote Place is."""
    address = {
        "streetAddress": location.get("street"),
        "postalCode": location.get("postal_code"),
        "addressLocality": location.get("locality"),
        "addressRegion": location.get("region"),
        "addressCountry": location.get("country"),
    }
    return place(
        {
            "type": "Place",
            "name": location.get("name"),
            "url": location.get("url"),
            "longitude": location.get("longitude"),
            "latitude": location.get("latitude"),
            "address": {key: value for key, value in address.items() if value is not None},
        }
    )


def encode_location_id(location: dict) -> str:
    compact = {key: location[key] for key in _KEYS if location.get(key) is not None}
    return base64.urlsafe_b64encode(orjson.dumps(compact)).decode().rstrip("=")


def location_by_id(location_id: str | None) -> dict | None:
    """The place a ``location_id`` (a search result's ``origin_id``) names; None for
    none given; 422 for one that names no place."""
    if location_id is None or location_id == "":
        return None
    bad = Unprocessable("location_id: unknown location")
    if not isinstance(location_id, str) or len(location_id) > MAX_ID_LENGTH:
        raise bad
    try:
        raw = base64.urlsafe_b64decode(location_id + "=" * (-len(location_id) % 4))
        data = orjson.loads(raw)
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        raise bad from None
    if not isinstance(data, dict):
        raise bad
    found = _as_place(data)
    if found is None:
        raise bad
    return found


def location_to_result(location: dict, provider: str, kind: str | None = None) -> dict:
    """The pl fork's Location entity of a place."""
    longitude, latitude = location.get("longitude"), location.get("latitude")
    geom = None
    if longitude is not None and latitude is not None:
        geom = {"coordinates": [longitude, latitude], "srid": 4326}
    return {
        "url": location.get("url"),
        "description": location.get("name"),
        "geom": geom,
        "country": location.get("country"),
        "locality": location.get("locality"),
        "region": location.get("region"),
        "postal_code": location.get("postal_code"),
        "street": location.get("street"),
        "origin_id": encode_location_id(location),
        "origin_provider": provider,
        "type": kind,
        "timezone": None,
    }


def _words(query: str) -> list[str]:
    return [word for word in query.casefold().split() if word]


def _matches(location: dict, words: list[str]) -> bool:
    text = " ".join(
        str(location.get(key) or "")
        for key in ("name", "street", "postal_code", "locality", "region", "country")
    ).casefold()
    return all(word in text for word in words)


def _identity(location: dict) -> tuple:
    return tuple(location.get(key) for key in _KEYS if key != "url")


async def known_places(session: AsyncSession, query: str) -> list[dict]:
    """Places of the newest events here that match every word of ``query``."""
    words = _words(query)
    rows = await session.scalars(
        select(Event.location)
        .where(Event.location.is_not(None))
        .order_by(Event.status_id.desc())
        .limit(KNOWN_SCAN)
    )
    found, seen = [], set()
    for location in rows:
        if not isinstance(location, dict) or not _matches(location, words):
            continue
        checked = _as_place(location)
        if checked is None or _identity(checked) in seen:
            continue
        seen.add(_identity(checked))
        found.append(checked)
        if len(found) >= MAX_RESULTS:
            break
    return found


def _street(road: Any, number: Any) -> Any:
    if road and number:
        return f"{road} {number}"
    return road or None


def _from_nominatim(item: Any) -> tuple[dict | None, str | None]:
    if not isinstance(item, dict):
        return None, None
    address = item.get("address") if isinstance(item.get("address"), dict) else {}
    locality = next(
        (address.get(k) for k in ("city", "town", "village", "hamlet", "municipality")
         if address.get(k)),
        None,
    )  # fmt: skip
    name = item.get("name") or (item.get("display_name") or "").split(",")[0] or None
    osm = item.get("osm_type"), item.get("osm_id")
    url = None
    if osm[0] in ("node", "way", "relation") and isinstance(osm[1], int):
        url = f"https://www.openstreetmap.org/{osm[0]}/{osm[1]}"
    location = {
        "name": name,
        "url": url,
        "street": _street(address.get("road"), address.get("house_number")),
        "postal_code": address.get("postcode"),
        "locality": locality,
        "region": address.get("state"),
        "country": address.get("country"),
        "longitude": item.get("lon"),
        "latitude": item.get("lat"),
    }
    kind = item.get("type") if isinstance(item.get("type"), str) else None
    return _as_place(location), kind


_PHOTON_OSM = {"N": "node", "W": "way", "R": "relation"}


def _from_photon(feature: Any) -> tuple[dict | None, str | None]:
    if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
        return None, None
    props = feature["properties"]
    geometry = feature.get("geometry") if isinstance(feature.get("geometry"), dict) else {}
    coordinates = geometry.get("coordinates")
    longitude = latitude = None
    if isinstance(coordinates, list) and len(coordinates) == 2:
        longitude, latitude = coordinates
    osm_type = _PHOTON_OSM.get(props.get("osm_type"))
    url = None
    if osm_type and isinstance(props.get("osm_id"), int):
        url = f"https://www.openstreetmap.org/{osm_type}/{props['osm_id']}"
    location = {
        "name": props.get("name"),
        "url": url,
        "street": _street(props.get("street"), props.get("housenumber")),
        "postal_code": props.get("postcode"),
        "locality": props.get("city") or props.get("district"),
        "region": props.get("state"),
        "country": props.get("country"),
        "longitude": longitude,
        "latitude": latitude,
    }
    kind = props.get("type") if isinstance(props.get("type"), str) else None
    return _as_place(location), kind


async def geocoded_places(settings: Settings, query: str) -> list[tuple[dict, str | None]]:
    """What the configured geocoder finds for ``query`` ([] without one, or when it
    fails: the failure is logged)."""
    if not settings.geocoding_url:
        return []
    kind = settings.geocoding_kind
    params = {"q": query, "limit": GEOCODER_LIMIT}
    if kind == "nominatim":
        params |= {"format": "jsonv2", "addressdetails": 1}
    separator = "&" if "?" in settings.geocoding_url else "?"
    url = f"{settings.geocoding_url}{separator}{urlencode(params)}"
    try:
        reply = await guarded_get(settings, url, accept="application/json")
        data = orjson.loads(reply.body)
    except (FetchError, orjson.JSONDecodeError) as exc:
        log.warning("geocoder %s failed: %s", settings.geocoding_url, exc)
        return []
    if kind == "nominatim":
        items, read = (data if isinstance(data, list) else []), _from_nominatim
    else:
        features = data.get("features") if isinstance(data, dict) else None
        items, read = (features if isinstance(features, list) else []), _from_photon
    found = []
    for item in items[:GEOCODER_LIMIT]:
        location, place_kind = read(item)
        if location is not None:
            found.append((location, place_kind))
    return found


async def search_locations(session: AsyncSession, settings: Settings, query: str) -> list[dict]:
    """Known places first, then the geocoder's, without repeats."""
    query = (query or "").strip()
    if not query:
        return []
    results, seen = [], set()
    for location in await known_places(session, query):
        seen.add(_identity(location))
        results.append(location_to_result(location, "local"))
    for location, kind in await geocoded_places(settings, query):
        if _identity(location) in seen:
            continue
        seen.add(_identity(location))
        results.append(location_to_result(location, settings.geocoding_kind, kind))
    return results
