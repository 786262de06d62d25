"""GET/POST /api/v1/markers: shapes, upsert and version, seen-marking, unread_count, errors."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from pyleroma.models import Marker
from tests.api.notification_helpers import mention, stored

URL = "/api/v1/markers"


async def _markers(db, account_id) -> dict[str, Marker]:
    async with db() as session:
        rows = await session.scalars(select(Marker).where(Marker.account_id == int(account_id)))
        return {marker.timeline: marker for marker in rows}


async def test_get_without_markers_or_timelines_is_empty(client, factory):
    alice = await factory.user("alice")
    for query in ("", "?timeline[]=home&timeline[]=notifications", "?timeline[]=bogus"):
        response = await client.get(URL + query, headers=alice.headers)
        assert response.status_code == 200 and response.json() == {}


async def test_post_creates_markers_with_pleroma_shape(client, factory, db):
    alice = await factory.user("alice")
    response = await client.post(
        URL,
        json={"home": {"last_read_id": "777"}, "notifications": {"last_read_id": 69420}},
        headers=alice.headers,
    )
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"home", "notifications"}
    home = data["home"]
    assert set(home) == {"last_read_id", "version", "updated_at", "pleroma"}
    assert home["last_read_id"] == "777" and home["version"] == 0
    assert home["updated_at"].endswith("Z")
    assert data["notifications"]["last_read_id"] == "69420"
    assert data["notifications"]["pleroma"] == {"unread_count": 0}
    stored_markers = await _markers(db, alice.id)
    assert stored_markers["home"].last_read_id == "777"
    assert stored_markers["notifications"].last_read_id == "69420"


async def test_post_form_encoded_and_get_only_asked_timelines(client, factory):
    alice = await factory.user("alice")
    response = await client.post(URL, data={"home[last_read_id]": "12"}, headers=alice.headers)
    assert response.status_code == 200 and set(response.json()) == {"home"}
    await client.post(URL, data={"notifications[last_read_id]": "5"}, headers=alice.headers)

    only_home = await client.get(URL, params={"timeline[]": "home"}, headers=alice.headers)
    assert set(only_home.json()) == {"home"}
    assert only_home.json()["home"]["pleroma"] == {"unread_count": 0}
    both = await client.get(
        URL, params=[("timeline[]", "home"), ("timeline[]", "notifications")], headers=alice.headers
    )
    assert set(both.json()) == {"home", "notifications"}
    assert both.json()["notifications"]["last_read_id"] == "5"


async def test_upsert_moves_marker_and_bumps_version(client, factory, db):
    alice = await factory.user("alice")
    first = await client.post(URL, json={"home": {"last_read_id": "10"}}, headers=alice.headers)
    for expected_version, position in ((1, "20"), (2, "15")):
        response = await client.post(
            URL, json={"home": {"last_read_id": position}}, headers=alice.headers
        )
        assert response.json()["home"]["version"] == expected_version
        assert response.json()["home"]["last_read_id"] == position
    assert first.json()["home"]["version"] == 0
    markers = await _markers(db, alice.id)
    assert len(markers) == 1
    assert markers["home"].version == 2 and markers["home"].last_read_id == "15"


async def test_markers_are_per_account(client, factory):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await client.post(URL, json={"home": {"last_read_id": "10"}}, headers=alice.headers)
    response = await client.get(URL, params={"timeline[]": "home"}, headers=bob.headers)
    assert response.json() == {}
    await client.post(URL, json={"home": {"last_read_id": "30"}}, headers=bob.headers)
    mine = await client.get(URL, params={"timeline[]": "home"}, headers=alice.headers)
    assert mine.json()["home"]["last_read_id"] == "10" and mine.json()["home"]["version"] == 0


async def test_unknown_timeline_keys_are_ignored(client, factory, db):
    alice = await factory.user("alice")
    response = await client.post(
        URL,
        json={"public": {"last_read_id": "nope"}, "home": {"last_read_id": "3"}},
        headers=alice.headers,
    )
    assert response.status_code == 200 and set(response.json()) == {"home"}
    assert set(await _markers(db, alice.id)) == {"home"}
    empty = await client.post(URL, json={"public": {"last_read_id": "1"}}, headers=alice.headers)
    assert empty.status_code == 200 and empty.json() == {}


async def test_unread_count_counts_unseen_notifications(client, factory):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    for text in ("one", "two", "three"):
        await mention(factory, bob, alice, text)
    # a marker far behind the notifications marks nothing seen
    await client.post(URL, json={"notifications": {"last_read_id": "1"}}, headers=alice.headers)
    response = await client.get(URL, params={"timeline[]": "notifications"}, headers=alice.headers)
    assert response.json()["notifications"]["pleroma"] == {"unread_count": 3}


async def test_moving_notifications_marker_marks_them_seen(client, factory, db):
    alice, bob, carol = [await factory.user(n) for n in ("alice", "bob", "carol")]
    for text in ("one", "two", "three"):
        await mention(factory, bob, alice, text)
    await mention(factory, bob, carol, "not yours")
    first, second, third = await stored(db, alice.id)

    response = await client.post(
        URL, json={"notifications": {"last_read_id": str(second.id)}}, headers=alice.headers
    )
    assert response.status_code == 200
    assert response.json()["notifications"]["pleroma"] == {"unread_count": 1}
    seen = {n.id: n.seen for n in await stored(db, alice.id)}
    assert seen == {first.id: True, second.id: True, third.id: False}
    # another account's notifications are untouched
    assert [n.seen for n in await stored(db, carol.id)] == [False]

    listed = await client.get("/api/v1/notifications", headers=alice.headers)
    flags = {item["id"]: item["pleroma"]["is_seen"] for item in listed.json()}
    assert flags == {str(first.id): True, str(second.id): True, str(third.id): False}


async def test_home_marker_does_not_mark_notifications_seen(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await mention(factory, bob, alice)
    [notification] = await stored(db, alice.id)
    await client.post(
        URL, json={"home": {"last_read_id": str(notification.id)}}, headers=alice.headers
    )
    assert [n.seen for n in await stored(db, alice.id)] == [False]


async def test_auth_and_scopes(client, factory):
    alice = await factory.user("alice")
    assert (await client.get(URL)).status_code == 401
    assert (await client.post(URL, json={"home": {"last_read_id": "1"}})).status_code == 401

    wrong = await factory.token(alice.account, ["read:accounts", "write:accounts"])
    headers = {"Authorization": f"Bearer {wrong}"}
    denied = await client.get(URL, headers=headers)
    assert denied.status_code == 403 and "read:statuses" in denied.json()["error"]
    denied = await client.post(URL, json={"home": {"last_read_id": "1"}}, headers=headers)
    assert denied.status_code == 403 and "write:statuses" in denied.json()["error"]

    read_only = {"Authorization": f"Bearer {await factory.token(alice.account, ['read'])}"}
    assert (await client.get(URL, headers=read_only)).status_code == 200
    forbidden = await client.post(URL, json={"home": {"last_read_id": "1"}}, headers=read_only)
    assert forbidden.status_code == 403
    write_only = {"Authorization": f"Bearer {await factory.token(alice.account, ['write'])}"}
    ok = await client.post(URL, json={"home": {"last_read_id": "1"}}, headers=write_only)
    assert ok.status_code == 200


async def test_invalid_parameters_are_422_and_write_nothing(client, factory, db):
    alice = await factory.user("alice")
    bad_bodies = [
        {"home": {"last_read_id": "abc"}},
        {"home": {"last_read_id": "-5"}},
        {"home": {"last_read_id": ""}},
        {"home": {}},
        {"home": "12"},
        {"notifications": {"last_read_id": "99999999999999999999999"}},
        # a valid home with an invalid notifications: nothing is written
        {"home": {"last_read_id": "5"}, "notifications": {"last_read_id": "x"}},
    ]
    for body in bad_bodies:
        response = await client.post(URL, json=body, headers=alice.headers)
        assert response.status_code == 422, body
        assert "error" in response.json()
    assert await _markers(db, alice.id) == {}
    malformed = await client.get(URL, params={"timeline[][x]": "home"}, headers=alice.headers)
    assert malformed.status_code == 422


async def test_concurrent_first_saves_make_one_marker(client, factory, db):
    alice = await factory.user("alice")
    responses = await asyncio.gather(
        *(
            client.post(URL, json={"home": {"last_read_id": str(n)}}, headers=alice.headers)
            for n in range(1, 5)
        )
    )
    assert all(r.status_code == 200 for r in responses)
    markers = await _markers(db, alice.id)
    assert list(markers) == ["home"]
    assert sorted(r.json()["home"]["version"] for r in responses) == [0, 1, 2, 3]
    assert markers["home"].version == 3
