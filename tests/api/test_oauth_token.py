"""POST /oauth/token (password, client_credentials, refresh_token) and POST /oauth/revoke.

The authorization_code grant is exercised end to end in test_oauth_authorize.py.
"""

from __future__ import annotations

import base64
import datetime as dt
import time

import pytest
from sqlalchemy import func, select, update

from pyleroma.db.base import utcnow
from pyleroma.models import OAuthToken
from pyleroma.services.oauth.secrets import digest
from tests.api.oauth_helpers import bearer, password_grant, register_app


async def _tokens(db) -> list[OAuthToken]:
    async with db() as session:
        return list((await session.execute(select(OAuthToken))).scalars().all())


async def _works(client, token: str) -> bool:
    response = await client.get("/api/v1/apps/verify_credentials", headers=bearer(token))
    assert response.status_code in (200, 401)
    return response.status_code == 200


# --- password grant --------------------------------------------------------------------------


async def test_password_grant_by_nickname(client, factory, db):
    alice = await factory.account("alice")
    app = await register_app(client)
    before = int(time.time())
    response = await password_grant(client, app, "alice", scope="read write")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {
        "id",
        "token_type",
        "access_token",
        "refresh_token",
        "scope",
        "created_at",
        "expires_in",
        "me",
    }
    assert body["token_type"] == "Bearer" and body["scope"] == "read write"
    assert body["me"] == alice.ap_id == "http://pyleroma.test/users/alice"
    assert before - 1 <= body["created_at"] <= int(time.time()) + 1
    assert 30 * 24 * 3600 - 5 <= body["expires_in"] <= 30 * 24 * 3600
    [stored] = await _tokens(db)
    assert str(stored.id) == body["id"] and stored.account_id == alice.id
    # Only digests are stored.
    assert stored.token_digest == digest(body["access_token"])
    assert stored.refresh_digest == digest(body["refresh_token"])
    assert body["access_token"] not in (stored.token_digest, stored.refresh_digest)
    assert await _works(client, body["access_token"])


async def test_password_grant_by_email_with_json_and_basic_client_auth(client, factory):
    await factory.account("alice", email="alice@example.com")
    app = await register_app(client)
    raw = base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
    response = await client.post(
        "/oauth/token",
        json={
            "grant_type": "password",
            "username": "ALICE@example.com",
            "password": "correct horse battery",
        },
        headers={"Authorization": f"Basic {raw}"},
    )
    assert response.status_code == 200
    # No scope named: every scope the app registered.
    assert response.json()["scope"] == "read write follow push"


async def test_wrong_password_and_unknown_user(client, factory, db):
    await factory.account("alice")
    app = await register_app(client)
    for username, password in [("alice", "nope"), ("nobody", "correct horse battery")]:
        response = await password_grant(client, app, username, password)
        assert response.status_code == 400
        assert response.json() == {"error": "Invalid credentials"}
    response = await password_grant(client, app, "alice", "")
    assert response.status_code == 400
    assert await _tokens(db) == []


@pytest.mark.parametrize(
    ("flags", "message", "identifier"),
    [
        ({"is_active": False}, "Your account is currently disabled", "account_is_disabled"),
        ({"is_approved": False}, "Your account is awaiting approval.", "awaiting_approval"),
        (
            {"is_confirmed": False},
            "Your login is missing a confirmed e-mail address",
            "missing_confirmed_email",
        ),
    ],
)
async def test_accounts_that_cannot_log_in(client, factory, db, flags, message, identifier):
    await factory.account("alice", **flags)
    app = await register_app(client)
    response = await password_grant(client, app, "alice")
    assert response.status_code == 403
    assert response.json() == {"error": message, "identifier": identifier}
    assert await _tokens(db) == []


async def test_password_grant_rate_limit(client, factory):
    await factory.account("alice")
    app = await register_app(client)
    for _ in range(15):
        assert (await password_grant(client, app, "alice", "nope")).status_code == 400
    response = await password_grant(client, app, "alice")
    assert response.status_code == 429
    assert response.json() == {"error": "Throttled"} and "retry-after" in response.headers


