"""Favourite / unfavourite, bookmark / unbookmark, GET /api/v1/favourites and /bookmarks, and
Pleroma's GET /api/v1/pleroma/accounts/:id/favourites."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from pyleroma.db.ids import new_id
from pyleroma.models import Account, Bookmark, Favourite, Mute
from tests.api.relationship_helpers import NEXT_LINK, PREV_LINK
from tests.api.status_action_helpers import (
    count_rows,
    follow,
    notifications,
    status_row,
    unfollow,
    users,
)


async def _post(client, user, path):
    return await client.post(path, headers=user.headers)


async def _favourite(client, user, status_id):
    return await _post(client, user, f"/api/v1/statuses/{status_id}/favourite")


async def _ids(response) -> list[str]:
    return [s["id"] for s in response.json()]


# --- favourite / unfavourite -----------------------------------------------------------------


async def test_favourite_stores_counts_and_notifies_once(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    status = await factory.status(alice.account, "like me")

    first = await _favourite(client, bob, status.id)
    second = await _favourite(client, bob, status.id)

    assert first.status_code == 200 and second.status_code == 200
    data = second.json()
    assert data["id"] == str(status.id)
    assert data["favourited"] is True and data["favourites_count"] == 1
    assert await count_rows(db, Favourite, Favourite.status_id == status.id) == 1
    assert (await status_row(db, status.id)).favourites_count == 1
    assert await notifications(db, alice.id) == [
        ("favourite", alice.account.id, bob.account.id, status.id)
    ]


async def test_concurrent_favourites_all_count(client, factory, db):
    import asyncio

    author = await factory.user("author")
    fans = await users(factory, "fan1", "fan2", "fan3", "fan4")
    status = await factory.status(author.account, "popular")

    responses = await asyncio.gather(*(_favourite(client, fan, status.id) for fan in fans))

    assert [r.status_code for r in responses] == [200] * 4
    assert (await status_row(db, status.id)).favourites_count == 4


async def test_unfavourite_removes_the_row_the_count_and_the_notification(client, factory, db):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    status = await factory.status(alice.account, "like me")
    await _favourite(client, bob, status.id)
    await _favourite(client, carol, status.id)

    response = await _post(client, bob, f"/api/v1/statuses/{status.id}/unfavourite")

    assert response.status_code == 200
    assert response.json()["favourited"] is False
    assert response.json()["favourites_count"] == 1
    assert await count_rows(db, Favourite, Favourite.account_id == bob.account.id) == 0
    assert [n[2] for n in await notifications(db, alice.id)] == [carol.account.id]

    again = await _post(client, bob, f"/api/v1/statuses/{status.id}/unfavourite")
    assert again.status_code == 200 and again.json()["favourites_count"] == 1
    assert (await status_row(db, status.id)).favourites_count == 1


async def test_favouriting_a_reblog_favourites_the_original(client, factory, db):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    status = await factory.status(alice.account, "like me")
    reblog_id = (await _post(client, bob, f"/api/v1/statuses/{status.id}/reblog")).json()["id"]

    response = await _favourite(client, carol, reblog_id)

    assert response.status_code == 200
    data = response.json()
    assert data["id"] == reblog_id
    assert data["favourited"] is True
    assert data["reblog"]["favourited"] is True and data["reblog"]["favourites_count"] == 1
    assert await count_rows(db, Favourite, Favourite.status_id == status.id) == 1
    assert ("favourite", alice.account.id, carol.account.id, status.id) in await notifications(
        db, alice.id
    )


async def test_no_notification_reaches_an_author_who_muted_the_fan(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    status = await factory.status(alice.account, "like me")
    async with db() as session:
        session.add(Mute(id=new_id(), account_id=alice.account.id, target_id=bob.account.id))
        await session.commit()

    response = await _favourite(client, bob, status.id)

    assert response.status_code == 200
    assert (await status_row(db, status.id)).favourites_count == 1
    assert await notifications(db, alice.id, unseen_only=True) == []


async def test_an_account_blocked_by_the_author_cannot_favourite(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    status = await factory.status(alice.account, "like me")
    await _post(client, alice, f"/api/v1/accounts/{bob.id}/block")

    response = await _favourite(client, bob, status.id)

    assert response.status_code == 404
    assert await count_rows(db, Favourite) == 0
    assert await notifications(db, alice.id) == []


@pytest.mark.parametrize("action", ["favourite", "unfavourite", "bookmark", "unbookmark"])
async def test_actions_on_statuses_the_viewer_cannot_see_are_404(client, factory, db, action):
    alice, stranger = await users(factory, "alice", "stranger")
    private = await factory.status(alice.account, "followers only", visibility="private")
    direct = await factory.status(alice.account, "nobody", visibility="direct")
    for status_id in (private.id, direct.id, new_id(), "x1"):
        response = await _post(client, stranger, f"/api/v1/statuses/{status_id}/{action}")
        assert response.status_code == 404
        assert response.json() == {"error": "Record not found"}
    assert await count_rows(db, Favourite) == 0
    assert await count_rows(db, Bookmark) == 0


async def test_a_follower_may_favourite_a_private_post(client, factory, db):
    alice, follower = await users(factory, "alice", "follower")
    await follow(db, follower.id, alice.id)
    private = await factory.status(alice.account, "followers only", visibility="private")

    response = await _favourite(client, follower, private.id)

    assert response.status_code == 200 and response.json()["favourited"] is True


@pytest.mark.parametrize(
    ("action", "scope", "wrong"),
    [
        ("favourite", "write:favourites", "write:bookmarks"),
        ("unfavourite", "write:favourites", "write:statuses"),
        ("bookmark", "write:bookmarks", "write:favourites"),
        ("unbookmark", "write:bookmarks", "read:bookmarks"),
    ],
)
async def test_mark_routes_need_their_scope(client, factory, action, scope, wrong):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "hello")
    path = f"/api/v1/statuses/{status.id}/{action}"

    assert (await client.post(path)).status_code == 401
    bad = await factory.token(alice.account, [wrong])
    refused = await client.post(path, headers={"Authorization": f"Bearer {bad}"})
    assert refused.status_code == 403 and scope in refused.json()["error"]
    good = await factory.token(alice.account, [scope])
    assert (await client.post(path, headers={"Authorization": f"Bearer {good}"})).status_code == 200


# --- bookmark / unbookmark -------------------------------------------------------------------


async def test_bookmarks_are_private_and_idempotent(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    status = await factory.status(alice.account, "save me")

    first = await _post(client, bob, f"/api/v1/statuses/{status.id}/bookmark")
    second = await _post(client, bob, f"/api/v1/statuses/{status.id}/bookmark")

    assert first.status_code == 200 and second.json()["bookmarked"] is True
    assert await count_rows(db, Bookmark, Bookmark.account_id == bob.account.id) == 1
    assert await notifications(db, alice.id) == []
    listed = await client.get("/api/v1/bookmarks", headers=alice.headers)
    assert listed.json() == []

    removed = await _post(client, bob, f"/api/v1/statuses/{status.id}/unbookmark")
    assert removed.status_code == 200 and removed.json()["bookmarked"] is False
    assert await count_rows(db, Bookmark) == 0
    again = await _post(client, bob, f"/api/v1/statuses/{status.id}/unbookmark")
    assert again.status_code == 200


# --- GET /api/v1/favourites and /api/v1/bookmarks -------------------------------------------


@pytest.mark.parametrize(
    ("action", "path"), [("favourite", "favourites"), ("bookmark", "bookmarks")]
)
async def test_lists_are_newest_mark_first_and_paginated_by_mark_id(
    client, factory, db, action, path
):
    alice, bob = await users(factory, "alice", "bob")
    older = await factory.status(alice.account, "older post")
    newer = await factory.status(alice.account, "newer post")
    third = await factory.status(alice.account, "third post")
    # Marked in an order different from the posts' order.
    for status in (newer, older, third):
        assert (await _post(client, bob, f"/api/v1/statuses/{status.id}/{action}")).status_code
    model = Favourite if action == "favourite" else Bookmark
    async with db() as session:
        mark_ids = {
            s: m
            for m, s in (
                await session.execute(select(model.id, model.status_id).order_by(model.id))
            ).all()
        }

    whole = await client.get(f"/api/v1/{path}", headers=bob.headers)
    assert whole.status_code == 200
    assert await _ids(whole) == [str(third.id), str(older.id), str(newer.id)]
    mark = {"favourite": "favourited", "bookmark": "bookmarked"}[action]
    assert all(s[mark] is True for s in whole.json())

    first = await client.get(f"/api/v1/{path}?limit=2", headers=bob.headers)
    assert await _ids(first) == [str(third.id), str(older.id)]
    link = first.headers["link"]
    assert f"max_id={mark_ids[older.id]}" in NEXT_LINK.search(link).group(1)
    assert f"min_id={mark_ids[third.id]}" in PREV_LINK.search(link).group(1)
    following = await client.get(NEXT_LINK.search(link).group(1), headers=bob.headers)
    assert await _ids(following) == [str(newer.id)]

    upward = await client.get(
        f"/api/v1/{path}?min_id={mark_ids[newer.id]}&limit=1", headers=bob.headers
    )
    assert await _ids(upward) == [str(older.id)]


@pytest.mark.parametrize(
    ("action", "path"), [("favourite", "favourites"), ("bookmark", "bookmarks")]
)
async def test_lists_hide_statuses_no_longer_visible(client, factory, db, action, path):
    alice, bob = await users(factory, "alice", "bob")
    await follow(db, bob.id, alice.id)
    private = await factory.status(alice.account, "followers only", visibility="private")
    public = await factory.status(alice.account, "for all")
    for status in (private, public):
        await _post(client, bob, f"/api/v1/statuses/{status.id}/{action}")
    assert len((await client.get(f"/api/v1/{path}", headers=bob.headers)).json()) == 2

    await unfollow(db, bob.id, alice.id)

    listed = await client.get(f"/api/v1/{path}", headers=bob.headers)
    assert await _ids(listed) == [str(public.id)]


@pytest.mark.parametrize(
    ("path", "scope", "wrong"),
    [
        ("favourites", "read:favourites", "read:bookmarks"),
        ("bookmarks", "read:bookmarks", "read:favourites"),
    ],
)
async def test_lists_need_their_scope_and_valid_bounds(client, factory, path, scope, wrong):
    alice = await factory.user("alice")
    assert (await client.get(f"/api/v1/{path}")).status_code == 401
    bad = await factory.token(alice.account, [wrong])
    refused = await client.get(f"/api/v1/{path}", headers={"Authorization": f"Bearer {bad}"})
    assert refused.status_code == 403
    good = {"Authorization": f"Bearer {await factory.token(alice.account, [scope])}"}
    assert (await client.get(f"/api/v1/{path}", headers=good)).json() == []
    malformed = await client.get(f"/api/v1/{path}?max_id=abc", headers=good)
    assert malformed.status_code == 422
    assert "max_id" in malformed.json()["error"]


# --- GET /api/v1/pleroma/accounts/:id/favourites ---------------------------------------------


async def _show_favourites(db, account) -> None:
    async with db() as session:
        await session.execute(
            update(Account).where(Account.id == account.id).values(hide_favorites=False)
        )
        await session.commit()


async def test_pleroma_account_favourites_is_refused_while_hidden(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    status = await factory.status(alice.account, "like me")
    await _favourite(client, bob, status.id)

    hidden = await client.get(f"/api/v1/pleroma/accounts/{bob.id}/favourites")
    assert hidden.status_code == 403
    assert hidden.json() == {"error": "Can't get favorites"}
    by_other = await client.get(
        f"/api/v1/pleroma/accounts/{bob.id}/favourites", headers=alice.headers
    )
    assert by_other.status_code == 403
    own = await client.get(f"/api/v1/pleroma/accounts/{bob.id}/favourites", headers=bob.headers)
    assert own.status_code == 200 and await _ids(own) == [str(status.id)]


async def test_pleroma_account_favourites_shows_only_what_the_viewer_may_see(client, factory, db):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    await _show_favourites(db, bob.account)
    public = await factory.status(alice.account, "for all")
    direct = await factory.status(alice.account, "@bob just us", visibility="direct")
    for status in (public, direct):
        assert (await _favourite(client, bob, status.id)).status_code == 200

    for prefix in ("/api/v1/pleroma", "/api/pleroma"):
        anonymous = await client.get(f"{prefix}/accounts/{bob.id}/favourites")
        assert anonymous.status_code == 200
        assert await _ids(anonymous) == [str(public.id)]
    as_carol = await client.get(
        f"/api/v1/pleroma/accounts/{bob.id}/favourites", headers=carol.headers
    )
    assert await _ids(as_carol) == [str(public.id)]
    as_alice = await client.get(
        f"/api/v1/pleroma/accounts/{bob.nickname}/favourites", headers=alice.headers
    )
    assert await _ids(as_alice) == [str(direct.id), str(public.id)]
    assert as_alice.json()[1]["favourites_count"] == 1


async def test_pleroma_account_favourites_pages_by_status_id(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    await _show_favourites(db, bob.account)
    posts = [await factory.status(alice.account, f"post {i}") for i in range(5)]
    for status in reversed(posts):
        await _favourite(client, bob, status.id)

    response = await client.get(
        f"/api/v1/pleroma/accounts/{bob.id}/favourites?since_id={posts[0].id}&max_id={posts[4].id}"
    )
    assert await _ids(response) == [str(posts[3].id), str(posts[2].id), str(posts[1].id)]
    limited = await client.get(f"/api/v1/pleroma/accounts/{bob.id}/favourites?limit=2")
    assert await _ids(limited) == [str(posts[4].id), str(posts[3].id)]
    assert f"max_id={posts[3].id}" in NEXT_LINK.search(limited.headers["link"]).group(1)


async def test_pleroma_account_favourites_errors(client, factory, db):
    bob = await factory.user("bob")
    await _show_favourites(db, bob.account)
    missing = await client.get(f"/api/v1/pleroma/accounts/{new_id()}/favourites")
    assert missing.status_code == 404
    assert missing.json() == {"error": "Record not found"}
    wrong = await factory.token(bob.account, ["read:bookmarks"])
    refused = await client.get(
        f"/api/v1/pleroma/accounts/{bob.id}/favourites",
        headers={"Authorization": f"Bearer {wrong}"},
    )
    assert refused.status_code == 403
    bad_limit = await client.get(f"/api/v1/pleroma/accounts/{bob.id}/favourites?limit=abc")
    assert bad_limit.status_code == 422
