"""Admin API: password reset links, forced password resets (every login refused with
Pleroma's 403 until the password changes) and turning two-factor authentication off,
checked through real logins (password grant, login form, HTTP Basic), the reset form, the
MFA settings and the moderation log."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pyleroma.models import ModerationLog
from tests.api.admin.helpers import PREFIXES, admin, log_messages, moderator
from tests.api.mfa_helpers import mfa_account, stored_account
from tests.api.oauth_helpers import basic, login_through_form, password_grant, register_app
from tests.api.relationship_helpers import remote_account
from tests.factories import DEFAULT_PASSWORD

NEW = "a brand new password"
RESET_REQUIRED = {"error": "Password reset is required", "identifier": "password_reset_required"}


async def _log_count(db) -> int:
    async with db() as session:
        return await session.scalar(select(func.count(ModerationLog.id)))


async def _reset_through_link(client, link: str, token: str) -> None:
    assert link.endswith(f"/api/v1/pleroma/password_reset/{token}")
    form = await client.get(link.removeprefix("http://pyleroma.test"))
    assert form.status_code == 200 and "Password reset for" in form.text
    done = await client.post(
        "/api/v1/pleroma/password_reset",
        data={"data[token]": token, "data[password]": NEW, "data[password_confirmation]": NEW},
    )
    assert done.status_code == 200 and "Password changed!" in done.text


# --- password_reset --------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_password_reset_link(client, factory, prefix):
    boss = await admin(factory)
    await factory.user("alice")
    response = await client.get(f"{prefix}/users/alice/password_reset", headers=boss.headers)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert set(answer) == {"token", "link"} and answer["link"].startswith("http://pyleroma.test/")
    await _reset_through_link(client, answer["link"], answer["token"])
    app = await register_app(client)
    assert (await password_grant(client, app, "alice", NEW)).status_code == 200
    assert (await password_grant(client, app, "alice", DEFAULT_PASSWORD)).status_code == 400


async def test_password_reset_refusals(client, factory, db):
    boss = await admin(factory)
    mod = await moderator(factory)
    await factory.account("gone", is_active=False)
    await remote_account(db, "far", "far.example")
    url = "/api/pleroma/admin/users/{}/password_reset"
    missing = await client.get(url.format("ghost"), headers=boss.headers)
    assert (missing.status_code, missing.json()) == (404, {"error": "Not found"})
    for nickname in ("gone", "far@far.example"):
        refused = await client.get(url.format(nickname), headers=boss.headers)
        assert refused.status_code == 422 and "local account" in refused.json()["error"]
    moderated = await client.get(url.format("boss"), headers=mod.headers)
    assert moderated.json() == {"error": "User isn't privileged."}


# --- force_password_reset --------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_forced_reset_refuses_every_login_until_the_password_changes(
    client, factory, db, prefix
):
    boss = await admin(factory)
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    await remote_account(db, "far", "far.example")
    app = await register_app(client)
    forced = await client.patch(
        f"{prefix}/users/force_password_reset",
        json={"nicknames": ["alice", "far@far.example", "ghost"]},
        headers=boss.headers,
    )
    assert (forced.status_code, forced.content) == (204, b"")
    assert (await stored_account(db, alice.account.id)).password_reset_pending is True
    # Signed out everywhere, and no way back in with the password alone.
    me = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    assert me.status_code == 401
    grant = await password_grant(client, app, "alice")
    assert (grant.status_code, grant.json()) == (403, RESET_REQUIRED)
    form = await login_through_form(client, app, "alice")
    assert form.status_code == 403 and "Password reset is required" in form.text
    by_basic = await client.get(
        "/api/v1/accounts/verify_credentials", headers=basic("alice", DEFAULT_PASSWORD)
    )
    assert (by_basic.status_code, by_basic.json()) == (403, {"error": "Password reset is required"})
    # Others are untouched.
    assert (await password_grant(client, app, "bob")).status_code == 200
    me_bob = await client.get("/api/v1/accounts/verify_credentials", headers=bob.headers)
    assert me_bob.status_code == 200
    assert await log_messages(client, boss) == ["@boss forced password reset for users: @alice"]

    # A new password (the link the admin hands on) lets alice in again.
    link = await client.get(f"{prefix}/users/alice/password_reset", headers=boss.headers)
    await _reset_through_link(client, link.json()["link"], link.json()["token"])
    assert (await stored_account(db, alice.account.id)).password_reset_pending is False
    assert (await password_grant(client, app, "alice", NEW)).status_code == 200


async def test_forced_reset_bad_requests(client, factory, db):
    boss = await admin(factory)
    url = "/api/pleroma/admin/users/force_password_reset"
    blank = await client.patch(url, json={}, headers=boss.headers)
    assert blank.status_code == 422 and "nicknames" in blank.json()["error"]
    unknown = await client.patch(url, json={"nicknames": ["ghost"]}, headers=boss.headers)
    assert unknown.status_code == 204
    assert await _log_count(db) == 0


# --- disable_mfa -----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_disable_mfa(client, factory, db, prefix):
    boss = await admin(factory)
    alice, _secret = await mfa_account(factory, "alice", backup_codes=("aaaa1111",))
    app = await register_app(client)
    before = await password_grant(client, app, "alice")
    assert before.status_code == 403 and "mfa_token" in before.json()

    response = await client.put(
        f"{prefix}/users/disable_mfa", json={"nickname": "alice"}, headers=boss.headers
    )
    assert (response.status_code, response.json()) == (200, "alice")
    stored = await stored_account(db, alice.id)
    assert (stored.totp_secret, stored.totp_confirmed, stored.mfa_backup_codes) == (None, False, [])
    after = await password_grant(client, app, "alice")
    assert after.status_code == 200 and "access_token" in after.json()
    token = after.json()["access_token"]
    settings = await client.get(
        "/api/pleroma/accounts/mfa", headers={"Authorization": f"Bearer {token}"}
    )
    assert settings.json()["settings"]["enabled"] is False
    assert await log_messages(client, boss) == [
        "@boss disabled two-factor authentication for users: @alice"
    ]

    # Nothing left to turn off: the same answer, nothing logged.
    again = await client.put(
        f"{prefix}/users/disable_mfa", json={"nickname": "alice"}, headers=boss.headers
    )
    assert (again.status_code, again.json()) == (200, "alice")
    assert await _log_count(db) == 1


async def test_disable_mfa_errors(client, factory, db):
    boss = await admin(factory)
    url = "/api/pleroma/admin/users/disable_mfa"
    missing = await client.put(url, json={"nickname": "ghost"}, headers=boss.headers)
    assert (missing.status_code, missing.json()) == (404, {"error": "Not found"})
    blank = await client.put(url, json={}, headers=boss.headers)
    assert blank.status_code == 422 and "nickname" in blank.json()["error"]
    assert await _log_count(db) == 0
