"""ObjectAgePolicy: posts arriving long after they were written."""

from __future__ import annotations

import datetime as dt

import pytest

from pyleroma.activities.mrf.chain import filter_fetched_post
from pyleroma.activities.mrf.object_age import ObjectAgePolicy
from pyleroma.activities.policies import Rejected
from pyleroma.models import Status
from pyleroma.settings import SettingsError, load_settings
from tests.activities.mrf.helpers import (
    ALICE_FOLLOWERS,
    PUBLIC,
    ZOE,
    addressing,
    assert_nothing_behind,
    context,
    count,
    load,
    mastodon_reply,
    normalized,
    receive,
    remote_author,
    sender,
    serve_parent,
    settings,
    stored_status,
)

WEEK = 7 * 24 * 3600
PUBLISHED = dt.datetime(2025, 3, 14, 9, 26, 53)  # the fixtures' date


def at(seconds_after: float):
    return context(sender(), now=PUBLISHED + dt.timedelta(seconds=seconds_after))


async def run(activity, actions=("delist", "strip_followers"), threshold=WEEK, after=WEEK + 1):
    policy = ObjectAgePolicy(
        settings(mrf_object_age_threshold=threshold, mrf_object_age_actions=list(actions))
    )
    return await policy.filter(at(after), activity)


async def test_a_recent_post_passes_unchanged():
    activity = normalized("mastodon", "create_note_public")
    before = addressing(activity)
    assert addressing(await run(activity, actions=["reject"], after=WEEK)) == before


async def test_an_old_public_post_is_delisted_and_stripped_by_default():
    result = await run(normalized("mastodon", "create_note_public"))
    assert addressing(result) == ([], [ZOE, PUBLIC], [], [ZOE, PUBLIC])


async def test_delist_alone_keeps_the_followers():
    result = await run(normalized("mastodon", "create_note_public"), actions=["delist"])
    cc = [ALICE_FOLLOWERS, ZOE, PUBLIC]
    assert addressing(result) == ([], cc, [], cc)


async def test_strip_followers_turns_a_followers_only_post_direct():
    activity = normalized("mastodon", "create_note_followers_only")
    result = await run(activity, actions=["strip_followers"])
    assert addressing(result) == ([], [], [], [])


async def test_delisting_never_makes_a_private_post_unlisted():
    """Pleroma's delist puts the public collection in cc whatever the post was."""
    direct = normalized("mastodon", "create_note_direct")
    result = await run(direct, actions=["delist"])
    assert addressing(result) == ([ZOE], [], [ZOE], [])


async def test_reject_refuses_an_old_post():
    with pytest.raises(Rejected) as caught:
        await run(normalized("mastodon", "create_note_public"), actions=["reject", "delist"])
    assert str(caught.value) == (
        "[ObjectAgePolicy] published 604801 s ago, over the threshold of 604800 s"
    )


async def test_a_fetched_post_is_delisted_but_never_rejected():
    """Fetching a thread's old parent is asking for an old post."""
    note = normalized("mastodon", "create_note_public")["object"]
    policy_settings = settings(
        mrf_policies=["ObjectAgePolicy"],
        mrf_object_age_threshold=60,
        mrf_object_age_actions=["reject", "delist"],
    )
    ctx = context(sender(), now=PUBLISHED + dt.timedelta(days=400))
    ctx.settings = policy_settings
    post = await filter_fetched_post(ctx, note)
    assert (post["to"], post["cc"]) == ([], [ALICE_FOLLOWERS, ZOE, PUBLIC])


async def test_the_post_date_counts_not_the_activity_date():
    activity = normalized("mastodon", "create_note_public")
    activity["published"] = "2020-01-01T00:00:00Z"
    assert (await run(activity, actions=["reject"], after=60))["object"]["to"] == [PUBLIC]
    activity["object"]["published"] = "2020-01-01T00:00:00Z"
    with pytest.raises(Rejected):
        await run(activity, actions=["reject"], after=60)


