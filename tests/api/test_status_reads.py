"""GET /api/v1/statuses/:id, ?id[]=, /source, /favourited_by, /reblogged_by, and the 404 rule."""

from __future__ import annotations

from tests.api.relationship_helpers import ids, next_link, set_fields
from tests.api.status_read_helpers import block, favourite, follow, reblog

BAD_TOKEN = {"Authorization": "Bearer not-a-token"}


async def test_show_status_for_anyone_who_may_see_it(client, factory):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "hello #world", spoiler_text="cw")
    url = f"/api/v1/statuses/{status.id}"

    anonymous = await client.get(url)
    assert anonymous.status_code == 200
    body = anonymous.json()
    assert body["id"] == str(status.id)
    assert body["account"]["id"] == alice.id
    assert body["spoiler_text"] == "cw"
    assert [t["name"] for t in body["tags"]] == ["world"]
    assert body["text"] is None  # the source only comes with a delete (redraft)
    assert body["pleroma"]["conversation_id"] == status.id

    narrow = await factory.user("narrow", scopes=["read:statuses"])
    assert (await client.get(url, headers=narrow.headers)).status_code == 200


async def test_show_status_errors(client, factory):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "hello")
    writer = await factory.user("writer", scopes=["write"])
    response = await client.get(f"/api/v1/statuses/{status.id}", headers=writer.headers)
    assert response.status_code == 403 and "error" in response.json()
    assert (await client.get(f"/api/v1/statuses/{status.id}", headers=BAD_TOKEN)).status_code == 401
    for bogus in ("123", "abc", "99999999999999999999999"):
        response = await client.get(f"/api/v1/statuses/{bogus}")
        assert response.status_code == 404
        assert response.json() == {"error": "Record not found"}


async def test_invisible_status_is_404_on_every_route(client, factory, db):
    alice = await factory.user("alice")
    follower = await factory.user("follower")
    bob = await factory.user("bob")
    stranger = await factory.user("stranger")
    await follow(db, follower.account, alice.account)
    private = await factory.status(alice.account, "followers only", visibility="private")
    direct = await factory.status(alice.account, "@bob just you", visibility="direct")

    routes = ("", "/context", "/history", "/source", "/favourited_by", "/reblogged_by")
    cases = [
        (private, None),
        (private, stranger),
        (private, bob),
        (direct, None),
        (direct, stranger),
        (direct, follower),  # following the author is not enough for a direct post
    ]
    for status, viewer in cases:
        headers = viewer.headers if viewer else {}
        for route in routes:
            response = await client.get(f"/api/v1/statuses/{status.id}{route}", headers=headers)
            assert response.status_code == 404, (status.visibility, viewer, route)
            assert response.json() == {"error": "Record not found"}
        listed = await client.get(f"/api/v1/statuses?id[]={status.id}", headers=headers)
        assert listed.status_code == 200 and listed.json() == []
        if viewer is not None:
            edit = await client.put(
                f"/api/v1/statuses/{status.id}", headers=headers, json={"status": "mine now"}
            )
            assert edit.status_code == 404
            gone = await client.delete(f"/api/v1/statuses/{status.id}", headers=headers)
            assert gone.status_code == 404

    # Those who may see them get them, on every read route.
    for status, viewer in [(private, follower), (private, alice), (direct, bob), (direct, alice)]:
        for route in routes:
            response = await client.get(
                f"/api/v1/statuses/{status.id}{route}", headers=viewer.headers
            )
            assert response.status_code == 200, (status.visibility, viewer.nickname, route)


