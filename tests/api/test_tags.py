"""Hashtags: the Tag entity, follow/unfollow, followed_tags, and followed tags in the home."""

from __future__ import annotations

from sqlalchemy import func, select

from pyleroma.models import Hashtag, TagFollow
from tests.api.relationship_helpers import next_link, prev_link
from tests.api.timeline_helpers import drain, follow, home_entries, sid, users


async def _tag_follows(db, account_id) -> list[str]:
    async with db() as session:
        rows = await session.execute(
            select(Hashtag.name)
            .join(TagFollow, TagFollow.hashtag_id == Hashtag.id)
            .where(TagFollow.account_id == int(account_id))
            .order_by(Hashtag.name)
        )
        return list(rows.scalars())


async def _follow_tag(client, user, name):
    response = await client.post(f"/api/v1/tags/{name}/follow", headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()


# --- GET /api/v1/tags/:name -------------------------------------------------------------------


async def test_show_tag_case_insensitive_anonymous_and_viewer(client, factory):
    alice, bob = await users(factory, "alice", "bob")
    await factory.status(bob.account, "look #Cats")

    response = await client.get("/api/v1/tags/CATS")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "name": "cats",
        "url": "http://pyleroma.test/tag/cats",
        "history": [],
        "following": False,
    }
    await _follow_tag(client, alice, "cats")
    shown = (await client.get("/api/v1/tags/cats", headers=alice.headers)).json()
    assert shown["following"] is True
    other = (await client.get("/api/v1/tags/Cats", headers=bob.headers)).json()
    assert other["following"] is False


async def test_show_errors(client, factory):
    user = await factory.user("alice")
    await factory.status(user.account, "#cats")
    for bad in ("12345", "foo-bar", "x" * 256):  # no post could carry these
        response = await client.get(f"/api/v1/tags/{bad}")
        assert response.status_code == 422, bad
        assert response.json()["error"].startswith("Invalid hashtag name: use letters")
    writer = await factory.token(user.account, ["write"])
    response = await client.get("/api/v1/tags/cats", headers={"Authorization": f"Bearer {writer}"})
    assert response.status_code == 403


# --- follow / unfollow ------------------------------------------------------------------------


async def test_follow_creates_tag_and_is_idempotent(client, factory, db):
    alice = await factory.user("alice")
    data = await _follow_tag(client, alice, "NewTag")
    assert data == {
        "name": "newtag",
        "url": "http://pyleroma.test/tag/newtag",
        "history": [],
        "following": True,
    }
    await _follow_tag(client, alice, "newtag")
    assert await _tag_follows(db, alice.id) == ["newtag"]
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(TagFollow)) == 1
        assert await session.scalar(select(func.count()).where(Hashtag.name == "newtag")) == 1
    shown = (await client.get("/api/v1/tags/NEWTAG", headers=alice.headers)).json()
    assert shown["following"] is True


async def test_unfollow_removes_row_and_is_idempotent(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    await _follow_tag(client, alice, "cats")
    await _follow_tag(client, alice, "dogs")
    await _follow_tag(client, bob, "cats")
    for _ in range(2):
        response = await client.post("/api/v1/tags/CATS/unfollow", headers=alice.headers)
        assert response.status_code == 200, response.text
        assert response.json()["following"] is False and response.json()["name"] == "cats"
    assert await _tag_follows(db, alice.id) == ["dogs"]
    assert await _tag_follows(db, bob.id) == ["cats"]  # only the caller's follow goes


async def test_follow_unfollow_errors(client, factory, db):
    alice = await factory.user("alice")
    reader = await factory.token(alice.account, ["read"])
    for action in ("follow", "unfollow"):
        url = f"/api/v1/tags/cats/{action}"
        assert (await client.post(url)).status_code == 401
        response = await client.post(url, headers={"Authorization": f"Bearer {reader}"})
        assert response.status_code == 403
    for bad in ("123", "foo-bar", "x" * 256):
        response = await client.post(f"/api/v1/tags/{bad}/follow", headers=alice.headers)
        assert response.status_code == 422, bad
        assert "error" in response.json()
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Hashtag)) == 0
    # a narrower write:follows token is enough
    narrow = await factory.token(alice.account, ["write:follows"])
    response = await client.post(
        "/api/v1/tags/cats/follow", headers={"Authorization": f"Bearer {narrow}"}
    )
    assert response.status_code == 200
    assert await _tag_follows(db, alice.id) == ["cats"]


