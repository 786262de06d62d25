"""Pleroma's bookmark folders (both prefixes): CRUD with Pleroma's entity, emoji checks,
names unique per account, filing bookmarks with ``folder_id`` and listing one folder."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.models import Bookmark, BookmarkFolder
from tests.api.emoji_helpers import install_packs

PREFIXES = ("/api/v1/pleroma", "/api/pleroma")


async def _folders(db, account_id) -> list[tuple[str, str | None]]:
    async with db() as session:
        rows = await session.execute(
            select(BookmarkFolder.name, BookmarkFolder.emoji)
            .where(BookmarkFolder.account_id == account_id)
            .order_by(BookmarkFolder.id)
        )
        return [tuple(r) for r in rows]


async def _bookmark_folder_ids(db, account_id) -> dict[int, int | None]:
    async with db() as session:
        rows = await session.execute(
            select(Bookmark.status_id, Bookmark.folder_id).where(Bookmark.account_id == account_id)
        )
        return dict(rows.all())


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_folders_are_created_listed_renamed_and_deleted(client, factory, db, app, prefix):
    install_packs(app)
    alice = await factory.user("alice")
    url = f"{prefix}/bookmark_folders"

    empty = await client.get(url, headers=alice.headers)
    assert (empty.status_code, empty.json()) == (200, [])

    made = await client.post(url, json={"name": "Cats", "emoji": "blobcat"}, headers=alice.headers)
    assert made.status_code == 200, made.text
    cats = made.json()
    assert set(cats) == {"id", "name", "emoji", "emoji_url"}
    assert cats["name"] == "Cats" and cats["emoji"] == ":blobcat:"
    assert cats["emoji_url"] == f"{app.state.settings.base_url}/emoji/blobs/blobcat.png"
    plain = await client.post(url, data={"name": "Later"}, headers=alice.headers)
    assert plain.json()["emoji"] is None and plain.json()["emoji_url"] is None
    # "❤" without its variation selector is stored fully qualified, as Pleroma does
    heart = await client.post(url, json={"name": "Love", "emoji": "\u2764"}, headers=alice.headers)
    assert heart.json()["emoji"] == "\u2764\ufe0f" and heart.json()["emoji_url"] is None

    listed = await client.get(url, headers=alice.headers)
    assert [f["name"] for f in listed.json()] == ["Cats", "Later", "Love"]
    assert listed.json()[0] == cats

    renamed = await client.patch(
        f"{url}/{cats['id']}", json={"name": "Kittens"}, headers=alice.headers
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json() == {**cats, "name": "Kittens"}  # the emoji is kept
    cleared = await client.patch(f"{url}/{cats['id']}", json={"emoji": ""}, headers=alice.headers)
    assert cleared.json() == {**cats, "name": "Kittens", "emoji": None, "emoji_url": None}
    assert await _folders(db, alice.account.id) == [
        ("Kittens", None),
        ("Later", None),
        ("Love", "\u2764\ufe0f"),
    ]

    deleted = await client.delete(f"{url}/{plain.json()['id']}", headers=alice.headers)
    assert (deleted.status_code, deleted.json()["name"]) == (200, "Later")
    assert [n for n, _ in await _folders(db, alice.account.id)] == ["Kittens", "Love"]


async def test_bookmarks_are_filed_moved_and_listed_by_folder(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    first = await factory.status(bob.account, "first")
    second = await factory.status(bob.account, "second")
    third = await factory.status(bob.account, "third")
    url = "/api/v1/pleroma/bookmark_folders"
    music = (await client.post(url, json={"name": "Music"}, headers=alice.headers)).json()
    news = (await client.post(url, json={"name": "News"}, headers=alice.headers)).json()

    async def bookmark(status, **body):
        response = await client.post(
            f"/api/v1/statuses/{status.id}/bookmark", json=body, headers=alice.headers
        )
        assert response.status_code == 200, response.text
        assert response.json()["bookmarked"] is True

    async def listed(**query) -> list[str]:
        response = await client.get("/api/v1/bookmarks", params=query, headers=alice.headers)
        assert response.status_code == 200, response.text
        return [s["id"] for s in response.json()]

    await bookmark(first, folder_id=music["id"])
    await bookmark(second, folder_id=news["id"])
    await bookmark(third)
    assert await _bookmark_folder_ids(db, alice.account.id) == {
        first.id: int(music["id"]),
        second.id: int(news["id"]),
        third.id: None,
    }
    assert await listed(folder_id=music["id"]) == [str(first.id)]
    assert await listed() == [str(third.id), str(second.id), str(first.id)]

    await bookmark(second, folder_id=music["id"])  # moved, not doubled
    assert await listed(folder_id=music["id"]) == [str(second.id), str(first.id)]
    assert await listed(folder_id=news["id"]) == []
    paged = await client.get(
        "/api/v1/bookmarks", params={"folder_id": music["id"], "limit": 1}, headers=alice.headers
    )
    assert f"folder_id={music['id']}" in paged.headers["link"]

    # deleting a folder leaves its bookmarks, unfiled
    await client.delete(f"{url}/{music['id']}", headers=alice.headers)
    assert await _bookmark_folder_ids(db, alice.account.id) == {
        first.id: None,
        second.id: None,
        third.id: None,
    }
    assert len(await listed()) == 3


async def test_folder_errors(client, factory, db, app):
    install_packs(app)
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    reader = await factory.user("reader", scopes=["read:bookmarks"])
    url = "/api/pleroma/bookmark_folders"
    own = (await client.post(url, json={"name": "Mine"}, headers=alice.headers)).json()

    async def create(user=alice, **body):
        return await client.post(url, json=body, headers=user.headers)

    taken = await create(name="Mine")
    assert (taken.status_code, taken.json()) == (422, {"error": "name: has already been taken"})
    assert (await create(user=bob, name="Mine")).status_code == 200  # unique per account only
    blank = await create(name="  ")
    assert (blank.status_code, blank.json()) == (422, {"error": "name: can't be blank"})
    assert (await create(emoji="blobcat")).status_code == 422  # no name
    assert (await create(name="x" * 256)).status_code == 422
    for emoji in ("nosuchemoji", ":nosuchemoji:", "ab", "\u2764\u2764", "<b>"):
        bad = await create(name=f"e{emoji}", emoji=emoji)
        assert (bad.status_code, bad.json()) == (422, {"error": "emoji: Invalid emoji"}), emoji
    assert (await create(name=["a"])).status_code == 422
    assert await _folders(db, alice.account.id) == [("Mine", None)]

    # scopes and credentials
    assert (await create(user=reader, name="Nope")).status_code == 403
    assert (await client.get(url, headers=reader.headers)).status_code == 200
    assert (await client.get(url)).status_code == 401
    assert (await client.post(url, json={"name": "anon"})).status_code == 401

    # another's folder is refused like a missing one, and left alone
    for target in (own["id"], "999999", "nope"):
        patched = await client.patch(f"{url}/{target}", json={"name": "X"}, headers=bob.headers)
        assert (patched.status_code, patched.json()) == (403, {"error": "Access denied"})
        gone = await client.delete(f"{url}/{target}", headers=bob.headers)
        assert gone.status_code == 403
    assert await _folders(db, alice.account.id) == [("Mine", None)]
    second = (await create(name="Second")).json()
    clash = await client.patch(
        f"{url}/{second['id']}", json={"name": "Mine"}, headers=alice.headers
    )
    assert clash.status_code == 422
    assert (
        await client.patch(f"{url}/{own['id']}", json={"emoji": "zz"}, headers=alice.headers)
    ).status_code == 422

    # filing in a folder that is not one's own, and listing with a malformed id
    status = await factory.status(bob.account, "post")
    foreign = await client.post(
        f"/api/v1/statuses/{status.id}/bookmark",
        json={"folder_id": own["id"]},
        headers=bob.headers,
    )
    assert (foreign.status_code, foreign.json()) == (404, {"error": "Bookmark folder not found"})
    assert await _bookmark_folder_ids(db, bob.account.id) == {}
    malformed = await client.get(
        "/api/v1/bookmarks", params={"folder_id": "abc"}, headers=alice.headers
    )
    assert (malformed.status_code, malformed.json()) == (422, {"error": "folder_id: must be an id"})
    others = await client.get(
        "/api/v1/bookmarks", params={"folder_id": own["id"]}, headers=bob.headers
    )
    assert (others.status_code, others.json()) == (200, [])


async def test_bookmark_folders_feature_is_advertised(client):
    instance = (await client.get("/api/v1/instance")).json()
    assert "pleroma:bookmark_folders" in instance["pleroma"]["metadata"]["features"]