async def test_bad_client_credentials(client, factory, db):
    await factory.account("alice")
    app = await register_app(client)
    response = await password_grant(client, {**app, "client_secret": "nope"}, "alice")
    assert response.status_code == 400 and response.json() == {"error": "Invalid credentials"}
    response = await password_grant(client, {**app, "client_id": "nope"}, "alice")
    assert response.status_code == 400
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "password", "username": "alice", "password": "x"},
        headers={"Authorization": "Basic JTIxOiVGMCU5RiVBNCVCNwo="},
    )
    assert response.status_code == 400
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "password", "username": "alice", "password": "x"},
        headers={"Authorization": "Basic !!!"},
    )
    assert response.status_code == 400
    assert await _tokens(db) == []


async def test_malformed_requests(client, factory):
    app = await register_app(client)
    creds = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    response = await client.post("/oauth/token", data=creds)
    assert response.status_code == 400 and response.json() == {
        "error": "grant_type: can't be blank"
    }
    response = await client.post("/oauth/token", data={**creds, "grant_type": "implicit"})
    assert response.status_code == 400 and response.json() == {"error": "Unsupported grant_type"}
    response = await client.post(
        "/oauth/token", json={**creds, "grant_type": "password", "username": ["a"], "password": "b"}
    )
    assert response.status_code == 400
    response = await client.post("/oauth/token", json={**creds, "grant_type": ["password"]})
    assert response.status_code == 422
    response = await client.post(
        "/oauth/token", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400


# --- scopes ----------------------------------------------------------------------------------


async def test_scopes_are_narrowed_and_never_beyond_the_app(client, factory, db):
    await factory.account("alice")
    app = await register_app(client, scopes="read write")
    response = await password_grant(client, app, "alice", scope="read:statuses")
    assert response.json()["scope"] == "read:statuses"
    response = await password_grant(client, app, "alice", scope="read follow")
    assert response.status_code == 400
    assert response.json() == {"error": "This action is outside of authorized scopes"}
    response = await password_grant(client, app, "alice", scope="read fly")
    assert response.status_code == 400
    assert len(await _tokens(db)) == 1


async def test_admin_scopes_only_for_staff(client, factory):
    await factory.account("alice")
    await factory.account("boss", is_admin=True)
    await factory.account("mod", is_moderator=True)
    app = await register_app(client, scopes="read admin")
    response = await password_grant(client, app, "alice", scope="read admin:read")
    assert response.status_code == 200 and response.json()["scope"] == "read"
    response = await password_grant(client, app, "alice", scope="admin")
    assert response.status_code == 400  # nothing left to grant
    response = await password_grant(client, app, "boss", scope="read admin:read")
    assert response.json()["scope"] == "read admin:read"
    response = await password_grant(client, app, "mod", scope="admin:write")
    assert response.json()["scope"] == "admin:write"


# --- client_credentials ----------------------------------------------------------------------


async def test_client_credentials_token_has_no_account(client, db):
    app = await register_app(client, scopes="read write admin")
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert "me" not in body and body["scope"] == "read write"  # no admin without a user
    [stored] = await _tokens(db)
    assert stored.account_id is None
    assert await _works(client, body["access_token"])
    response = await client.get("/api/oauth_tokens", headers=bearer(body["access_token"]))
    assert response.status_code == 401


async def test_client_credentials_need_the_secret(client, db):
    app = await register_app(client)
    response = await client.post(
        "/oauth/token", data={"grant_type": "client_credentials", "client_id": app["client_id"]}
    )
    assert response.status_code == 400
    assert await _tokens(db) == []


# --- lifetimes -------------------------------------------------------------------------------


@pytest.mark.parametrize("settings_overrides", [{"access_token_ttl": 120}])
async def test_access_token_lifetime_follows_the_setting(client, factory):
    await factory.account("alice")
    app = await register_app(client)
    body = (await password_grant(client, app, "alice")).json()
    assert 110 <= body["expires_in"] <= 120


async def test_an_expired_token_stops_working(client, factory, db):
    await factory.account("alice")
    app = await register_app(client)
    body = (await password_grant(client, app, "alice")).json()
    async with db() as session:
        await session.execute(
            update(OAuthToken).values(valid_until=utcnow() - dt.timedelta(seconds=1))
        )
        await session.commit()
    assert not await _works(client, body["access_token"])


# --- refresh ---------------------------------------------------------------------------------


async def _refresh(client, app, refresh_token, **extra):
    return await client.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            **extra,
        },
    )


