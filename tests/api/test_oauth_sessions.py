"""GET /api/oauth_tokens and DELETE /api/oauth_tokens/:id, and the auth methods they accept."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from pyleroma.db.base import utcnow
from pyleroma.models import OAuthToken
from tests.api.oauth_helpers import basic, bearer, password_grant, register_app


async def test_list_shows_only_my_live_tokens(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    app = await register_app(client, name="Tusky")
    issued = (await password_grant(client, app, "alice")).json()
    expired = (await password_grant(client, app, "alice")).json()
    async with db() as session:
        await session.execute(
            update(OAuthToken)
            .where(OAuthToken.id == int(expired["id"]))
            .values(valid_until=utcnow() - dt.timedelta(seconds=1))
        )
        await session.commit()

    response = await client.get("/api/oauth_tokens", headers=alice.headers)
    assert response.status_code == 200
    entries = response.json()
    # Newest first: the password grant's token, then the factory's.
    assert len(entries) == 2 and entries[0]["id"] == issued["id"]
    assert expired["id"] not in [e["id"] for e in entries]
    first = entries[0]
    assert set(first) == {"id", "app_name", "valid_until"}
    assert first["app_name"] == "Tusky"
    assert dt.datetime.fromisoformat(first["valid_until"]) > utcnow()
    bob_ids = {e["id"] for e in (await client.get("/api/oauth_tokens", headers=bob.headers)).json()}
    assert bob_ids.isdisjoint({e["id"] for e in entries})


async def test_any_scope_will_do_as_in_pleroma(client, factory):
    alice = await factory.account("alice")
    token = await factory.token(alice, ["read:statuses"])
    response = await client.get("/api/oauth_tokens", headers=bearer(token))
    assert response.status_code == 200 and len(response.json()) == 1


async def test_list_needs_a_user(client):
    assert (await client.get("/api/oauth_tokens")).status_code == 401
    assert (await client.get("/api/oauth_tokens", headers=bearer("nope"))).status_code == 401


async def test_revoking_a_session_ends_it_at_once(client, factory, db):
    alice = await factory.user("alice")
    app = await register_app(client)
    issued = (await password_grant(client, app, "alice")).json()
    assert (
        await client.get("/api/v1/apps/verify_credentials", headers=bearer(issued["access_token"]))
    ).status_code == 200
    response = await client.delete(f"/api/oauth_tokens/{issued['id']}", headers=alice.headers)
    assert response.status_code == 200 and response.json() == {}
    response = await client.get(
        "/api/v1/apps/verify_credentials", headers=bearer(issued["access_token"])
    )
    assert response.status_code == 401
    async with db() as session:
        assert await session.get(OAuthToken, int(issued["id"])) is None


async def test_revoking_the_token_in_use(client, factory):
    alice = await factory.user("alice")
    [entry] = (await client.get("/api/oauth_tokens", headers=alice.headers)).json()
    response = await client.delete(f"/api/oauth_tokens/{entry['id']}", headers=alice.headers)
    assert response.status_code == 200
    assert (await client.get("/api/oauth_tokens", headers=alice.headers)).status_code == 401


async def test_someone_elses_or_a_missing_token_is_404(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    [bobs] = (await client.get("/api/oauth_tokens", headers=bob.headers)).json()
    for ident in (bobs["id"], "1234", "not-an-id", "9" * 30):
        response = await client.delete(f"/api/oauth_tokens/{ident}", headers=alice.headers)
        assert response.status_code == 404, ident
        assert response.json() == {"error": "Record not found"}
    async with db() as session:
        assert await session.get(OAuthToken, int(bobs["id"])) is not None
    assert (await client.get("/api/oauth_tokens", headers=bob.headers)).status_code == 200


async def test_delete_needs_a_user(client, factory):
    alice = await factory.user("alice")
    [entry] = (await client.get("/api/oauth_tokens", headers=alice.headers)).json()
    assert (await client.delete(f"/api/oauth_tokens/{entry['id']}")).status_code == 401


async def test_http_basic_auth(client, factory):
    await factory.user("alice")
    response = await client.get(
        "/api/oauth_tokens", headers=basic("alice", "correct horse battery")
    )
    assert response.status_code == 200 and len(response.json()) == 1
    response = await client.get(
        "/api/oauth_tokens", headers=basic("alice@example.com", "correct horse battery")
    )
    assert response.status_code == 200
    response = await client.get("/api/oauth_tokens", headers=basic("alice", "wrong"))
    assert response.status_code == 401 and response.json() == {"error": "Invalid credentials"}
    response = await client.get("/api/oauth_tokens", headers=basic("nobody", "x"))
    assert response.status_code == 401
    response = await client.get("/api/oauth_tokens", headers={"Authorization": "Basic %%%"})
    assert response.status_code == 401


async def test_http_basic_refuses_accounts_that_cannot_log_in(client, factory):
    await factory.account("alice", is_active=False)
    response = await client.get(
        "/api/oauth_tokens", headers=basic("alice", "correct horse battery")
    )
    assert response.status_code == 403


async def test_delete_with_http_basic(client, factory, db):
    alice = await factory.user("alice")
    [entry] = (await client.get("/api/oauth_tokens", headers=alice.headers)).json()
    response = await client.delete(
        f"/api/oauth_tokens/{entry['id']}", headers=basic("alice", "correct horse battery")
    )
    assert response.status_code == 200
    async with db() as session:
        assert (await session.execute(select(OAuthToken))).first() is None


async def test_sessions_list_answers_with_the_json_suffix_too(client, factory):
    """Pleroma-FE and Soapbox list the sessions at /api/oauth_tokens.json."""
    alice = await factory.user("alice")
    plain = await client.get("/api/oauth_tokens", headers=alice.headers)
    suffixed = await client.get("/api/oauth_tokens.json", headers=alice.headers)
    assert plain.status_code == suffixed.status_code == 200
    assert suffixed.json() == plain.json() and len(plain.json()) == 1
    refused = await client.get("/api/oauth_tokens.json")
    assert (refused.status_code, refused.json()["error"]) == (401, "Missing access token")
