"""Admin API users routes: list with filters, show, (de)activation, tags, permission groups,
each checked through the stored account and the moderation log."""

from __future__ import annotations

import pytest

from pyleroma.models import Account, ModerationLog
from tests.api.admin.helpers import PREFIXES, admin, log_messages


async def _account(db, account_id) -> Account:
    async with db() as session:
        return await session.get(Account, account_id)


async def _log_count(db) -> int:
    from sqlalchemy import func, select

    async with db() as session:
        return (await session.execute(select(func.count(ModerationLog.id)))).scalar_one()


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_list_users_with_filters_and_paging(client, factory, prefix):
    boss = await admin(factory)
    await factory.account("bob", display_name="Bobby", tags=["spam"])
    await factory.account("carol", is_active=False, email="carol@mail.test")
    await factory.account("dave", is_approved=False)
    url = f"{prefix}/users"

    async def nicknames(**query):
        response = await client.get(url, params=query, headers=boss.headers)
        assert response.status_code == 200, response.text
        return [u["nickname"] for u in response.json()["users"]], response.json()

    names, body = await nicknames()
    assert names == ["bob", "boss", "carol", "dave"]
    assert (body["count"], body["page_size"]) == (4, 50)
    bob = body["users"][0]
    assert bob["display_name"] == "Bobby" and bob["tags"] == ["spam"]
    assert bob["roles"] == {"admin": False, "moderator": False}
    assert bob["is_active"] and bob["local"] and bob["avatar"].startswith("http")
    assert set(bob) >= {"id", "email", "is_confirmed", "is_approved", "url", "created_at"}

    assert (await nicknames(filters="deactivated"))[0] == ["carol"]
    assert (await nicknames(filters="need_approval"))[0] == ["dave"]
    assert (await nicknames(filters="is_admin,local"))[0] == ["boss"]
    assert (await nicknames(filters="external"))[0] == []
    assert (await nicknames(query="bob"))[0] == ["bob"]
    assert (await nicknames(name="bobby"))[0] == ["bob"]
    assert (await nicknames(email="mail.test"))[0] == ["carol"]
    assert (await nicknames(**{"tags[]": "spam"}))[0] == ["bob"]
    names, body = await nicknames(page=2, page_size=3)
    assert names == ["dave"] and body["count"] == 4 and body["page_size"] == 3

    bad = await client.get(url, params={"page": "x"}, headers=boss.headers)
    assert bad.status_code == 422 and "error" in bad.json()


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_show_user_by_nickname_or_id(client, factory, prefix):
    boss = await admin(factory)
    bob = await factory.account("bob")
    by_name = await client.get(f"{prefix}/users/bob", headers=boss.headers)
    by_id = await client.get(f"{prefix}/users/{bob.id}", headers=boss.headers)
    assert by_name.status_code == by_id.status_code == 200
    assert by_name.json() == by_id.json()
    assert by_name.json()["id"] == str(bob.id)
    missing = await client.get(f"{prefix}/users/nobody", headers=boss.headers)
    assert (missing.status_code, missing.json()) == (404, {"error": "Not found"})


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_deactivate_activate_and_toggle(client, factory, db, prefix):
    boss = await admin(factory)
    bob = await factory.user("bob")
    off = await client.patch(
        f"{prefix}/users/deactivate", json={"nicknames": ["bob", "nobody"]}, headers=boss.headers
    )
    assert off.status_code == 200
    assert [(u["nickname"], u["is_active"]) for u in off.json()["users"]] == [("bob", False)]
    assert not (await _account(db, bob.account.id)).is_active
    # the deactivated account's token no longer works
    assert (
        await client.get("/api/v1/accounts/verify_credentials", headers=bob.headers)
    ).status_code == 403

    on = await client.patch(
        f"{prefix}/users/activate", json={"nicknames": ["bob"]}, headers=boss.headers
    )
    assert on.json()["users"][0]["is_active"] is True
    toggled = await client.patch(f"{prefix}/users/bob/toggle_activation", headers=boss.headers)
    assert toggled.status_code == 200 and toggled.json()["is_active"] is False
    assert not (await _account(db, bob.account.id)).is_active

    assert (
        await log_messages(client, boss)
        == [
            "@boss deactivated users: @bob",
            "@boss activated users: @bob",
            "@boss deactivated users: @bob",
        ][::-1]
    )

    before = await _log_count(db)
    missing = await client.patch(f"{prefix}/users/nobody/toggle_activation", headers=boss.headers)
    assert missing.status_code == 404
    blank = await client.patch(f"{prefix}/users/activate", json={}, headers=boss.headers)
    assert blank.status_code == 422 and "error" in blank.json()
    assert await _log_count(db) == before


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_tag_and_untag(client, factory, db, prefix):
    boss = await admin(factory)
    bob = await factory.account("bob")
    carol = await factory.account("carol", tags=["old"])
    body = {"nicknames": ["bob", "carol"], "tags": ["foo", "bar"]}
    tagged = await client.put(f"{prefix}/users/tag", json=body, headers=boss.headers)
    assert tagged.status_code == 200
    assert (await _account(db, bob.id)).tags == ["foo", "bar"]
    assert (await _account(db, carol.id)).tags == ["old", "foo", "bar"]
    untag = {"nicknames": ["carol"], "tags": ["foo"]}
    untagged = await client.request(
        "DELETE", f"{prefix}/users/tag", json=untag, headers=boss.headers
    )
    assert untagged.status_code == 200
    assert (await _account(db, carol.id)).tags == ["old", "bar"]
    assert await log_messages(client, boss) == [
        "@boss removed tags: foo from users: @carol",
        "@boss added tags: foo, bar to users: @bob, @carol",
    ]
    no_tags = await client.put(
        f"{prefix}/users/tag", json={"nicknames": ["bob"]}, headers=boss.headers
    )
    assert no_tags.status_code == 422


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_permission_groups(client, factory, db, prefix):
    boss = await admin(factory)
    bob = await factory.account("bob")
    added = await client.post(
        f"{prefix}/users/permission_group/moderator",
        json={"nicknames": ["bob"]},
        headers=boss.headers,
    )
    assert (added.status_code, added.json()) == (200, {"is_moderator": True})
    assert (await _account(db, bob.id)).is_moderator
    groups = await client.get(f"{prefix}/users/bob/permission_group", headers=boss.headers)
    assert groups.json() == {"is_admin": False, "is_moderator": True}

    removed = await client.request(
        "DELETE",
        f"{prefix}/users/permission_group/moderator",
        json={"nicknames": ["bob"]},
        headers=boss.headers,
    )
    assert (removed.status_code, removed.json()) == (200, {"is_moderator": False})
    assert not (await _account(db, bob.id)).is_moderator

    before = await _log_count(db)
    own = await client.request(
        "DELETE",
        f"{prefix}/users/permission_group/admin",
        json={"nicknames": ["boss"]},
        headers=boss.headers,
    )
    assert own.status_code == 403 and "error" in own.json()
    assert (await _account(db, boss.account.id)).is_admin
    unknown = await client.post(
        f"{prefix}/users/permission_group/root", json={"nicknames": ["bob"]}, headers=boss.headers
    )
    assert unknown.status_code == 404
    assert await _log_count(db) == before
    assert await log_messages(client, boss) == [
        "@boss revoked moderator role from @bob",
        "@boss made @bob moderator",
    ]
