"""GET /api/v1/timelines/public, /tag/:hashtag and /direct."""

from __future__ import annotations

import pytest

from pyleroma.db.ids import new_id
from pyleroma.models import Block, Mute, ThreadMute
from tests.api.relationship_helpers import ids, next_link, prev_link, remote_account
from tests.api.timeline_helpers import follow, remote_status, sid, users

PUBLIC = "/api/v1/timelines/public"
DIRECT = "/api/v1/timelines/direct"


async def _get(client, url, user=None, **params):
    headers = user.headers if user is not None else {}
    response = await client.get(url, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response


async def _add(db, *rows):
    async with db() as session:
        session.add_all(rows)
        await session.commit()


# --- public ----------------------------------------------------------------------------------


async def test_public_timeline_holds_public_originals_only(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    remote = await remote_account(db, "rem", "remote.example")
    public = await factory.status(alice.account, "public")
    await factory.status(alice.account, "unlisted", visibility="unlisted")
    await factory.status(alice.account, "private", visibility="private")
    await factory.status(alice.account, "@bob direct", visibility="direct")
    local_only = await factory.status(alice.account, "local only", visibility="local")
    remote_post = await remote_status(db, remote, "remote", has_media=True)
    boost = await client.post(f"/api/v1/statuses/{public.id}/reblog", headers=bob.headers)
    assert boost.status_code == 200

    anonymous = await _get(client, PUBLIC)
    assert ids(anonymous) == [sid(remote_post), sid(public)]  # no reblogs, no local-only
    assert anonymous.json()[1]["account"]["acct"] == "alice"
    logged_in = await _get(client, PUBLIC, bob)
    assert ids(logged_in) == [sid(remote_post), sid(local_only), sid(public)]
    assert ids(await _get(client, PUBLIC, bob, local="true")) == [sid(local_only), sid(public)]
    assert ids(await _get(client, PUBLIC, None, local="true")) == [sid(public)]
    assert ids(await _get(client, PUBLIC, bob, remote="true")) == [sid(remote_post)]
    assert ids(await _get(client, PUBLIC, bob, only_media="true")) == [sid(remote_post)]
    assert ids(await _get(client, PUBLIC, bob, instance="remote.example")) == [sid(remote_post)]
    excluded = await client.get(
        PUBLIC, headers=bob.headers, params={"exclude_visibilities[]": "local"}
    )
    assert ids(excluded) == [sid(remote_post), sid(public)]


async def test_public_timeline_respects_blocks_mutes_and_domain_blocks(client, factory, db):
    alice, bob, carol, dave = await users(factory, "alice", "bob", "carol", "dave")
    remote = await remote_account(db, "rem", "remote.example")
    bobs = await factory.status(bob.account, "bob")
    carols = await factory.status(carol.account, "carol")
    daves = await factory.status(dave.account, "dave")
    thread_reply = await factory.status(dave.account, "reply", in_reply_to_id=daves.id)
    remotes = await remote_status(db, remote, "remote")
    everything = [sid(remotes), sid(thread_reply), sid(daves), sid(carols), sid(bobs)]
    assert ids(await _get(client, PUBLIC, alice)) == everything

    await _add(
        db,
        Block(id=new_id(), account_id=alice.account.id, target_id=bob.account.id),
        Block(id=new_id(), account_id=carol.account.id, target_id=alice.account.id),
        Mute(id=new_id(), account_id=alice.account.id, target_id=dave.account.id),
    )
    assert ids(await _get(client, PUBLIC, alice)) == [sid(remotes)]
    muted = await _get(client, PUBLIC, alice, with_muted="true")
    assert ids(muted) == [sid(remotes), sid(thread_reply), sid(daves)]
    response = await client.post(
        "/api/v1/domain_blocks", headers=alice.headers, json={"domain": "remote.example"}
    )
    assert response.status_code == 200
    assert ids(await _get(client, PUBLIC, alice)) == []
    # others are not affected; a muted thread hides from its muter only
    await _add(db, ThreadMute(id=new_id(), account_id=bob.account.id, conversation_id=daves.id))
    assert ids(await _get(client, PUBLIC, bob)) == [sid(remotes), sid(carols), sid(bobs)]
    assert ids(await _get(client, PUBLIC)) == everything


async def test_public_timeline_pages_with_links(client, factory):
    alice = await factory.user("alice")
    posts = [sid(await factory.status(alice.account, f"p{i}")) for i in range(5)][::-1]
    first = await _get(client, PUBLIC, None, limit=2, local="true")
    assert ids(first) == posts[:2]
    assert "local=true" in next_link(first)
    second = await client.get(next_link(first))
    assert ids(second) == posts[2:4]
    third = await client.get(next_link(second))
    assert ids(third) == posts[4:]
    assert ids(await client.get(prev_link(third))) == posts[2:4]
    assert ids(await _get(client, PUBLIC, None, min_id=posts[4], limit=2)) == posts[2:4]
    assert ids(await _get(client, PUBLIC, None, since_id=posts[2])) == posts[:2]


async def test_reply_visibility_filters(client, factory):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    await follow(client, alice, bob)
    root_alice = await factory.status(alice.account, "root a")
    root_bob = await factory.status(bob.account, "root b")
    root_carol = await factory.status(carol.account, "root c")
    to_alice = await factory.status(carol.account, "@alice re", in_reply_to_id=root_alice.id)
    to_bob = await factory.status(carol.account, "@bob re", in_reply_to_id=root_bob.id)
    to_carol = await factory.status(bob.account, "@carol re", in_reply_to_id=root_carol.id)
    roots = {sid(root_alice), sid(root_bob), sid(root_carol)}
    own = set(ids(await _get(client, PUBLIC, alice, reply_visibility="self")))
    assert own == roots | {sid(to_alice)}
    following = set(ids(await _get(client, PUBLIC, alice, reply_visibility="following")))
    assert following == roots | {sid(to_alice), sid(to_bob)}
    assert sid(to_carol) in ids(await _get(client, PUBLIC, alice))


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "restrict_unauthenticated_federated_timeline": True,
            "federated_timeline_available": True,
        }
    ],
)
async def test_anonymous_federated_timeline_can_be_restricted(client, factory):
    alice = await factory.user("alice")
    post = await factory.status(alice.account, "hi #tag")
    refused = await client.get(PUBLIC)
    assert refused.status_code == 401
    assert refused.json() == {"error": "authorization required for timeline view"}
    assert (await client.get("/api/v1/timelines/tag/tag")).status_code == 401
    assert ids(await _get(client, PUBLIC, None, local="true")) == [sid(post)]
    assert ids(await _get(client, PUBLIC, alice)) == [sid(post)]


