"""Pleroma's /aliases and /move_account (under both prefixes): aliases by nickname, kept as
the actor's alsoKnownAs, and a move checked against the target's aliases."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.models import Account, Follow
from tests.api.timeline_helpers import drain, follow
from tests.factories import DEFAULT_PASSWORD

PREFIXES = ("/api/v1/pleroma", "/api/pleroma")


async def _aliases(client, user, prefix="/api/v1/pleroma") -> list[str]:
    response = await client.get(f"{prefix}/aliases", headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()["aliases"]


async def _also_known_as(db, account_id) -> list[str]:
    async with db() as session:
        return (await session.get(Account, account_id)).also_known_as


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_aliases_are_added_listed_and_deleted_by_nickname(client, factory, db, prefix):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    assert await _aliases(client, alice, prefix) == []

    added = await client.put(f"{prefix}/aliases", data={"alias": "bob"}, headers=alice.headers)
    assert (added.status_code, added.json()) == (200, {"status": "success"})
    again = await client.put(f"{prefix}/aliases", json={"alias": "@bob"}, headers=alice.headers)
    assert again.status_code == 200
    assert await _aliases(client, alice, prefix) == ["bob"]
    assert await _also_known_as(db, alice.account.id) == [bob.account.ap_id]
    actor = await client.get("/users/alice", headers={"Accept": "application/activity+json"})
    assert actor.json()["alsoKnownAs"] == [bob.account.ap_id]

    deleted = await client.request(
        "DELETE", f"{prefix}/aliases", data={"alias": "bob"}, headers=alice.headers
    )
    assert (deleted.status_code, deleted.json()) == (200, {"status": "success"})
    assert await _aliases(client, alice, prefix) == []
    assert await _also_known_as(db, alice.account.id) == []


async def test_alias_errors(client, factory):
    alice = await factory.user("alice")
    reader = await factory.user("reader", scopes=["read:accounts"])
    url = "/api/pleroma/aliases"

    async def put(alias, user=alice):
        return await client.put(url, data={"alias": alias}, headers=user.headers)

    missing = await put("nobody")
    assert (missing.status_code, missing.json()) == (404, {"error": "Account not found"})
    assert (await put("nobody@unreachable.invalid")).status_code == 404
    blank = await put("  ")
    assert (blank.status_code, blank.json()) == (422, {"error": "alias: can't be blank"})
    assert (await put("alice")).status_code == 422  # oneself
    assert (await put("alice", user=reader)).status_code == 403  # wrong scope
    assert (await client.put(url, data={"alias": "alice"})).status_code == 401
    assert (await client.get(url)).status_code == 401
    gone = await client.request("DELETE", url, data={"alias": "bob"}, headers=alice.headers)
    assert (gone.status_code, gone.json()) == (404, {"error": "Account has no such alias."})
    assert await _aliases(client, alice) == []


async def test_move_account_moves_to_an_account_that_lists_us(app, client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    carol = await factory.user("carol")
    await follow(client, carol, alice.account)
    url = "/api/pleroma/move_account"

    async def move(password=DEFAULT_PASSWORD, target="bob", user=alice):
        body = {"password": password, "target_account": target}
        return await client.post(url, data=body, headers=user.headers)

    wrong = await move(password="not it")
    assert (wrong.status_code, wrong.json()) == (403, {"error": "Invalid password."})
    unlisted = await move()
    assert unlisted.status_code == 422 and "error" in unlisted.json()
    assert (await move(target="nobody")).status_code == 404
    assert (await move(target="")).status_code == 422
    assert (await client.post(url, data={"password": DEFAULT_PASSWORD})).status_code == 401
    async with db() as session:
        assert (await session.get(Account, alice.account.id)).moved_to_id is None

    listed = await client.put(
        "/api/v1/pleroma/aliases", data={"alias": "alice"}, headers=bob.headers
    )
    assert listed.status_code == 200
    moved = await client.post(
        "/api/v1/pleroma/move_account",
        json={"password": DEFAULT_PASSWORD, "target_account": "bob"},
        headers=alice.headers,
    )
    assert (moved.status_code, moved.json()) == (200, {"status": "success"})
    await drain(app)
    account = await client.get(f"/api/v1/accounts/{alice.account.id}", headers=carol.headers)
    assert account.json()["moved"]["id"] == str(bob.account.id)
    async with db() as session:
        followed = await session.scalars(
            select(Follow.followed_id).where(Follow.follower_id == carol.account.id)
        )
        assert list(followed) == [bob.account.id]
