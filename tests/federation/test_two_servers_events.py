"""Events between two pyleroma servers on loopback, driven through the client API only
(/api/v1/pleroma/events): bob on B sees alice's restricted event from A with its fields,
asks to join, alice authorizes him on A, B learns he is in; alice's edit reaches B; bob
leaves and A's participants are empty again."""

from __future__ import annotations

from tests.federation.servers import settle
from tests.federation.test_two_servers import _follow


async def _status_on(server, user, uri: str) -> dict:
    """The copy of a post on ``server``, found the way apps do (search by URL)."""
    response = await server.get("/api/v2/search", user, q=uri, resolve="true", type="statuses")
    assert response.status_code == 200, response.text
    [found] = response.json()["statuses"]
    return found


async def test_an_event_across_servers_through_the_client_api(servers):
    a, b = servers
    alice = await a.user("alice")
    bob = await b.user("bob")
    await _follow(b, bob, a, "alice")

    response = await a.post(
        "/api/v1/pleroma/events",
        alice,
        name="Jam session",
        status="Bring your own jam",
        start_time="2030-06-01T18:00:00Z",
        end_time="2030-06-01T21:00:00Z",
        join_mode="restricted",
        timezone="Europe/Warsaw",
    )
    assert response.status_code == 200, response.text
    made = response.json()
    await settle(a, b)

    copy = await _status_on(b, bob, made["uri"])
    event = copy["pleroma"]["event"]
    assert (event["name"], event["join_mode"], event["timezone"]) == (
        "Jam session",
        "restricted",
        "Europe/Warsaw",
    )
    assert (event["start_time"], event["end_time"]) == (
        "2030-06-01T18:00:00.000Z",
        "2030-06-01T21:00:00.000Z",
    )
    assert "Bring your own jam" in copy["content"]

    response = await b.post(
        f"/api/v1/pleroma/events/{copy['id']}/join", bob, participation_message="I play drums"
    )
    assert response.status_code == 200, response.text
    assert response.json()["pleroma"]["event"]["join_state"] == "pending"
    await settle(a, b)

    response = await a.get(f"/api/v1/pleroma/events/{made['id']}/participation_requests", alice)
    [request] = response.json()
    assert request["participation_message"] == "I play drums"
    assert request["account"]["acct"] == b.handle("bob")
    notifications = (await a.get("/api/v1/notifications", alice)).json()
    assert [n["type"] for n in notifications] == ["pleroma:participation_request", "follow"]

    path = f"/api/v1/pleroma/events/{made['id']}/participation_requests"
    response = await a.post(f"{path}/{request['account']['id']}/authorize", alice)
    assert response.status_code == 200, response.text
    assert response.json()["pleroma"]["event"]["participants_count"] == 1
    await settle(a, b)

    shown = (await b.get(f"/api/v1/statuses/{copy['id']}", bob)).json()
    assert shown["pleroma"]["event"]["join_state"] == "accept"
    notifications = (await b.get("/api/v1/notifications", bob)).json()
    assert [n["type"] for n in notifications] == ["pleroma:participation_accepted"]
    joined = (await b.get("/api/v1/pleroma/events/joined_events", bob)).json()
    assert [s["id"] for s in joined] == [copy["id"]]
    participants = (
        await a.get(f"/api/v1/pleroma/events/{made['id']}/participations", alice)
    ).json()
    assert [p["acct"] for p in participants] == [b.handle("bob")]

    # alice moves it: B's copy follows.
    response = await a.http.put(
        f"/api/v1/pleroma/events/{made['id']}",
        headers=alice.headers,
        json={"name": "Jam session (moved)", "start_time": "2030-06-02T18:00:00Z",
              "end_time": "2030-06-02T21:00:00Z"},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    await settle(a, b)
    shown = (await b.get(f"/api/v1/statuses/{copy['id']}", bob)).json()
    assert shown["pleroma"]["event"]["name"] == "Jam session (moved)"
    assert shown["pleroma"]["event"]["start_time"] == "2030-06-02T18:00:00.000Z"

    response = await b.post(f"/api/v1/pleroma/events/{copy['id']}/leave", bob)
    assert response.status_code == 200, response.text
    assert response.json()["pleroma"]["event"]["join_state"] is None
    await settle(a, b)
    participants = (
        await a.get(f"/api/v1/pleroma/events/{made['id']}/participations", alice)
    ).json()
    assert participants == []
    shown = (await a.get(f"/api/v1/statuses/{made['id']}", alice)).json()
    assert shown["pleroma"]["event"]["participants_count"] == 0
