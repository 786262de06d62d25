"""Hide filters never shorten a page while more visible items exist (issue 8).

Runs of hidden posts sit between visible ones; every read where hide filters apply must
answer full pages, and its Link headers must page on without repeating or skipping.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from pyleroma.api.full_pages import BATCH_CAP, MORE_BATCHES
from tests.api.filter_helpers import v1_filter, v2_filter
from tests.api.notification_helpers import mention
from tests.api.relationship_helpers import ids, next_link, prev_link
from tests.api.timeline_helpers import drain, follow, sid, users

HOME = "/api/v1/timelines/home"


async def _get(client, url, user, **params):
    response = await client.get(url, headers=user.headers, params=params)
    assert response.status_code == 200, response.text
    return response


def _param(link: str | None, name: str) -> str | None:
    assert link is not None
    return parse_qs(urlsplit(link).query).get(name, [None])[0]


async def _walk(client, url, user, limit, *, direction=next_link, **params) -> list[str]:
    """Every id seen following ``direction`` links from the first page, in order."""
    seen: list[str] = []
    response = await _get(client, url, user, limit=limit, **params)
    for _ in range(30):
        page = ids(response)
        assert len(page) <= limit
        seen.extend(page)
        link = direction(response)
        if not page or link is None:
            return seen
        response = await client.get(link, headers=user.headers)
        assert response.status_code == 200, response.text
    raise AssertionError("paging did not end")


async def _run(factory, author, text="post") -> dict[str, object]:
    """Oldest to newest: v0, three hidden, v1, two hidden. Returns the statuses by name."""
    made = {}
    for name in ("v0", "h0", "h1", "h2", "v1", "h3", "h4"):
        words = "noise" if name.startswith("h") else "signal"
        made[name] = await factory.status(author.account, f"{words} {name} {text}")
    return made


async def _home_with_run(client, factory, app):
    alice, bob = await users(factory, "alice", "bob")
    await follow(client, alice, bob)
    await v2_filter(client, alice, "noise", action="hide")
    made = await _run(factory, bob)
    await drain(app)
    return alice, bob, made


async def test_home_limit_1_skips_a_run_of_hidden_posts(client, factory, app):
    alice, _bob, made = await _home_with_run(client, factory, app)
    first = await _get(client, HOME, alice, limit=1)
    assert ids(first) == [sid(made["v1"])]
    # next starts below the last post returned; prev above every hidden post passed over
    assert _param(next_link(first), "max_id") == sid(made["v1"])
    assert _param(prev_link(first), "min_id") == sid(made["h4"])
    second = await client.get(next_link(first), headers=alice.headers)
    assert ids(second) == [sid(made["v0"])]
    assert await _walk(client, HOME, alice, 1) == [sid(made["v1"]), sid(made["v0"])]


async def test_home_limit_2_is_full_across_hidden_runs(client, factory, app):
    alice, _bob, made = await _home_with_run(client, factory, app)
    first = await _get(client, HOME, alice, limit=2)
    assert ids(first) == [sid(made["v1"]), sid(made["v0"])]
    assert _param(next_link(first), "max_id") == sid(made["v0"])
    assert await _walk(client, HOME, alice, 2) == [sid(made["v1"]), sid(made["v0"])]


async def test_min_id_pages_read_upwards_past_hidden_posts(client, factory, app):
    alice, bob, made = await _home_with_run(client, factory, app)
    above_v0 = await _get(client, HOME, alice, limit=1, min_id=made["v0"].id)
    assert ids(above_v0) == [sid(made["v1"])]
    # next (older) goes below every hidden post examined, so v0's page is not skipped
    assert _param(next_link(above_v0), "max_id") == sid(made["h0"])
    assert _param(prev_link(above_v0), "min_id") == sid(made["v1"])
    newer = await factory.status(bob.account, "signal v2")
    await drain(app)
    up = await client.get(prev_link(above_v0), headers=alice.headers)
    assert ids(up) == [sid(newer)]
    two = await _get(client, HOME, alice, limit=2, min_id=made["v0"].id)
    assert ids(two) == [sid(newer), sid(made["v1"])]
    # scrolling up one post at a time sees each visible post once, in order
    walked = await _walk(client, HOME, alice, 1, direction=prev_link, min_id=made["v0"].id)
    assert walked == [sid(made["v1"]), sid(newer)]


@pytest.mark.parametrize("limit", [1, 2])
async def test_every_filtered_read_pages_full(client, factory, app, limit):
    alice, bob = await users(factory, "alice", "bob")
    await follow(client, alice, bob)
    await v2_filter(client, alice, "noise", action="hide")
    created = await client.post("/api/v1/lists", json={"title": "l"}, headers=alice.headers)
    list_id = created.json()["id"]
    added = await client.post(
        f"/api/v1/lists/{list_id}/accounts", json={"account_ids": [bob.id]}, headers=alice.headers
    )
    assert added.status_code == 200, added.text
    made = await _run(factory, bob, "#topic")
    await drain(app)
    visible = [sid(made["v1"]), sid(made["v0"])]
    for url in (
        HOME,
        f"/api/v1/timelines/list/{list_id}",
        "/api/v1/timelines/public",
        "/api/v1/timelines/tag/topic",
        f"/api/v1/accounts/{bob.id}/statuses",
    ):
        assert ids(await _get(client, url, alice, limit=limit)) == visible[:limit], url
        assert await _walk(client, url, alice, limit) == visible, url
        if "/list/" not in url:  # bob has no filters: he sees every post
            assert len(await _walk(client, url, bob, limit)) == 7, url


async def test_notifications_read_on_past_hidden_ones(client, factory):
    alice, bob = await users(factory, "alice", "bob")
    await v1_filter(client, alice, "spam", context=["notifications"], irreversible=True)
    wanted = await mention(factory, bob, alice, "a real question")
    for n in range(3):
        await mention(factory, bob, alice, f"spam {n}")
    url = "/api/v1/notifications"
    first = await _get(client, url, alice, limit=1)
    assert [n["status"]["id"] for n in first.json()] == [sid(wanted)]
    assert _param(next_link(first), "max_id") == first.json()[0]["id"]
    assert await _walk(client, url, alice, 1) == [first.json()[0]["id"]]
    assert len(await _walk(client, url, bob, 1)) == 0
    assert len((await _get(client, url, alice, limit=2, with_muted="true")).json()) == 1


async def test_reading_on_is_bounded_and_paging_resumes_where_it_stopped(client, factory):
    alice, bob = await users(factory, "alice", "bob")
    await v1_filter(client, alice, "noise", context=["account"], irreversible=True)
    signal = await factory.status(bob.account, "signal")
    # one read of limit=1, then MORE_BATCHES reads doubling in size
    examined = 1 + sum(min(BATCH_CAP, 2**n) for n in range(1, MORE_BATCHES + 1))
    noise = [await factory.status(bob.account, f"noise {n}") for n in range(examined + 3)]
    url = f"/api/v1/accounts/{bob.id}/statuses"
    first = await _get(client, url, alice, limit=1)
    assert first.json() == []
    newest_first = list(reversed(noise))
    assert _param(next_link(first), "max_id") == sid(newest_first[examined - 1])
    assert _param(prev_link(first), "min_id") == sid(newest_first[0])
    second = await client.get(next_link(first), headers=alice.headers)
    assert ids(second) == [sid(signal)]