@pytest.mark.parametrize(
    "settings_overrides",
    [{"federated_timeline_available": False, "restrict_unauthenticated_local_timeline": True}],
)
async def test_federated_timeline_can_be_disabled(client, factory):
    alice = await factory.user("alice")
    disabled = await client.get(PUBLIC, headers=alice.headers)
    assert disabled.status_code == 404
    assert disabled.json() == {"error": "Federated timeline is disabled"}
    assert (await client.get(PUBLIC, params={"local": "true"})).status_code == 401
    assert (await client.get(PUBLIC, headers=alice.headers, params={"local": "1"})).json() == []


async def test_public_timeline_errors(client, factory):
    alice = await factory.user("alice")
    token = await factory.token(alice.account, ["write:statuses"])
    wrong = await client.get(PUBLIC, headers={"Authorization": f"Bearer {token}"})
    assert wrong.status_code == 403
    bad_token = await client.get(PUBLIC, headers={"Authorization": "Bearer nope"})
    assert bad_token.status_code == 401
    for params in ({"only_media": "maybe"}, {"since_id": "-1"}, {"limit": "x"}):
        response = await client.get(PUBLIC, params=params)
        assert response.status_code == 422, params


# --- hashtag ---------------------------------------------------------------------------------


async def test_tag_timeline_any_all_none(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    cats = await factory.status(alice.account, "#Cats only")
    dogs = await factory.status(alice.account, "#dogs only")
    both = await factory.status(alice.account, "#cats and #dogs")
    birds = await factory.status(alice.account, "#birds and #CATS")
    await factory.status(alice.account, "#cats unlisted", visibility="unlisted")
    await factory.status(alice.account, "#cats private", visibility="private")
    local_only = await factory.status(alice.account, "#cats here", visibility="local")
    remote = await remote_account(db, "rem", "remote.example")
    url = "/api/v1/timelines/tag/"

    assert ids(await _get(client, url + "cats")) == [sid(birds), sid(both), sid(cats)]
    assert ids(await _get(client, url + "CATS", bob)) == [
        sid(local_only),
        sid(birds),
        sid(both),
        sid(cats),
    ]
    any_ = await client.get(url + "cats", params=[("any[]", "dogs")])
    assert ids(any_) == [sid(birds), sid(both), sid(dogs), sid(cats)]
    all_ = await client.get(url + "cats", params=[("all[]", "Dogs")])
    assert ids(all_) == [sid(both)]
    none = await client.get(url + "cats", params=[("none[]", "dogs"), ("none[]", "birds")])
    assert ids(none) == [sid(cats)]
    combined = await client.get(url + "dogs", params=[("any[]", "birds"), ("none[]", "cats")])
    assert ids(combined) == [sid(dogs)]
    assert ids(await _get(client, url + "unknowntag")) == []
    assert ids(await client.get(url + "cats", params=[("all[]", "unknown")])) == []
    assert ids(await _get(client, url + "%23cats", None, local="true")) == [
        sid(birds),
        sid(both),
        sid(cats),
    ]
    assert ids(await _get(client, url + "cats", None, remote="true")) == []
    first = await _get(client, url + "cats", None, limit=2)
    assert ids(first) == [sid(birds), sid(both)]
    assert ids(await client.get(next_link(first))) == [sid(cats)]
    assert remote.id  # a remote account without posts changes nothing


async def test_tag_timeline_errors_and_filters(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    post = await factory.status(bob.account, "#topic")
    await _add(db, Block(id=new_id(), account_id=alice.account.id, target_id=bob.account.id))
    assert ids(await _get(client, "/api/v1/timelines/tag/topic", alice)) == []
    assert ids(await _get(client, "/api/v1/timelines/tag/topic")) == [sid(post)]
    token = await factory.token(alice.account, ["read:accounts"])
    wrong = await client.get(
        "/api/v1/timelines/tag/topic", headers={"Authorization": f"Bearer {token}"}
    )
    assert wrong.status_code == 403
    blank = await client.get("/api/v1/timelines/tag/%23")
    assert blank.status_code == 422
    four = [("any[]", f"t{i}") for i in range(4)]
    assert (await client.get("/api/v1/timelines/tag/topic", params=four)).status_code == 200
    too_many = [("any[]", f"t{i}") for i in range(5)]
    assert (await client.get("/api/v1/timelines/tag/topic", params=too_many)).status_code == 422


# --- direct ----------------------------------------------------------------------------------


async def test_direct_timeline_sent_and_received(client, factory, db):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    sent = await factory.status(alice.account, "@bob hi", visibility="direct")
    received = await factory.status(bob.account, "@alice hello", visibility="direct")
    await factory.status(bob.account, "@carol not for alice", visibility="direct")
    await factory.status(bob.account, "@alice public mention")
    await factory.status(alice.account, "@bob private", visibility="private")

    response = await _get(client, DIRECT, alice)
    assert ids(response) == [sid(received), sid(sent)]
    assert all(s["visibility"] == "direct" for s in response.json())
    assert ids(await _get(client, DIRECT, carol)) != []
    first = await _get(client, DIRECT, alice, limit=1)
    assert ids(first) == [sid(received)]
    assert ids(await client.get(next_link(first), headers=alice.headers)) == [sid(sent)]

    await _add(db, Mute(id=new_id(), account_id=alice.account.id, target_id=bob.account.id))
    assert ids(await _get(client, DIRECT, alice)) == [sid(sent)]
    assert ids(await _get(client, DIRECT, alice, with_muted="1")) == [sid(received), sid(sent)]


async def test_direct_timeline_errors(client, factory):
    alice = await factory.user("alice")
    assert (await client.get(DIRECT)).status_code == 401
    token = await factory.token(alice.account, ["read:lists"])
    wrong = await client.get(DIRECT, headers={"Authorization": f"Bearer {token}"})
    assert wrong.status_code == 403
    bad = await client.get(DIRECT, headers=alice.headers, params={"max_id": "x1"})
    assert bad.status_code == 422