async def test_refresh_rotates_both_tokens(client, factory, db):
    await factory.account("alice")
    app = await register_app(client)
    first = (await password_grant(client, app, "alice", scope="read write")).json()
    response = await _refresh(client, app, first["refresh_token"])
    assert response.status_code == 200
    second = response.json()
    assert second["scope"] == "read write" and second["me"] == first["me"]
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert await _works(client, second["access_token"])
    assert not await _works(client, first["access_token"])
    again = await _refresh(client, app, first["refresh_token"])
    assert again.status_code == 400 and again.json() == {"error": "Invalid refresh token"}
    [stored] = await _tokens(db)
    assert str(stored.id) == second["id"]


async def test_refresh_works_after_the_access_token_expired(client, factory, db):
    await factory.account("alice")
    app = await register_app(client)
    first = (await password_grant(client, app, "alice")).json()
    async with db() as session:
        await session.execute(
            update(OAuthToken).values(valid_until=utcnow() - dt.timedelta(seconds=1))
        )
        await session.commit()
    response = await _refresh(client, app, first["refresh_token"])
    assert response.status_code == 200 and await _works(client, response.json()["access_token"])


async def test_refresh_may_narrow_but_not_widen(client, factory):
    await factory.account("alice")
    app = await register_app(client)
    first = (await password_grant(client, app, "alice", scope="read write")).json()
    wider = await _refresh(client, app, first["refresh_token"], scope="read write follow")
    assert wider.status_code == 400
    narrower = await _refresh(client, app, first["refresh_token"], scope="read")
    assert narrower.status_code == 200 and narrower.json()["scope"] == "read"


async def test_refresh_refusals(client, factory, db):
    await factory.account("alice")
    app = await register_app(client)
    other = await register_app(client, name="Other")
    body = (await password_grant(client, app, "alice")).json()
    assert (await _refresh(client, app, body["access_token"])).status_code == 400
    assert (await _refresh(client, app, "")).status_code == 400
    assert (await _refresh(client, other, body["refresh_token"])).status_code == 400
    async with db() as session:
        await session.execute(
            update(OAuthToken).values(refresh_valid_until=utcnow() - dt.timedelta(seconds=1))
        )
        await session.commit()
    assert (await _refresh(client, app, body["refresh_token"])).status_code == 400
    assert await _works(client, body["access_token"])  # refusals change nothing


# --- revoke ----------------------------------------------------------------------------------


async def test_revoke_ends_the_token_at_once(client, factory, db):
    await factory.account("alice")
    app = await register_app(client)
    body = (await password_grant(client, app, "alice")).json()
    response = await client.post(
        "/oauth/revoke",
        data={
            "token": body["access_token"],
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        },
    )
    assert response.status_code == 200 and response.json() == {}
    assert not await _works(client, body["access_token"])
    assert (await _refresh(client, app, body["refresh_token"])).status_code == 400
    assert await _tokens(db) == []


async def test_revoke_without_client_credentials_and_by_refresh_token(client, factory, db):
    await factory.account("alice")
    app = await register_app(client)
    one = (await password_grant(client, app, "alice")).json()
    two = (await password_grant(client, app, "alice")).json()
    assert (await client.post("/oauth/revoke", data={"token": one["access_token"]})).json() == {}
    assert (await client.post("/oauth/revoke", data={"token": two["refresh_token"]})).json() == {}
    assert not await _works(client, one["access_token"])
    assert not await _works(client, two["access_token"])


async def test_revoke_refusals(client, factory, db):
    await factory.account("alice")
    app = await register_app(client)
    other = await register_app(client, name="Other")
    body = (await password_grant(client, app, "alice")).json()
    unknown = await client.post("/oauth/revoke", data={"token": "no-such-token"})
    assert unknown.status_code == 200 and unknown.json() == {}
    missing = await client.post("/oauth/revoke", data={})
    assert missing.status_code == 400 and "error" in missing.json()
    wrong_secret = await client.post(
        "/oauth/revoke",
        data={"token": body["access_token"], "client_id": app["client_id"], "client_secret": "x"},
    )
    assert wrong_secret.status_code == 400
    other_client = await client.post(
        "/oauth/revoke",
        data={
            "token": body["access_token"],
            "client_id": other["client_id"],
            "client_secret": other["client_secret"],
        },
    )
    assert other_client.status_code == 200
    assert await _works(client, body["access_token"])  # another client cannot revoke it
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(OAuthToken)) == 1
