"""POST /api/v1/apps and GET /api/v1/apps/verify_credentials."""

from __future__ import annotations

from sqlalchemy import func, select

from pyleroma.models import OAuthApp
from tests.api.oauth_helpers import OOB, REDIRECT_URI, basic, bearer, register_app


async def _stored(db, client_id: str) -> OAuthApp:
    async with db() as session:
        return (
            await session.execute(select(OAuthApp).where(OAuthApp.client_id == client_id))
        ).scalar_one()


async def _count(db) -> int:
    async with db() as session:
        return await session.scalar(select(func.count()).select_from(OAuthApp))


async def test_create_app_from_a_form(client, db):
    response = await client.post(
        "/api/v1/apps",
        data={
            "client_name": "Tusky",
            "redirect_uris": REDIRECT_URI,
            "scopes": "read write follow",
            "website": "https://tusky.app",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "id",
        "name",
        "website",
        "redirect_uri",
        "client_id",
        "client_secret",
        "vapid_key",
    }
    assert body["name"] == "Tusky" and body["website"] == "https://tusky.app"
    assert body["redirect_uri"] == REDIRECT_URI
    # The instance's web push key (tests/api/test_push_subscription.py checks its value).
    assert isinstance(body["vapid_key"], str) and len(body["vapid_key"]) == 87
    assert len(body["client_id"]) >= 32 and len(body["client_secret"]) >= 32
    stored = await _stored(db, body["client_id"])
    assert str(stored.id) == body["id"]
    assert stored.scopes == ["read", "write", "follow"]
    assert stored.redirect_uri_list == [REDIRECT_URI]
    assert stored.owner_id is None


async def test_create_app_from_json_with_a_list_of_redirect_uris(client, db):
    response = await client.post(
        "/api/v1/apps",
        json={"client_name": "Phanpy", "redirect_uris": [REDIRECT_URI, OOB], "scopes": "read"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["redirect_uri"] == f"{REDIRECT_URI}\n{OOB}" and body["website"] is None
    stored = await _stored(db, body["client_id"])
    assert stored.redirect_uri_list == [REDIRECT_URI, OOB]


async def test_scopes_default_to_read_and_space_or_newline_separated_uris(client, db):
    response = await client.post(
        "/api/v1/apps",
        data={"client_name": "X", "redirect_uris": f"{REDIRECT_URI}\nmyapp://oauth {OOB}"},
    )
    assert response.status_code == 200
    stored = await _stored(db, response.json()["client_id"])
    assert stored.scopes == ["read"]
    assert stored.redirect_uri_list == [REDIRECT_URI, "myapp://oauth", OOB]


async def test_a_user_token_makes_the_user_the_owner(client, factory, db):
    alice = await factory.user("alice")
    response = await client.post(
        "/api/v1/apps",
        data={"client_name": "Mine", "redirect_uris": OOB},
        headers=alice.headers,
    )
    assert response.status_code == 200
    assert (await _stored(db, response.json()["client_id"])).owner_id == alice.account.id


async def test_a_bad_token_does_not_block_registration(client, db):
    response = await client.post(
        "/api/v1/apps",
        data={"client_name": "Mine", "redirect_uris": OOB},
        headers=bearer("nope"),
    )
    assert response.status_code == 200
    assert (await _stored(db, response.json()["client_id"])).owner_id is None


async def test_invalid_registrations_are_422_and_store_nothing(client, db):
    cases = [
        ({"redirect_uris": OOB}, "client_name"),
        ({"client_name": "  ", "redirect_uris": OOB}, "client_name"),
        ({"client_name": "X"}, "redirect_uris"),
        ({"client_name": "X", "redirect_uris": ""}, "redirect_uris"),
        ({"client_name": "X", "redirect_uris": "/relative/path"}, "redirect_uris"),
        ({"client_name": "X", "redirect_uris": "https://a.example/cb#frag"}, "redirect_uris"),
        ({"client_name": "X", "redirect_uris": OOB, "scopes": "read fly"}, "scopes"),
        ({"client_name": "X" * 256, "redirect_uris": OOB}, "client_name"),
    ]
    for data, field in cases:
        response = await client.post("/api/v1/apps", data=data)
        assert response.status_code == 422, data
        assert field in response.json()["error"], data
    response = await client.post(
        "/api/v1/apps", json={"client_name": "X", "redirect_uris": [OOB, 3]}
    )
    assert response.status_code == 422
    assert await _count(db) == 0


async def test_malformed_json_is_400(client, db):
    response = await client.post(
        "/api/v1/apps", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400 and "error" in response.json()
    assert await _count(db) == 0


async def test_verify_credentials_with_a_user_token(client, factory):
    app = await register_app(client)
    alice = await factory.account("alice")
    token = (
        await client.post(
            "/oauth/token",
            data={
                "grant_type": "password",
                "username": "alice",
                "password": "correct horse battery",
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
            },
        )
    ).json()["access_token"]
    response = await client.get("/api/v1/apps/verify_credentials", headers=bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"name", "website", "vapid_key"}
    assert body["name"] == "Tusky" and body["website"] is None and len(body["vapid_key"]) == 87
    assert alice.nickname == "alice"


async def test_verify_credentials_with_an_app_token(client):
    app = await register_app(client)
    token = (
        await client.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
            },
        )
    ).json()["access_token"]
    response = await client.get("/api/v1/apps/verify_credentials", headers=bearer(token))
    assert response.status_code == 200 and response.json()["name"] == "Tusky"


async def test_verify_credentials_needs_a_valid_token(client, factory):
    await factory.account("alice")
    response = await client.get("/api/v1/apps/verify_credentials")
    assert response.status_code == 401 and "error" in response.json()
    response = await client.get("/api/v1/apps/verify_credentials", headers=bearer("nope"))
    assert response.status_code == 401
    # HTTP Basic logs a user in but names no app.
    response = await client.get(
        "/api/v1/apps/verify_credentials", headers=basic("alice", "correct horse battery")
    )
    assert response.status_code == 401
