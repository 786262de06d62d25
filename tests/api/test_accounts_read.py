"""GET /api/v1/accounts/:id, /api/v1/accounts/lookup and /api/v1/accounts/search."""

from __future__ import annotations

import pytest

from pyleroma.db.ids import new_id
from pyleroma.models import Account, Follow


async def remote_account(db, nickname="bob@remote.example") -> Account:
    user, _, domain = nickname.partition("@")
    async with db() as session:
        account = Account(
            id=new_id(),
            nickname=nickname,
            nickname_key=nickname.lower(),
            domain=domain,
            local=False,
            ap_id=f"https://{domain}/users/{user}",
            fields=[],
            also_known_as=[],
            tags=[],
            settings_store={},
        )
        session.add(account)
        await session.commit()
        return account


async def follow(db, follower: Account, followed: Account) -> None:
    async with db() as session:
        session.add(Follow(follower_id=follower.id, followed_id=followed.id))
        await session.commit()


# --- GET /api/v1/accounts/:id ---------------------------------------------------------------


async def test_show_by_id_and_by_nickname_anonymously(client, factory):
    alice = await factory.account("alice", display_name="Alice")
    by_id = await client.get(f"/api/v1/accounts/{alice.id}")
    assert by_id.status_code == 200
    body = by_id.json()
    assert body["id"] == str(alice.id) and body["acct"] == "alice"
    assert body["display_name"] == "Alice"
    assert body["pleroma"]["is_admin"] is False
    # Owner-only keys are absent for others.
    assert "privacy" not in body["source"] and "email" not in body["pleroma"]
    assert "settings_store" not in body["pleroma"]
    assert "accepts_direct_messages_from" not in body
    by_nickname = await client.get("/api/v1/accounts/alice")
    assert by_nickname.json() == body


async def test_show_finds_nicknames_that_start_with_digits_and_remote_accounts(client, factory, db):
    numeric = await factory.account("123abc")
    response = await client.get("/api/v1/accounts/123abc")
    assert response.status_code == 200 and response.json()["id"] == str(numeric.id)
    remote = await remote_account(db)
    response = await client.get("/api/v1/accounts/bob@remote.example")
    assert response.status_code == 200
    assert response.json()["id"] == str(remote.id)
    assert response.json()["acct"] == "bob@remote.example"
    assert response.json()["url"] == "https://remote.example/users/bob"


async def test_show_unknown_is_404(client, factory):
    for ident in ("nobody", "123456789", "x" * 300):
        response = await client.get(f"/api/v1/accounts/{ident}")
        assert response.status_code == 404
        assert response.json() == {"error": "Can't find user"}


async def test_reserved_paths_are_not_taken_for_ids(client, factory):
    response = await client.get("/api/v1/accounts/verify_credentials")
    assert response.status_code == 401
    user = await factory.user("alice")
    response = await client.get("/api/v1/accounts/verify_credentials", headers=user.headers)
    assert response.status_code == 200 and response.json()["acct"] == "alice"


async def test_deactivated_and_unapproved_accounts_are_hidden_except_from_staff(client, factory):
    gone = await factory.account("gone", is_active=False)
    waiting = await factory.account("waiting", is_approved=False)
    viewer = await factory.user("viewer")
    moderator = await factory.user("mod", is_moderator=True)
    admin = await factory.user("boss", is_admin=True)
    for account in (gone, waiting):
        for headers in ({}, viewer.headers):
            response = await client.get(f"/api/v1/accounts/{account.id}", headers=headers)
            assert response.status_code == 404
            assert response.json() == {"error": "Can't find user"}
        response = await client.get(f"/api/v1/accounts/{account.id}", headers=moderator.headers)
        assert response.status_code == 200
    response = await client.get(f"/api/v1/accounts/{gone.id}", headers=admin.headers)
    assert response.status_code == 200 and response.json()["pleroma"]["deactivated"] is True


async def test_show_role_false_hides_roles_from_others(client, factory):
    admin = await factory.user("boss", is_admin=True, show_role=False)
    response = await client.get(f"/api/v1/accounts/{admin.id}")
    assert "is_admin" not in response.json()["pleroma"]
    response = await client.get(f"/api/v1/accounts/{admin.id}", headers=admin.headers)
    assert response.json()["pleroma"]["is_admin"] is True


