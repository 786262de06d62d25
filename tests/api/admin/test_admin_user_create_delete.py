"""Admin API: creating accounts in a batch (all or none) and deleting them (local ones by the
account deletion job, remote ones at once, the deprecated ``?nickname=`` form too), checked
through the admin views, logins, the stored rows and the moderation log."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pyleroma.federation.delivery import DELIVER_JOB
from pyleroma.models import Account, AccountTombstone, Follow, Job, ModerationLog, Status
from pyleroma.services.accounts.account_management import DELETE_ACCOUNT_JOB
from tests.api.admin.helpers import PREFIXES, admin, log_messages
from tests.api.oauth_helpers import password_grant, register_app
from tests.api.relationship_helpers import remote_account
from tests.api.timeline_helpers import drain, follow, remote_status

PASSWORD = "a long enough password"


def _user(nickname, email=None, password=PASSWORD) -> dict:
    return {"nickname": nickname, "email": email or f"{nickname}@example.org", "password": password}


async def _log_count(db) -> int:
    async with db() as session:
        return await session.scalar(select(func.count(ModerationLog.id)))


async def _count(db, model, *where) -> int:
    async with db() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def _show(client, staff, nickname):
    return await client.get(f"/api/pleroma/admin/users/{nickname}", headers=staff.headers)


# --- POST /users -----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_create_users_confirmed_and_approved(client, factory, prefix):
    boss = await admin(factory)
    response = await client.post(
        f"{prefix}/users",
        json={"users": [_user("lain"), _user("Lain2", "Lain2@Example.ORG")]},
        headers=boss.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json() == [
        {"type": "success", "code": 200, "data": {"nickname": "lain", "email": "lain@example.org"}},
        {
            "type": "success",
            "code": 200,
            "data": {"nickname": "Lain2", "email": "Lain2@example.org"},
        },
    ]
    shown = (await _show(client, boss, "lain")).json()
    assert (shown["is_confirmed"], shown["is_approved"], shown["local"]) == (True, True, True)
    assert shown["email"] == "lain@example.org"
    # The password given works at once.
    app = await register_app(client)
    login = await password_grant(client, app, "lain2", PASSWORD)
    assert login.status_code == 200, login.text
    assert await log_messages(client, boss) == ["@boss created users: @lain, @Lain2"]
    entry = (await client.get("/api/pleroma/admin/moderation_log", headers=boss.headers)).json()[
        "items"
    ][0]
    assert [s["nickname"] for s in entry["data"]["subjects"]] == ["lain", "Lain2"]


async def test_create_users_is_all_or_nothing(client, factory, db):
    boss = await admin(factory)
    await factory.account("taken", email="used@example.org")
    batch = [
        _user("newuser"),
        _user("lain", "USED@example.org"),
        _user("TAKEN"),
        _user("twin", "twin@example.org"),
        _user("twin", "other@example.org"),
        _user("short", password="short"),
        _user("bad name"),
    ]
    response = await client.post(
        "/api/pleroma/admin/users", json={"users": batch}, headers=boss.headers
    )
    assert response.status_code == 409, response.text
    items = response.json()
    assert [i["type"] for i in items] == ["error"] * len(batch)
    assert {i["code"] for i in items} == {409}
    assert [i["data"] for i in items] == [
        {"nickname": u["nickname"], "email": u["email"]} for u in batch
    ]
    errors = [i["error"] for i in items]
    assert errors[:5] == [
        "",
        "email has already been taken",
        "nickname has already been taken",
        "",
        "nickname has already been taken",
    ]
    assert "too short" in errors[5] and "invalid format" in errors[6]
    for nickname in ("newuser", "lain", "twin", "short"):
        assert (await _show(client, boss, nickname)).status_code == 404
    assert await _log_count(db) == 0


async def test_create_users_bad_requests(client, factory, db):
    boss = await admin(factory)
    url = "/api/pleroma/admin/users"
    for body in (
        {},
        {"users": []},
        {"users": ["lain"]},
        {"users": [_user(f"u{n}") for n in range(101)]},
    ):
        response = await client.post(url, json=body, headers=boss.headers)
        assert response.status_code == 422, (body, response.text)
        assert "error" in response.json()
    assert await _count(db, Account) == 1 and await _log_count(db) == 0


# --- DELETE /users ---------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_delete_local_users(client, factory, db, app, prefix):
    boss = await admin(factory)
    alice, bob = await factory.user("alice"), await factory.user("bob")
    await factory.status(alice.account, "soon gone")
    await follow(client, bob, alice.account)
    response = await client.request(
        "DELETE",
        f"{prefix}/users",
        json={"nicknames": ["alice", "nobody"]},
        headers=boss.headers,
    )
    assert (response.status_code, response.json()) == (200, ["alice"])
    # At once: deactivated and signed out; the deletion job is queued.
    assert (await _show(client, boss, "alice")).json()["is_active"] is False
    me = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    assert me.status_code == 401
    assert await _count(db, Job, Job.kind == DELETE_ACCOUNT_JOB) == 1
    assert await log_messages(client, boss) == ["@boss deleted users: @alice"]

    await drain(app)
    assert (await _show(client, boss, "alice")).status_code == 404
    assert await _count(db, Status, Status.account_id == alice.account.id) == 0
    assert await _count(db, AccountTombstone, AccountTombstone.nickname_key == "alice") == 1
    bob_seen = await client.get(f"/api/v1/accounts/{bob.id}", headers=bob.headers)
    assert bob_seen.json()["following_count"] == 0


async def test_delete_with_the_deprecated_nickname_parameter(client, factory):
    boss = await admin(factory)
    await factory.account("carol")
    response = await client.delete(
        "/api/v1/pleroma/admin/users", params={"nickname": "carol"}, headers=boss.headers
    )
    assert (response.status_code, response.json()) == (200, ["carol"])
    assert (await _show(client, boss, "carol")).json()["is_active"] is False
    assert await log_messages(client, boss) == ["@boss deleted users: @carol"]


async def test_delete_a_remote_account_removes_its_content(client, factory, db):
    boss = await admin(factory)
    alice = await factory.user("alice")
    remote = await remote_account(
        db, "spammer", "spam.example", inbox="http://127.0.0.1:9/users/spammer/inbox"
    )
    await remote_status(db, remote, "buy now")
    await follow(client, alice, remote)
    assert await _count(db, Follow, Follow.followed_id == remote.id) == 1

    response = await client.request(
        "DELETE",
        "/api/pleroma/admin/users",
        json={"nicknames": ["spammer@spam.example"]},
        headers=boss.headers,
    )
    assert (response.status_code, response.json()) == (200, ["spammer@spam.example"])
    shown = (await _show(client, boss, "spammer@spam.example")).json()
    assert shown["is_active"] is False and shown["local"] is False
    assert await _count(db, Status, Status.account_id == remote.id) == 0
    assert await _count(db, Follow, Follow.followed_id == remote.id) == 0
    # alice's server told the remote one she no longer follows it.
    async with db() as session:
        jobs = (await session.scalars(select(Job).where(Job.kind == DELIVER_JOB))).all()
    undos = [j.args["activity"] for j in jobs if j.args["activity"]["type"] == "Undo"]
    assert [u["object"]["object"] for u in undos] == [remote.ap_id]
    assert await log_messages(client, boss) == ["@boss deleted users: @spammer@spam.example"]


async def test_delete_refusals(client, factory, db):
    boss = await admin(factory)
    url = "/api/pleroma/admin/users"
    own = await client.request("DELETE", url, json={"nicknames": ["boss"]}, headers=boss.headers)
    assert own.status_code == 403 and "own account" in own.json()["error"]
    assert (await _show(client, boss, "boss")).json()["is_active"] is True
    blank = await client.request("DELETE", url, json={}, headers=boss.headers)
    assert blank.status_code == 422 and "error" in blank.json()
    unknown = await client.request(
        "DELETE", url, json={"nicknames": ["ghost"]}, headers=boss.headers
    )
    assert (unknown.status_code, unknown.json()) == (200, [])
    assert await _log_count(db) == 0
