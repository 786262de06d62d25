"""Events: Events from the pl fork, Mobilizon and Gancio stored as statuses with their event
rows; Joins of our events (free: accepted and answered at once; restricted: a request the
organiser answers), Leaves, and our Joins of remote events answered by their organisers'
Accept or Reject; the refusals leave nothing behind."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from pyleroma.activities.policies import Rejected
from pyleroma.errors import BadRequest, NotFound, Unprocessable
from pyleroma.federation.from_as_note import status_by_uri
from pyleroma.models import Event, EventParticipation, Notification, Status
from pyleroma.services.statuses import events
from pyleroma.services.statuses.posting import StatusDraft
from tests.activities.pleroma_dialect_helpers import (
    clear_deliveries,
    deliveries,
    dialect_author,
    load_dialect,
)
from tests.activities.test_remote_posts import count, notifications_of, receive
from tests.conftest import BASE_URL

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
START = dt.datetime(2030, 6, 1, 18, 0)


async def _event_row(db, status_id: int) -> Event:
    async with db() as session:
        return await session.get(Event, status_id)


async def _participations(db) -> list[tuple]:
    async with db() as session:
        rows = await session.execute(
            select(
                EventParticipation.account_id,
                EventParticipation.status_id,
                EventParticipation.state,
                EventParticipation.activity_id,
            ).order_by(EventParticipation.id)
        )
        return [tuple(row) for row in rows]


async def _local_event(app, db, user, join_mode="free", visibility="public") -> Status:
    async with db() as session:
        return await events.create_event(
            session,
            app.state.settings,
            user.account,
            StatusDraft(text="Bring your own jam", visibility=visibility),
            name="Jam session",
            start_time=START,
            end_time=START + dt.timedelta(hours=2),
            join_mode=join_mode,
            location={"name": "Community Garden", "locality": "Warszawa"},
        )


def _at(raw: dict, status: Status) -> dict:
    raw["object"] = status.uri
    return raw


# --- remote events ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("software", "name", "start", "end", "mode", "place", "participants"),
    [
        ("pl", "Jam session", "2025-06-14 18:00", "2025-06-14 20:00", "restricted",
         "Community Garden", 3),
        ("mobilizon", "Mobilizon Launching Party", "2025-07-18 13:00", "2025-07-18 14:00", "free",
         "Cour du Château des Ducs de Bretagne", 42),
        ("gancio", "Cinema under the stars", "2025-06-20 19:00", "2025-06-20 21:00", "free",
         "Giardino del Guasto", 0),
    ],
)  # fmt: skip
async def test_a_remote_event_is_a_status_with_an_event_row(
    app, client, factory, db, software, name, start, end, mode, place, participants
):
    zoe = await factory.user("zoe")
    organiser = await dialect_author(db, software)
    raw = load_dialect(software, "create_event")
    status = await receive(app, organiser, raw)
    assert isinstance(status, Status)
    assert status.uri == raw["object"]["id"] and status.account_id == organiser.id
    assert name in status.content  # the linked title, then the description
    event = await _event_row(db, status.id)
    assert event.name == name
    assert event.start_time == dt.datetime.fromisoformat(start)
    assert event.end_time == dt.datetime.fromisoformat(end)
    assert event.join_mode == mode
    assert event.location["name"] == place
    assert event.participants_count == participants
    response = await client.get(f"/api/v1/statuses/{status.id}", headers=zoe.headers)
    assert response.status_code == 200

    # Delivered again: one status, one event row.
    await receive(app, organiser, raw)
    assert await count(db, Status) == 1 and await count(db, Event) == 1


async def test_an_update_of_a_remote_event_refreshes_its_row(app, db):
    kasia = await dialect_author(db, "pl")
    raw = load_dialect("pl", "create_event")
    status = await receive(app, kasia, raw)
    update = {**raw, "type": "Update", "id": raw["id"] + "#update"}
    update["object"] = {
        **raw["object"],
        "startTime": "2025-06-15T18:00:00Z",
        "joinMode": "free",
        "updated": "2025-05-03T10:00:00Z",
    }
    await receive(app, kasia, update)
    event = await _event_row(db, status.id)
    assert (event.start_time, event.join_mode) == (dt.datetime(2025, 6, 15, 18, 0), "free")


# --- Joins of our events ---------------------------------------------------------------------


async def test_a_join_of_our_free_event_is_accepted_at_once(app, factory, db):
    zoe = await factory.user("zoe")
    status = await _local_event(app, db, zoe)
    kasia = await dialect_author(db, "pl")
    await clear_deliveries(db)
    raw = _at(load_dialect("pl", "join"), status)

    row = await receive(app, kasia, raw)
    assert isinstance(row, EventParticipation)
    assert await _participations(db) == [(kasia.id, status.id, "accepted", raw["id"])]
    assert row.message == "Can I bring a friend?"
    event = await _event_row(db, status.id)
    assert (event.participants_count, event.participation_request_count) == (1, 0)
    assert await notifications_of(db, zoe.account.id) == []  # free: nothing to decide

    [job] = await deliveries(db)  # zoe's Accept, to kasia
    assert job["inbox"] == kasia.inbox and job["actor_id"] == zoe.account.id
    accept = job["activity"]
    assert accept["type"] == "Accept" and accept["actor"] == zoe.account.ap_id
    assert accept["to"] == [kasia.ap_id]
    assert accept["object"] == {
        "id": raw["id"],
        "type": "Join",
        "actor": kasia.ap_id,
        "object": status.uri,
    }
    # Delivered again: nothing new.
    assert await receive(app, kasia, raw) is None
    assert len(await _participations(db)) == 1


async def test_a_join_of_our_restricted_event_waits_for_the_organiser(app, factory, db):
    zoe = await factory.user("zoe")
    status = await _local_event(app, db, zoe, join_mode="restricted")
    tcit = await dialect_author(db, "mobilizon")
    await clear_deliveries(db)
    raw = _at(load_dialect("mobilizon", "join"), status)

    await receive(app, tcit, raw)
    assert await _participations(db) == [(tcit.id, status.id, "pending", raw["id"])]
    event = await _event_row(db, status.id)
    assert (event.participants_count, event.participation_request_count) == (0, 1)
    assert await notifications_of(db, zoe.account.id) == [
        ("pleroma:participation_request", status.id)
    ]
    assert await deliveries(db) == []

    async with db() as session:
        row = await events.authorize_participation(
            session, app.state.settings, zoe.account, status, tcit
        )
    assert row.state == "accepted"
    event = await _event_row(db, status.id)
    assert (event.participants_count, event.participation_request_count) == (1, 0)
    assert await notifications_of(db, zoe.account.id) == []  # the request is answered
    [job] = await deliveries(db)
    accept = job["activity"]
    assert (accept["type"], accept["actor"], accept["to"]) == (
        "Accept",
        zoe.account.ap_id,
        [tcit.ap_id],
    )
    assert accept["object"]["id"] == raw["id"]  # Mobilizon's own Join id
    assert accept["id"].startswith(f"{BASE_URL}/activities/")

    # Answering again finds no pending request.
    async with db() as session:
        with pytest.raises(NotFound):
            await events.authorize_participation(
                session, app.state.settings, zoe.account, status, tcit
            )


async def test_the_organiser_may_reject_a_request(app, factory, db):
    zoe = await factory.user("zoe")
    status = await _local_event(app, db, zoe, join_mode="restricted")
    kasia = await dialect_author(db, "pl")
    await receive(app, kasia, _at(load_dialect("pl", "join"), status))
    await clear_deliveries(db)
    async with db() as session:
        row = await events.reject_participation(
            session, app.state.settings, zoe.account, status, kasia
        )
    assert row.state == "rejected"
    [job] = await deliveries(db)
    assert job["activity"]["type"] == "Reject"
    event = await _event_row(db, status.id)
    assert (event.participants_count, event.participation_request_count) == (0, 0)


async def test_a_leave_removes_the_participation(app, factory, db):
    zoe = await factory.user("zoe")
    status = await _local_event(app, db, zoe)
    kasia = await dialect_author(db, "pl")
    await receive(app, kasia, _at(load_dialect("pl", "join"), status))
    await clear_deliveries(db)

    await receive(app, kasia, _at(load_dialect("pl", "leave"), status))
    assert await _participations(db) == []
    assert (await _event_row(db, status.id)).participants_count == 0
    assert await deliveries(db) == []


async def test_a_leave_of_something_not_joined_names_nothing(app, factory, db):
    zoe = await factory.user("zoe")
    status = await _local_event(app, db, zoe)
    tcit = await dialect_author(db, "mobilizon")
    assert await receive(app, tcit, _at(load_dialect("mobilizon", "leave"), status)) is None
    assert await _participations(db) == []


async def test_a_join_of_a_remote_event_sent_to_us_is_refused(app, factory, db):
    await factory.user("zoe")
    kasia = await dialect_author(db, "pl")
    remote_event = await receive(app, kasia, load_dialect("pl", "create_event"))
    tcit = await dialect_author(db, "mobilizon")
    with pytest.raises(Rejected):
        await receive(app, tcit, _at(load_dialect("mobilizon", "join"), remote_event))
    assert await _participations(db) == []


async def test_a_join_of_a_post_that_is_no_event_is_refused(app, factory, db):
    zoe = await factory.user("zoe")
    post = await factory.status(zoe.account, "just a post")
    kasia = await dialect_author(db, "pl")
    with pytest.raises(Rejected):
        await receive(app, kasia, _at(load_dialect("pl", "join"), post))
    assert await _participations(db) == []


async def test_a_join_of_an_event_the_actor_cannot_see_is_refused(app, factory, db):
    zoe = await factory.user("zoe")
    status = await _local_event(app, db, zoe, visibility="private")
    kasia = await dialect_author(db, "pl")
    with pytest.raises(Rejected):
        await receive(app, kasia, _at(load_dialect("pl", "join"), status))
    assert await _participations(db) == []
    assert await count(db, Notification) == 0


# --- our Joins of remote events -------------------------------------------------------------


async def test_joining_a_remote_event_and_the_organisers_accept(app, factory, db):
    zoe = await factory.user("zoe")
    kasia = await dialect_author(db, "pl")
    remote_event = await receive(app, kasia, load_dialect("pl", "create_event"))
    async with db() as session:
        row = await events.join_event(
            session, app.state.settings, zoe.account, remote_event, "See you there"
        )
    assert (row.state, row.message) == ("pending", "See you there")
    assert row.activity_id == f"{BASE_URL}/activities/{row.id}"
    [job] = await deliveries(db)
    assert job["inbox"] == kasia.inbox and job["actor_id"] == zoe.account.id
    join = job["activity"]
    assert join == {
        "@context": join["@context"],
        "id": row.activity_id,
        "type": "Join",
        "actor": zoe.account.ap_id,
        "object": remote_event.uri,
        "to": [kasia.ap_id],
        "cc": [PUBLIC],
        "participationMessage": "See you there",
        "context": remote_event.context,
    }

    accept = load_dialect("pl", "accept_join")
    accept["object"] = row.activity_id  # the pl fork names the Join by its id
    await receive(app, kasia, accept)
    assert (await _participations(db))[0][2] == "accepted"
    # A restricted event: zoe hears she is in.
    assert await notifications_of(db, zoe.account.id) == [
        ("pleroma:participation_accepted", remote_event.id)
    ]

    # Leaving: the row goes, the Leave goes to the organiser.
    await clear_deliveries(db)
    async with db() as session:
        await events.leave_event(session, app.state.settings, zoe.account, remote_event)
    assert await _participations(db) == []
    [job] = await deliveries(db)
    leave = job["activity"]
    assert (leave["type"], leave["actor"], leave["object"], leave["to"]) == (
        "Leave",
        zoe.account.ap_id,
        remote_event.uri,
        [kasia.ap_id],
    )
    async with db() as session:
        with pytest.raises(BadRequest):
            await events.leave_event(session, app.state.settings, zoe.account, remote_event)


async def test_mobilizons_accept_embeds_the_join(app, factory, db):
    zoe = await factory.user("zoe")
    tcit = await dialect_author(db, "mobilizon")
    remote_event = await receive(app, tcit, load_dialect("mobilizon", "create_event"))
    async with db() as session:
        await events.join_event(session, app.state.settings, zoe.account, remote_event)
    accept = load_dialect("mobilizon", "accept_join")
    assert accept["object"]["id"] != (await _participations(db))[0][3]  # matched otherwise
    accept["object"]["actor"] = zoe.account.ap_id
    await receive(app, tcit, accept)
    assert (await _participations(db))[0][2] == "accepted"
    assert await notifications_of(db, zoe.account.id) == []  # a free event


async def test_the_organisers_reject_and_an_impostors_accept(app, factory, db):
    zoe = await factory.user("zoe")
    kasia = await dialect_author(db, "pl")
    remote_event = await receive(app, kasia, load_dialect("pl", "create_event"))
    async with db() as session:
        row = await events.join_event(session, app.state.settings, zoe.account, remote_event)
    tcit = await dialect_author(db, "mobilizon")
    impostor = load_dialect("pl", "accept_join")
    impostor["actor"] = tcit.ap_id
    impostor["id"] = "https://mobilizon.remote.test/accept/1"
    impostor["object"] = row.activity_id
    with pytest.raises(Rejected):
        await receive(app, tcit, impostor)
    assert (await _participations(db))[0][2] == "pending"

    reject = load_dialect("pl", "reject_join")
    reject["object"] = row.activity_id
    await receive(app, kasia, reject)
    assert (await _participations(db))[0][2] == "rejected"
    assert await notifications_of(db, zoe.account.id) == []


async def test_our_event_carries_its_fields_to_the_followers(app, factory, db):
    from tests.api.relationship_helpers import remote_account
    from tests.api.status_read_helpers import follow

    zoe = await factory.user("zoe")
    fan = await remote_account(db, "fan", "fans.remote.test", inbox="https://fans.remote.test/in")
    await follow(db, fan, zoe.account)
    status = await _local_event(app, db, zoe, join_mode="restricted")
    [job] = await deliveries(db)
    create = job["activity"]
    event = create["object"]
    assert create["type"] == "Create" and event["id"] == status.uri
    assert event["type"] == "Event"
    assert event["name"] == "Jam session"
    assert event["startTime"].startswith("2030-06-01T18:00:00")
    assert event["endTime"].startswith("2030-06-01T20:00:00")
    assert event["joinMode"] == "restricted"
    assert event["location"] == {
        "type": "Place",
        "name": "Community Garden",
        "address": {"type": "PostalAddress", "addressLocality": "Warszawa"},
    }
    async with db() as session:
        assert (await status_by_uri(session, status.uri)).id == status.id
    # The organiser may not join their own event (the pl fork's answer).
    async with db() as session:
        with pytest.raises(BadRequest, match="Can't join your own event"):
            await events.join_event(session, app.state.settings, zoe.account, status)


async def test_bad_events_are_refused(app, factory, db):
    zoe = await factory.user("zoe")
    settings = app.state.settings
    cases = [
        {"name": " ", "start_time": START},
        {"name": "x", "start_time": START, "join_mode": "external"},
        {"name": "x", "start_time": START, "end_time": START - dt.timedelta(hours=1)},
    ]
    for case in cases:
        async with db() as session:
            with pytest.raises((BadRequest, Unprocessable)):
                await events.create_event(
                    session, settings, zoe.account, StatusDraft(text="t"), **case
                )
    assert await count(db, Event) == 0 and await count(db, Status) == 0