async def test_blocked_viewer_and_deactivated_author_get_404(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    status = await factory.status(alice.account, "public words")
    await block(db, alice.account, bob.account)
    assert (
        await client.get(f"/api/v1/statuses/{status.id}", headers=bob.headers)
    ).status_code == 404
    await set_fields(db, alice.id, is_active=False)
    assert (await client.get(f"/api/v1/statuses/{status.id}")).status_code == 404


async def test_several_statuses_in_the_order_asked(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    one = await factory.status(alice.account, "one")
    two = await factory.status(alice.account, "two")
    hidden = await factory.status(alice.account, "hidden", visibility="private")
    query = f"id[]={two.id}&id[]=424242&id[]=nope&id[]={hidden.id}&id[]={one.id}&id[]={two.id}"
    response = await client.get(f"/api/v1/statuses?{query}", headers=bob.headers)
    assert response.status_code == 200
    assert ids(response) == [str(two.id), str(one.id)]

    # The author sees their own private post; Pleroma's ids[] works too.
    mine = await client.get(
        f"/api/v1/statuses?ids[]={hidden.id}&ids[]={one.id}", headers=alice.headers
    )
    assert ids(mine) == [str(hidden.id), str(one.id)]
    assert (await client.get("/api/v1/statuses")).json() == []

    too_many = "&".join(f"id[]={one.id}" for _ in range(101))
    response = await client.get(f"/api/v1/statuses?{too_many}")
    assert response.status_code == 422 and "error" in response.json()
    exactly = "&".join(f"id[]={one.id}" for _ in range(100))
    assert ids(await client.get(f"/api/v1/statuses?{exactly}")) == [str(one.id)]

    writer = await factory.user("writer", scopes=["write"])
    assert (
        await client.get(f"/api/v1/statuses?id[]={one.id}", headers=writer.headers)
    ).status_code == 403
    assert (
        await client.get(f"/api/v1/statuses?id[]={one.id}", headers=BAD_TOKEN)
    ).status_code == 401


async def test_source_for_editing(client, factory, db):
    alice = await factory.user("alice")
    status = await factory.status(
        alice.account, "**bold** #tag", spoiler_text="#def", content_type="text/markdown"
    )
    response = await client.get(f"/api/v1/statuses/{status.id}/source")
    assert response.status_code == 200
    assert response.json() == {
        "id": str(status.id),
        "text": "**bold** #tag",
        "spoiler_text": "#def",
        "content_type": "text/markdown",
    }
    writer = await factory.user("writer", scopes=["write"])
    url = f"/api/v1/statuses/{status.id}/source"
    assert (await client.get(url, headers=writer.headers)).status_code == 403
    assert (await client.get(url, headers=BAD_TOKEN)).status_code == 401
    assert (await client.get("/api/v1/statuses/1/source")).status_code == 404

    # A reblog's source is its original's.
    bob = await factory.user("bob")
    boost = await reblog(db, bob.account, status)
    shared = await client.get(f"/api/v1/statuses/{boost.id}/source")
    assert shared.json()["id"] == str(status.id)


async def test_favourited_by_newest_first_with_blocks_hidden(client, factory, db):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "like me")
    fans = [await factory.user(f"fan{i}") for i in range(4)]
    for fan in fans:
        await favourite(db, fan.account, status)
    await block(db, alice.account, fans[1].account)
    await set_fields(db, fans[2].id, is_active=False)
    url = f"/api/v1/statuses/{status.id}/favourited_by"

    anonymous = await client.get(url)
    assert anonymous.status_code == 200
    assert ids(anonymous) == [fans[3].id, fans[1].id, fans[0].id]
    # The blocked account is hidden from the one who blocks it (and the other way round).
    viewed = await client.get(url, headers=alice.headers)
    assert ids(viewed) == [fans[3].id, fans[0].id]
    # The author blocks fans[1], so to fans[1] the status itself is gone.
    assert (await client.get(url, headers=fans[1].headers)).status_code == 404
    # A third party blocked by fans[3] does not see fans[3] in the list.
    await block(db, fans[3].account, fans[0].account)
    assert ids(await client.get(url, headers=fans[0].headers)) == [fans[1].id, fans[0].id]

    first = await client.get(f"{url}?limit=1", headers=alice.headers)
    assert ids(first) == [fans[3].id]
    follow_up = await client.get(next_link(first), headers=alice.headers)
    assert ids(follow_up) == [fans[0].id]

    reader = await factory.user("reader", scopes=["read:accounts"])
    assert (await client.get(url, headers=reader.headers)).status_code == 200
    statuses_only = await factory.user("statuses_only", scopes=["read:statuses"])
    assert (await client.get(url, headers=statuses_only.headers)).status_code == 403
    assert (await client.get(url, headers=BAD_TOKEN)).status_code == 401
    assert (await client.get("/api/v1/statuses/77/favourited_by")).status_code == 404
    assert (await client.get(f"{url}?max_id=zz")).status_code == 422


async def test_reblogged_by_hides_reblogs_the_viewer_may_not_see(client, factory, db):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "boost me")
    bob = await factory.user("bob")
    carol = await factory.user("carol")
    dave = await factory.user("dave")
    await reblog(db, bob.account, status)
    await reblog(db, carol.account, status, visibility="private")
    await reblog(db, dave.account, status)
    await follow(db, alice.account, carol.account)
    await block(db, alice.account, dave.account)
    url = f"/api/v1/statuses/{status.id}/reblogged_by"

    assert ids(await client.get(url)) == [dave.id, bob.id]
    assert ids(await client.get(url, headers=alice.headers)) == [carol.id, bob.id]
    page = await client.get(f"{url}?limit=1")
    assert ids(page) == [dave.id]
    assert ids(await client.get(next_link(page))) == [bob.id]

    statuses_only = await factory.user("statuses_only", scopes=["read:statuses"])
    assert (await client.get(url, headers=statuses_only.headers)).status_code == 403
    assert (await client.get(url, headers=BAD_TOKEN)).status_code == 401
    assert (await client.get("/api/v1/statuses/77/reblogged_by")).status_code == 404
    assert (await client.get(f"{url}?limit=abc")).status_code == 422


