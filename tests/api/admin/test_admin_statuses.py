"""Admin API statuses routes: the listing (godmode, local_only, with_reblogs, pages), show,
the visibility / sensitive change and the deletion, each checked through the Mastodon API,
the stored rows and the moderation log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.db.ids import new_id
from pyleroma.federation.delivery import DELIVER_JOB
from pyleroma.models import Follow, Job, ModerationLog
from tests.api.admin.helpers import PREFIXES, admin, log_messages, moderator
from tests.api.relationship_helpers import remote_account
from tests.api.timeline_helpers import remote_status


async def _world(client, factory, db):
    """boss (admin), bob's public / unlisted / private / direct posts, a remote public
    post and carol's reblog of bob's public post, oldest first."""
    boss = await admin(factory)
    bob = await factory.user("bob")
    carol = await factory.user("carol")
    eve = await remote_account(db, "eve", "remote.example")
    posts = {
        "public": await factory.status(bob.account, "public post"),
        "unlisted": await factory.status(bob.account, "unlisted", visibility="unlisted"),
        "private": await factory.status(bob.account, "private", visibility="private"),
        "direct": await factory.status(bob.account, "@boss psst", visibility="direct"),
    }
    posts["remote"] = await remote_status(db, eve, "from afar")
    reblog = await client.post(
        f"/api/v1/statuses/{posts['public'].id}/reblog", headers=carol.headers
    )
    assert reblog.status_code == 200, reblog.text
    posts["reblog"] = reblog.json()["id"]
    return boss, bob, carol, eve, posts


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_list_statuses_as_pleroma_filters_them(client, factory, db, prefix):
    boss, bob, _, eve, posts = await _world(client, factory, db)
    url = f"{prefix}/statuses"

    async def ids(**query):
        response = await client.get(url, params=query, headers=boss.headers)
        assert response.status_code == 200, response.text
        assert isinstance(response.json(), list)
        return [s["id"] for s in response.json()], response.json()

    def sid(key):
        return str(posts[key].id)

    listed, body = await ids()
    assert listed == [sid("remote"), sid("unlisted"), sid("public")]  # newest first
    account = body[-1]["account"]
    # Pleroma's merge_account_views: the Mastodon account with the admin fields over it.
    assert account["username"] == "bob" and account["acct"] == "bob"
    assert account["nickname"] == "bob" and account["is_active"] is True
    assert account["roles"] == {"admin": False, "moderator": False}
    assert account["email"] == "bob@example.com" and "is_confirmed" in account
    assert body[0]["account"]["local"] is False and body[0]["account"]["id"] == str(eve.id)
    assert body[-1]["content"] and body[-1]["visibility"] == "public"

    godmode, _ = await ids(godmode="true")
    assert godmode == [sid("remote"), sid("direct"), sid("private"), sid("unlisted"), sid("public")]
    local, _ = await ids(local_only="true")
    assert local == [sid("unlisted"), sid("public")]
    with_reblogs, body = await ids(with_reblogs="true")
    assert with_reblogs == [posts["reblog"], sid("remote"), sid("unlisted"), sid("public")]
    assert body[0]["reblog"]["id"] == sid("public")
    assert body[0]["account"]["nickname"] == "carol"
    paged, _ = await ids(godmode="true", page=2, page_size=2)
    assert paged == [sid("private"), sid("unlisted")]
    assert (await ids(page=9))[0] == []

    bad = await client.get(url, params={"page": "x"}, headers=boss.headers)
    assert bad.status_code == 422 and "error" in bad.json()
    bad = await client.get(url, params={"godmode": "maybe"}, headers=boss.headers)
    assert bad.status_code == 422 and "godmode" in bad.json()["error"]


async def test_show_any_status_with_the_admin_account_view(client, factory, db):
    boss, bob, _, _, posts = await _world(client, factory, db)
    direct = posts["direct"]
    response = await client.get(f"/api/pleroma/admin/statuses/{direct.id}", headers=boss.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == str(direct.id) and body["visibility"] == "direct"
    assert body["account"]["id"] == bob.id and body["account"]["nickname"] == "bob"
    assert body["account"]["is_confirmed"] is bob.account.is_confirmed
    for missing in ("not_found", "123", str(new_id())):
        response = await client.get(f"/api/pleroma/admin/statuses/{missing}", headers=boss.headers)
        assert (response.status_code, response.json()) == (404, {"error": "Not found"})


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_update_sensitive_and_visibility(client, factory, db, prefix):
    boss = await admin(factory)
    bob = await factory.user("bob")
    status = await factory.status(bob.account, "hello")
    url = f"{prefix}/statuses/{status.id}"
    mastodon = f"/api/v1/statuses/{status.id}"

    response = await client.put(url, json={"sensitive": "true"}, headers=boss.headers)
    assert response.status_code == 200, response.text
    assert response.json()["sensitive"] is True and response.json()["id"] == str(status.id)
    assert "nickname" not in response.json()["account"]  # the plain Mastodon entity
    assert (await client.get(mastodon, headers=bob.headers)).json()["sensitive"] is True

    response = await client.put(url, json={"visibility": "private"}, headers=boss.headers)
    assert response.json()["visibility"] == "private"
    assert (await client.get(mastodon, headers=bob.headers)).json()["visibility"] == "private"
    assert (await client.get(mastodon)).status_code == 404  # strangers no longer see it

    response = await client.put(
        url, data={"visibility": "unlisted", "sensitive": "false"}, headers=boss.headers
    )
    seen = (await client.get(mastodon)).json()
    assert (seen["visibility"], seen["sensitive"]) == ("unlisted", False)

    messages = await log_messages(client, boss)
    assert messages[:3] == [
        f"@boss updated status #{status.id}, set sensitive: 'false', visibility: 'unlisted'",
        f"@boss updated status #{status.id}, set visibility: 'private'",
        f"@boss updated status #{status.id}, set sensitive: 'true'",
    ]
    async with db() as session:
        entry = (
            await session.scalars(select(ModerationLog).order_by(ModerationLog.id.desc()))
        ).first()
    assert entry.data["subject"] == {"type": "status", "id": str(status.id)}
    assert entry.data["action"] == "status_update"


async def test_update_refusals_change_and_log_nothing(client, factory, db):
    boss = await admin(factory)
    bob = await factory.user("bob")
    status = await factory.status(bob.account, "hello")
    url = f"/api/pleroma/admin/statuses/{status.id}"
    cases = [
        ({"visibility": "test"}, 400, "test - Invalid value for enum."),
        ({"visibility": "direct"}, 400, "Unsupported visibility"),
        ({"visibility": "public", "sensitive": "maybe"}, 400, "maybe - Invalid boolean."),
    ]
    for body, code, error in cases:
        response = await client.put(url, json=body, headers=boss.headers)
        assert (response.status_code, response.json()) == (code, {"error": error})
    missing = await client.put(
        f"/api/pleroma/admin/statuses/{new_id()}", json={"sensitive": True}, headers=boss.headers
    )
    assert (missing.status_code, missing.json()) == (404, {"error": "Not found"})
    nothing = await client.put(url, json={}, headers=boss.headers)
    assert nothing.status_code == 200 and nothing.json()["visibility"] == "public"
    seen = (await client.get(f"/api/v1/statuses/{status.id}")).json()
    assert (seen["visibility"], seen["sensitive"]) == ("public", False)
    assert await log_messages(client, boss) == []


async def test_moderators_update_and_delete(client, factory):
    mod = await moderator(factory)
    bob = await factory.user("bob")
    status = await factory.status(bob.account, "hello")
    url = f"/api/v1/pleroma/admin/statuses/{status.id}"
    response = await client.put(url, json={"sensitive": True}, headers=mod.headers)
    assert response.status_code == 200 and response.json()["sensitive"] is True
    assert (await client.delete(url, headers=mod.headers)).status_code == 200
    assert (await client.get(f"/api/v1/statuses/{status.id}")).status_code == 404
    refused = await client.get(url, headers=mod.headers)  # reading needs messages_read
    assert (refused.status_code, refused.json()) == (403, {"error": "User isn't privileged."})


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_delete_is_the_federated_deletion_and_is_logged(client, factory, db, prefix):
    boss = await admin(factory)
    bob = await factory.user("bob")
    follower = await remote_account(db, "fan", "remote.example", inbox="https://remote.example/in")
    async with db() as session:
        session.add(Follow(id=new_id(), follower_id=follower.id, followed_id=bob.account.id))
        await session.commit()
    status = await factory.status(bob.account, "to delete")
    url = f"{prefix}/statuses/{status.id}"

    response = await client.delete(url, headers=boss.headers)
    assert (response.status_code, response.json()) == (200, {})
    assert (await client.get(f"/api/v1/statuses/{status.id}")).status_code == 404
    assert (await client.get(url, headers=boss.headers)).status_code == 404
    async with db() as session:
        jobs = list(await session.scalars(select(Job).where(Job.kind == DELIVER_JOB)))
    deletes = [j.args for j in jobs if j.args["activity"].get("type") == "Delete"]
    assert [d["inbox"] for d in deletes] == ["https://remote.example/in"]
    assert deletes[0]["activity"]["actor"] == bob.account.ap_id  # the author's Delete
    assert await log_messages(client, boss) == [f"@boss deleted status #{status.id}"]
    async with db() as session:
        entry = (await session.scalars(select(ModerationLog))).one()
    assert entry.data["subject_id"] == str(status.id)

    again = await client.delete(url, headers=boss.headers)
    assert (again.status_code, again.json()) == (404, {"error": "Not found"})
    assert len(await log_messages(client, boss)) == 1


async def test_a_reblog_is_not_deleted_here(client, factory, db):
    boss, bob, carol, _, posts = await _world(client, factory, db)
    url = f"/api/pleroma/admin/statuses/{posts['reblog']}"
    assert (await client.delete(url, headers=boss.headers)).status_code == 404
    assert (
        await client.put(url, json={"sensitive": True}, headers=boss.headers)
    ).status_code == 404
    shown = await client.get(url, headers=boss.headers)  # but shown, as any status
    assert shown.status_code == 200 and shown.json()["reblog"]["id"] == str(posts["public"].id)
    assert await log_messages(client, boss) == []
