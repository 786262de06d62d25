"""The activity pipeline: local actions and remote activities take the same path, commit
once, and deliver to the right inboxes (jobs written in the same transaction)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.activities import pipeline
from pyleroma.activities.activity import Activity
from pyleroma.activities.build import build_accept, build_like, build_undo_of
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.policies import Rejected
from pyleroma.federation.delivery import DELIVER_JOB
from pyleroma.models import Account, Favourite, Follow, Job, Notification, Status
from pyleroma.models.relationship import FOLLOW_ACCEPTED, FOLLOW_PENDING
from tests.api.relationship_helpers import remote_account
from tests.api.timeline_helpers import remote_status

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


async def _remote(db, name, domain, shared=True):
    base = f"https://{domain}/users/{name}"
    return await remote_account(
        db,
        name,
        domain,
        inbox=f"{base}/inbox",
        shared_inbox=f"https://{domain}/inbox" if shared else None,
        followers_url=f"{base}/followers",
    )


async def _deliveries(db) -> list[dict]:
    async with db() as session:
        rows = await session.execute(select(Job.args).where(Job.kind == DELIVER_JOB))
        return sorted(rows.scalars(), key=lambda args: args["inbox"])


async def _clear_jobs(db) -> None:
    async with db() as session:
        for job in (await session.execute(select(Job))).scalars():
            await session.delete(job)
        await session.commit()


async def _run(app, activity: Activity):
    async with app.state.sessionmaker() as session:
        ctx = PipelineContext(session, app.state.settings)
        return await pipeline.run(ctx, activity)


async def test_local_like_of_a_remote_status_is_delivered_to_its_author(app, client, factory, db):
    alice = await factory.user("alice")
    bob = await _remote(db, "bob", "remote.example")
    status = await remote_status(db, bob, "hello")
    response = await client.post(f"/api/v1/statuses/{status.id}/favourite", headers=alice.headers)
    assert response.status_code == 200 and response.json()["favourited"] is True

    async with db() as session:
        favourite = (await session.execute(select(Favourite))).scalar_one()
    base = app.state.settings.base_url
    assert favourite.activity_id == f"{base}/activities/{favourite.id}"
    [job] = await _deliveries(db)
    assert job["inbox"] == "https://remote.example/inbox"
    assert job["actor_id"] == alice.account.id
    assert job["activity"] == {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": favourite.activity_id,
        "type": "Like",
        "actor": f"{base}/users/alice",
        "object": status.uri,
        "to": [bob.ap_id],
        "cc": [],
    }

    await _clear_jobs(db)
    response = await client.post(f"/api/v1/statuses/{status.id}/unfavourite", headers=alice.headers)
    assert response.json()["favourited"] is False
    [undo] = await _deliveries(db)
    assert undo["activity"]["type"] == "Undo"
    # The Undo names the Like by the id it was delivered with.
    assert undo["activity"]["object"]["id"] == favourite.activity_id
    assert undo["activity"]["object"]["type"] == "Like"
    assert undo["activity"]["id"] != favourite.activity_id


async def test_likes_between_local_accounts_deliver_nothing(client, factory, db):
    alice, carol = await factory.user("alice"), await factory.user("carol")
    status = await factory.status(carol.account, "local post")
    await client.post(f"/api/v1/statuses/{status.id}/favourite", headers=alice.headers)
    assert await _deliveries(db) == []
    async with db() as session:
        kinds = (await session.execute(select(Notification.type))).scalars().all()
    assert kinds == ["favourite"]


async def test_a_boost_goes_to_each_followers_shared_inbox_once(app, client, factory, db):
    alice = await factory.user("alice")
    carol = await factory.user("carol")
    # Two followers on one server share an inbox; a third has only a personal inbox.
    followers = [
        await _remote(db, "f1", "one.example"),
        await _remote(db, "f2", "one.example"),
        await _remote(db, "f3", "two.example", shared=False),
    ]
    pending = await _remote(db, "f4", "three.example")
    async with db() as session:
        for follower in followers:
            session.add(
                Follow(follower_id=follower.id, followed_id=alice.account.id, state=FOLLOW_ACCEPTED)
            )
        session.add(
            Follow(follower_id=pending.id, followed_id=alice.account.id, state=FOLLOW_PENDING)
        )
        await session.commit()
    status = await factory.status(carol.account, "boost me")
    await _clear_jobs(db)
    response = await client.post(f"/api/v1/statuses/{status.id}/reblog", headers=alice.headers)
    assert response.status_code == 200
    jobs = await _deliveries(db)
    assert [job["inbox"] for job in jobs] == [
        "https://one.example/inbox",
        "https://two.example/users/f3/inbox",
    ]
    announce = jobs[0]["activity"]
    base = app.state.settings.base_url
    assert announce["type"] == "Announce"
    assert announce["id"] == f"{base}/activities/{response.json()['id']}"
    assert announce["object"] == f"{base}/objects/{status.id}"
    assert announce["to"] == [PUBLIC]
    assert announce["cc"] == [f"{base}/users/alice/followers", f"{base}/users/carol"]


async def test_following_a_remote_account_is_pending_until_it_accepts(app, client, factory, db):
    alice = await factory.user("alice")
    bob = await _remote(db, "bob", "remote.example")
    response = await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers)
    assert response.json()["requested"] is True and response.json()["following"] is False
    [job] = await _deliveries(db)
    follow_json = job["activity"]
    assert follow_json["type"] == "Follow" and follow_json["object"] == bob.ap_id
    assert job["inbox"] == "https://remote.example/inbox"

    # bob's server answers with an Accept naming the Follow: through the same pipeline.
    async with db() as session:
        remote_bob = await session.get(Account, bob.id)
        local_alice = await session.get(Account, alice.account.id)
    follow = Activity(type="Follow", actor=local_alice, object=remote_bob, id=follow_json["id"])
    accept = Activity(
        type="Accept",
        actor=remote_bob,
        object=follow,
        id="https://remote.example/accepts/1",
        local=False,
    )
    assert await _run(app, accept) is True
    relationship = await client.get(
        f"/api/v1/accounts/relationships?id[]={bob.id}", headers=alice.headers
    )
    assert relationship.json()[0]["following"] is True
    async with db() as session:
        assert (await session.get(Account, bob.id)).followers_count == 1
        assert (await session.get(Account, alice.account.id)).following_count == 1
    # A remote activity is not delivered anywhere by us.
    assert len(await _deliveries(db)) == 1


async def test_a_remote_follow_of_an_open_account_is_accepted_and_answered(app, factory, db):
    alice = await factory.user("alice")
    bob = await _remote(db, "bob", "remote.example")
    async with db() as session:
        remote_bob = await session.get(Account, bob.id)
        local_alice = await session.get(Account, alice.account.id)
    follow = Activity(
        type="Follow",
        actor=remote_bob,
        object=local_alice,
        id="https://remote.example/follows/1",
        local=False,
    )
    row = await _run(app, follow)
    assert row.state == FOLLOW_ACCEPTED
    assert row.activity_id == "https://remote.example/follows/1"
    [job] = await _deliveries(db)
    assert job["actor_id"] == alice.account.id
    assert job["activity"]["type"] == "Accept"
    assert job["activity"]["actor"] == local_alice.ap_id
    assert job["activity"]["object"]["id"] == "https://remote.example/follows/1"
    async with db() as session:
        kinds = (await session.execute(select(Notification.type))).scalars().all()
    assert kinds == ["follow"]


async def test_accepting_a_local_request_federates_nothing_and_notifies(app, client, factory, db):
    alice = await factory.user("alice", locked=True)
    carol = await factory.user("carol")
    await client.post(f"/api/v1/accounts/{alice.account.id}/follow", headers=carol.headers)
    response = await client.post(
        f"/api/v1/follow_requests/{carol.account.id}/authorize", headers=alice.headers
    )
    assert response.json()["followed_by"] is True
    assert await _deliveries(db) == []
    async with db() as session:
        local_alice = await session.get(Account, alice.account.id)
        local_carol = await session.get(Account, carol.account.id)
    # Accepting again (no pending request left): no-op but the follow exists, so True.
    accept = build_accept(app.state.settings, local_alice, local_carol)
    assert await _run(app, accept) is True


async def test_a_rejecting_policy_leaves_nothing_behind(app, factory, db):
    """A remote Like from an instance SimplePolicy rejects: refused before anything is
    looked up, with no favourite, counter or notification written."""
    from pyleroma.federation.receive import receive

    carol = await factory.user("carol")
    status = await factory.status(carol.account, "hi")
    spammer = await _remote(db, "spammer", "spam.example")
    app.state.settings.mrf_policies = ["SimplePolicy"]
    app.state.settings.mrf_simple_reject = ["spam.example => spam"]
    like = {
        "id": "https://spam.example/likes/1",
        "type": "Like",
        "actor": spammer.ap_id,
        "object": status.uri,
    }
    async with db() as session:
        ctx = PipelineContext(session, app.state.settings)
        actor = await session.get(Account, spammer.id)
        with pytest.raises(Rejected, match=r"\[SimplePolicy\] spam.example is a rejected"):
            await receive(ctx, actor, like)
    async with db() as session:
        assert (await session.execute(select(Favourite))).first() is None
        assert (await session.get(Status, status.id)).favourites_count == 0
        assert (await session.execute(select(Notification))).first() is None


async def test_a_failing_handler_rolls_back_everything(app, factory, db, monkeypatch):
    alice = await factory.user("alice")
    carol = await factory.user("carol")
    status = await factory.status(carol.account, "hi")
    original = pipeline.HANDLERS["Like"]

    async def like_then_fail(ctx, activity):
        await original(ctx, activity)
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(pipeline.HANDLERS, "Like", like_then_fail)
    async with db() as session:
        actor = await session.get(Account, alice.account.id)
        target = await session.get(Status, status.id)
    with pytest.raises(RuntimeError):
        await _run(app, build_like(app.state.settings, actor, target))
    async with db() as session:
        assert (await session.execute(select(Favourite))).first() is None
        assert (await session.get(Status, status.id)).favourites_count == 0


async def test_an_unknown_activity_type_is_refused(app, factory, db):
    alice = await factory.user("alice")
    async with db() as session:
        actor = await session.get(Account, alice.account.id)
    with pytest.raises(pipeline.Unsupported, match="no handler for Travel"):
        await _run(app, Activity(type="Travel", actor=actor))
    undo = build_undo_of(app.state.settings, "Travel", actor, None)
    with pytest.raises(pipeline.Unsupported, match="Undo of Travel"):
        await _run(app, undo)
