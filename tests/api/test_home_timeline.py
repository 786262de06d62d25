"""GET /api/v1/timelines/home: fan-out on write, purges, read-time filters, cap and paging."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pyleroma.db.ids import new_id
from pyleroma.models import Follow, HomeTimelineEntry, Job, Mute, Notification, Status
from pyleroma.services.timelines import home_fanout, home_timeline
from tests.api.relationship_helpers import ids, next_link, prev_link, remote_account
from tests.api.timeline_helpers import drain, follow, home_entries, remote_status, sid, users

HOME = "/api/v1/timelines/home"


async def _home(client, user, **params):
    response = await client.get(HOME, headers=user.headers, params=params)
    assert response.status_code == 200, response.text
    return response


# --- fan-out ---------------------------------------------------------------------------------


async def test_followed_posts_arrive_after_fan_out_and_strangers_private_posts_never(
    client, factory, db, app
):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    await follow(client, alice, bob)
    await drain(app)
    public = await factory.status(bob.account, "bob public")
    private = await factory.status(bob.account, "bob followers only", visibility="private")
    stranger = await factory.status(carol.account, "carol private", visibility="private")
    own = await factory.status(alice.account, "alice herself")
    await drain(app)

    response = await _home(client, alice)
    assert ids(response) == [sid(own), sid(private), sid(public)]
    data = response.json()
    assert data[1]["visibility"] == "private" and data[1]["account"]["acct"] == "bob"
    assert sid(stranger) not in await home_entries(db, alice.id)
    # carol's home holds her own post only; bob's his two
    assert ids(await _home(client, carol)) == [sid(stranger)]
    assert ids(await _home(client, bob)) == [sid(private), sid(public)]
    # entries remember the author for purges
    async with db() as session:
        entry = await session.get(HomeTimelineEntry, (alice.account.id, private.id))
    assert entry.author_id == bob.account.id and entry.reblog_of_author_id is None


async def test_direct_reaches_only_mentioned_accounts_and_author(client, factory, db, app):
    alice, bob, follower = await users(factory, "alice", "bob", "follower")
    await follow(client, follower, alice)
    await drain(app)
    dm = await factory.status(alice.account, "@bob psst", visibility="direct")
    await drain(app)
    assert ids(await _home(client, bob)) == [sid(dm)]  # bob doesn't follow alice
    assert ids(await _home(client, alice)) == [sid(dm)]
    assert ids(await _home(client, follower)) == []
    assert await home_entries(db, follower.id) == []


async def test_backfill_on_follow_brings_recent_posts(client, factory, db, app):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    older = await factory.status(bob.account, "before the follow")
    hidden = await factory.status(bob.account, "followers only", visibility="private")
    await drain(app)
    assert await home_entries(db, alice.id) == []
    await follow(client, alice, bob)
    async with db() as session:
        kinds = list((await session.execute(select(Job.kind))).scalars())
    assert kinds.count(home_timeline.BACKFILL_JOB) == 1
    await drain(app)
    # now a follower, alice may see the private post too
    assert ids(await _home(client, alice)) == [sid(hidden), sid(older)]


async def test_locked_account_backfills_when_authorized(client, factory, db, app):
    alice, bob = await factory.user("alice"), await factory.user("bob", locked=True)
    post = await factory.status(bob.account, "locked post", visibility="private")
    await follow(client, alice, bob)
    await drain(app)
    assert await home_entries(db, alice.id) == []
    response = await client.post(
        f"/api/v1/follow_requests/{alice.id}/authorize", headers=bob.headers
    )
    assert response.status_code == 200
    await drain(app)
    assert ids(await _home(client, alice)) == [sid(post)]


async def test_replies_follow_mastodon_rule(client, factory, app):
    alice, bob, carol, dave = await users(factory, "alice", "bob", "carol", "dave")
    await follow(client, alice, bob)
    await follow(client, alice, dave)
    root_carol = await factory.status(carol.account, "carol root")
    root_dave = await factory.status(dave.account, "dave root")
    root_alice = await factory.status(alice.account, "alice root")
    root_bob = await factory.status(bob.account, "bob root")
    await drain(app)
    to_stranger = await factory.status(bob.account, "@carol hi", in_reply_to_id=root_carol.id)
    to_followed = await factory.status(bob.account, "@dave hi", in_reply_to_id=root_dave.id)
    to_viewer = await factory.status(bob.account, "@alice hi", in_reply_to_id=root_alice.id)
    to_self = await factory.status(bob.account, "thread", in_reply_to_id=root_bob.id)
    await drain(app)
    got = ids(await _home(client, alice))
    assert sid(to_stranger) not in got
    assert {sid(to_followed), sid(to_viewer), sid(to_self)} <= set(got)
    # the reply is still in the replier's own home and in carol's (addressed to her)
    assert sid(to_stranger) in ids(await _home(client, bob))
    assert sid(to_stranger) in ids(await _home(client, carol))


async def test_reblogs_reach_followers_with_their_preferences(client, factory, db, app):
    alice, bob, carol, dan = await users(factory, "alice", "bob", "carol", "dan")
    await follow(client, alice, bob)
    await follow(client, dan, bob, reblogs=False)
    await follow(client, carol, bob)
    await follow(client, carol, alice)
    await drain(app)
    original = await factory.status(carol.account, "carol's post")
    alices = await factory.status(alice.account, "alice's post")
    await drain(app)
    boost = await client.post(f"/api/v1/statuses/{original.id}/reblog", headers=bob.headers)
    assert boost.status_code == 200
    boost_id = boost.json()["id"]
    boost_of_alice = await client.post(f"/api/v1/statuses/{alices.id}/reblog", headers=bob.headers)
    boost_of_alice_id = boost_of_alice.json()["id"]
    await drain(app)

    home = (await _home(client, alice)).json()
    got = [s["id"] for s in home]
    assert boost_id in got
    assert boost_of_alice_id not in got  # a boost of one's own post stays out
    reblog = next(s for s in home if s["id"] == boost_id)
    assert reblog["reblog"]["id"] == sid(original) and reblog["account"]["acct"] == "bob"
    async with db() as session:
        entry = await session.get(HomeTimelineEntry, (alice.account.id, int(boost_id)))
    assert entry.author_id == bob.account.id and entry.reblog_of_author_id == carol.account.id
    # dan follows bob without reblogs
    assert boost_id not in ids(await _home(client, dan))
    # carol already has the original (her own), and follows bob: no duplicate via the boost
    assert boost_id not in ids(await _home(client, carol))
    # the booster sees his own boost
    assert boost_id in ids(await _home(client, bob))


async def test_reblogs_hidden_at_read_time_when_reblogs_turned_off(client, factory, app):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    await follow(client, alice, bob)
    original = await factory.status(carol.account, "carol")
    await drain(app)
    boost = await client.post(f"/api/v1/statuses/{original.id}/reblog", headers=bob.headers)
    await drain(app)
    assert boost.json()["id"] in ids(await _home(client, alice))
    await follow(client, alice, bob, reblogs=False)
    assert boost.json()["id"] not in ids(await _home(client, alice))


async def test_subscribers_get_status_notifications(client, factory, db, app):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    await follow(client, alice, bob, notify=True)
    await follow(client, carol, bob)
    other = await factory.status(carol.account, "carol root")
    await drain(app)
    post = await factory.status(bob.account, "news!")
    reply = await factory.status(bob.account, "@carol re", in_reply_to_id=other.id)
    await client.post(f"/api/v1/statuses/{other.id}/reblog", headers=bob.headers)
    await drain(app)
    await drain(app)  # a second run (a retried job) must not notify twice
    async with db() as session:
        rows = (
            await session.execute(
                select(Notification.account_id, Notification.type, Notification.status_id).where(
                    Notification.type == "status"
                )
            )
        ).all()
    assert rows == [(alice.account.id, "status", post.id)]
    assert reply.id  # replies to others and reblogs notify nobody


async def test_fan_out_is_idempotent(client, factory, db, app):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await follow(client, alice, bob, notify=True)
    post = await factory.status(bob.account, "once")
    await drain(app)
    async with db() as session:
        status = await session.get(Status, post.id)
        await home_fanout.fan_out_status(session, app.state.settings, status)
        await session.commit()
        entries = await session.scalar(
            select(func.count())
            .select_from(HomeTimelineEntry)
            .where(HomeTimelineEntry.status_id == post.id)
        )
        notes = await session.scalar(
            select(func.count()).select_from(Notification).where(Notification.type == "status")
        )
    assert entries == 2 and notes == 1


async def test_muters_and_blockers_get_nothing_at_fan_out(client, factory, db, app):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await follow(client, alice, bob)
    await drain(app)
    async with db() as session:
        session.add(Mute(id=new_id(), account_id=alice.account.id, target_id=bob.account.id))
        await session.commit()
    await factory.status(bob.account, "muted")
    await drain(app)
    assert await home_entries(db, alice.id) == []


async def test_exclusive_list_members_stay_out_of_home(client, factory, app):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await follow(client, alice, bob)
    created = await client.post(
        "/api/v1/lists", headers=alice.headers, json={"title": "bob only", "exclusive": True}
    )
    list_id = created.json()["id"]
    added = await client.post(
        f"/api/v1/lists/{list_id}/accounts", headers=alice.headers, json={"account_ids": [bob.id]}
    )
    assert added.status_code == 200
    await drain(app)
    post = await factory.status(bob.account, "for the list")
    await drain(app)
    assert sid(post) not in ids(await _home(client, alice))
    listed = await client.get(f"/api/v1/timelines/list/{list_id}", headers=alice.headers)
    assert ids(listed) == [sid(post)]


# --- purges and read-time filters ----------------------------------------------------------


async def test_unfollow_purges_but_keeps_direct_messages(client, factory, db, app):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await follow(client, alice, bob)
    post = await factory.status(bob.account, "public")
    dm = await factory.status(bob.account, "@alice secret", visibility="direct")
    await drain(app)
    assert ids(await _home(client, alice)) == [sid(dm), sid(post)]
    response = await client.post(f"/api/v1/accounts/{bob.id}/unfollow", headers=alice.headers)
    assert response.status_code == 200
    assert await home_entries(db, alice.id) == [dm.id]


async def test_block_purges_both_homes(client, factory, db, app):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    await follow(client, bob, alice)
    await follow(client, alice, carol)
    bobs = await factory.status(bob.account, "bob")
    alices = await factory.status(alice.account, "alice")
    await drain(app)
    boost = await client.post(f"/api/v1/statuses/{bobs.id}/reblog", headers=carol.headers)
    await drain(app)
    assert ids(await _home(client, alice)) == [boost.json()["id"], sid(alices)]
    assert alices.id in await home_entries(db, bob.id)
    response = await client.post(f"/api/v1/accounts/{bob.id}/block", headers=alice.headers)
    assert response.status_code == 200
    # alice keeps her own post only: carol's boost of bob's post is gone
    assert await home_entries(db, alice.id) == [alices.id]
    assert alices.id not in await home_entries(db, bob.id)


async def test_mute_purges_and_later_mutes_filter_at_read_time(client, factory, db, app):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    await follow(client, alice, bob)
    await follow(client, alice, carol)
    bobs = await factory.status(bob.account, "bob")
    carols = await factory.status(carol.account, "carol")
    await drain(app)
    response = await client.post(f"/api/v1/accounts/{bob.id}/mute", headers=alice.headers)
    assert response.status_code == 200
    assert await home_entries(db, alice.id) == [carols.id]
    # a mute stored without the purge (say, by an import) still hides at once
    async with db() as session:
        session.add(Mute(id=new_id(), account_id=alice.account.id, target_id=carol.account.id))
        await session.commit()
    assert carols.id in await home_entries(db, alice.id)
    assert ids(await _home(client, alice)) == []
    assert ids(await _home(client, alice, with_muted="true")) == [sid(carols)]
    assert bobs.id not in await home_entries(db, alice.id)


async def test_blocks_made_behind_the_purge_filter_at_read_time(client, factory, db, app):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await follow(client, alice, bob)
    post = await factory.status(bob.account, "hello")
    await drain(app)
    from pyleroma.models import Block

    async with db() as session:
        session.add(Block(id=new_id(), account_id=bob.account.id, target_id=alice.account.id))
        await session.commit()
    assert post.id in await home_entries(db, alice.id)
    assert ids(await _home(client, alice)) == []
    with_muted = await _home(client, alice, with_muted="1")
    assert ids(with_muted) == []  # with_muted never shows blocked accounts


async def test_domain_block_purges_remote_authors(client, factory, db, app):
    alice = await factory.user("alice")
    remote = await remote_account(db, "rem", "remote.example")
    async with db() as session:
        session.add(Follow(id=new_id(), follower_id=alice.account.id, followed_id=remote.id))
        await session.commit()
    post = await remote_status(db, remote, "from afar")
    async with db() as session:
        await home_fanout.fan_out_status(
            session, app.state.settings, await session.get(Status, post.id)
        )
        await session.commit()
    assert ids(await _home(client, alice)) == [sid(post)]
    response = await client.post(
        "/api/v1/domain_blocks", headers=alice.headers, json={"domain": "remote.example"}
    )
    assert response.status_code == 200
    assert await home_entries(db, alice.id) == []
    assert ids(await _home(client, alice)) == []


async def test_someone_elses_domain_block_does_not_stop_delivery(client, factory, db, app):
    alice, carol = await users(factory, "alice", "carol")
    remote = await remote_account(db, "rem", "remote.example")
    async with db() as session:
        session.add(Follow(id=new_id(), follower_id=alice.account.id, followed_id=remote.id))
        session.add(Follow(id=new_id(), follower_id=carol.account.id, followed_id=remote.id))
        await session.commit()
    response = await client.post(
        "/api/v1/domain_blocks", headers=carol.headers, json={"domain": "remote.example"}
    )
    assert response.status_code == 200
    post = await remote_status(db, remote, "from afar")
    async with db() as session:
        await home_fanout.fan_out_status(
            session, app.state.settings, await session.get(Status, post.id)
        )
        await session.commit()
    assert await home_entries(db, alice.id) == [post.id]
    assert await home_entries(db, carol.id) == []


async def test_deleted_status_leaves_the_home(client, factory, db, app):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await follow(client, alice, bob)
    post = await factory.status(bob.account, "soon gone")
    await drain(app)
    response = await client.delete(f"/api/v1/statuses/{post.id}", headers=bob.headers)
    assert response.status_code == 200
    assert await home_entries(db, alice.id) == []


# --- options, paging and errors ----------------------------------------------------------------


async def test_local_remote_and_only_media_filters(client, factory, db, app):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    remote = await remote_account(db, "rem", "remote.example")
    async with db() as session:
        session.add(Follow(id=new_id(), follower_id=alice.account.id, followed_id=remote.id))
        await session.commit()
    await follow(client, alice, bob)
    local_post = await factory.status(bob.account, "local")
    remote_post = await remote_status(db, remote, "remote", has_media=True)
    await drain(app)
    async with db() as session:
        await home_fanout.fan_out_status(
            session, app.state.settings, await session.get(Status, remote_post.id)
        )
        await session.commit()
    assert ids(await _home(client, alice)) == [sid(remote_post), sid(local_post)]
    assert ids(await _home(client, alice, local="true")) == [sid(local_post)]
    assert ids(await _home(client, alice, remote="true")) == [sid(remote_post)]
    assert ids(await _home(client, alice, only_media="1")) == [sid(remote_post)]
    excluded = await client.get(
        HOME, headers=alice.headers, params={"exclude_visibilities[]": "public"}
    )
    assert ids(excluded) == []


async def test_pagination_with_link_headers(client, factory, app):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await follow(client, alice, bob)
    posts = [await factory.status(bob.account, f"post {i}") for i in range(5)]
    await drain(app)
    newest_first = [sid(p) for p in reversed(posts)]

    first = await _home(client, alice, limit=2)
    assert ids(first) == newest_first[:2]
    second = await client.get(next_link(first), headers=alice.headers)
    assert ids(second) == newest_first[2:4]
    third = await client.get(next_link(second), headers=alice.headers)
    assert ids(third) == newest_first[4:]
    back = await client.get(prev_link(third), headers=alice.headers)
    assert ids(back) == newest_first[2:4]  # min_id: the page right above, newest first
    assert "limit=2" in next_link(first)

    since = await _home(client, alice, since_id=newest_first[2])
    assert ids(since) == newest_first[:2]
    between = await _home(client, alice, max_id=newest_first[0], since_id=newest_first[3])
    assert ids(between) == newest_first[1:3]
    assert (await _home(client, alice, limit=1000)).status_code == 200  # clamped to 40


@pytest.mark.parametrize(
    "settings_overrides", [{"home_timeline_max": 3, "home_timeline_trim_every": 1}]
)
@pytest.mark.parametrize("few_follows", [50, 0], ids=["per-account-scans", "one-scan"])
async def test_cap_trims_and_older_pages_come_from_statuses(
    client, factory, db, app, monkeypatch, few_follows
):
    monkeypatch.setattr(home_timeline, "FEW_FOLLOWS", few_follows)
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await follow(client, alice, bob)
    posts = []
    for i in range(6):
        posts.append(await factory.status(bob.account, f"post {i}"))
        await drain(app)
    newest_first = [p.id for p in reversed(posts)]
    assert await home_entries(db, alice.id) == newest_first[:3]

    first = await _home(client, alice, limit=2)
    assert ids(first) == [str(i) for i in newest_first[:2]]
    second = await client.get(next_link(first), headers=alice.headers)
    # one entry left in the window, then the statuses table takes over
    assert ids(second) == [str(i) for i in newest_first[2:4]]
    third = await client.get(next_link(second), headers=alice.headers)
    assert ids(third) == [str(i) for i in newest_first[4:6]]
    fourth = await client.get(next_link(third), headers=alice.headers)
    assert ids(fourth) == []
    # the fallback still applies the rules: a muted author is skipped
    async with db() as session:
        session.add(Mute(id=new_id(), account_id=alice.account.id, target_id=bob.account.id))
        await session.commit()
    assert ids(await client.get(next_link(second), headers=alice.headers)) == []


@pytest.mark.parametrize(
    "settings_overrides", [{"home_timeline_max": 1, "home_timeline_trim_every": 1}]
)
@pytest.mark.parametrize("few_follows", [50, 0], ids=["per-account-scans", "one-scan"])
async def test_older_pages_skip_filtered_statuses_across_rounds(
    client, factory, app, monkeypatch, few_follows
):
    monkeypatch.setattr(home_timeline, "FEW_FOLLOWS", few_follows)
    alice, bob, carol, erin = await users(factory, "alice", "bob", "carol", "erin")
    await follow(client, alice, bob)
    await follow(client, alice, carol)
    stranger_root = await factory.status(erin.account, "erin")
    expected = [await factory.status(bob.account, "bob first")]
    expected.append(await factory.status(carol.account, "carol first"))
    for i in range(15):  # replies to a stranger: never in alice's home
        await factory.status(bob.account, f"@erin {i}", in_reply_to_id=stranger_root.id)
    expected.append(await factory.status(carol.account, "carol second"))
    expected.append(await factory.status(bob.account, "bob last"))
    await drain(app)
    want = [sid(s) for s in reversed(expected)]
    got, response = [], await _home(client, alice, limit=2)
    while ids(response):
        got += ids(response)
        response = await client.get(next_link(response), headers=alice.headers)
    assert got == want


async def test_rebuild_home_fills_from_follows(client, factory, db, app):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    await follow(client, alice, bob)
    own = await factory.status(alice.account, "mine")
    bobs = await factory.status(bob.account, "bob", visibility="private")
    await factory.status(carol.account, "stranger")
    async with db() as session:
        from pyleroma.models import Account

        count = await home_timeline.rebuild_home(
            session, app.state.settings, await session.get(Account, alice.account.id)
        )
        await session.commit()
    assert count == 2
    assert await home_entries(db, alice.id) == [bobs.id, own.id]


async def test_home_errors(client, factory):
    alice = await factory.user("alice")
    assert (await client.get(HOME)).status_code == 401
    token = await factory.token(alice.account, ["read:accounts"])
    wrong = await client.get(HOME, headers={"Authorization": f"Bearer {token}"})
    assert wrong.status_code == 403 and "read:statuses" in wrong.json()["error"]
    scoped = await factory.token(alice.account, ["read:statuses"])
    ok = await client.get(HOME, headers={"Authorization": f"Bearer {scoped}"})
    assert ok.status_code == 200 and ok.json() == []
    for params in (
        {"max_id": "abc"},
        {"limit": "many"},
        {"local": "perhaps"},
        {"exclude_visibilities[]": "secret"},
        {"reply_visibility": "everyone"},
    ):
        bad = await client.get(HOME, headers=alice.headers, params=params)
        assert bad.status_code == 422, params
        assert "error" in bad.json()