async def test_reblogged_by_a_private_post_lists_its_private_boost_only_to_its_audience(
    client, factory, db
):
    """Pleroma's rule: a private boost is seen by the booster, the booster's followers and
    the boosted post's author, not by others who may see the post (here: carol, mentioned)."""
    bob, alice, carol, stranger = [
        await factory.user(n) for n in ("bob", "alice", "carol", "stranger")
    ]
    await follow(db, alice.account, bob.account)
    post = await factory.status(bob.account, "@carol for followers", visibility="private")
    boosted = await client.post(
        f"/api/v1/statuses/{post.id}/reblog", json={"visibility": "unlisted"}, headers=bob.headers
    )
    assert boosted.status_code == 200 and boosted.json()["visibility"] == "private"
    url = f"/api/v1/statuses/{post.id}/reblogged_by"

    assert ids(await client.get(url, headers=bob.headers)) == [bob.id]
    assert ids(await client.get(url, headers=alice.headers)) == [bob.id]
    seen_by_carol = await client.get(url, headers=carol.headers)
    assert seen_by_carol.status_code == 200 and seen_by_carol.json() == []
    assert (await client.get(url, headers=stranger.headers)).status_code == 404
    assert (await client.get(url)).status_code == 404


async def test_reblogged_by_shows_private_boosts_to_the_boosted_posts_author(client, factory, db):
    erin, dave, frank, fan, stranger = [
        await factory.user(n) for n in ("erin", "dave", "frank", "fan", "stranger")
    ]
    await follow(db, fan.account, dave.account)
    post = await factory.status(erin.account, "boost me")
    await reblog(db, dave.account, post, visibility="private")
    await reblog(db, frank.account, post)
    url = f"/api/v1/statuses/{post.id}/reblogged_by"

    # erin was notified of dave's boost; Pleroma addresses it to her as well
    assert ids(await client.get(url, headers=erin.headers)) == [frank.id, dave.id]
    assert ids(await client.get(url, headers=fan.headers)) == [frank.id, dave.id]
    assert ids(await client.get(url, headers=stranger.headers)) == [frank.id]
    assert ids(await client.get(url)) == [frank.id]
    await block(db, erin.account, dave.account)
    assert ids(await client.get(url, headers=erin.headers)) == [frank.id]