async def test_timezones_are_read():
    activity = normalized("mastodon", "create_note_public")
    # 09:26:53Z written in UTC+2: the same instant.
    activity["object"]["published"] = "2025-03-14T11:26:53+02:00"
    assert (await run(activity, actions=["reject"], after=WEEK))["object"]["to"] == [PUBLIC]
    with pytest.raises(Rejected):
        await run(activity, actions=["reject"], after=WEEK + 1)


@pytest.mark.parametrize("published", [None, "yesterday", "2999-01-01T00:00:00Z", 12])
async def test_missing_unreadable_or_future_dates_pass(published):
    activity = normalized("mastodon", "create_note_public")
    activity["object"]["published"] = published
    assert (await run(activity, actions=["reject"]))["object"]["to"] == [PUBLIC]


async def test_only_creates_of_posts_are_judged():
    for name in ("update_note", "announce", "like", "follow"):
        activity = normalized("mastodon", name)
        assert await run(activity, actions=["reject"], after=10 * WEEK) is activity


async def test_no_actions_means_nothing_happens():
    activity = normalized("mastodon", "create_note_public")
    assert (await run(activity, actions=[]))["object"]["to"] == [PUBLIC]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("MRF_OBJECT_AGE_ACTIONS", "delist,burn", "unknown action 'burn'"),
        ("MRF_OBJECT_AGE_THRESHOLD", "-1", "must be a number of seconds"),
        ("MRF_OBJECT_AGE_THRESHOLD", "a week", "expected an integer"),
    ],
)
def test_bad_values_stop_the_start(name, value, message):
    env = {"PYLEROMA_MRF_POLICIES": "ObjectAgePolicy", f"PYLEROMA_{name}": value}
    with pytest.raises(SettingsError, match=message):
        load_settings(None, env=env)


def test_describe_and_pleroma_atoms():
    loaded = load_settings(
        None,
        env={
            "PYLEROMA_MRF_POLICIES": "ObjectAgePolicy",
            "PYLEROMA_MRF_OBJECT_AGE_ACTIONS": ":reject, :delist, reject",
            "PYLEROMA_MRF_OBJECT_AGE_THRESHOLD": "172800",
        },
    )
    assert ObjectAgePolicy(loaded).describe() == {
        "mrf_object_age": {"threshold": 172800, "actions": ["reject", "delist"]}
    }
    assert ObjectAgePolicy(settings()).describe() == {
        "mrf_object_age": {"threshold": WEEK, "actions": ["delist", "strip_followers"]}
    }


# --- through the receive path (the clock is the real one: the fixtures are from 2025) -----


async def test_an_old_reply_rejected_leaves_nothing_behind(app, factory, db, monkeypatch):
    await factory.user("zoe")
    author = await remote_author(db, "mastodon")
    await remote_author(db, "pleroma")
    fetched = serve_parent(monkeypatch)
    app.state.settings.mrf_policies = ["ObjectAgePolicy"]
    app.state.settings.mrf_object_age_actions = ["reject"]
    with pytest.raises(Rejected, match=r"\[ObjectAgePolicy\] published"):
        await receive(app, author, mastodon_reply())
    await assert_nothing_behind(db, fetched)


async def test_an_old_post_is_stored_unlisted_and_a_new_one_public(app, db):
    author = await remote_author(db, "mastodon")
    app.state.settings.mrf_policies = ["ObjectAgePolicy"]
    old = load("mastodon", "create_note_public")
    await receive(app, author, old)
    assert (await stored_status(db, old["object"]["id"])).visibility == "unlisted"

    new = load("mastodon", "create_note_public")
    new["object"]["id"] += "0"
    new["id"] += "0"
    now = dt.datetime.now(dt.UTC).isoformat()
    new["published"] = new["object"]["published"] = now
    await receive(app, author, new)
    assert (await stored_status(db, new["object"]["id"])).visibility == "public"
    assert await count(db, Status) == 2
