"""Admin API instances routes: an instance's statuses, deleting a remote instance (its
accounts deactivated at once, their content removed by the job, round by round), and the
status counts of GET /stats."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

import pyleroma.jobs.instance_purge_jobs  # noqa: F401  (registers the job kind for drain)
from pyleroma.db.ids import new_id
from pyleroma.federation.delivery import DELIVER_JOB
from pyleroma.models import Account, Favourite, Follow, Job, Status
from pyleroma.services.instance import instance_purge
from tests.api.admin.helpers import PREFIXES, admin, moderator
from tests.api.relationship_helpers import remote_account
from tests.api.timeline_helpers import drain, remote_status


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_instance_statuses_with_total(client, factory, db, prefix):
    boss = await admin(factory)
    archae = await remote_account(db, "archaeme", "archae.me")
    tester = await remote_account(db, "test", "test.com")
    first = await remote_status(db, archae, "one")
    second = await remote_status(db, archae, "two")
    hidden = await remote_status(db, archae, "followers", visibility="private")
    other = await remote_status(db, tester, "elsewhere")
    bob = await factory.user("bob")
    local = await factory.status(bob.account, "at home")

    async def get(instance, **query):
        response = await client.get(
            f"{prefix}/instances/{instance}/statuses", params=query, headers=boss.headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        return body["total"], [s["id"] for s in body["activities"]], body

    total, ids, body = await get("archae.me")
    assert (total, ids) == (2, [str(second.id), str(first.id)])
    assert body["activities"][0]["account"]["nickname"] == "archaeme@archae.me"
    assert body["activities"][0]["account"]["local"] is False  # the admin account view
    assert (await get("test.com"))[:2] == (1, [str(other.id)])
    assert (await get("nonexistent.com"))[:2] == (0, [])
    assert (await get("ARCHAE.ME", godmode="true"))[:2] == (
        3,
        [str(hidden.id), str(second.id), str(first.id)],
    )
    assert (await get("archae.me", page=2, page_size=1))[:2] == (2, [str(first.id)])
    assert (await get("test"))[:2] == (0, [])  # the host exactly, not a part of it
    # Our own domain: the local statuses.
    assert (await get(factory.settings.domain))[:2] == (1, [str(local.id)])

    # A reblog by an archae.me account is that instance's, shown with with_reblogs.
    async with db() as session:
        session.add(
            Status(
                id=new_id(),
                account_id=archae.id,
                local=False,
                uri=f"https://archae.me/activities/{new_id()}",
                reblog_of_id=other.id,
            )
        )
        await session.commit()
    assert (await get("archae.me"))[0] == 2
    total, ids, body = await get("archae.me", with_reblogs="true")
    assert total == 3 and body["activities"][0]["reblog"]["id"] == str(other.id)

    bad = await client.get(
        f"{prefix}/instances/archae.me/statuses", params={"page": "0"}, headers=boss.headers
    )
    assert bad.status_code == 422


async def _count(db, model, *where) -> int:
    async with db() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_delete_instance_deactivates_at_once_and_purges_in_a_job(
    client, factory, db, app, prefix, monkeypatch
):
    monkeypatch.setattr(instance_purge, "BATCH", 2)  # several rounds per account
    boss = await admin(factory)
    bob = await factory.user("bob")
    lain = await remote_account(db, "lain", "lain.com", inbox="https://lain.com/users/lain/in")
    wired = await remote_account(db, "wired", "lain.com")
    keeper = await remote_account(db, "keeper", "other.example")
    posts = [await remote_status(db, lain, f"post {n}") for n in range(5)]
    await remote_status(db, wired, "wired post")
    kept = await remote_status(db, keeper, "stays")
    mine = await factory.status(bob.account, "liked by lain")
    async with db() as session:
        session.add_all(
            [
                Follow(id=new_id(), follower_id=bob.account.id, followed_id=lain.id),
                Follow(id=new_id(), follower_id=lain.id, followed_id=bob.account.id),
                Favourite(id=new_id(), account_id=lain.id, status_id=mine.id),
            ]
        )
        (await session.get(Status, mine.id)).favourites_count = 1
        await session.commit()

    response = await client.delete(f"{prefix}/instances/LAIN.com", headers=boss.headers)
    assert (response.status_code, response.json()) == (200, "lain.com")
    # At once: the accounts are deactivated, so their posts are hidden everywhere.
    shown = await client.get(f"/api/pleroma/admin/users/{lain.id}", headers=boss.headers)
    assert shown.json()["is_active"] is False
    assert (await client.get(f"/api/v1/statuses/{posts[0].id}")).status_code == 404
    assert await _count(db, Job, Job.kind == instance_purge.PURGE_JOB) == 1

    await drain(app)
    assert await _count(db, Status, Status.account_id.in_([lain.id, wired.id])) == 0
    assert await _count(db, Status, Status.id == kept.id) == 1
    for account in (lain, wired):
        async with db() as session:
            row = await session.get(Account, account.id)
        assert row is not None and row.is_active is False and row.statuses_count == 0
    async with db() as session:
        assert (await session.get(Account, keeper.id)).is_active is True
    assert await _count(db, Follow, Follow.followed_id == lain.id) == 0
    assert await _count(db, Follow, Follow.follower_id == lain.id) == 0
    assert (await client.get(f"/api/v1/statuses/{mine.id}")).json()["favourites_count"] == 0
    # bob's follow was undone the federated way: an Undo went to lain's server.
    async with db() as session:
        jobs = list(await session.scalars(select(Job).where(Job.kind == DELIVER_JOB)))
    undos = [j.args for j in jobs if j.args["activity"].get("type") == "Undo"]
    assert [u["inbox"] for u in undos] == ["https://lain.com/users/lain/in"]
    assert undos[0]["activity"]["actor"] == bob.account.ap_id

    # Again: nothing left to remove, no harm done.
    again = await client.delete(f"{prefix}/instances/lain.com", headers=boss.headers)
    assert again.status_code == 200
    await drain(app)
    assert await _count(db, Account, Account.domain == "lain.com") == 2


async def test_delete_instance_refusals(client, factory):
    boss = await admin(factory)
    mod = await moderator(factory)
    own = await client.delete(
        f"/api/pleroma/admin/instances/{factory.settings.domain}", headers=boss.headers
    )
    assert own.status_code == 422 and "error" in own.json()
    refused = await client.delete("/api/pleroma/admin/instances/x.example", headers=mod.headers)
    assert (refused.status_code, refused.json()) == (403, {"error": "User isn't privileged."})
    nothing = await client.delete("/api/pleroma/admin/instances/x.example", headers=boss.headers)
    assert (nothing.status_code, nothing.json()) == (200, "x.example")


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_stats_count_posts_by_visibility(client, factory, db, prefix):
    boss = await admin(factory)
    bob = await factory.user("bob")
    carol = await factory.user("carol")
    public = await factory.status(bob.account, "hey")
    await factory.status(bob.account, "hey", visibility="unlisted")
    await factory.status(bob.account, "hey", visibility="unlisted")
    await factory.status(bob.account, "@carol hey", visibility="direct")
    await factory.status(bob.account, "here only", visibility="local")
    reblog = await client.post(f"/api/v1/statuses/{public.id}/reblog", headers=carol.headers)
    assert reblog.status_code == 200
    remote = await remote_account(db, "actor", "instance2.tld")
    await remote_status(db, remote, "hey", visibility="unlisted")
    await remote_status(db, remote, "hey", visibility="private")

    async def get(**query):
        response = await client.get(f"{prefix}/stats", params=query, headers=boss.headers)
        assert response.status_code == 200, response.text
        return response.json()["status_visibility"]

    assert await get() == {"public": 1, "unlisted": 3, "private": 1, "direct": 1}
    assert await get(instance="instance2.tld") == {
        "public": 0,
        "unlisted": 1,
        "private": 1,
        "direct": 0,
    }
    assert await get(instance=factory.settings.domain) == {
        "public": 1,
        "unlisted": 2,
        "private": 0,
        "direct": 1,
    }
    assert await get(instance="nowhere.example") == dict.fromkeys(
        ("public", "unlisted", "private", "direct"), 0
    )
    mod = await moderator(factory)
    refused = await client.get(f"{prefix}/stats", headers=mod.headers)
    assert (refused.status_code, refused.json()) == (403, {"error": "User isn't privileged."})
