"""Admin API: staff follow suggestions (shown by /api/v2/suggestions), backups made for an
account (built, mailed to its owner, no per-account limit), and the deprecated per-user
permission group routes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pyleroma.models import ModerationLog
from tests.api.admin.helpers import PREFIXES, admin, log_messages, moderator
from tests.api.relationship_helpers import remote_account
from tests.api.timeline_helpers import drain
from tests.mail_server import mailer_settings, text_of


@pytest.fixture
def settings_overrides(smtp_inbox):
    return mailer_settings(smtp_inbox)


async def _log_count(db) -> int:
    async with db() as session:
        return await session.scalar(select(func.count(ModerationLog.id)))


# --- suggestions -----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_suggest_and_unsuggest(client, factory, prefix):
    boss = await admin(factory)
    viewer = await factory.user("viewer")
    await factory.account("star")
    await factory.account("quiet")

    async def suggested() -> list[str]:
        response = await client.get("/api/v2/suggestions", headers=viewer.headers)
        assert response.status_code == 200, response.text
        return [s["account"]["acct"] for s in response.json() if s["source"] == "staff"]

    assert await suggested() == []
    response = await client.patch(
        f"{prefix}/users/suggest", json={"nicknames": ["star", "ghost"]}, headers=boss.headers
    )
    assert response.status_code == 200, response.text
    [user] = response.json()["users"]
    assert (user["nickname"], user["is_suggested"]) == ("star", True)
    assert await suggested() == ["star"]
    shown = await client.get(f"{prefix}/users/star", headers=boss.headers)
    assert shown.json()["is_suggested"] is True

    response = await client.patch(
        f"{prefix}/users/unsuggest", json={"nicknames": ["star"]}, headers=boss.headers
    )
    assert response.json()["users"][0]["is_suggested"] is False
    assert await suggested() == []
    assert await log_messages(client, boss) == [
        "@boss removed suggested users: @star",
        "@boss added suggested users: @star",
    ]


async def test_suggest_errors(client, factory, db):
    boss = await admin(factory)
    mod = await moderator(factory)
    blank = await client.patch("/api/pleroma/admin/users/suggest", json={}, headers=boss.headers)
    assert blank.status_code == 422 and "nicknames" in blank.json()["error"]
    refused = await client.patch(
        "/api/pleroma/admin/users/suggest", json={"nicknames": ["boss"]}, headers=mod.headers
    )
    assert refused.json() == {"error": "User is not an admin."}
    assert await _log_count(db) == 0


# --- backups ---------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_backup_for_a_user_is_built_and_mailed(client, factory, app, smtp_inbox, prefix):
    boss = await admin(factory)
    alice = await factory.user("alice")
    await factory.status(alice.account, "keep me")
    for _ in range(2):  # the owner's one-per-days limit does not apply to staff
        response = await client.post(
            f"{prefix}/backups", json={"nickname": "alice"}, headers=boss.headers
        )
        assert (response.status_code, response.json()) == (200, "")
    await drain(app)
    listed = await client.get("/api/v1/pleroma/backups", headers=alice.headers)
    assert [b["processed"] for b in listed.json()] == [True]  # the newest kept, as Pleroma
    assert any("alice" in m["To"] for m in smtp_inbox.messages)
    # the two jobs may finish in either order: the kept archive's link is in one of the mails
    assert any(listed.json()[0]["url"] in text_of(m) for m in smtp_inbox.messages)
    assert await log_messages(client, boss) == [
        "@boss requested account backup for @alice",
        "@boss requested account backup for @alice",
    ]
    entry = (await client.get("/api/pleroma/admin/moderation_log", headers=boss.headers)).json()[
        "items"
    ][0]["data"]
    assert entry["subject"] == {"id": alice.id, "nickname": "alice", "type": "user"}


async def test_backup_errors(client, factory, db):
    boss = await admin(factory)
    await remote_account(db, "far", "far.example")
    url = "/api/pleroma/admin/backups"
    missing = await client.post(url, json={"nickname": "ghost"}, headers=boss.headers)
    assert (missing.status_code, missing.json()) == (404, {"error": "Not found"})
    remote = await client.post(url, json={"nickname": "far@far.example"}, headers=boss.headers)
    assert remote.status_code == 422 and "local" in remote.json()["error"]
    blank = await client.post(url, json={}, headers=boss.headers)
    assert blank.status_code == 422
    read_only = await factory.user("reader", is_admin=True, scopes=["admin:read:accounts"])
    allowed = await client.post(url, json={"nickname": "boss"}, headers=read_only.headers)
    assert allowed.status_code == 200  # Pleroma's scope for it
    assert await _log_count(db) == 1


# --- the deprecated per-user permission group routes -----------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_deprecated_permission_group_routes(client, factory, prefix):
    boss = await admin(factory)
    await factory.account("bob")
    url = f"{prefix}/users/bob/permission_group/moderator"
    shown = await client.get(url, headers=boss.headers)
    assert shown.json() == {"is_admin": False, "is_moderator": False}
    added = await client.post(url, headers=boss.headers)
    assert (added.status_code, added.json()) == (200, {"is_moderator": True})
    shown = await client.get(f"{prefix}/users/bob/permission_group/admin", headers=boss.headers)
    assert shown.json() == {"is_admin": False, "is_moderator": True}
    removed = await client.delete(url, headers=boss.headers)
    assert (removed.status_code, removed.json()) == (200, {"is_moderator": False})
    groups = await client.get(f"{prefix}/users/bob/permission_group", headers=boss.headers)
    assert groups.json() == {"is_admin": False, "is_moderator": False}
    assert await log_messages(client, boss) == [
        "@boss revoked moderator role from @bob",
        "@boss made @bob moderator",
    ]


async def test_deprecated_permission_group_refusals(client, factory, db):
    boss = await admin(factory)
    mod = await moderator(factory)
    await factory.account("bob")
    base = "/api/pleroma/admin/users"
    own = await client.delete(f"{base}/boss/permission_group/admin", headers=boss.headers)
    assert own.status_code == 403 and "own" in own.json()["error"]
    shown = await client.get(f"{base}/boss/permission_group", headers=boss.headers)
    assert shown.json()["is_admin"] is True
    unknown_group = await client.post(f"{base}/bob/permission_group/root", headers=boss.headers)
    assert unknown_group.status_code == 404
    read_unknown = await client.get(f"{base}/bob/permission_group/root", headers=boss.headers)
    assert read_unknown.status_code == 404
    unknown_user = await client.post(f"{base}/ghost/permission_group/admin", headers=boss.headers)
    assert (unknown_user.status_code, unknown_user.json()) == (404, {"error": "Not found"})
    by_mod = await client.post(f"{base}/bob/permission_group/moderator", headers=mod.headers)
    assert by_mod.json() == {"error": "User is not an admin."}
    assert await _log_count(db) == 0