async def test_show_with_relationships(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.account("bob")
    await follow(db, alice.account, bob)
    response = await client.get(
        f"/api/v1/accounts/{bob.id}", params={"with_relationships": "true"}, headers=alice.headers
    )
    relationship = response.json()["pleroma"]["relationship"]
    assert relationship["id"] == str(bob.id) and relationship["following"] is True
    response = await client.get(f"/api/v1/accounts/{bob.id}", headers=alice.headers)
    assert response.json()["pleroma"]["relationship"] == {}


async def test_show_with_a_token_lacking_read_accounts_is_403(client, factory):
    alice = await factory.account("alice")
    writer = await factory.user("writer", scopes=["write"])
    response = await client.get(f"/api/v1/accounts/{alice.id}", headers=writer.headers)
    assert response.status_code == 403
    response = await client.get(
        f"/api/v1/accounts/{alice.id}", headers={"Authorization": "Bearer wrong"}
    )
    assert response.status_code == 401


@pytest.mark.parametrize("settings_overrides", [{"restrict_unauthenticated_profiles": True}])
async def test_restricted_profiles_need_a_login(client, factory, db):
    alice = await factory.account("alice")
    remote = await remote_account(db)
    reader = await factory.user("reader", scopes=["read"])
    for path in (
        f"/api/v1/accounts/{alice.id}",
        f"/api/v1/accounts/{remote.id}",
        "/api/v1/accounts/lookup?acct=alice",
        "/api/v1/accounts/search?q=ali",
    ):
        response = await client.get(path)
        assert response.status_code == 401, path
        assert response.json() == {"error": "This API requires an authenticated user"}
        response = await client.get(path, headers=reader.headers)
        assert response.status_code == 200, path


# --- GET /api/v1/accounts/lookup -------------------------------------------------------------


async def test_lookup_by_acct(client, factory, db):
    alice = await factory.account("alice")
    remote = await remote_account(db)
    for acct in ("alice", "@alice", "ALICE", "alice@pyleroma.test"):
        response = await client.get("/api/v1/accounts/lookup", params={"acct": acct})
        assert response.status_code == 200, acct
        assert response.json()["id"] == str(alice.id)
    response = await client.get("/api/v1/accounts/lookup", params={"acct": "bob@remote.example"})
    assert response.json()["id"] == str(remote.id)


async def test_lookup_errors(client, factory):
    await factory.account("alice")
    await factory.account("gone", is_active=False)
    for acct in ("nobody", "alice@elsewhere.example", "gone"):
        response = await client.get("/api/v1/accounts/lookup", params={"acct": acct})
        assert response.status_code == 404, acct
        assert response.json() == {"error": "Can't find user"}
    response = await client.get("/api/v1/accounts/lookup")
    assert response.status_code == 422
    writer = await factory.user("writer", scopes=["write"])
    response = await client.get(
        "/api/v1/accounts/lookup", params={"acct": "alice"}, headers=writer.headers
    )
    assert response.status_code == 403


# --- GET /api/v1/accounts/search -------------------------------------------------------------


async def ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [a["acct"] for a in response.json()]


async def test_search_ranks_exact_then_nickname_then_display_name(client, factory, db):
    await factory.account("alice")
    await factory.account("alfred", followers_count=10)
    await factory.account("al")
    await factory.account("zed", display_name="Albert Z")
    await factory.account("bob", display_name="Bob")
    await factory.account("algone", is_active=False)
    await remote_account(db, "alien@remote.example")
    # Logged in: anonymous searchers find local accounts only (limit_to_local_content).
    me = (await factory.user("me")).headers

    async def found(**params):
        return await ids(await client.get("/api/v1/accounts/search", params=params, headers=me))

    assert await found(q="al") == ["al", "alfred", "alice", "alien@remote.example", "zed"]
    assert await found(q="@ALI") == ["alice", "alien@remote.example"]
    assert await found(q="al", limit=2) == ["al", "alfred"]
    assert await found(q="al", limit=2, offset=2) == ["alice", "alien@remote.example"]
    assert await found(q="   ") == []
    anonymous = await ids(await client.get("/api/v1/accounts/search", params={"q": "al"}))
    assert anonymous == ["al", "alfred", "alice", "zed"]


async def test_search_treats_like_wildcards_literally(client, factory):
    await factory.account("a_b")
    await factory.account("axb")
    found = await ids(await client.get("/api/v1/accounts/search", params={"q": "a_"}))
    assert found == ["a_b"]
    found = await ids(await client.get("/api/v1/accounts/search", params={"q": "%"}))
    assert found == []


async def test_search_following_only(client, factory, db):
    me = await factory.user("me")
    friend = await factory.account("alice")
    await factory.account("alfred")
    await follow(db, me.account, friend)
    found = await ids(
        await client.get(
            "/api/v1/accounts/search", params={"q": "al", "following": "true"}, headers=me.headers
        )
    )
    assert found == ["alice"]
    found = await ids(
        await client.get("/api/v1/accounts/search", params={"q": "al", "following": "true"})
    )
    assert found == []


async def test_search_errors(client, factory):
    response = await client.get("/api/v1/accounts/search")
    assert response.status_code == 422
    response = await client.get("/api/v1/accounts/search", params={"q": "a", "limit": "many"})
    assert response.status_code == 422
    response = await client.get("/api/v1/accounts/search", params={"q": "a", "following": "hm"})
    assert response.status_code == 422
    writer = await factory.user("writer", scopes=["write"])
    response = await client.get(
        "/api/v1/accounts/search", params={"q": "a"}, headers=writer.headers
    )
    assert response.status_code == 403
    searcher = await factory.user("searcher", scopes=["read:search"])
    response = await client.get(
        "/api/v1/accounts/search", params={"q": "sea"}, headers=searcher.headers
    )
    assert await ids(response) == ["searcher"]
