"""Filters applied server-side: home, public, tag, list, account, thread and notifications."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from pyleroma.db.base import utcnow
from pyleroma.models import Filter
from tests.api.filter_helpers import filter_status, stored_filters, v1_filter, v2_filter
from tests.api.notification_helpers import mention, stored
from tests.api.relationship_helpers import ids, next_link, prev_link
from tests.api.timeline_helpers import drain, follow, sid, users

HOME = "/api/v1/timelines/home"
PUBLIC = "/api/v1/timelines/public"
RESULT_FILTER_KEYS = {"id", "title", "context", "expires_at", "filter_action"}


async def _get(client, url, user=None, **params):
    response = await client.get(url, headers=user.headers if user else {}, params=params)
    assert response.status_code == 200, response.text
    return response


def _by_id(response) -> dict[str, dict]:
    return {item["id"]: item for item in response.json()}


async def _following(client, app, viewer, author):
    await follow(client, viewer, author)
    await drain(app)


async def test_home_warn_sets_filtered_with_keyword_matches(client, factory, app):
    alice, bob = await users(factory, "alice", "bob")
    await _following(client, app, alice, bob)
    created = await v2_filter(client, alice, "cat", title="Cats")
    matched = await factory.status(bob.account, "I love my Cat so much")
    plain = await factory.status(bob.account, "nothing to see")
    await drain(app)

    statuses = _by_id(await _get(client, HOME, alice))
    assert set(statuses) == {sid(matched), sid(plain)}
    assert statuses[sid(plain)]["filtered"] == []
    [result] = statuses[sid(matched)]["filtered"]
    assert set(result) == {"filter", "keyword_matches", "status_matches"}
    assert set(result["filter"]) == RESULT_FILTER_KEYS
    assert result["filter"]["id"] == created["id"] and result["filter"]["title"] == "Cats"
    assert result["filter"]["filter_action"] == "warn"
    assert result["keyword_matches"] == ["Cat"] and result["status_matches"] is None
    # bob, who has no filters, sees the same posts unfiltered
    assert all(s["filtered"] == [] for s in (await _get(client, HOME, bob)).json())


async def test_home_hide_drops_and_whole_word_differs_from_substring(client, factory, app):
    alice, bob = await users(factory, "alice", "bob")
    await _following(client, app, alice, bob)
    await v2_filter(client, alice, "cat", title="whole", action="hide")
    await v2_filter(client, alice, ("dog", False), title="substring", action="hide")
    whole = await factory.status(bob.account, "a cat!")
    catalog = await factory.status(bob.account, "the catalog is out")
    hotdog = await factory.status(bob.account, "HOTDOGS for sale")
    await drain(app)

    assert ids(await _get(client, HOME, alice)) == [sid(catalog)]
    assert {sid(whole), sid(hotdog)} <= set(ids(await _get(client, HOME, bob)))


async def test_v1_irreversible_hides_and_v1_plain_warns(client, factory, app):
    alice, bob = await users(factory, "alice", "bob")
    await _following(client, app, alice, bob)
    await v1_filter(client, alice, "gone", irreversible=True)
    await v1_filter(client, alice, "warned", whole_word=False)
    hidden = await factory.status(bob.account, "this is gone")
    warned = await factory.status(bob.account, "forewarned")
    await drain(app)
    response = await _get(client, HOME, alice)
    assert ids(response) == [sid(warned)]
    assert response.json()[0]["filtered"][0]["keyword_matches"] == ["warned"]
    assert sid(hidden) in ids(await _get(client, HOME, bob))


async def test_matches_spoiler_text_and_poll_options(client, factory, app):
    alice, bob = await users(factory, "alice", "bob")
    await _following(client, app, alice, bob)
    await v2_filter(client, alice, "murder", "pineapple")
    spoiler = await factory.status(bob.account, "the butler did it", spoiler_text="murder plot")
    poll = await factory.status(
        bob.account, "best pizza?", poll={"options": ["Pineapple", "Ham"], "expires_in": 600}
    )
    await drain(app)
    statuses = _by_id(await _get(client, HOME, alice))
    assert statuses[sid(spoiler)]["filtered"][0]["keyword_matches"] == ["murder"]
    assert statuses[sid(poll)]["filtered"][0]["keyword_matches"] == ["Pineapple"]


async def test_html_is_stripped_before_matching(client, factory, app):
    alice, bob = await users(factory, "alice", "bob")
    await _following(client, app, alice, bob)
    await v2_filter(client, alice, ("href", False), ("class", True), title="markup")
    post = await factory.status(bob.account, "tagged #news")
    await drain(app)
    [item] = (await _get(client, HOME, alice)).json()
    assert item["id"] == sid(post) and "href=" in item["content"] and "class=" in item["content"]
    assert item["filtered"] == []


async def test_reblog_carries_filtered_on_wrapper_and_inner_status(client, factory, app):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    await _following(client, app, alice, bob)
    await v2_filter(client, alice, "spiders")
    original = await factory.status(carol.account, "spiders everywhere")
    response = await client.post(f"/api/v1/statuses/{original.id}/reblog", headers=bob.headers)
    assert response.status_code == 200, response.text
    await drain(app)
    [item] = (await _get(client, HOME, alice)).json()
    assert item["reblog"]["id"] == sid(original)
    assert item["filtered"][0]["keyword_matches"] == ["spiders"]
    assert item["reblog"]["filtered"] == item["filtered"]


async def test_status_filter_matches_by_id_and_through_reblogs(client, factory, app):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    await _following(client, app, alice, bob)
    target = await factory.status(carol.account, "an ordinary post")
    other = await factory.status(carol.account, "another ordinary post")
    created = await v2_filter(client, alice, title="that one")
    await filter_status(client, alice, created["id"], target.id)
    boosts = {}
    for status in (target, other):
        boost = await client.post(f"/api/v1/statuses/{status.id}/reblog", headers=bob.headers)
        assert boost.status_code == 200, boost.text
        boosts[status.id] = boost.json()["id"]
    await drain(app)

    statuses = _by_id(await _get(client, HOME, alice))
    [through_boost] = statuses[boosts[target.id]]["filtered"]
    assert through_boost["status_matches"] == [sid(target)]
    assert through_boost["keyword_matches"] is None
    assert statuses[boosts[other.id]]["filtered"] == []
    own_page = _by_id(await _get(client, f"/api/v1/accounts/{carol.id}/statuses", alice))
    [result] = own_page[sid(target)]["filtered"]
    assert result["status_matches"] == [sid(target)] and result["keyword_matches"] is None
    assert own_page[sid(other)]["filtered"] == []


async def test_own_posts_and_reblogs_of_them_are_never_filtered(client, factory, app):
    alice, bob = await users(factory, "alice", "bob")
    await _following(client, app, alice, bob)
    await v2_filter(client, alice, "secret", action="hide")
    await v2_filter(client, alice, "mine")
    own = await factory.status(alice.account, "my secret, mine")
    boost = await client.post(f"/api/v1/statuses/{own.id}/reblog", headers=bob.headers)
    assert boost.status_code == 200
    await drain(app)
    items = _by_id(await _get(client, HOME, alice))
    assert sid(own) in items and items[sid(own)]["filtered"] == []
    assert all(item["filtered"] == [] for item in items.values())


async def test_expired_filter_has_no_effect(client, factory, app, db):
    alice, bob = await users(factory, "alice", "bob")
    await _following(client, app, alice, bob)
    await v2_filter(client, alice, "stale", action="hide", expires_in=3600)
    post = await factory.status(bob.account, "stale news")
    await drain(app)
    assert ids(await _get(client, HOME, alice)) == []
    [stored_filter] = await stored_filters(db, alice.id)
    async with db() as session:
        await session.execute(
            update(Filter)
            .where(Filter.id == stored_filter.id)
            .values(expires_at=utcnow() - dt.timedelta(seconds=1))
        )
        await session.commit()
    response = await _get(client, HOME, alice)
    assert ids(response) == [sid(post)] and response.json()[0]["filtered"] == []


async def test_context_decides_where_a_filter_applies(client, factory, app):
    alice, bob = await users(factory, "alice", "bob")
    await _following(client, app, alice, bob)
    await v1_filter(client, alice, "football", context=["public"], irreversible=True)
    post = await factory.status(bob.account, "football tonight")
    await drain(app)
    assert ids(await _get(client, HOME, alice)) == [sid(post)]
    assert sid(post) not in ids(await _get(client, PUBLIC, alice))
    assert sid(post) not in ids(await _get(client, PUBLIC, alice, local="true"))
    # anonymous readers see it, with Mastodon's empty filtered list
    anonymous = _by_id(await _get(client, PUBLIC))
    assert anonymous[sid(post)]["filtered"] == []


async def test_tag_timeline_uses_public_context(client, factory):
    alice, bob = await users(factory, "alice", "bob")
    await v1_filter(client, alice, "boring", context=["public"])
    post = await factory.status(bob.account, "boring #news")
    fine = await factory.status(bob.account, "exciting #news")
    response = await _get(client, "/api/v1/timelines/tag/news", alice)
    statuses = _by_id(response)
    assert statuses[sid(post)]["filtered"][0]["keyword_matches"] == ["boring"]
    assert statuses[sid(fine)]["filtered"] == []


async def test_list_timeline_uses_home_context(client, factory, app):
    alice, bob = await users(factory, "alice", "bob")
    await _following(client, app, alice, bob)
    created = await client.post("/api/v1/lists", json={"title": "l"}, headers=alice.headers)
    list_id = created.json()["id"]
    added = await client.post(
        f"/api/v1/lists/{list_id}/accounts", json={"account_ids": [bob.id]}, headers=alice.headers
    )
    assert added.status_code == 200
    await v1_filter(client, alice, "hidden", context=["home"], irreversible=True)
    hidden = await factory.status(bob.account, "hidden post")
    shown = await factory.status(bob.account, "shown post")
    await drain(app)
    assert ids(await _get(client, f"/api/v1/timelines/list/{list_id}", alice)) == [sid(shown)]
    assert sid(hidden) in ids(await _get(client, f"/api/v1/accounts/{bob.id}/statuses", alice))


async def test_account_statuses_use_account_context(client, factory):
    alice, bob = await users(factory, "alice", "bob")
    await v1_filter(client, alice, "rant", context=["account"], irreversible=True)
    await v1_filter(client, alice, "meh", context=["account"])
    rant = await factory.status(bob.account, "a rant")
    meh = await factory.status(bob.account, "meh post")
    url = f"/api/v1/accounts/{bob.id}/statuses"
    response = await _get(client, url, alice)
    assert ids(response) == [sid(meh)]
    assert response.json()[0]["filtered"][0]["keyword_matches"] == ["meh"]
    assert ids(await _get(client, url)) == [sid(meh), sid(rant)]


async def test_thread_context_drops_hidden_replies_and_warns(client, factory):
    alice, bob = await users(factory, "alice", "bob")
    await v1_filter(client, alice, "troll", context=["thread"], irreversible=True)
    await v1_filter(client, alice, "careful", context=["thread"])
    root = await factory.status(bob.account, "root post")
    troll = await factory.status(bob.account, "troll reply", in_reply_to_id=root.id)
    careful = await factory.status(bob.account, "careful reply", in_reply_to_id=root.id)
    leaf = await factory.status(bob.account, "leaf", in_reply_to_id=careful.id)
    response = await client.get(f"/api/v1/statuses/{leaf.id}/context", headers=alice.headers)
    assert response.status_code == 200
    data = response.json()
    assert ids_of(data["ancestors"]) == [sid(root), sid(careful)]
    assert data["ancestors"][1]["filtered"][0]["keyword_matches"] == ["careful"]
    around_root = await client.get(f"/api/v1/statuses/{root.id}/context", headers=alice.headers)
    assert sid(troll) not in ids_of(around_root.json()["descendants"])
    anonymous = await client.get(f"/api/v1/statuses/{root.id}/context")
    assert sid(troll) in ids_of(anonymous.json()["descendants"])


def ids_of(items) -> list[str]:
    return [item["id"] for item in items]


async def test_notifications_hide_drops_and_warn_marks_status(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    await v1_filter(client, alice, "spam", context=["notifications"], irreversible=True)
    await v1_filter(client, alice, "promo", context=["notifications"])
    await v1_filter(client, alice, "hello", context=["home"], irreversible=True)
    await mention(factory, bob, alice, "buy spam")
    promo = await mention(factory, bob, alice, "a promo")
    greeting = await mention(factory, bob, alice, "hello there")
    response = await _get(client, "/api/v1/notifications", alice)
    data = response.json()
    assert [n["status"]["id"] for n in data] == [sid(greeting), sid(promo)]
    assert data[1]["status"]["filtered"][0]["keyword_matches"] == ["promo"]
    assert data[0]["status"]["filtered"] == []
    # the hidden notification is still stored, only left out of the list
    assert len(await stored(db, alice.id)) == 3


async def test_a_page_reads_on_past_hidden_posts(client, factory):
    """More in tests/api/test_filters_full_pages.py."""
    alice, bob = await users(factory, "alice", "bob")
    await v1_filter(client, alice, "noise", context=["account"], irreversible=True)
    older = [await factory.status(bob.account, f"signal {n}") for n in range(2)]
    noisy = [await factory.status(bob.account, f"noise {n}") for n in range(3)]
    url = f"/api/v1/accounts/{bob.id}/statuses"
    first = await _get(client, url, alice, limit=3)
    assert ids(first) == [sid(older[1]), sid(older[0])]
    assert f"max_id={older[0].id}" in next_link(first)
    assert f"min_id={noisy[-1].id}" in prev_link(first)
