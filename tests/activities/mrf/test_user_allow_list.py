"""UserAllowListPolicy: from a listed host, only the listed actors."""

from __future__ import annotations

import pytest

from pyleroma.activities.mrf.user_allow_list import UserAllowListPolicy
from pyleroma.activities.policies import Rejected
from pyleroma.settings import SettingsError, load_settings
from tests.activities.mrf.helpers import (
    ALICE,
    BOB,
    assert_nothing_behind,
    context,
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

CAROL = "https://mastodon.remote.test/users/carol"


async def run(activity, allowlist):
    policy = UserAllowListPolicy(settings(mrf_user_allowlist=allowlist))
    return await policy.filter(context(sender()), activity)


async def test_a_listed_actor_passes():
    activity = normalized("mastodon", "create_note_public")
    assert await run(activity, [ALICE, CAROL]) is activity


async def test_an_unlisted_actor_of_a_listed_host_is_refused_whatever_it_sends():
    for name in ("create_note_public", "like", "follow", "announce", "delete_note", "flag"):
        activity = normalized("mastodon", name)
        with pytest.raises(Rejected) as caught:
            await run(activity, [CAROL])
        assert str(caught.value) == f"[UserAllowListPolicy] {activity['actor']} not in the list"
    # Mastodon reports come from its instance actor: not listed either.
    assert activity["actor"] == "https://mastodon.remote.test/actor"


async def test_hosts_without_an_entry_are_unaffected():
    activity = normalized("pleroma", "create_note_public")
    assert activity["actor"] == BOB
    assert await run(activity, [CAROL]) is activity
    assert await run(activity, []) is activity


async def test_a_port_makes_another_host():
    activity = normalized("mastodon", "like")
    assert await run(activity, ["https://mastodon.remote.test:8443/users/carol"]) is activity


@pytest.mark.parametrize("value", ["mastodon.remote.test", "alice@mastodon.remote.test", "x"])
def test_what_is_not_an_actor_id_stops_the_start(value):
    env = {"PYLEROMA_MRF_POLICIES": "UserAllowListPolicy", "PYLEROMA_MRF_USER_ALLOWLIST": value}
    with pytest.raises(SettingsError, match="mrf_user_allowlist: .* is not an actor's id"):
        load_settings(None, env=env)


def test_describe_counts_the_actors_per_host():
    policy = UserAllowListPolicy(settings(mrf_user_allowlist=[ALICE, CAROL, BOB, ALICE]))
    assert policy.describe() == {
        "mrf_user_allowlist": {"mastodon.remote.test": 2, "pleroma.remote.test": 1}
    }
    assert UserAllowListPolicy(settings()).describe() == {"mrf_user_allowlist": {}}


async def test_a_refused_actor_leaves_nothing_behind(app, factory, db, monkeypatch):
    await factory.user("zoe")
    author = await remote_author(db, "mastodon")
    await remote_author(db, "pleroma")
    fetched = serve_parent(monkeypatch)
    app.state.settings.mrf_policies = ["UserAllowListPolicy"]
    app.state.settings.mrf_user_allowlist = [CAROL]
    with pytest.raises(Rejected, match="not in the list"):
        await receive(app, author, mastodon_reply())
    await assert_nothing_behind(db, fetched)

    app.state.settings.mrf_user_allowlist = [CAROL, ALICE]
    raw = load("mastodon", "create_note_public")
    await receive(app, author, raw)
    assert (await stored_status(db, raw["object"]["id"])).visibility == "public"
