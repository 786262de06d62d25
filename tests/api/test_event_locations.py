"""GET /api/v1/pleroma/search/location (both prefixes): places already known here (the
locations of events, local and remote), then the configured geocoder's, served here by a
fake Nominatim and a fake Photon on loopback answering in their real shapes; and making an
event at a place found (``location_id`` is a result's ``origin_id``)."""

from __future__ import annotations

import pytest
from aiohttp import web
from sqlalchemy import select

from pyleroma.models import Event
from tests.api.relationship_helpers import remote_account
from tests.api.timeline_helpers import remote_status

PREFIXES = ("/api/v1/pleroma", "/api/pleroma")
START = "2030-06-01T18:00:00Z"

NOMINATIM_ANSWER = [
    {
        "place_id": 1,
        "osm_type": "node",
        "osm_id": 3726208425,
        "lat": "52.2319581",
        "lon": "21.0067249",
        "category": "amenity",
        "type": "theatre",
        "name": "Teatr Polski",
        "display_name": "Teatr Polski, 2, Karasia, Warszawa, mazowieckie, 00-327, Polska",
        "address": {
            "amenity": "Teatr Polski",
            "house_number": "2",
            "road": "Karasia",
            "city": "Warszawa",
            "state": "mazowieckie",
            "postcode": "00-327",
            "country": "Polska",
            "country_code": "pl",
        },
    },
    {"place_id": 2, "lat": "x", "lon": "y"},  # no name, no address: left out
]
PHOTON_ANSWER = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [13.3888599, 52.5170365]},
            "properties": {
                "osm_id": 240109189,
                "osm_type": "N",
                "osm_key": "place",
                "osm_value": "city",
                "type": "city",
                "name": "Berlin",
                "postcode": "10117",
                "country": "Deutschland",
                "countrycode": "DE",
                "state": "Berlin",
            },
        },
        {"type": "Feature", "geometry": None, "properties": "nonsense"},
    ],
}


class Geocoder:
    """A fake Nominatim (/search) and Photon (/api) recording the queries it was asked."""

    def __init__(self) -> None:
        self.queries: list[dict] = []
        self.port = 0
        self.broken = False
        self._runner: web.AppRunner | None = None

    async def _nominatim(self, request: web.Request) -> web.Response:
        self.queries.append(dict(request.query))
        if self.broken:
            return web.Response(status=500, text="down")
        return web.json_response(NOMINATIM_ANSWER)

    async def _photon(self, request: web.Request) -> web.Response:
        self.queries.append(dict(request.query))
        if self.broken:
            return web.Response(status=502, text="bad gateway")
        return web.json_response(PHOTON_ANSWER)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/search", self._nominatim)
        app.router.add_get("/api", self._photon)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def geocoder():
    server = Geocoder()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(params=["none", "nominatim", "photon"])
def settings_overrides(request, geocoder):
    if request.param == "none":
        return {}
    path = "/search" if request.param == "nominatim" else "/api"
    return {
        "geocoding_url": f"http://127.0.0.1:{geocoder.port}{path}",
        "geocoding_kind": request.param,
        "allow_private_fetch": True,
    }


async def _search(client, user, q, prefix="/api/v1/pleroma", expect=200):
    response = await client.get(f"{prefix}/search/location", params={"q": q}, headers=user.headers)
    assert response.status_code == expect, response.text
    return response.json()


async def test_known_places_and_the_geocoders(client, factory, db, app, geocoder):
    kind = app.state.settings.geocoding_url and app.state.settings.geocoding_kind
    alice = await factory.user("alice", scopes=["write"])  # any token will do
    # A place known here (an event's location, as a remote event stores it).
    remote = await remote_account(db, "zoe", "events.example")
    status = await remote_status(db, remote, "a remote event")
    async with db() as session:
        session.add(
            Event(
                status_id=status.id,
                name="Jam",
                join_mode="free",
                location={
                    "name": "Community Garden",
                    "street": "Ogrodowa 1",
                    "locality": "Kraków",
                    "country": "Polska",
                    "longitude": 19.94,
                    "latitude": 50.06,
                },
            )
        )
        await session.commit()
    for prefix in PREFIXES:
        found = await _search(client, alice, "garden kraków", prefix)
        assert found[0]["description"] == "Community Garden"
        assert found[0]["origin_provider"] == "local"
        assert found[0]["geom"] == {"coordinates": [19.94, 50.06], "srid": 4326}
        assert (found[0]["street"], found[0]["locality"]) == ("Ogrodowa 1", "Kraków")
        assert set(found[0]) == {
            "url", "description", "geom", "country", "locality", "region", "postal_code",
            "street", "origin_id", "origin_provider", "type", "timezone",
        }  # fmt: skip
    found = await _search(client, alice, "teatr")
    if kind == "nominatim":
        [place] = found
        assert place["description"] == "Teatr Polski"
        assert (place["street"], place["postal_code"], place["locality"]) == (
            "Karasia 2",
            "00-327",
            "Warszawa",
        )
        assert (place["region"], place["country"]) == ("mazowieckie", "Polska")
        assert place["geom"]["coordinates"] == [21.0067249, 52.2319581]
        assert place["url"] == "https://www.openstreetmap.org/node/3726208425"
        assert place["origin_provider"] == "nominatim" and place["type"] == "theatre"
        assert geocoder.queries[-1] == {
            "q": "teatr",
            "limit": "10",
            "format": "jsonv2",
            "addressdetails": "1",
        }
    elif kind == "photon":
        [place] = found
        assert place["description"] == "Berlin" and place["postal_code"] == "10117"
        assert place["geom"]["coordinates"] == [13.3888599, 52.5170365]
        assert place["origin_provider"] == "photon" and place["type"] == "city"
        assert geocoder.queries[-1] == {"q": "teatr", "limit": "10"}
    else:
        assert found == [] and geocoder.queries == []
    if found:
        # An event made at the place found carries it, and so does the next search.
        made = await client.post(
            "/api/v1/pleroma/events",
            json={"name": "Show", "start_time": START, "location_id": found[0]["origin_id"]},
            headers=alice.headers,
        )
        assert made.status_code == 200, made.text
        location = made.json()["pleroma"]["event"]["location"]
        assert location["name"] == found[0]["description"]
        assert location["latitude"] == found[0]["geom"]["coordinates"][1]
        async with db() as session:
            stored = await session.scalar(
                select(Event.location).where(Event.status_id == int(made.json()["id"]))
            )
        assert stored["name"] == found[0]["description"]
        again = await _search(client, alice, found[0]["description"])
        assert again[0]["origin_provider"] == "local"
        assert [p["description"] for p in again].count(found[0]["description"]) == 1


async def test_a_failing_geocoder_leaves_the_known_places(client, factory, app, geocoder):
    """A geocoder answering 5xx gives no places and no error; without one nothing is asked."""
    alice = await factory.user("alice")
    geocoder.broken = True
    assert await _search(client, alice, "teatr") == []
    asked = [q["q"] for q in geocoder.queries]
    assert asked == (["teatr"] if app.state.settings.geocoding_url else [])


async def test_location_search_errors(client, factory):
    alice = await factory.user("alice")
    for prefix in PREFIXES:
        url = f"{prefix}/search/location"
        assert (await client.get(url, params={"q": "x"})).status_code == 401
        response = await client.get(url, headers=alice.headers)
        assert response.status_code == 400 and response.json() == {"error": "Missing field: q."}
