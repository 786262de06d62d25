"""GET /api/v1/accounts/:id/statuses: filters, pinned, visibility per viewer, paging."""

from __future__ import annotations

import pytest

from pyleroma.db.ids import new_id
from pyleroma.models import Block, Mute, StatusPin
from tests.api.relationship_helpers import ids, next_link, prev_link, set_fields
from tests.api.timeline_helpers import follow, sid, users


def _url(user) -> str:
    return f"/api/v1/accounts/{user.id}/statuses"


async def _get(client, url, viewer=None, **params):
    headers = viewer.headers if viewer is not None else {}
    response = await client.get(url, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response


async def _add(db, *rows):
    async with db() as session:
        session.add_all(rows)
        await session.commit()


async def test_visibility_per_viewer(client, factory):
    alice, follower, mentioned, stranger = await users(
        factory, "alice", "follower", "mentioned", "stranger"
    )
    await follow(client, follower, alice)
    public = await factory.status(alice.account, "public")
    unlisted = await factory.status(alice.account, "unlisted", visibility="unlisted")
    private = await factory.status(alice.account, "private", visibility="private")
    direct = await factory.status(alice.account, "@mentioned psst", visibility="direct")
    local_only = await factory.status(alice.account, "local", visibility="local")
    url = _url(alice)

    anonymous = await _get(client, url)
    assert ids(anonymous) == [sid(local_only), sid(unlisted), sid(public)]
    assert anonymous.json()[0]["account"]["id"] == alice.id
    assert ids(await _get(client, url, stranger)) == [sid(local_only), sid(unlisted), sid(public)]
    assert ids(await _get(client, url, follower)) == [
        sid(local_only),
        sid(private),
        sid(unlisted),
        sid(public),
    ]
    assert ids(await _get(client, url, mentioned)) == [
        sid(local_only),
        sid(direct),
        sid(unlisted),
        sid(public),
    ]
    everything = [sid(local_only), sid(direct), sid(private), sid(unlisted), sid(public)]
    assert ids(await _get(client, url, alice)) == everything
    by_nickname = await _get(client, "/api/v1/accounts/alice/statuses", alice)
    assert ids(by_nickname) == everything
    excluded = await client.get(
        url,
        headers=alice.headers,
        params=[("exclude_visibilities[]", "direct"), ("exclude_visibilities[]", "private")],
    )
    assert ids(excluded) == [sid(local_only), sid(unlisted), sid(public)]


async def test_filters(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    root = await factory.status(bob.account, "bob root #Topic")
    plain = await factory.status(alice.account, "plain")
    tagged = await factory.status(alice.account, "about #topic")
    reply = await factory.status(alice.account, "@bob answer", in_reply_to_id=root.id)
    self_reply = await factory.status(alice.account, "thread", in_reply_to_id=plain.id)
    async with db() as session:
        from pyleroma.models import Status

        stored = await session.get(Status, plain.id)
        stored.has_media = True
        await session.commit()
    boost = await client.post(f"/api/v1/statuses/{root.id}/reblog", headers=alice.headers)
    boost_id = boost.json()["id"]
    url = _url(alice)

    full = await _get(client, url, bob)
    assert ids(full) == [boost_id, sid(self_reply), sid(reply), sid(tagged), sid(plain)]
    assert full.json()[0]["reblog"]["id"] == sid(root)
    assert ids(await _get(client, url, bob, exclude_reblogs="true")) == [
        sid(self_reply),
        sid(reply),
        sid(tagged),
        sid(plain),
    ]
    # every reply goes, self-replies too (Pleroma)
    assert ids(await _get(client, url, bob, exclude_replies="1")) == [
        boost_id,
        sid(tagged),
        sid(plain),
    ]
    assert ids(await _get(client, url, None, only_media="true")) == [sid(plain)]
    # tagged matches the boosted post's tags as well, case-insensitively
    assert ids(await _get(client, url, None, tagged="TOPIC")) == [boost_id, sid(tagged)]
    assert ids(await _get(client, url, None, tagged="nothing")) == []


async def test_pinned(client, factory):
    alice, bob = await users(factory, "alice", "bob")
    await factory.status(alice.account, "first")
    second = await factory.status(alice.account, "second")
    await factory.status(alice.account, "unpinned")
    response = await client.post(f"/api/v1/statuses/{second.id}/pin", headers=alice.headers)
    assert response.status_code == 200
    pinned = await _get(client, _url(alice), bob, pinned="true")
    assert ids(pinned) == [sid(second)]
    assert pinned.json()[0]["pinned"] is True
    assert "link" not in pinned.headers
    assert ids(await _get(client, _url(bob), None, pinned="true")) == []
    assert len((await _get(client, _url(alice), bob, pinned="false")).json()) == 3


@pytest.mark.parametrize("settings_overrides", [{"max_pinned_statuses": 3}])
async def test_pinned_order_and_visibility(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    first = await factory.status(alice.account, "first")
    unlisted = await factory.status(alice.account, "unlisted", visibility="unlisted")
    later = await factory.status(alice.account, "later")
    for status in (later, unlisted, first):
        response = await client.post(f"/api/v1/statuses/{status.id}/pin", headers=alice.headers)
        assert response.status_code == 200, response.text
    # newest pin first, whatever the statuses' own ages
    expected = [sid(first), sid(unlisted), sid(later)]
    assert ids(await _get(client, _url(alice), bob, pinned="1")) == expected
    assert ids(await _get(client, _url(alice), alice, pinned="1", limit=1)) == [sid(first)]
    # a pin the viewer may not see (say, imported) is left out for them
    private = await factory.status(alice.account, "private", visibility="private")
    await _add(db, StatusPin(id=new_id(), account_id=alice.account.id, status_id=private.id))
    assert ids(await _get(client, _url(alice), bob, pinned="1")) == expected
    assert ids(await _get(client, _url(alice), alice, pinned="1")) == [sid(private), *expected]


async def test_blocks_and_mutes(client, factory, db):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    bobs = await factory.status(bob.account, "bob's")
    carols = await factory.status(carol.account, "carol's own")
    boost = await client.post(f"/api/v1/statuses/{bobs.id}/reblog", headers=carol.headers)
    boost_id = boost.json()["id"]
    carol_url = _url(carol)
    assert ids(await _get(client, carol_url, alice)) == [boost_id, sid(carols)]

    await _add(db, Mute(id=new_id(), account_id=alice.account.id, target_id=bob.account.id))
    assert ids(await _get(client, carol_url, alice)) == [sid(carols)]
    assert ids(await _get(client, carol_url, alice, with_muted="true")) == [boost_id, sid(carols)]
    # a muted account's own profile still shows its posts
    assert ids(await _get(client, _url(bob), alice)) == [sid(bobs)]

    await _add(db, Block(id=new_id(), account_id=alice.account.id, target_id=carol.account.id))
    # the viewer blocks carol: the profile is shown whole, boosts included
    assert ids(await _get(client, carol_url, alice)) == [boost_id, sid(carols)]

    # carol blocks bob's viewers? No: bob blocks alice; alice no longer sees bob's posts anywhere
    await _add(db, Block(id=new_id(), account_id=bob.account.id, target_id=alice.account.id))
    assert ids(await _get(client, _url(bob), alice)) == []
    assert ids(await _get(client, _url(bob))) == [sid(bobs)]


async def test_pagination(client, factory):
    alice = await factory.user("alice")
    posts = [sid(await factory.status(alice.account, f"p{i}")) for i in range(5)][::-1]
    first = await _get(client, _url(alice), None, limit=2)
    assert ids(first) == posts[:2]
    second = await client.get(next_link(first))
    assert ids(second) == posts[2:4]
    third = await client.get(next_link(second))
    assert ids(third) == posts[4:]
    assert ids(await client.get(prev_link(third))) == posts[2:4]
    assert ids(await _get(client, _url(alice), None, since_id=posts[1])) == posts[:1]


async def test_errors(client, factory, db):
    alice, gone = await users(factory, "alice", "gone")
    await set_fields(db, gone.id, is_active=False)
    missing = await client.get("/api/v1/accounts/123456/statuses")
    assert missing.status_code == 404 and missing.json() == {"error": "Can't find user"}
    assert (await client.get(_url(gone), headers=alice.headers)).status_code == 404
    token = await factory.token(alice.account, ["read:accounts"])
    wrong = await client.get(_url(alice), headers={"Authorization": f"Bearer {token}"})
    assert wrong.status_code == 403
    bad_token = await client.get(_url(alice), headers={"Authorization": "Bearer wrong"})
    assert bad_token.status_code == 401
    for params in ({"pinned": "sometimes"}, {"max_id": "x"}, {"exclude_visibilities[]": "nope"}):
        response = await client.get(_url(alice), params=params)
        assert response.status_code == 422, params


@pytest.mark.parametrize("settings_overrides", [{"restrict_unauthenticated_profiles": True}])
async def test_restricted_profiles_need_a_login(client, factory):
    alice = await factory.user("alice")
    post = await factory.status(alice.account, "hi")
    refused = await client.get(_url(alice))
    assert refused.status_code == 401
    assert refused.json() == {"error": "This API requires an authenticated user"}
    assert ids(await _get(client, _url(alice), alice)) == [sid(post)]
