"""Following: follow/unfollow, locked accounts and follow requests, removing followers, counts."""

from __future__ import annotations

import asyncio

from pyleroma.models.relationship import FOLLOW_ACCEPTED, FOLLOW_PENDING
from tests.api.relationship_helpers import (
    counts,
    follow_row,
    ids,
    next_link,
    remote_account,
    set_fields,
    true_counts,
)


async def _follow(client, user, target_id, **body):
    return await client.post(
        f"/api/v1/accounts/{target_id}/follow", headers=user.headers, json=body or None
    )


# --- follow ----------------------------------------------------------------------------------


async def test_follow_unlocked_account(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    response = await _follow(client, alice, bob.id)
    assert response.status_code == 200
    rel = response.json()
    assert rel["id"] == bob.id
    assert rel["following"] is True and rel["requested"] is False
    assert rel["showing_reblogs"] is True and rel["notifying"] is False
    assert rel["followed_by"] is False and rel["blocking"] is False
    row = await follow_row(db, alice.id, bob.id)
    assert row.state == FOLLOW_ACCEPTED and row.show_reblogs and not row.notify
    assert await counts(db, alice.id) == (0, 1)
    assert await counts(db, bob.id) == (1, 0)

    # bob sees alice as a follower
    other = await client.get(f"/api/v1/accounts/relationships?id={alice.id}", headers=bob.headers)
    assert other.json()[0]["followed_by"] is True and other.json()[0]["following"] is False


async def test_follow_again_updates_reblogs_and_notify_without_recounting(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    first = await _follow(client, alice, bob.id, reblogs=False)
    assert first.json()["showing_reblogs"] is False and first.json()["following"] is True

    second = await _follow(client, alice, bob.id, notify=True)
    assert second.json()["notifying"] is True and second.json()["subscribing"] is True
    # an absent parameter leaves the setting alone
    assert second.json()["showing_reblogs"] is False

    third = await client.post(
        f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers, data={"reblogs": "1"}
    )
    assert third.json()["showing_reblogs"] is True and third.json()["notifying"] is True
    row = await follow_row(db, alice.id, bob.id)
    assert row.show_reblogs is True and row.notify is True
    assert await counts(db, bob.id) == (1, 0)
    assert await counts(db, alice.id) == (0, 1)


async def test_follow_with_write_follows_scope(client, factory):
    alice, bob = await factory.user("alice", scopes=["write:follows"]), await factory.user("bob")
    response = await _follow(client, alice, bob.id)
    assert response.status_code == 200 and response.json()["following"] is True


async def test_follow_by_nickname_in_path(client, factory):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    response = await client.post("/api/v1/accounts/bob/follow", headers=alice.headers)
    assert response.status_code == 200 and response.json()["id"] == bob.id


async def test_follow_errors(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    reader = await factory.user("reader", scopes=["read"])

    response = await client.post(f"/api/v1/accounts/{bob.id}/follow")
    assert response.status_code == 401 and "error" in response.json()

    response = await _follow(client, reader, bob.id)
    assert response.status_code == 403 and "error" in response.json()

    response = await _follow(client, alice, alice.id)
    assert response.status_code == 400
    assert response.json() == {"error": "Can not follow yourself"}

    for unknown in ("9999999999", "doesntexist", "12abc", "9" * 40):
        response = await _follow(client, alice, unknown)
        assert response.status_code == 404, unknown
        assert response.json() == {"error": "Record not found"}

    response = await client.post(
        f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers, json={"reblogs": "maybe"}
    )
    assert response.status_code == 422 and "reblogs" in response.json()["error"]

    gone = await factory.user("gone")
    await set_fields(db, gone.id, is_active=False)
    response = await _follow(client, alice, gone.id)
    assert response.status_code == 404

    for target in (bob, alice, gone):
        assert await follow_row(db, alice.id, target.id) is None
        assert await follow_row(db, reader.id, target.id) is None
    assert await counts(db, bob.id) == (0, 0)


async def test_follow_across_a_block_is_refused(client, factory, db):
    alice, bob, carol = [await factory.user(n) for n in ("alice", "bob", "carol")]
    await client.post(f"/api/v1/accounts/{alice.id}/block", headers=bob.headers)
    response = await _follow(client, alice, bob.id)
    assert response.status_code == 403
    assert response.json() == {"error": "Could not follow user: bob blocked you."}

    await client.post(f"/api/v1/accounts/{carol.id}/block", headers=alice.headers)
    response = await _follow(client, alice, carol.id)
    assert response.status_code == 403
    assert response.json() == {"error": "Could not follow user: You are blocking carol."}

    assert await follow_row(db, alice.id, bob.id) is None
    assert await follow_row(db, alice.id, carol.id) is None
    assert await counts(db, alice.id) == (0, 0)


async def test_follow_remote_account_is_a_request(client, factory, db):
    alice = await factory.user("alice")
    remote = await remote_account(db, "rem", "remote.example")
    response = await _follow(client, alice, remote.id)
    assert response.status_code == 200
    assert response.json()["requested"] is True and response.json()["following"] is False
    assert (await follow_row(db, alice.id, remote.id)).state == FOLLOW_PENDING
    assert await counts(db, alice.id) == (0, 0)


async def test_follow_by_uri(client, factory):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    response = await client.post("/api/v1/follows", headers=alice.headers, data={"uri": "bob"})
    assert response.status_code == 200
    assert response.json()["id"] == bob.id and response.json()["following"] is True

    response = await client.post(
        "/api/v1/follows", headers=alice.headers, data={"uri": "doesntexist"}
    )
    assert response.status_code == 404
    response = await client.post("/api/v1/follows", headers=alice.headers, data={"uri": ""})
    assert response.status_code == 422
    response = await client.post("/api/v1/follows", headers=alice.headers, data={"uri": "alice"})
    assert response.status_code == 400
    response = await client.post("/api/v1/follows", data={"uri": "bob"})
    assert response.status_code == 401


# --- unfollow --------------------------------------------------------------------------------


async def test_unfollow(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await _follow(client, alice, bob.id)
    response = await client.post(f"/api/v1/accounts/{bob.id}/unfollow", headers=alice.headers)
    assert response.status_code == 200
    assert response.json()["following"] is False and response.json()["id"] == bob.id
    assert await follow_row(db, alice.id, bob.id) is None
    assert await counts(db, alice.id) == (0, 0) and await counts(db, bob.id) == (0, 0)

    # unfollowing again is harmless and does not push the counters below zero
    again = await client.post(f"/api/v1/accounts/{bob.id}/unfollow", headers=alice.headers)
    assert again.status_code == 200 and again.json()["following"] is False
    assert await counts(db, bob.id) == (0, 0)


async def test_unfollow_errors(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await _follow(client, alice, bob.id)
    reader = await factory.user("reader", scopes=["read", "write:blocks"])

    assert (await client.post(f"/api/v1/accounts/{bob.id}/unfollow")).status_code == 401
    response = await client.post(f"/api/v1/accounts/{bob.id}/unfollow", headers=reader.headers)
    assert response.status_code == 403
    response = await client.post(f"/api/v1/accounts/{alice.id}/unfollow", headers=alice.headers)
    assert response.status_code == 400
    assert response.json() == {"error": "Can not unfollow yourself"}
    response = await client.post("/api/v1/accounts/doesntexist/unfollow", headers=alice.headers)
    assert response.status_code == 404
    assert (await follow_row(db, alice.id, bob.id)).state == FOLLOW_ACCEPTED


# --- locked accounts and follow requests -----------------------------------------------------


async def test_locked_account_request_then_authorize(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob", locked=True)

    response = await _follow(client, alice, bob.id)
    assert response.status_code == 200
    assert response.json()["requested"] is True and response.json()["following"] is False
    assert (await follow_row(db, alice.id, bob.id)).state == FOLLOW_PENDING
    assert await counts(db, bob.id) == (0, 0) and await counts(db, alice.id) == (0, 0)

    listed = await client.get("/api/v1/follow_requests", headers=bob.headers)
    assert listed.status_code == 200 and ids(listed) == [alice.id]
    assert listed.json()[0]["username"] == "alice"
    rel = await client.get(f"/api/v1/accounts/relationships?id[]={alice.id}", headers=bob.headers)
    assert rel.json()[0]["requested_by"] is True and rel.json()[0]["followed_by"] is False

    response = await client.post(
        f"/api/v1/follow_requests/{alice.id}/authorize", headers=bob.headers
    )
    assert response.status_code == 200
    assert response.json()["id"] == alice.id and response.json()["followed_by"] is True
    assert response.json()["requested_by"] is False
    assert (await follow_row(db, alice.id, bob.id)).state == FOLLOW_ACCEPTED
    assert await counts(db, bob.id) == (1, 0) and await counts(db, alice.id) == (0, 1)

    mine = await client.get(f"/api/v1/accounts/relationships?id[]={bob.id}", headers=alice.headers)
    assert mine.json()[0]["following"] is True and mine.json()[0]["requested"] is False
    assert (await client.get("/api/v1/follow_requests", headers=bob.headers)).json() == []

    # a second authorize (double click) changes nothing
    again = await client.post(f"/api/v1/follow_requests/{alice.id}/authorize", headers=bob.headers)
    assert again.status_code == 200
    assert await counts(db, bob.id) == (1, 0) and await counts(db, alice.id) == (0, 1)


async def test_cancel_pending_request(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob", locked=True)
    await _follow(client, alice, bob.id)
    response = await client.post(f"/api/v1/accounts/{bob.id}/unfollow", headers=alice.headers)
    assert response.json()["requested"] is False and response.json()["following"] is False
    assert await follow_row(db, alice.id, bob.id) is None
    assert (await client.get("/api/v1/follow_requests", headers=bob.headers)).json() == []
    assert await counts(db, bob.id) == (0, 0)


async def test_reject_follow_request(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob", locked=True)
    await _follow(client, alice, bob.id)
    response = await client.post(f"/api/v1/follow_requests/{alice.id}/reject", headers=bob.headers)
    assert response.status_code == 200
    assert response.json()["id"] == alice.id and response.json()["requested_by"] is False
    assert await follow_row(db, alice.id, bob.id) is None
    assert await counts(db, bob.id) == (0, 0) and await counts(db, alice.id) == (0, 0)

    again = await client.post(f"/api/v1/follow_requests/{alice.id}/reject", headers=bob.headers)
    assert again.status_code == 404 and again.json() == {"error": "Record not found"}


async def test_follow_request_errors(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob", locked=True)
    carol = await factory.user("carol")
    reader = await factory.user("reader", scopes=["read:follows"])
    await _follow(client, alice, bob.id)

    assert (await client.get("/api/v1/follow_requests")).status_code == 401
    writer = await factory.user("writer", scopes=["write"])
    assert (await client.get("/api/v1/follow_requests", headers=writer.headers)).status_code == 403
    assert (await client.get("/api/v1/follow_requests", headers=reader.headers)).status_code == 200

    url = f"/api/v1/follow_requests/{alice.id}/authorize"
    assert (await client.post(url)).status_code == 401
    assert (await client.post(url, headers=reader.headers)).status_code == 403
    # no request from carol, and unknown accounts
    for ident in (carol.id, "99999999", "nobody"):
        for action in ("authorize", "reject"):
            response = await client.post(
                f"/api/v1/follow_requests/{ident}/{action}", headers=bob.headers
            )
            assert response.status_code == 404, (ident, action)
    # carol cannot answer a request made to bob
    response = await client.post(url, headers=carol.headers)
    assert response.status_code == 404
    assert (await follow_row(db, alice.id, bob.id)).state == FOLLOW_PENDING


async def test_follow_requests_pagination(client, factory):
    bob = await factory.user("bob", locked=True)
    requesters = [await factory.user(f"req{i}") for i in range(3)]
    for user in requesters:
        await _follow(client, user, bob.id)
    first = await client.get("/api/v1/follow_requests?limit=2", headers=bob.headers)
    assert ids(first) == [requesters[2].id, requesters[1].id]
    link = next_link(first)
    assert link and "/api/v1/follow_requests" in link and "limit=2" in link
    second = await client.get(link, headers=bob.headers)
    assert ids(second) == [requesters[0].id]
    third = await client.get(next_link(second), headers=bob.headers)
    assert third.json() == [] and "link" not in third.headers


# --- remove from followers -------------------------------------------------------------------


async def test_remove_from_followers(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await _follow(client, bob, alice.id)
    assert await counts(db, alice.id) == (1, 0)
    response = await client.post(
        f"/api/v1/accounts/{bob.id}/remove_from_followers", headers=alice.headers
    )
    assert response.status_code == 200
    assert response.json()["id"] == bob.id and response.json()["followed_by"] is False
    assert await follow_row(db, bob.id, alice.id) is None
    assert await counts(db, alice.id) == (0, 0) and await counts(db, bob.id) == (0, 0)

    again = await client.post(
        f"/api/v1/accounts/{bob.id}/remove_from_followers", headers=alice.headers
    )
    assert again.status_code == 200 and await counts(db, alice.id) == (0, 0)


async def test_remove_from_followers_errors(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    reader = await factory.user("reader", scopes=["read"])
    await _follow(client, bob, alice.id)
    url = f"/api/v1/accounts/{bob.id}/remove_from_followers"
    assert (await client.post(url)).status_code == 401
    assert (await client.post(url, headers=reader.headers)).status_code == 403
    response = await client.post(
        f"/api/v1/accounts/{alice.id}/remove_from_followers", headers=alice.headers
    )
    assert response.status_code == 400 and response.json() == {"error": "Can not unfollow yourself"}
    response = await client.post(
        "/api/v1/accounts/doesntexist/remove_from_followers", headers=alice.headers
    )
    assert response.status_code == 404
    assert (await follow_row(db, bob.id, alice.id)).state == FOLLOW_ACCEPTED


# --- counters --------------------------------------------------------------------------------


async def test_counts_stay_exact_through_a_sequence(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    carol = await factory.user("carol", locked=True)
    steps = [
        (alice, "post", f"/api/v1/accounts/{bob.id}/follow"),
        (alice, "post", f"/api/v1/accounts/{bob.id}/follow"),
        (bob, "post", f"/api/v1/accounts/{alice.id}/follow"),
        (alice, "post", f"/api/v1/accounts/{carol.id}/follow"),
        (bob, "post", f"/api/v1/accounts/{carol.id}/follow"),
        (carol, "post", f"/api/v1/follow_requests/{alice.id}/authorize"),
        (carol, "post", f"/api/v1/follow_requests/{bob.id}/reject"),
        (carol, "post", f"/api/v1/accounts/{alice.id}/follow"),
        (bob, "post", f"/api/v1/accounts/{alice.id}/block"),
        (bob, "post", f"/api/v1/accounts/{alice.id}/unblock"),
        (bob, "post", f"/api/v1/accounts/{carol.id}/follow"),
        (carol, "post", f"/api/v1/follow_requests/{bob.id}/authorize"),
        (carol, "post", f"/api/v1/accounts/{bob.id}/remove_from_followers"),
        (alice, "post", f"/api/v1/accounts/{bob.id}/follow"),
        (alice, "post", f"/api/v1/accounts/{carol.id}/unfollow"),
        (alice, "post", f"/api/v1/accounts/{carol.id}/follow"),
    ]
    for user, _method, url in steps:
        response = await client.post(url, headers=user.headers)
        assert response.status_code == 200, (url, response.text)
        for account in (alice, bob, carol):
            assert await counts(db, account.id) == await true_counts(db, account.id), url
    # alice follows bob; carol follows alice; alice's request to carol is pending
    assert await counts(db, alice.id) == (1, 1)
    assert await counts(db, bob.id) == (1, 0)
    assert await counts(db, carol.id) == (0, 1)


async def test_concurrent_follows_count_once(client, factory, db):
    """Five follow requests in flight at once make one follow and count it once."""
    alice, bob = await factory.user("alice"), await factory.user("bob")
    responses = await asyncio.gather(*(_follow(client, alice, bob.id) for _ in range(5)))
    assert all(r.status_code == 200 for r in responses)
    assert await counts(db, bob.id) == (1, 0) and await counts(db, alice.id) == (0, 1)


async def test_recount_follows_repairs_counters(client, factory, db):
    from pyleroma.services.relations.follows import recount_follows

    alice, bob = await factory.user("alice"), await factory.user("bob")
    await _follow(client, alice, bob.id)
    await set_fields(db, bob.id, followers_count=7, following_count=3)
    await set_fields(db, alice.id, followers_count=2, following_count=0)
    async with db() as session:
        await recount_follows(session, [alice.account.id, bob.account.id])
        await session.commit()
    assert await counts(db, bob.id) == (1, 0) and await counts(db, alice.id) == (0, 1)
