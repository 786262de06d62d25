"""The pl fork's events (both prefixes): making and editing an event, joining (free,
restricted, invite), the organiser's answers, participants and requests, joined events,
the ICS file, the Status's ``pleroma.event`` and the notifications, with the pl fork's
errors. The location search is in test_event_locations.py."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar
from sqlalchemy import select

from pyleroma.models import Event, EventParticipation, MediaAttachment, Notification, Status
from tests.activities.pleroma_dialect_helpers import (
    clear_deliveries,
    deliveries,
    dialect_author,
    load_dialect,
)
from tests.activities.test_remote_posts import receive
from tests.api.posting_helpers import count, media

PREFIXES = ("/api/v1/pleroma", "/api/pleroma")
START = "2030-06-01T18:00:00.000Z"
END = "2030-06-01T21:00:00.000Z"
EVENT_KEYS = {
    "name", "start_time", "end_time", "timezone", "join_mode", "participants_count",
    "participation_request_count", "join_state", "location", "banner",
}  # fmt: skip


async def _create(client, user, prefix="/api/v1/pleroma", expect=200, **body) -> dict:
    body = {"name": "Jam session", "start_time": START, **body}
    response = await client.post(f"{prefix}/events", json=body, headers=user.headers)
    assert response.status_code == expect, response.text
    return response.json()


async def _post(client, user, path, expect=200, prefix="/api/v1/pleroma", **body):
    headers = user.headers if user is not None else {}
    response = await client.post(f"{prefix}{path}", json=body or None, headers=headers)
    assert response.status_code == expect, response.text
    return response.json() if response.headers["content-type"].startswith("application") else None


async def _get(client, user, path, expect=200, prefix="/api/v1/pleroma", **query):
    headers = user.headers if user is not None else {}
    response = await client.get(f"{prefix}{path}", params=query, headers=headers)
    assert response.status_code == expect, response.text
    return response


async def _participations(db, status_id) -> list[tuple[int, str, str | None]]:
    async with db() as session:
        rows = await session.execute(
            select(
                EventParticipation.account_id, EventParticipation.state, EventParticipation.message
            )
            .where(EventParticipation.status_id == int(status_id))
            .order_by(EventParticipation.id)
        )
        return [tuple(row) for row in rows]


async def _event_row(db, status_id) -> Event:
    async with db() as session:
        return await session.get(Event, int(status_id))


async def _notifications(db, account) -> list[tuple[str, int, int | None]]:
    async with db() as session:
        rows = await session.execute(
            select(Notification.type, Notification.from_account_id, Notification.status_id)
            .where(Notification.account_id == account.account.id)
            .order_by(Notification.id)
        )
        return [tuple(row) for row in rows]


# --- making and editing ---------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_an_event_is_a_status_with_its_event_fields(client, factory, db, prefix):
    alice = await factory.user("alice")
    banner = await media(db, alice.account, description="")
    made = await _create(
        client,
        alice,
        prefix,
        status="Bring your own jam",
        end_time="2030-06-01T23:00:00+02:00",
        join_mode="restricted",
        timezone="Europe/Warsaw",
        banner_id=str(banner),
        language="en",
    )
    event = made["pleroma"]["event"]
    assert set(event) == EVENT_KEYS
    assert event["name"] == "Jam session" and event["join_mode"] == "restricted"
    assert (event["start_time"], event["end_time"]) == (START, END)
    assert event["timezone"] == "Europe/Warsaw" and event["location"] is None
    assert event["participants_count"] == 0 and event["join_state"] is None
    assert event["participation_request_count"] == 0  # the organiser sees it
    assert event["banner"]["id"] == str(banner)
    assert [m["id"] for m in made["media_attachments"]] == [str(banner)]
    assert "Bring your own jam" in made["content"] and made["language"] == "en"
    row = await _event_row(db, made["id"])
    assert (row.name, row.join_mode, row.timezone, row.banner_id) == (
        "Jam session",
        "restricted",
        "Europe/Warsaw",
        banner,
    )
    assert (row.start_time, row.end_time) == (
        dt.datetime(2030, 6, 1, 18, 0),
        dt.datetime(2030, 6, 1, 21, 0),
    )
    async with db() as session:
        attached = await session.get(MediaAttachment, banner)
        assert attached.status_id == int(made["id"])
    # Someone else sees no request count; the same status read back carries the event.
    bob = await factory.user("bob")
    shown = (await _get(client, bob, f"/statuses/{made['id']}", prefix="/api/v1")).json()
    assert shown["pleroma"]["event"]["participation_request_count"] is None
    assert shown["pleroma"]["event"]["name"] == "Jam session"


async def test_an_event_without_a_description_takes_its_name(client, factory, db):
    alice = await factory.user("alice")
    made = await _create(client, alice, name="Picnic")
    assert made["content"] == "<p>Picnic</p>" or "Picnic" in made["content"]
    assert made["pleroma"]["event"]["join_mode"] == "free"
    assert made["pleroma"]["event"]["banner"] is None
    assert await count(db, Event) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"end_time": "2030-06-01T17:00:00Z"}, "Event can't end before its start"),
        ({"join_mode": "secret"}, "join_mode must be one of free, restricted, invite"),
        ({"name": "  "}, "An event needs a name"),
        ({"start_time": ""}, "An event needs a start time"),
        ({"start_time": "tomorrow"}, "start_time: must be an ISO 8601 date-time"),
        ({"timezone": "Mars/Olympus"}, "timezone: unknown time zone 'Mars/Olympus'"),
        ({"location_id": "not-a-place"}, "location_id: unknown location"),
        ({"banner_id": "12"}, "banner_id: no such media attachment of yours"),
        ({"banner_id": "x"}, "banner_id: no such media attachment of yours"),
    ],
)
async def test_bad_events_are_refused_and_nothing_is_stored(client, factory, db, body, message):
    alice = await factory.user("alice")
    answer = await _create(client, alice, expect=422, **body)
    assert answer == {"error": message}
    assert await count(db, Event) == 0 and await count(db, Status) == 0


async def test_making_an_event_needs_a_token_with_write(client, factory, db):
    reader = await factory.user("reader", scopes=["read"])
    response = await client.post("/api/v1/pleroma/events", json={"name": "x", "start_time": START})
    assert response.status_code == 401
    assert "error" in response.json()
    await _create(client, reader, expect=403)
    # write:statuses alone will do, as for posting
    writer = await factory.user("writer", scopes=["write:statuses"])
    await _create(client, writer)
    assert await count(db, Event) == 1


async def test_someone_elses_banner_is_refused(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    theirs = await media(db, bob.account)
    answer = await _create(client, alice, expect=422, banner_id=str(theirs))
    assert answer == {"error": "banner_id: no such media attachment of yours"}


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("prefix", PREFIXES)
async def test_the_organiser_edits_and_participants_are_told(client, factory, db, method, prefix):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    made = await _create(client, alice, status="First plan")
    await _post(client, bob, f"/events/{made['id']}/join")
    banner = await media(db, alice.account, description="")
    response = await client.request(
        method,
        f"{prefix}/events/{made['id']}",
        json={
            "name": "Jam session (moved)",
            "start_time": "2030-06-02T18:00:00Z",
            "end_time": "2030-06-02T20:00:00Z",
            "status": "Second plan",
            "join_mode": "restricted",
            "banner_id": str(banner),
        },
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text
    edited = response.json()
    event = edited["pleroma"]["event"]
    assert event["name"] == "Jam session (moved)" and event["join_mode"] == "restricted"
    assert event["start_time"] == "2030-06-02T18:00:00.000Z"
    assert event["banner"]["id"] == str(banner) and event["participants_count"] == 1
    assert "Second plan" in edited["content"] and edited["edited_at"] is not None
    row = await _event_row(db, made["id"])
    assert (row.name, row.start_time, row.banner_id) == (
        "Jam session (moved)",
        dt.datetime(2030, 6, 2, 18, 0),
        banner,
    )
    assert await _notifications(db, bob) == [
        ("pleroma:event_update", alice.account.id, int(made["id"]))
    ]
    shown = (await _get(client, bob, "/notifications", prefix="/api/v1")).json()
    assert shown[0]["type"] == "pleroma:event_update"
    assert shown[0]["status"]["pleroma"]["event"]["name"] == "Jam session (moved)"


async def test_editing_errors(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    made = await _create(client, alice)
    path = f"/api/v1/pleroma/events/{made['id']}"
    # not the organiser
    response = await client.put(path, json={"name": "mine now"}, headers=bob.headers)
    assert response.status_code == 403 and response.json() == {"error": "Access denied"}
    # ends before it starts (the stored start)
    response = await client.put(
        path, json={"end_time": "2030-06-01T10:00:00Z"}, headers=alice.headers
    )
    assert response.status_code == 422
    assert response.json() == {"error": "Event can't end before its start"}
    response = await client.put(path, json={"join_mode": "nope"}, headers=alice.headers)
    assert response.status_code == 422
    # no such event; a post that is no event
    response = await client.put(
        "/api/v1/pleroma/events/123", json={"name": "x"}, headers=alice.headers
    )
    assert response.status_code == 404 and response.json() == {"error": "Record not found"}
    plain = await client.post("/api/v1/statuses", json={"status": "hi"}, headers=alice.headers)
    response = await client.put(
        f"/api/v1/pleroma/events/{plain.json()['id']}", json={"name": "x"}, headers=alice.headers
    )
    assert response.status_code == 404
    assert (await client.put(path, json={"name": "x"})).status_code == 401
    reader = await factory.user("reader", scopes=["read"])
    assert (await client.put(path, json={"name": "x"}, headers=reader.headers)).status_code == 403
    row = await _event_row(db, made["id"])
    assert (row.name, row.join_mode) == ("Jam session", "free")


# --- joining and leaving --------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_joining_a_free_event_and_leaving_it(client, factory, db, prefix):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    made = await _create(client, alice)
    joined = await _post(client, bob, f"/events/{made['id']}/join", prefix=prefix)
    assert joined["id"] == made["id"]
    assert joined["pleroma"]["event"]["join_state"] == "accept"
    assert joined["pleroma"]["event"]["participants_count"] == 1
    assert await _participations(db, made["id"]) == [(bob.account.id, "accepted", None)]
    # joining twice changes nothing (the pl fork answers as the first time)
    again = await _post(client, bob, f"/events/{made['id']}/join", prefix=prefix)
    assert again["pleroma"]["event"]["participants_count"] == 1
    assert await _participations(db, made["id"]) == [(bob.account.id, "accepted", None)]
    assert await _notifications(db, alice) == []  # a free event asks nobody
    left = await _post(client, bob, f"/events/{made['id']}/leave", prefix=prefix)
    assert left["pleroma"]["event"]["join_state"] is None
    assert left["pleroma"]["event"]["participants_count"] == 0
    assert await _participations(db, made["id"]) == []
    assert (await _event_row(db, made["id"])).participants_count == 0


async def test_join_and_leave_errors(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    made = await _create(client, alice)
    path = f"/events/{made['id']}"
    answer = await _post(client, alice, f"{path}/join", expect=400)
    assert answer == {"error": "Can't join your own event"}
    answer = await _post(client, alice, f"{path}/leave", expect=400)
    assert answer == {"error": "Can't leave your own event"}
    answer = await _post(client, bob, f"{path}/leave", expect=400)
    assert answer == {"error": "Not participating in the event"}
    assert await _post(client, bob, "/events/123/join", expect=404) == {"error": "Record not found"}
    plain = await client.post("/api/v1/statuses", json={"status": "hi"}, headers=alice.headers)
    await _post(client, bob, f"/events/{plain.json()['id']}/join", expect=404)
    await _post(client, None, f"{path}/join", expect=401)
    reader = await factory.user("reader", scopes=["read"])
    await _post(client, reader, f"{path}/join", expect=403)
    # an event bob may not see is not found
    private = await _create(client, alice, visibility="direct", name="Secret")
    await _post(client, bob, f"/events/{private['id']}/join", expect=404)
    assert await count(db, EventParticipation) == 0


async def test_a_restricted_event_waits_for_the_organiser(client, factory, db):
    alice, bob, carol = [await factory.user(n) for n in ("alice", "bob", "carol")]
    made = await _create(client, alice, join_mode="restricted")
    path = f"/events/{made['id']}"
    joined = await _post(client, bob, f"{path}/join", participation_message="I play drums")
    assert joined["pleroma"]["event"]["join_state"] == "pending"
    assert joined["pleroma"]["event"]["participants_count"] == 0
    await _post(client, carol, f"{path}/join")
    assert await _participations(db, made["id"]) == [
        (bob.account.id, "pending", "I play drums"),
        (carol.account.id, "pending", None),
    ]
    assert (await _event_row(db, made["id"])).participation_request_count == 2
    assert [n[0] for n in await _notifications(db, alice)] == [
        "pleroma:participation_request",
        "pleroma:participation_request",
    ]
    for prefix in PREFIXES:
        response = await _get(client, alice, f"{path}/participation_requests", prefix=prefix)
        requests = response.json()
        assert [(r["account"]["id"], r["participation_message"]) for r in requests] == [
            (carol.id, None),
            (bob.id, "I play drums"),
        ]
    paged = await _get(client, alice, f"{path}/participation_requests", limit=1)
    assert [r["account"]["id"] for r in paged.json()] == [carol.id]
    assert 'rel="next"' in paged.headers["link"]
    # only the organiser sees them
    answer = await _get(client, bob, f"{path}/participation_requests", expect=403)
    assert answer.json() == {"error": "Can't get participation requests"}
    # the organiser accepts bob and rejects carol
    accepted = await _post(
        client, alice, f"{path}/participation_requests/{bob.id}/authorize", prefix="/api/pleroma"
    )
    assert accepted["pleroma"]["event"]["participants_count"] == 1
    assert accepted["pleroma"]["event"]["participation_request_count"] == 1
    await _post(client, alice, f"{path}/participation_requests/{carol.id}/reject")
    assert await _participations(db, made["id"]) == [
        (bob.account.id, "accepted", "I play drums"),
        (carol.account.id, "rejected", None),
    ]
    row = await _event_row(db, made["id"])
    assert (row.participants_count, row.participation_request_count) == (1, 0)
    assert await _notifications(db, bob) == [
        ("pleroma:participation_accepted", alice.account.id, int(made["id"]))
    ]
    assert await _notifications(db, alice) == []  # the requests are answered
    shown = (await _get(client, carol, f"/statuses/{made['id']}", prefix="/api/v1")).json()
    assert shown["pleroma"]["event"]["join_state"] == "reject"
    participants = (await _get(client, carol, f"{path}/participations")).json()
    assert [a["id"] for a in participants] == [bob.id]


async def test_answering_requests_errors(client, factory, db):
    alice, bob, carol = [await factory.user(n) for n in ("alice", "bob", "carol")]
    made = await _create(client, alice, join_mode="restricted")
    path = f"/events/{made['id']}/participation_requests"
    await _post(client, bob, f"/events/{made['id']}/join")
    # not the organiser
    assert await _post(client, carol, f"{path}/{bob.id}/authorize", expect=403) == {
        "error": "Access denied"
    }
    await _post(client, carol, f"{path}/{bob.id}/reject", expect=403)
    # no such participant, no request from them
    await _post(client, alice, f"{path}/123/authorize", expect=404)
    await _post(client, alice, f"{path}/{carol.id}/authorize", expect=404)
    await _post(client, None, f"{path}/{bob.id}/authorize", expect=401)
    reader = await factory.user("reader", scopes=["read"])
    await _post(client, reader, f"{path}/{bob.id}/authorize", expect=403)
    await _get(client, None, f"/events/{made['id']}/participation_requests", expect=401)
    await _get(client, alice, "/events/123/participation_requests", expect=404)
    assert await _participations(db, made["id"]) == [(bob.account.id, "pending", None)]


async def test_an_invite_event_takes_only_whom_it_mentions(client, factory, db):
    alice, bob, carol = [await factory.user(n) for n in ("alice", "bob", "carol")]
    made = await _create(client, alice, join_mode="invite", status="For @bob only")
    path = f"/events/{made['id']}"
    answer = await _post(client, carol, f"{path}/join", expect=403)
    assert answer == {"error": "You were not invited to this event"}
    joined = await _post(client, bob, f"{path}/join")
    assert joined["pleroma"]["event"]["join_state"] == "accept"
    assert await _participations(db, made["id"]) == [(bob.account.id, "accepted", None)]


async def test_participations_lists_accepted_participants(client, factory, db):
    alice, bob, carol = [await factory.user(n) for n in ("alice", "bob", "carol")]
    made = await _create(client, alice)
    for user in (bob, carol):
        await _post(client, user, f"/events/{made['id']}/join")
    for prefix in PREFIXES:
        found = await _get(client, alice, f"/events/{made['id']}/participations", prefix=prefix)
        assert [a["id"] for a in found.json()] == [bob.id, carol.id]
    # those the viewer blocks are left out
    await client.post(f"/api/v1/accounts/{carol.id}/block", headers=alice.headers)
    found = await _get(client, alice, f"/events/{made['id']}/participations")
    assert [a["id"] for a in found.json()] == [bob.id]
    await _get(client, None, f"/events/{made['id']}/participations", expect=401)
    writer = await factory.user("writer", scopes=["write"])
    await _get(client, writer, f"/events/{made['id']}/participations", expect=403)
    await _get(client, alice, "/events/123/participations", expect=404)


async def test_joined_events_pages_the_participations(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    first = await _create(client, alice, name="First")
    second = await _create(client, alice, name="Second", join_mode="restricted")
    past = await _create(
        client,
        alice,
        name="Past",
        start_time="2020-01-01T10:00:00Z",
        end_time="2020-01-01T12:00:00Z",
    )
    await _create(client, alice, name="Not joined")
    for made in (first, second, past):
        await _post(client, bob, f"/events/{made['id']}/join")
    for prefix in PREFIXES:
        listed = await _get(client, bob, "/events/joined_events", prefix=prefix)
        assert [s["pleroma"]["event"]["name"] for s in listed.json()] == [
            "Past",
            "Second",
            "First",
        ]
    page = await _get(client, bob, "/events/joined_events", limit=2)
    assert [s["id"] for s in page.json()] == [past["id"], second["id"]]
    assert 'rel="next"' in page.headers["link"]
    recent = await _get(client, bob, "/events/joined_events", recent="true")
    assert [s["id"] for s in recent.json()] == [second["id"], first["id"]]
    pending = await _get(client, bob, "/events/joined_events", state="pending")
    assert [s["id"] for s in pending.json()] == [second["id"]]
    await _get(client, bob, "/events/joined_events", state="maybe", expect=422)
    assert (await _get(client, alice, "/events/joined_events")).json() == []
    await _get(client, None, "/events/joined_events", expect=401)
    writer = await factory.user("writer", scopes=["write"])
    await _get(client, writer, "/events/joined_events", expect=403)


# --- the calendar file ----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("prefix", PREFIXES)
async def test_the_ics_file_is_a_valid_calendar(client, factory, db, method, prefix):
    alice = await factory.user("alice", display_name="Alice A.")
    made = await _create(client, alice, status="Bring your own jam", end_time=END)
    response = await client.request(method, f"{prefix}/events/{made['id']}/ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Jam session"
    assert str(vevent["DESCRIPTION"]) == "Bring your own jam"
    assert vevent.decoded("DTSTART") == dt.datetime(2030, 6, 1, 18, 0, tzinfo=dt.UTC)
    assert vevent.decoded("DTEND") == dt.datetime(2030, 6, 1, 21, 0, tzinfo=dt.UTC)
    assert str(vevent["UID"]) == made["uri"] and str(vevent["URL"]) == made["url"]
    assert str(vevent["ORGANIZER"]) == "Alice A."


async def test_the_ics_file_of_what_one_may_not_see(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    private = await _create(client, alice, visibility="direct", name="Secret")
    await _get(client, None, f"/events/{private['id']}/ics", expect=404)
    await _get(client, bob, f"/events/{private['id']}/ics", expect=404)
    assert (await _get(client, alice, f"/events/{private['id']}/ics")).status_code == 200
    await _get(client, None, "/events/123/ics", expect=404)
    plain = await client.post("/api/v1/statuses", json={"status": "hi"}, headers=alice.headers)
    await _get(client, None, f"/events/{plain.json()['id']}/ics", expect=404)
    writer = await factory.user("writer", scopes=["write"])
    await _get(client, writer, f"/events/{private['id']}/ics", expect=403)


# --- remote events ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "name", "mode", "place", "zone", "count"),
    [
        ("pl/create_event", "Jam session", "restricted", "Community Garden", None, 3),
        ("mobilizon/create_event", "Mobilizon Launching Party", "free",
         "Cour du Château des Ducs de Bretagne", None, 42),
        ("mobilizon/create_event_with_banner", "Mobilizon Birthday Picnic", "restricted",
         "Cour du Château des Ducs de Bretagne", "Europe/Paris", 42),
    ],
)  # fmt: skip
async def test_remote_events_render_as_events_and_can_be_joined(
    app, client, factory, db, fixture, name, mode, place, zone, count
):
    zoe = await factory.user("zoe")
    software, shape = fixture.split("/")
    organiser = await dialect_author(db, software)
    status = await receive(app, organiser, load_dialect(software, shape))
    shown = (await _get(client, zoe, f"/statuses/{status.id}", prefix="/api/v1")).json()
    event = shown["pleroma"]["event"]
    assert set(event) == EVENT_KEYS
    assert (event["name"], event["join_mode"], event["timezone"]) == (name, mode, zone)
    assert event["location"]["name"] == place
    assert event["participants_count"] == count and event["join_state"] is None
    assert event["participation_request_count"] is None
    if shape == "create_event_with_banner":
        [attachment] = shown["media_attachments"]
        assert event["banner"] == attachment and attachment["description"] == "Banner"
        assert event["location"]["locality"] == "Nantes"
        assert event["location"]["latitude"] == 47.21617415
    # Joining a remote event waits for its organiser; the Join goes to the organiser.
    await clear_deliveries(db)
    joined = await _post(client, zoe, f"/events/{status.id}/join", participation_message="hi")
    assert joined["pleroma"]["event"]["join_state"] == "pending"
    [job] = await deliveries(db)
    join = job["activity"]
    assert (join["type"], join["object"], join["actor"]) == ("Join", status.uri, zoe.account.ap_id)
    assert join["participationMessage"] == "hi"
    # The organiser's Accept (the pl fork's, naming the Join by id) settles it.
    accept = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{organiser.ap_id}#accepts/1",
        "type": "Accept",
        "actor": organiser.ap_id,
        "object": join["id"],
        "to": [zoe.account.ap_id],
    }
    await receive(app, organiser, accept)
    shown = (await _get(client, zoe, f"/statuses/{status.id}", prefix="/api/v1")).json()
    assert shown["pleroma"]["event"]["join_state"] == "accept"
    listed = (await _get(client, zoe, "/events/joined_events")).json()
    assert [s["id"] for s in listed] == [str(status.id)]


async def test_our_event_is_served_as_an_event_object(client, factory, db):
    alice = await factory.user("alice")
    made = await _create(client, alice, status="Come", join_mode="restricted", end_time=END)
    response = await client.get(
        f"/objects/{made['id']}", headers={"Accept": "application/activity+json"}
    )
    assert response.status_code == 200, response.text
    document = response.json()
    assert (document["type"], document["id"], document["name"]) == (
        "Event",
        made["uri"],
        "Jam session",
    )
    assert document["startTime"].startswith("2030-06-01T18:00:00")
    assert document["endTime"].startswith("2030-06-01T21:00:00")
    assert document["joinMode"] == "restricted" and "@context" in document
