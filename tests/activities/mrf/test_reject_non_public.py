"""RejectNonPublic: only public and unlisted posts are taken unless allowed."""

from __future__ import annotations

import pytest

from pyleroma.activities.mrf.reject_non_public import RejectNonPublic
from pyleroma.activities.policies import Rejected
from pyleroma.models import Notification
from pyleroma.settings import SettingsError, load_settings
from tests.activities.mrf.helpers import (
    ALICE_FOLLOWERS,
    PUBLIC,
    assert_nothing_behind,
    context,
    count,
    load,
    normalized,
    receive,
    remote_author,
    sender,
    serve_parent,
    settings,
    stored_status,
)


async def run(activity, followers=False, direct=False, actor=None):
    policy = RejectNonPublic(
        settings(
            mrf_rejectnonpublic_allow_followersonly=followers,
            mrf_rejectnonpublic_allow_direct=direct,
        )
    )
    return await policy.filter(context(actor or sender()), activity)


@pytest.mark.parametrize("software", ["mastodon", "pleroma", "akkoma", "misskey", "gotosocial"])
async def test_public_and_unlisted_posts_pass(software):
    public = normalized(software, "create_note_public")
    assert await run(public) is public
    unlisted = normalized(software, "create_note_public")
    for item in (unlisted, unlisted["object"]):
        item["cc"], item["to"] = [*item["cc"], PUBLIC], [x for x in item["to"] if x != PUBLIC]
    assert await run(unlisted) is unlisted


async def test_followers_only_is_refused_unless_allowed():
    activity = normalized("mastodon", "create_note_followers_only")
    with pytest.raises(Rejected) as caught:
        await run(activity)
    assert str(caught.value) == "[RejectNonPublic] visibility: followers"
    with pytest.raises(Rejected, match="visibility: followers"):
        await run(activity, direct=True)
    assert await run(activity, followers=True) is activity


async def test_direct_is_refused_unless_allowed():
    activity = normalized("pleroma", "create_note_direct")
    with pytest.raises(Rejected, match=r"^\[RejectNonPublic\] visibility: direct$"):
        await run(activity, followers=True)
    assert await run(activity, direct=True) is activity


async def test_followers_in_cc_is_followers_only_as_it_is_stored():
    raw_activity = normalized("mastodon", "create_note_followers_only")
    for item in (raw_activity, raw_activity["object"]):
        item["to"], item["cc"] = ["https://pleroma.remote.test/users/bob"], [ALICE_FOLLOWERS]
    with pytest.raises(Rejected, match="visibility: followers"):
        await run(raw_activity)


async def test_the_post_addressing_decides_not_the_activity():
    """A direct post wrapped in a public-looking Create is still direct."""
    activity = normalized("mastodon", "create_note_direct")
    activity["to"] = [PUBLIC]
    with pytest.raises(Rejected, match="visibility: direct"):
        await run(activity)


async def test_without_a_followers_url_the_conventional_one_is_read():
    activity = normalized("mastodon", "create_note_followers_only")
    with pytest.raises(Rejected, match="visibility: followers"):
        await run(activity, actor=sender(followers_url=None))
    assert await run(activity, followers=True, actor=sender(followers_url=None)) is activity


async def test_other_activities_pass():
    for name in ("like", "follow", "update_note", "delete_note", "announce"):
        activity = normalized("mastodon", name)
        activity["to"], activity["cc"] = [], []
        assert await run(activity) is activity


def test_settings_and_describe():
    loaded = load_settings(
        None,
        env={
            "PYLEROMA_MRF_POLICIES": "RejectNonPublic",
            "PYLEROMA_MRF_REJECTNONPUBLIC_ALLOW_DIRECT": "yes",
        },
    )
    assert RejectNonPublic(loaded).describe() == {
        "mrf_rejectnonpublic": {"allow_followersonly": False, "allow_direct": True}
    }
    with pytest.raises(SettingsError, match="expected a boolean"):
        load_settings(None, env={"PYLEROMA_MRF_REJECTNONPUBLIC_ALLOW_DIRECT": "sometimes"})


async def test_a_refused_direct_message_leaves_nothing_behind(app, factory, db, monkeypatch):
    zoe = await factory.user("zoe")
    author = await remote_author(db, "mastodon")
    await remote_author(db, "pleroma")
    fetched = serve_parent(monkeypatch)
    app.state.settings.mrf_policies = ["RejectNonPublic"]
    raw = load("mastodon", "create_note_direct")
    raw["object"]["inReplyTo"] = (
        "https://pleroma.remote.test/objects/4c0f5b8e-2d1a-4e7f-9b36-8a2c1d0e5f71"
    )
    with pytest.raises(Rejected, match="visibility: direct"):
        await receive(app, author, raw)
    await assert_nothing_behind(db, fetched)

    app.state.settings.mrf_rejectnonpublic_allow_direct = True
    await receive(app, author, raw)
    assert (await stored_status(db, raw["object"]["id"])).visibility == "direct"
    assert await count(db, Notification, Notification.account_id == zoe.account.id) == 2


async def test_an_allowed_followers_only_post_is_stored_private(app, db):
    author = await remote_author(db, "mastodon")
    app.state.settings.mrf_policies = ["RejectNonPublic"]
    app.state.settings.mrf_rejectnonpublic_allow_followersonly = True
    raw = load("mastodon", "create_note_followers_only")
    await receive(app, author, raw)
    assert (await stored_status(db, raw["object"]["id"])).visibility == "private"
