"""MentionPolicy: posts naming protected actors are refused."""

from __future__ import annotations

import pytest

from pyleroma.activities.mrf.mention import MentionPolicy
from pyleroma.activities.normalize import normalize_activity
from pyleroma.activities.policies import Rejected
from pyleroma.models import Notification, Status
from pyleroma.settings import SettingsError, load_settings
from tests.activities.mrf.helpers import (
    BOB,
    PUBLIC,
    ZOE,
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
)


async def run(activity, actors):
    return await MentionPolicy(settings(mrf_mention_actors=actors)).filter(
        context(sender()), activity
    )


async def test_a_post_addressed_to_a_protected_actor_is_refused():
    with pytest.raises(Rejected) as caught:
        await run(normalized("mastodon", "create_note_public"), [ZOE])
    assert str(caught.value) == f"[MentionPolicy] Rejected for mention of {ZOE}"


async def test_direct_messages_and_replies_are_read():
    with pytest.raises(Rejected, match="mention of"):
        await run(normalized("mastodon", "create_note_direct"), [ZOE])
    with pytest.raises(Rejected, match=f"mention of {BOB}"):
        await run(normalized("mastodon", "create_note_reply"), [BOB, ZOE])


async def test_other_posts_pass():
    activity = normalized("mastodon", "create_note_public")
    assert await run(activity, [BOB]) is activity


async def test_a_mention_only_in_the_post_is_found():
    """Addressed nowhere on the activity, tagged and addressed in the post only."""
    raw = load("mastodon", "create_note_public")
    raw["cc"] = ["https://mastodon.remote.test/users/alice/followers"]
    raw["object"]["cc"] = [*raw["cc"], BOB]
    with pytest.raises(Rejected, match=f"mention of {BOB}"):
        await run(normalize_activity(raw), [BOB])
    raw["object"]["cc"] = raw["cc"]
    raw["object"]["tag"] = [{"type": "Mention", "href": BOB, "name": "@bob"}]
    with pytest.raises(Rejected, match=f"mention of {BOB}"):
        await run(normalize_activity(raw), [BOB])


async def test_only_creates_are_judged():
    for name in ("like", "follow", "announce", "update_note"):
        activity = normalized("pleroma", name)
        activity["to"] = [*activity["to"], ZOE]
        assert await run(activity, [ZOE]) is activity


async def test_nothing_configured_takes_everything():
    activity = normalized("mastodon", "create_note_public")
    assert await run(activity, []) is activity
    assert PUBLIC in activity["to"]


@pytest.mark.parametrize("value", ["zoe", "@zoe@pyleroma.test", "ftp://x.example/u", "https://"])
def test_what_is_not_an_actor_id_stops_the_start(value):
    env = {"PYLEROMA_MRF_POLICIES": "MentionPolicy", "PYLEROMA_MRF_MENTION_ACTORS": value}
    with pytest.raises(SettingsError, match="is not an actor's id"):
        load_settings(None, env=env)


def test_describe_publishes_nothing():
    """Pleroma's describe is empty: the list names who is being protected."""
    assert MentionPolicy(settings(mrf_mention_actors=[ZOE])).describe() == {}


async def test_a_refused_mention_leaves_nothing_behind(app, factory, db, monkeypatch):
    zoe = await factory.user("zoe")
    author = await remote_author(db, "mastodon")
    await remote_author(db, "pleroma")
    fetched = serve_parent(monkeypatch)
    app.state.settings.mrf_policies = ["MentionPolicy"]
    app.state.settings.mrf_mention_actors = [zoe.account.ap_id]
    with pytest.raises(Rejected, match=f"mention of {ZOE}"):
        await receive(app, author, mastodon_reply())
    await assert_nothing_behind(db, fetched)

    app.state.settings.mrf_mention_actors = ["https://elsewhere.remote.test/users/x"]
    await receive(app, author, mastodon_reply())
    assert await count(db, Status) == 2
    assert await count(db, Notification, Notification.account_id == zoe.account.id) == 2
