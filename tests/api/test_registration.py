"""POST /api/v1/accounts: registration in every mode, its errors and what gets stored."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from pyleroma.db.ids import new_id
from pyleroma.models import Account, InviteToken, OAuthToken
from pyleroma.services.oauth.secrets import digest, verify_password
from tests.api.oauth_helpers import bearer, register_app

VALID = {
    "username": "lain",
    "email": "lain@example.org",
    "password": "PlzDontHackLain",
    "agreement": "true",
}


async def app_token(factory, scopes=None) -> str:
    app = await factory.oauth_app(scopes=scopes or ["read", "write", "follow", "push", "admin"])
    return await factory.token(None, scopes=list(app.scopes), app=app)


async def account_count(db) -> int:
    async with db() as session:
        return await session.scalar(select(func.count()).select_from(Account))


async def stored(db, nickname: str) -> Account | None:
    async with db() as session:
        return (
            await session.execute(select(Account).where(Account.nickname_key == nickname.lower()))
        ).scalar_one_or_none()


async def test_register_with_a_client_credentials_token_and_log_in(client, db):
    app = await register_app(client, scopes="read write follow push")
    grant = await client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        },
    )
    assert grant.status_code == 200, grant.text
    response = await client.post(
        "/api/v1/accounts",
        files={"bio": (None, "I drink #cofe\nwith tea")},
        data={**VALID, "fullname": "Lain Iwakura"},
        headers=bearer(grant.json()["access_token"]),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "read write follow push"
    assert isinstance(body["created_at"], int) and body["created_at"] > 1_600_000_000
    assert body["me"] == "http://pyleroma.test/users/lain"
    assert response.headers["cache-control"] == "no-store"

    account = await stored(db, "lain")
    assert account.email == "lain@example.org" and account.display_name == "Lain Iwakura"
    assert account.is_confirmed and account.is_approved and account.local
    assert verify_password(account.password_hash, "PlzDontHackLain")
    assert account.note_source == "I drink #cofe\nwith tea"
    assert account.note_html == (
        'I drink <a class="hashtag" data-tag="cofe" href="http://pyleroma.test/tag/cofe" '
        'rel="tag ugc">#cofe</a><br/>with tea'
    )
    async with db() as session:
        token = (
            await session.execute(
                select(OAuthToken).where(OAuthToken.token_digest == digest(body["access_token"]))
            )
        ).scalar_one()
    assert token.account_id == account.id and token.scopes == ["read", "write", "follow", "push"]

    me = await client.get(
        "/api/v1/accounts/verify_credentials", headers=bearer(body["access_token"])
    )
    assert me.status_code == 200
    assert me.json()["acct"] == "lain" and me.json()["display_name"] == "Lain Iwakura"
    assert me.json()["source"]["note"] == "I drink #cofe\nwith tea"


async def test_registration_token_never_carries_admin_scopes(client, factory, db):
    token = await app_token(factory, ["read", "write", "admin"])
    response = await client.post("/api/v1/accounts", json=VALID, headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "read write"


async def test_registration_without_email_is_allowed_when_no_activation(client, factory, db):
    token = await app_token(factory)
    response = await client.post(
        "/api/v1/accounts", json={**VALID, "email": ""}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    assert (await stored(db, "lain")).email is None
    other = {**VALID, "username": "lain2"}
    del other["email"]
    response = await client.post("/api/v1/accounts", json=other, headers=bearer(token))
    assert response.status_code == 200


async def test_registration_needs_an_app_token(client, factory, db):
    response = await client.post("/api/v1/accounts", json=VALID)
    assert response.status_code == 401
    response = await client.post("/api/v1/accounts", json=VALID, headers=bearer("bogus"))
    assert response.status_code == 401
    user = await factory.user("someone")
    response = await client.post("/api/v1/accounts", json=VALID, headers=user.headers)
    assert response.status_code == 403
    assert response.json() == {"error": "Invalid credentials"}
    assert await stored(db, "lain") is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"username": None}, "Missing field: username"),
        ({"password": None}, "Missing field: password"),
        ({"agreement": None}, "Missing field: agreement"),
        ({"agreement": "false"}, "Agreement must be accepted"),
        ({"username": "bad name!"}, "Username has invalid format"),
        ({"username": "admin"}, "Username is reserved"),
        ({"username": "x" * 65}, "Username is too long"),
        ({"email": "not-an-email"}, "Email has invalid format"),
        ({"password": "short"}, "Password is too short"),
        ({"fullname": "n" * 101}, "Display name is too long"),
        ({"bio": "b" * 5001}, "Bio is too long"),
        ({"username": ["a", "b"]}, "username: must be a string"),
    ],
)
async def test_invalid_registrations_are_422_and_store_nothing(
    client, factory, db, change, message
):
    token = await app_token(factory)
    before = await account_count(db)
    body = {k: v for k, v in {**VALID, **change}.items() if v is not None}
    response = await client.post("/api/v1/accounts", json=body, headers=bearer(token))
    assert response.status_code == 422, response.text
    assert response.json()["error"].startswith(message)
    assert await account_count(db) == before


async def test_taken_nickname_and_email_are_refused(client, factory, db):
    await factory.account("Lain", email="other@example.org")
    await factory.account("someone", email="lain@example.org")
    token = await app_token(factory)
    response = await client.post("/api/v1/accounts", json=VALID, headers=bearer(token))
    assert response.status_code == 422
    assert response.json() == {
        "error": "Username has already been taken: Lain exists, and case does not count"
    }
    response = await client.post(
        "/api/v1/accounts",
        json={**VALID, "username": "fresh", "email": "LAIN@example.org"},
        headers=bearer(token),
    )
    assert response.status_code == 422
    assert response.json() == {"error": "Email has already been taken"}
    assert await stored(db, "fresh") is None


async def test_malformed_body_is_400(client, factory):
    token = await app_token(factory)
    response = await client.post(
        "/api/v1/accounts",
        content=b"{not json",
        headers={**bearer(token), "content-type": "application/json"},
    )
    assert response.status_code == 400


@pytest.mark.parametrize("settings_overrides", [{"registrations": "closed"}])
async def test_closed_registrations_are_refused(client, factory, db):
    token = await app_token(factory)
    response = await client.post("/api/v1/accounts", json=VALID, headers=bearer(token))
    assert response.status_code == 403
    assert response.json() == {"error": "Registrations are closed"}
    assert await stored(db, "lain") is None


@pytest.mark.parametrize("settings_overrides", [{"registrations": "approval"}])
async def test_approval_mode_needs_a_reason_and_leaves_the_account_waiting(client, factory, db):
    token = await app_token(factory)
    response = await client.post("/api/v1/accounts", json=VALID, headers=bearer(token))
    assert response.status_code == 422
    assert response.json()["error"].startswith("Reason can't be blank")
    response = await client.post(
        "/api/v1/accounts", json={**VALID, "reason": "r" * 501}, headers=bearer(token)
    )
    assert response.status_code == 422
    assert response.json()["error"] == "Reason is too long (maximum is 500 characters)"
    assert await stored(db, "lain") is None

    response = await client.post(
        "/api/v1/accounts",
        json={**VALID, "reason": "I'm a cool dude, bro"},
        headers=bearer(token),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["identifier"] == "awaiting_approval" and "approved" in body["message"]
    assert "access_token" not in body
    account = await stored(db, "lain")
    assert not account.is_approved and account.registration_reason == "I'm a cool dude, bro"
    async with db() as session:
        tokens = await session.scalar(
            select(func.count()).select_from(OAuthToken).where(OAuthToken.account_id == account.id)
        )
    assert tokens == 0


@pytest.mark.parametrize("settings_overrides", [{"account_activation_required": True}])
async def test_activation_mode_needs_an_email_and_leaves_the_account_unconfirmed(
    client, factory, db
):
    token = await app_token(factory)
    no_email = {k: v for k, v in VALID.items() if k != "email"}
    response = await client.post("/api/v1/accounts", json=no_email, headers=bearer(token))
    assert response.status_code == 422
    assert response.json() == {"error": "Missing parameter: email"}
    response = await client.post(
        "/api/v1/accounts", json={**VALID, "email": ""}, headers=bearer(token)
    )
    assert response.status_code == 422
    assert response.json() == {"error": "Email can't be blank"}

    response = await client.post("/api/v1/accounts", json=VALID, headers=bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert body["identifier"] == "missing_confirmed_email" and "access_token" not in body
    account = await stored(db, "lain")
    assert not account.is_confirmed and account.confirmation_token


async def _invite(db, token: str, **fields) -> InviteToken:
    async with db() as session:
        invite = InviteToken(id=new_id(), token=token, **fields)
        session.add(invite)
        await session.commit()
        return invite


async def _reload_invite(db, invite_id: int) -> InviteToken:
    async with db() as session:
        return await session.get(InviteToken, invite_id)


@pytest.mark.parametrize("settings_overrides", [{"registrations": "invite"}])
async def test_invite_mode_needs_a_usable_token(client, factory, db):
    token = await app_token(factory)
    response = await client.post("/api/v1/accounts", json=VALID, headers=bearer(token))
    assert (response.status_code, response.json()) == (422, {"error": "Invalid token"})
    response = await client.post(
        "/api/v1/accounts", json={**VALID, "token": "nope"}, headers=bearer(token)
    )
    assert (response.status_code, response.json()) == (422, {"error": "Invalid token"})
    yesterday = dt.date.today() - dt.timedelta(days=2)
    await _invite(db, "expired", expires_at=yesterday)
    response = await client.post(
        "/api/v1/accounts", json={**VALID, "token": "expired"}, headers=bearer(token)
    )
    assert (response.status_code, response.json()) == (422, {"error": "Expired token"})
    assert await stored(db, "lain") is None

    one_time = await _invite(db, "once")
    response = await client.post(
        "/api/v1/accounts", json={**VALID, "token": "once"}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    assert "access_token" in response.json()
    assert (await stored(db, "lain")).invite_id == one_time.id
    used = await _reload_invite(db, one_time.id)
    assert used.used and used.uses == 1
    response = await client.post(
        "/api/v1/accounts",
        json={**VALID, "username": "lain2", "email": "l2@example.org", "token": "once"},
        headers=bearer(token),
    )
    assert (response.status_code, response.json()) == (422, {"error": "Expired token"})
    assert await stored(db, "lain2") is None


@pytest.mark.parametrize("settings_overrides", [{"registrations": "invite"}])
async def test_reusable_invite_counts_its_uses(client, factory, db):
    token = await app_token(factory)
    invite = await _invite(db, "twice", max_use=2)
    for index in range(2):
        response = await client.post(
            "/api/v1/accounts",
            json={
                **VALID,
                "username": f"u{index}",
                "email": f"u{index}@example.org",
                "token": "twice",
            },
            headers=bearer(token),
        )
        assert response.status_code == 200, response.text
        assert (await _reload_invite(db, invite.id)).uses == index + 1
    assert (await _reload_invite(db, invite.id)).used
    response = await client.post(
        "/api/v1/accounts",
        json={**VALID, "username": "u3", "email": "u3@example.org", "token": "twice"},
        headers=bearer(token),
    )
    assert response.status_code == 422


@pytest.mark.parametrize("settings_overrides", [{"registration_rate_limit": 2}])
async def test_registration_is_rate_limited_per_ip(client, factory):
    token = await app_token(factory)
    for index in range(2):
        response = await client.post(
            "/api/v1/accounts",
            json={**VALID, "username": f"r{index}", "email": f"r{index}@example.org"},
            headers=bearer(token),
        )
        assert response.status_code == 200
    response = await client.post(
        "/api/v1/accounts",
        json={**VALID, "username": "r9", "email": "r9@example.org"},
        headers=bearer(token),
    )
    assert response.status_code == 429 and "retry-after" in response.headers
