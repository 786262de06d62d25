"""Admin API: making one account follow / unfollow another (through the follow service:
federated, a request to a locked account), and reading an account's statuses (godmode,
reblogs, pages), checked through the Mastodon API, the stored follows, the deliveries and
the moderation log."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pyleroma.federation.delivery import DELIVER_JOB
from pyleroma.models import Job, ModerationLog
from pyleroma.models.relationship import FOLLOW_ACCEPTED, FOLLOW_PENDING
from tests.api.admin.helpers import PREFIXES, admin, log_messages, moderator
from tests.api.relationship_helpers import follow_row, remote_account


async def _log_count(db) -> int:
    async with db() as session:
        return await session.scalar(select(func.count(ModerationLog.id)))


async def _deliveries(db, type_: str) -> list[dict]:
    async with db() as session:
        jobs = (await session.scalars(select(Job).where(Job.kind == DELIVER_JOB))).all()
    return [j.args for j in jobs if j.args["activity"]["type"] == type_]


# --- follow / unfollow -----------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_follow_and_unfollow(client, factory, db, prefix):
    boss = await admin(factory)
    alice, bob = await factory.user("alice"), await factory.user("bob")
    body = {"follower": "alice", "followed": "bob"}
    followed = await client.post(f"{prefix}/users/follow", json=body, headers=boss.headers)
    assert (followed.status_code, followed.json()) == (200, "ok")
    relation = await client.get(
        "/api/v1/accounts/relationships", params={"id[]": bob.id}, headers=alice.headers
    )
    assert relation.json()[0]["following"] is True
    assert (await follow_row(db, alice.account.id, bob.account.id)).state == FOLLOW_ACCEPTED
    # bob was notified of his new follower, as for any follow.
    notes = await client.get("/api/v1/notifications", headers=bob.headers)
    assert [n["type"] for n in notes.json()] == ["follow"]

    unfollowed = await client.post(f"{prefix}/users/unfollow", json=body, headers=boss.headers)
    assert (unfollowed.status_code, unfollowed.json()) == (200, "ok")
    assert await follow_row(db, alice.account.id, bob.account.id) is None
    assert await log_messages(client, boss) == [
        "@boss made @alice unfollow @bob",
        "@boss made @alice follow @bob",
    ]
    entry = (await client.get("/api/pleroma/admin/moderation_log", headers=boss.headers)).json()[
        "items"
    ][0]["data"]
    assert entry["follower"]["nickname"] == "alice" and entry["followed"]["nickname"] == "bob"


async def test_follow_a_locked_and_a_remote_account(client, factory, db):
    boss = await admin(factory)
    alice = await factory.user("alice")
    shy = await factory.user("shy", locked=True)
    remote = await remote_account(db, "far", "far.example", inbox="http://127.0.0.1:9/inbox")
    url = "/api/pleroma/admin/users/follow"
    for followed in ("shy", "far@far.example"):
        response = await client.post(
            url, json={"follower": "alice", "followed": followed}, headers=boss.headers
        )
        assert response.status_code == 200, response.text
    # The locked account got a request to answer, as if alice had asked.
    requests = await client.get("/api/v1/follow_requests", headers=shy.headers)
    assert [a["acct"] for a in requests.json()] == ["alice"]
    relation = await client.get(
        "/api/v1/accounts/relationships", params={"id[]": shy.id}, headers=alice.headers
    )
    assert relation.json()[0]["requested"] is True
    # The remote one was sent the Follow, and answers it with its Accept.
    assert (await follow_row(db, alice.account.id, remote.id)).state == FOLLOW_PENDING
    [delivery] = await _deliveries(db, "Follow")
    assert delivery["inbox"] == remote.inbox
    assert delivery["activity"]["object"] == remote.ap_id


async def test_follow_refusals_change_nothing(client, factory, db):
    boss = await admin(factory)
    await factory.account("alice")
    await remote_account(db, "far", "far.example")
    url = "/api/pleroma/admin/users/follow"

    async def post(body, path=url):
        return await client.post(path, json=body, headers=boss.headers)

    missing = await post({"follower": "alice"})
    assert missing.status_code == 422 and "followed" in missing.json()["error"]
    unknown = await post({"follower": "alice", "followed": "ghost"})
    assert (unknown.status_code, unknown.json()) == (404, {"error": "Not found"})
    remote = await post({"follower": "far@far.example", "followed": "alice"})
    assert remote.status_code == 422 and "local" in remote.json()["error"]
    itself = await post({"follower": "alice", "followed": "alice"})
    assert itself.status_code == 400 and "error" in itself.json()
    not_unfollow = await post(
        {"follower": "ghost", "followed": "alice"}, url.replace("follow", "unfollow")
    )
    assert not_unfollow.status_code == 404
    assert await _log_count(db) == 0


async def test_follow_needs_an_admin_with_the_follows_scope(client, factory):
    mod = await moderator(factory)
    scoped = await factory.user("other", is_admin=True, scopes=["admin:write:accounts"])
    body = {"follower": "other", "followed": "modr"}
    refused = await client.post("/api/pleroma/admin/users/follow", json=body, headers=mod.headers)
    assert refused.json() == {"error": "User is not an admin."}
    unscoped = await client.post(
        "/api/pleroma/admin/users/follow", json=body, headers=scoped.headers
    )
    assert unscoped.json() == {"error": "Insufficient permissions: admin:write:follows."}


# --- statuses --------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_user_statuses_godmode_reblogs_and_pages(client, factory, prefix):
    boss = await admin(factory)
    alice, bob = await factory.user("alice"), await factory.user("bob")
    public = [await factory.status(alice.account, f"public {n}") for n in range(3)]
    await factory.status(alice.account, "unlisted", visibility="unlisted")
    private = await factory.status(alice.account, "private", visibility="private")
    await factory.status(alice.account, "@bob direct", visibility="direct")
    boosted = await client.post(f"/api/v1/statuses/{public[0].id}/reblog", headers=bob.headers)
    assert boosted.status_code == 200
    url = f"{prefix}/users/alice/statuses"

    async def listing(path=url, **query):
        response = await client.get(path, params=query, headers=boss.headers)
        assert response.status_code == 200, response.text
        return response.json()

    plain = await listing()
    assert plain["total"] == 4 and len(plain["activities"]) == 4
    assert {s["visibility"] for s in plain["activities"]} == {"public", "unlisted"}
    first = plain["activities"][0]
    assert first["account"]["nickname"] == "alice"
    assert first["account"]["roles"] == {"admin": False, "moderator": False}  # the admin view
    assert "email" in first["account"] and "acct" in first["account"]

    godmode = await listing(godmode="true")
    assert godmode["total"] == 6
    assert str(private.id) in [s["id"] for s in godmode["activities"]]

    page = await listing(page_size=2, page=2)
    assert page["total"] == 4 and len(page["activities"]) == 2
    assert [s["id"] for s in page["activities"]] == [s["id"] for s in plain["activities"][2:]]

    by_id = await listing(f"{prefix}/users/{bob.id}/statuses")
    assert by_id == {"total": 0, "activities": []}
    with_reblogs = await listing(f"{prefix}/users/bob/statuses", with_reblogs="true")
    assert with_reblogs["total"] == 1
    assert with_reblogs["activities"][0]["reblog"]["id"] == str(public[0].id)


async def test_user_statuses_errors(client, factory):
    boss = await admin(factory)
    mod = await moderator(factory)
    missing = await client.get("/api/pleroma/admin/users/ghost/statuses", headers=boss.headers)
    assert (missing.status_code, missing.json()) == (404, {"error": "Not found"})
    bad = await client.get(
        "/api/pleroma/admin/users/boss/statuses", params={"godmode": "maybe"}, headers=boss.headers
    )
    assert bad.status_code == 422 and "godmode" in bad.json()["error"]
    refused = await client.get("/api/pleroma/admin/users/boss/statuses", headers=mod.headers)
    assert refused.json() == {"error": "User isn't privileged."}


async def test_a_deactivated_accounts_statuses_are_listed(client, factory):
    boss = await admin(factory)
    alice = await factory.user("alice")
    await factory.status(alice.account, "before the suspension")
    await client.patch(
        "/api/pleroma/admin/users/deactivate", json={"nicknames": ["alice"]}, headers=boss.headers
    )
    listing = await client.get("/api/pleroma/admin/users/alice/statuses", headers=boss.headers)
    assert listing.json()["total"] == 1
    assert listing.json()["activities"][0]["account"]["is_active"] is False
