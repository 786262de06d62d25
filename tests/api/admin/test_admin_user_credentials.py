"""Admin API: a user's credentials, read and changed (Pleroma's names; the owner's profile
update underneath, so the Mastodon API shows the change; email at once; a new password
signs the account out), with Pleroma's 400 ``{"errors": {...}}`` and nothing written when a
value is wrong."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pyleroma.models import ModerationLog
from pyleroma.services.oauth.secrets import verify_password
from tests import media_samples as samples
from tests.api.admin.helpers import PREFIXES, admin, log_messages, moderator
from tests.api.mfa_helpers import stored_account
from tests.api.oauth_helpers import password_grant, register_app
from tests.api.relationship_helpers import remote_account
from tests.factories import DEFAULT_PASSWORD

NEW = "another good password"


async def _log_count(db) -> int:
    async with db() as session:
        return await session.scalar(select(func.count(ModerationLog.id)))


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_show_credentials(client, factory, db, prefix):
    boss = await admin(factory)
    alice = await factory.user("alice", display_name="Alice", locked=True)
    await client.patch(
        "/api/v1/accounts/update_credentials",
        json={
            "note": "hi *there*",
            "fields_attributes": [{"name": "site", "value": "https://a.example"}],
        },
        headers=alice.headers,
    )
    response = await client.get(f"{prefix}/users/alice/credentials", headers=boss.headers)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["id"] == alice.id and data["nickname"] == "alice"
    assert (data["name"], data["email"]) == ("Alice", "alice@example.com")
    assert "hi" in data["bio"]
    assert data["raw_fields"] == [{"name": "site", "value": "https://a.example"}]
    assert data["fields"][0]["name"] == "site" and "<a" in data["fields"][0]["value"]
    assert data["locked"] is True and data["is_locked"] is True
    assert data["actor_type"] == "Person" and data["default_scope"] == "public"
    assert data["avatar"].startswith("http") and data["background"] is None
    assert {"hide_follows", "allow_following_move", "pleroma_settings_store"} <= set(data)
    by_id = await client.get(f"{prefix}/users/{alice.id}/credentials", headers=boss.headers)
    assert by_id.json() == data
    remote = await remote_account(db, "far", "far.example")
    assert (
        await client.get(f"{prefix}/users/{remote.nickname}/credentials", headers=boss.headers)
    ).status_code == 200
    missing = await client.get(f"{prefix}/users/ghost/credentials", headers=boss.headers)
    assert (missing.status_code, missing.json()) == (404, {"error": "Not found"})


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_update_credentials(client, factory, db, prefix):
    boss = await admin(factory)
    alice = await factory.user("alice")
    response = await client.patch(
        f"{prefix}/users/alice/credentials",
        json={
            "name": "New Name",
            "bio": "new bio",
            "email": "new_email@example.com",
            "password": NEW,
            "actor_type": "Service",
            "locked": True,
            "hide_followers": True,
            "fields": [{"name": "home", "value": "here"}],
        },
        headers=boss.headers,
    )
    assert (response.status_code, response.json()) == (200, {"status": "success"})
    # As the owner's own update would show it.
    shown = await client.get(f"/api/v1/accounts/{alice.id}", headers=boss.headers)
    account = shown.json()
    assert (account["display_name"], account["locked"], account["bot"]) == ("New Name", True, True)
    assert "new bio" in account["note"] and account["fields"][0]["name"] == "home"
    stored = await stored_account(db, alice.account.id)
    assert stored.email == "new_email@example.com" and stored.hide_followers is True
    assert verify_password(stored.password_hash, NEW)
    # The new password signs the account out; it logs in with the new one.
    me = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    assert me.status_code == 401
    app = await register_app(client)
    assert (await password_grant(client, app, "alice", NEW)).status_code == 200
    assert (await password_grant(client, app, "alice", DEFAULT_PASSWORD)).status_code == 400
    assert await log_messages(client, boss) == ["@boss updated users: @alice"]


async def test_update_credentials_images(client, factory, db):
    boss = await admin(factory)
    await factory.user("alice")
    url = "/api/pleroma/admin/users/alice/credentials"
    uploaded = await client.patch(
        url,
        files={"avatar": ("a.png", samples.png_bytes(), "image/png")},
        data={"name": "Pictured"},
        headers=boss.headers,
    )
    assert uploaded.status_code == 200, uploaded.text
    avatar = (await client.get(url, headers=boss.headers)).json()["avatar"]
    assert "/media/" in avatar
    removed = await client.patch(url, json={"avatar": ""}, headers=boss.headers)
    assert removed.status_code == 200
    assert "/media/" not in (await client.get(url, headers=boss.headers)).json()["avatar"]


async def test_update_credentials_errors_write_nothing(client, factory, db):
    boss = await admin(factory)
    mod = await moderator(factory)
    await factory.account("taken", email="taken@example.com")
    alice = await factory.user("alice")
    url = "/api/pleroma/admin/users/alice/credentials"

    async def patch(body):
        return await client.patch(url, json=body, headers=boss.headers)

    cases = [
        ({"actor_type": "Application"}, {"actor_type": "is invalid"}),
        ({"default_scope": "everyone"}, {"default_scope": "is invalid"}),
        ({"email": "not an address"}, {"email": "has invalid format"}),
        ({"email": "TAKEN@example.com"}, {"email": "has already been taken"}),
        ({"password": "short"}, {"password": "is too short (minimum is 8 characters)"}),
        ({"name": "x" * 1000, "password": NEW}, None),
        ({"locked": "perhaps", "password": NEW}, {"locked": "must be a boolean"}),
    ]
    for body, errors in cases:
        response = await patch(body)
        assert response.status_code == 400, (body, response.text)
        if errors is None:
            assert set(response.json()["errors"]) == {"name"}
        else:
            assert response.json() == {"errors": errors}
    stored = await stored_account(db, alice.account.id)
    assert stored.email == "alice@example.com" and stored.actor_type == "Person"
    assert verify_password(stored.password_hash, DEFAULT_PASSWORD)
    me = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    assert me.status_code == 200  # not signed out
    assert await _log_count(db) == 0

    remote = await remote_account(db, "far", "far.example")
    refused = await client.patch(
        f"/api/pleroma/admin/users/{remote.nickname}/credentials",
        json={"name": "x"},
        headers=boss.headers,
    )
    assert refused.status_code == 400 and "remote account" in refused.json()["error"]
    missing = await client.patch(
        "/api/pleroma/admin/users/ghost/credentials", json={"password": NEW}, headers=boss.headers
    )
    assert (missing.status_code, missing.json()) == (404, {"error": "Not found"})
    moderated = await client.patch(url, json={"name": "x"}, headers=mod.headers)
    assert moderated.json() == {"error": "User isn't privileged."}
    assert await _log_count(db) == 0
