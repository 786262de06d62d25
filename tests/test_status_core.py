"""The shared status core: posting service, visibility rule and the Status renderer."""

from sqlalchemy import select

from pyleroma.api.mastodon.render_statuses import statuses_to_api
from pyleroma.models import Account, Job, Notification, Status
from pyleroma.policy.visibility import can_see


async def test_reply_renders_with_mentions_tags_and_thread(factory, db, app):
    alice = await factory.account("alice")
    bob = await factory.account("bob")
    root = await factory.status(alice, "hello #Fediverse https://example.com")
    reply = await factory.status(bob, "@alice nice #fediverse", in_reply_to_id=root.id)
    async with db() as session:
        viewer = await session.get(Account, alice.id)
        rendered = await statuses_to_api(
            session, app.state.settings, [await session.get(Status, reply.id)], viewer
        )
        stored_root = await session.get(Status, root.id)
        notifications = (await session.execute(select(Notification))).scalars().all()
        jobs = (await session.execute(select(Job.kind))).scalars().all()
    data = rendered[0]
    assert data["in_reply_to_id"] == str(root.id)
    assert data["in_reply_to_account_id"] == str(alice.id)
    assert [m["acct"] for m in data["mentions"]] == ["alice"]
    assert [t["name"] for t in data["tags"]] == ["fediverse"]
    assert data["pleroma"]["conversation_id"] == root.id
    assert data["pleroma"]["in_reply_to_account_acct"] == "alice"
    assert data["pleroma"]["parent_visible"] is True
    assert data["pleroma"]["content"]["text/plain"] == "@alice nice #fediverse"
    assert 'class="u-url mention"' in data["content"]
    assert stored_root.replies_count == 1
    assert [(n.type, n.account_id, n.from_account_id) for n in notifications] == [
        ("mention", alice.id, bob.id)
    ]
    assert jobs.count("timeline.fanout") == 2


async def test_visibility_rule_for_private_and_direct(factory, db):
    alice = await factory.account("alice")
    follower = await factory.account("follower")
    stranger = await factory.account("stranger")
    mentioned = await factory.account("mentioned")
    from pyleroma.models import Follow

    async with db() as session:
        session.add(Follow(follower_id=follower.id, followed_id=alice.id, state="accepted"))
        await session.commit()
    private = await factory.status(alice, "followers only", visibility="private")
    direct = await factory.status(alice, "@mentioned secret", visibility="direct")
    async with db() as session:
        private = await session.get(Status, private.id)
        direct = await session.get(Status, direct.id)
        assert await can_see(session, alice, private) and await can_see(session, alice, direct)
        assert await can_see(session, follower, private)
        assert not await can_see(session, follower, direct)
        assert not await can_see(session, stranger, private)
        assert not await can_see(session, None, private)
        assert await can_see(session, mentioned, direct)
        assert not await can_see(session, stranger, direct)