async def test_a_tag_nobody_used_yet_is_shown_and_unfollowed_without_storing_it(
    client, factory, db
):
    """Clients look a tag up and unfollow it before following it (Mastodon answers it)."""
    alice = await factory.user("alice")
    expected = {
        "name": "neverused",
        "url": "http://pyleroma.test/tag/neverused",
        "history": [],
        "following": False,
    }
    for response in (
        await client.get("/api/v1/tags/NeverUsed"),
        await client.get("/api/v1/tags/neverused", headers=alice.headers),
        await client.post("/api/v1/tags/NeverUsed/unfollow", headers=alice.headers),
    ):
        assert response.status_code == 200, response.text
        assert response.json() == expected
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Hashtag)) == 0
    assert (await _follow_tag(client, alice, "NeverUsed"))["following"] is True
    assert await _tag_follows(db, alice.id) == ["neverused"]


# --- GET /api/v1/followed_tags ----------------------------------------------------------------


async def test_followed_tags_paginates_newest_follow_first(client, factory):
    alice, bob = await users(factory, "alice", "bob")
    for name in ("one", "two", "three"):
        await _follow_tag(client, alice, name)
    await _follow_tag(client, bob, "other")

    first = await client.get("/api/v1/followed_tags?limit=2", headers=alice.headers)
    assert first.status_code == 200, first.text
    assert [t["name"] for t in first.json()] == ["three", "two"]
    assert all(t["following"] is True for t in first.json())
    second = await client.get(next_link(first), headers=alice.headers)
    assert [t["name"] for t in second.json()] == ["one"]
    back = await client.get(prev_link(second), headers=alice.headers)
    assert [t["name"] for t in back.json()] == ["three", "two"]
    empty = await client.get("/api/v1/followed_tags", headers=bob.headers)
    assert [t["name"] for t in empty.json()] == ["other"]


async def test_followed_tags_errors(client, factory):
    alice = await factory.user("alice")
    assert (await client.get("/api/v1/followed_tags")).status_code == 401
    writer = await factory.token(alice.account, ["write:follows"])
    response = await client.get(
        "/api/v1/followed_tags", headers={"Authorization": f"Bearer {writer}"}
    )
    assert response.status_code == 403
    response = await client.get("/api/v1/followed_tags?max_id=abc", headers=alice.headers)
    assert response.status_code == 422
    narrow = await factory.token(alice.account, ["read:follows"])
    response = await client.get(
        "/api/v1/followed_tags", headers={"Authorization": f"Bearer {narrow}"}
    )
    assert response.status_code == 200 and response.json() == []


# --- home fan-out -----------------------------------------------------------------------------


async def test_followed_tag_brings_public_posts_into_home(client, factory, db, app):
    alice, bob, blocked, friend = await users(factory, "alice", "bob", "blocked", "friend")
    await _follow_tag(client, alice, "cats")
    await follow(client, alice, friend)
    response = await client.post(f"/api/v1/accounts/{blocked.id}/block", headers=alice.headers)
    assert response.status_code == 200
    await drain(app)

    public = await factory.status(bob.account, "look #Cats")
    untagged = await factory.status(bob.account, "no tag here")
    other_tag = await factory.status(bob.account, "#dogs")
    private = await factory.status(bob.account, "#cats secret", visibility="private")
    unlisted = await factory.status(bob.account, "#cats quiet", visibility="unlisted")
    from_blocked = await factory.status(blocked.account, "#cats from a blocked one")
    from_friend = await factory.status(friend.account, "#cats by a friend")
    await drain(app)

    home = await home_entries(db, alice.id)
    assert home == [from_friend.id, public.id]
    for absent in (untagged, other_tag, private, unlisted, from_blocked):
        assert absent.id not in home
    response = await client.get("/api/v1/timelines/home", headers=alice.headers)
    assert [s["id"] for s in response.json()] == [sid(from_friend), sid(public)]
    # bob's own home is untouched by alice's tag follow rules; nobody else got it
    assert public.id not in await home_entries(db, friend.id)


async def test_reblogs_and_unfollowed_tags_do_not_deliver(client, factory, db, app):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    await factory.status(bob.account, "#cats early")
    await drain(app)
    await _follow_tag(client, alice, "cats")  # no backfill of posts already delivered
    original = await factory.status(carol.account, "#cats original")
    await drain(app)
    assert await home_entries(db, alice.id) == [original.id]
    # a stranger's boost of a tagged post is not a tagged post
    response = await client.post(f"/api/v1/statuses/{original.id}/reblog", headers=bob.headers)
    assert response.status_code == 200, response.text
    await drain(app)
    assert await home_entries(db, alice.id) == [original.id]

    response = await client.post("/api/v1/tags/cats/unfollow", headers=alice.headers)
    assert response.status_code == 200
    later = await factory.status(carol.account, "#cats later")
    await drain(app)
    assert later.id not in await home_entries(db, alice.id)
