"""Pleroma's scrobbles (both prefixes): POST /scrobble stores a Listen with Pleroma's
parameters and answers the Scrobble entity; GET /accounts/:id/scrobbles lists what the viewer
may see, newest first, paged with a Link header."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.models import Block, Scrobble
from tests.api.relationship_helpers import NEXT_LINK
from tests.api.status_action_helpers import follow

PREFIXES = ("/api/v1/pleroma", "/api/pleroma")
FIELDS = {"id", "account", "created_at", "title", "artist", "album", "externalLink", "length"}


async def _stored(db, account_id) -> list[tuple]:
    async with db() as session:
        rows = await session.execute(
            select(
                Scrobble.title,
                Scrobble.artist,
                Scrobble.album,
                Scrobble.length,
                Scrobble.external_link,
                Scrobble.visibility,
            )
            .where(Scrobble.account_id == account_id)
            .order_by(Scrobble.id)
        )
        return [tuple(r) for r in rows]


async def _scrobble(client, user, prefix="/api/v1/pleroma", expect=200, **body) -> dict:
    response = await client.post(f"{prefix}/scrobble", json=body, headers=user.headers)
    assert response.status_code == expect, response.text
    return response.json()


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_scrobble_is_stored_and_rendered_as_pleroma(client, factory, db, prefix):
    alice = await factory.user("alice")
    made = await _scrobble(
        client,
        alice,
        prefix,
        title="lain radio episode 1",
        artist="lain",
        album="lain radio",
        length="180000",
        externalLink="https://example.org/episode-1",
    )
    assert set(made) == FIELDS
    assert made["title"] == "lain radio episode 1" and made["artist"] == "lain"
    assert made["album"] == "lain radio" and made["length"] == 180000
    assert made["externalLink"] == "https://example.org/episode-1"
    assert made["account"]["id"] == alice.id and made["created_at"].endswith("Z")
    # the older parameter name, form-encoded, and a visibility
    older = await client.post(
        f"{prefix}/scrobble",
        data={"title": "b-side", "external_link": "http://example.org/b", "visibility": "private"},
        headers=alice.headers,
    )
    assert older.status_code == 200, older.text
    assert older.json()["externalLink"] == "http://example.org/b"
    assert older.json()["artist"] is None and older.json()["length"] is None
    assert await _stored(db, alice.account.id) == [
        ("lain radio episode 1", "lain", "lain radio", 180000, "https://example.org/episode-1",
         "public"),
        ("b-side", None, None, None, "http://example.org/b", "private"),
    ]  # fmt: skip

    listed = await client.get(f"{prefix}/accounts/{alice.id}/scrobbles", headers=alice.headers)
    assert listed.status_code == 200
    assert [s["id"] for s in listed.json()] == [older.json()["id"], made["id"]]
    assert listed.json()[1] == {**made, "account": listed.json()[1]["account"]}


async def test_scrobbles_list_only_what_the_viewer_may_see(client, factory, db):
    alice = await factory.user("alice")
    follower = await factory.user("follower")
    stranger = await factory.user("stranger")
    blocked = await factory.user("blocked")
    await follow(db, follower.account.id, alice.account.id)
    await follow(db, blocked.account.id, alice.account.id)
    async with db() as session:
        session.add(Block(account_id=alice.account.id, target_id=blocked.account.id))
        await session.commit()
    made = {}
    for visibility in ("public", "unlisted", "private", "direct", "local"):
        made[visibility] = (
            await _scrobble(client, alice, title=visibility, visibility=visibility)
        )["id"]

    async def seen(user=None, ident=alice.id) -> list[str]:
        headers = user.headers if user else {}
        response = await client.get(f"/api/pleroma/accounts/{ident}/scrobbles", headers=headers)
        assert response.status_code == 200, response.text
        return [s["title"] for s in response.json()]

    assert await seen(alice) == ["local", "direct", "private", "unlisted", "public"]
    assert await seen(follower) == ["local", "private", "unlisted", "public"]
    assert await seen(stranger) == ["local", "unlisted", "public"]
    assert await seen(None) == ["local", "unlisted", "public"]
    assert await seen(blocked) == []
    assert await seen(stranger, ident="alice") == ["local", "unlisted", "public"]  # nickname
    plain = await client.get(f"/api/v1/accounts/{alice.id}/scrobbles", headers=follower.headers)
    assert [s["title"] for s in plain.json()] == ["local", "private", "unlisted", "public"]


async def test_scrobbles_are_paged_newest_first(client, factory):
    alice = await factory.user("alice")
    ids = [(await _scrobble(client, alice, title=f"track {i}"))["id"] for i in range(5)]
    url = f"/api/v1/pleroma/accounts/{alice.id}/scrobbles"
    first = await client.get(url, params={"limit": 2})
    assert [s["id"] for s in first.json()] == [ids[4], ids[3]]
    next_url = NEXT_LINK.search(first.headers["link"]).group(1)
    assert f"max_id={ids[3]}" in next_url
    second = await client.get(next_url)
    assert [s["id"] for s in second.json()] == [ids[2], ids[1]]
    newer = await client.get(url, params={"min_id": ids[0], "limit": 2})
    assert [s["id"] for s in newer.json()] == [ids[2], ids[1]]
    since = await client.get(url, params={"since_id": ids[3]})
    assert [s["id"] for s in since.json()] == [ids[4]]
    empty = await client.get(url, params={"max_id": ids[0]})
    assert (empty.json(), "link" in empty.headers) == ([], False)


async def test_scrobble_errors(client, factory, db):
    alice = await factory.user("alice")
    reader = await factory.user("reader", scopes=["read"])
    url = "/api/v1/pleroma/scrobble"

    async def post(user=alice, **body):
        return await client.post(url, json=body, headers=user.headers)

    missing = await post(artist="nobody")
    assert (missing.status_code, missing.json()) == (400, {"error": "title is required"})
    assert (await post(title="  ")).status_code == 400
    assert (await post(title="x" * 1025)).status_code == 400
    assert (await post(title="t", length=-1)).status_code == 400
    assert (await post(title="t", length="long")).status_code == 422
    bad_link = await post(title="t", externalLink="javascript:alert(1)")
    assert bad_link.status_code == 400 and "error" in bad_link.json()
    assert (await post(title="t", visibility="everyone")).status_code == 400
    assert (await post(user=reader, title="t")).status_code == 403
    assert (await client.post(url, json={"title": "t"})).status_code == 401
    assert await _stored(db, alice.account.id) == []

    unknown = await client.get("/api/v1/pleroma/accounts/999999/scrobbles")
    assert unknown.status_code == 404 and "error" in unknown.json()
    assert (await client.get("/api/v1/pleroma/accounts/nobody/scrobbles")).status_code == 404
    bad_page = await client.get(
        f"/api/v1/pleroma/accounts/{alice.id}/scrobbles", params={"max_id": "x"}
    )
    assert bad_page.status_code == 422
    bad_token = await client.get(
        f"/api/v1/pleroma/accounts/{alice.id}/scrobbles",
        headers={"Authorization": "Bearer nope"},
    )
    assert bad_token.status_code == 401
