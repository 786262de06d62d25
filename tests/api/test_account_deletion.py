"""Deleting an account (``services.account_deletion``, behind ``pyleroma user delete``):
nothing of it is left to find, the counters others keep are right again, and its name and
URL are never issued again (issue 8; Pleroma's 2.0.3 advisory)."""

from __future__ import annotations

from sqlalchemy import select

from pyleroma.models import Account, AccountTombstone, Status
from pyleroma.services.accounts.account_deletion import delete_local_account
from tests.api.oauth_helpers import bearer
from tests.api.relationship_helpers import counts
from tests.api.status_read_helpers import get_row
from tests.api.timeline_helpers import follow

RETIRED = {"error": "Username belonged to a deleted account and cannot be used again"}
REGISTRATION = {"email": "new@example.org", "password": "long enough", "agreement": "true"}


async def app_token(factory) -> str:
    app = await factory.oauth_app(scopes=["read", "write", "follow", "push"])
    return await factory.token(None, scopes=list(app.scopes), app=app)


async def _delete(app, db, account) -> None:
    async with db() as session:
        row = await session.get(Account, account.id)
        await delete_local_account(session, app.state.settings, row)
        await session.commit()


async def test_the_name_and_url_of_a_deleted_account_are_never_issued_again(
    client, factory, db, app
):
    alice = await factory.user("Alice")
    old_url = (await client.get(f"/api/v1/accounts/{alice.id}")).json()["url"]
    await _delete(app, db, alice.account)

    async with db() as session:
        tombstone = await session.get(AccountTombstone, "alice")
    assert tombstone.nickname == "Alice" and tombstone.account_id == alice.account.id
    assert tombstone.ap_id == "http://pyleroma.test/users/Alice" and tombstone.url == old_url

    token = await app_token(factory)
    for username in ("Alice", "alice", "ALICE"):
        response = await client.post(
            "/api/v1/accounts",
            json={**REGISTRATION, "username": username},
            headers=bearer(token),
        )
        assert response.status_code == 422, username
        assert response.json() == RETIRED
    async with db() as session:
        assert await session.scalar(select(Account).where(Account.nickname_key == "alice")) is None
    # The email is free again: only the name and the ids are retired.
    response = await client.post(
        "/api/v1/accounts",
        json={**REGISTRATION, "username": "alice2", "email": "alice@example.com"},
        headers=bearer(token),
    )
    assert response.status_code == 200, response.text


async def _findable(client, viewer, account) -> list[bool]:
    """Whether ``account`` is found by id, by lookup, by search and in the directory."""
    by_id = await client.get(f"/api/v1/accounts/{account.id}")
    lookup = await client.get(f"/api/v1/accounts/lookup?acct={account.nickname}")
    search = await client.get(
        "/api/v2/search", params={"q": account.nickname}, headers=viewer.headers
    )
    directory = await client.get("/api/v1/directory", params={"local": "true"})
    return [
        by_id.status_code == 200,
        lookup.status_code == 200,
        account.id in [a["id"] for a in search.json()["accounts"]],
        account.id in [a["id"] for a in directory.json()],
    ]


async def test_a_deleted_account_leaves_nothing_to_find_and_no_stale_counts(
    client, factory, db, app
):
    alice = await factory.user("alice", discoverable=True)
    bob, carol = await factory.user("bob"), await factory.user("carol")
    await follow(client, alice, bob)
    await follow(client, bob, alice)
    root = await factory.status(bob.account, "root")
    for user in (alice, carol):
        reply = await client.post(
            "/api/v1/statuses",
            headers=user.headers,
            json={"status": "@bob an answer", "in_reply_to_id": str(root.id)},
        )
        assert reply.status_code == 200, reply.text
    for action in ("reblog", "favourite"):
        response = await client.post(f"/api/v1/statuses/{root.id}/{action}", headers=alice.headers)
        assert response.status_code == 200, response.text
    stored = await get_row(db, Status, root.id)
    assert (stored.replies_count, stored.reblogs_count, stored.favourites_count) == (2, 1, 1)
    assert await counts(db, bob.id) == (1, 1)
    assert await _findable(client, carol, alice) == [True] * 4

    await _delete(app, db, alice.account)

    stored = await get_row(db, Status, root.id)
    assert (stored.replies_count, stored.reblogs_count, stored.favourites_count) == (1, 0, 0)
    assert await counts(db, bob.id) == (0, 0)
    shown = (await client.get(f"/api/v1/statuses/{root.id}")).json()
    assert (shown["replies_count"], shown["reblogs_count"], shown["favourites_count"]) == (1, 0, 0)
    assert await _findable(client, carol, alice) == [False] * 4
    instance = (await client.get("/api/v1/instance")).json()
    assert instance["stats"]["user_count"] == 2
