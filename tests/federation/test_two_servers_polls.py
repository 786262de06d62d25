"""A poll's tallies between two servers: votes on the poll's server, local or remote, go
out as an Update of the poll, which the other server applies without making it an edit."""

from __future__ import annotations

from tests.federation.servers import settle
from tests.federation.test_two_servers import _follow, _home


async def test_tallies_follow_the_votes_on_the_other_server(servers):
    a, b = servers
    b.app.state.settings.poll_update_delay = 0
    alice = await a.user("alice")
    carol = await b.user("carol")
    dave = await b.user("dave")
    await _follow(a, alice, b, "carol")
    posted = await b.post(
        "/api/v1/statuses",
        carol,
        status="tea or coffee?",
        poll={"options": ["tea", "coffee"], "expires_in": 3600},
    )
    assert posted.status_code == 200, posted.text
    poll_id = posted.json()["poll"]["id"]
    await settle(a, b)
    [copy] = await _home(a, alice)
    assert [o["votes_count"] for o in copy["poll"]["options"]] == [0, 0]

    # A vote on b by a local voter: a's copy learns of it.
    voted = await b.post(f"/api/v1/polls/{poll_id}/votes", dave, choices=[0])
    assert voted.status_code == 200, voted.text
    await settle(a, b)
    seen = (await a.get(f"/api/v1/polls/{copy['poll']['id']}", alice)).json()
    assert [o["votes_count"] for o in seen["options"]] == [1, 0]
    assert seen["voters_count"] == 1

    # alice votes from a: b counts it, and the Update brings both votes back to a.
    voted = await a.post(f"/api/v1/polls/{copy['poll']['id']}/votes", alice, choices=[1])
    assert voted.status_code == 200, voted.text
    await settle(a, b)
    on_b = (await b.get(f"/api/v1/polls/{poll_id}", carol)).json()
    assert [o["votes_count"] for o in on_b["options"]] == [1, 1]
    seen = (await a.get(f"/api/v1/polls/{copy['poll']['id']}", alice)).json()
    assert [o["votes_count"] for o in seen["options"]] == [1, 1]
    assert seen["voters_count"] == 2
    assert seen["voted"] is True and seen["own_votes"] == [1]
    # The counts changed, not the post: no edit on a.
    status = (await a.get(f"/api/v1/statuses/{copy['id']}", alice)).json()
    assert status["edited_at"] is None


async def test_a_remote_poll_is_read_again_when_it_ends_and_voters_are_told(servers):
    import asyncio

    a, b = servers
    b.app.state.settings.poll_update_delay = 3600  # no tally Update before the end
    alice = await a.user("alice")
    carol = await b.user("carol")
    dave = await b.user("dave")
    await _follow(a, alice, b, "carol")
    posted = await b.post(
        "/api/v1/statuses",
        carol,
        status="quick poll",
        poll={"options": ["yes", "no"], "expires_in": 3},
    )
    assert posted.status_code == 200, posted.text
    await settle(a, b)
    [copy] = await _home(a, alice)
    voted = await a.post(f"/api/v1/polls/{copy['poll']['id']}/votes", alice, choices=[0])
    assert voted.status_code == 200, voted.text
    voted = await b.post(f"/api/v1/polls/{posted.json()['poll']['id']}/votes", dave, choices=[1])
    assert voted.status_code == 200, voted.text
    await settle(a, b)
    seen = (await a.get(f"/api/v1/polls/{copy['poll']['id']}", alice)).json()
    assert [o["votes_count"] for o in seen["options"]] == [1, 0]  # a counted its own only

    await asyncio.sleep(3.5)
    await settle(a, b)
    seen = (await a.get(f"/api/v1/polls/{copy['poll']['id']}", alice)).json()
    assert seen["expired"] is True
    assert [o["votes_count"] for o in seen["options"]] == [1, 1]
    notifications = (await a.get("/api/v1/notifications", alice)).json()
    assert [(n["type"], n["status"]["id"]) for n in notifications] == [("poll", copy["id"])]
