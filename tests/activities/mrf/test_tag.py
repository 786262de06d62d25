"""TagPolicy: the mrf_tag:* tags of accounts, on posts (the sender's tags) and on Follows
(the followed local account's tags), on dicts and through the receive path."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.activities.mrf import Rejected, policies_for
from pyleroma.activities.mrf.chain import transparency
from pyleroma.activities.mrf.tag import TagPolicy, tags_of
from pyleroma.models import Account, Follow, MediaAttachment, Status
from tests.activities.mrf.stateful_helpers import (
    PUBLIC,
    follow,
    image,
    note,
    receive,
    remote,
    run_chain,
)
from tests.api.relationship_helpers import set_fields


@pytest.fixture
def settings(app):
    app.state.settings.mrf_policies = ["TagPolicy"]
    return app.state.settings


async def tagged(db, name, *tags, domain="tagged.example"):
    return await remote(db, name, domain, tags=list(tags))


def test_only_mrf_tags_are_read():
    class Row:
        tags = ["mrf_tag:sandbox", "verified", 3, "mrf_tag:media-strip"]

    assert tags_of(Row()) == ["mrf_tag:sandbox", "mrf_tag:media-strip"]
    assert tags_of(None) == []


async def test_media_force_nsfw_marks_posts_with_attachments(settings, db):
    actor = await tagged(db, "nsfw", "mrf_tag:media-force-nsfw")
    taken = await run_chain(settings, note(actor, attachments=[image()]), actor)
    assert taken["object"]["sensitive"] is True
    assert [a["url"] for a in taken["object"]["attachments"]] == [
        "https://files.remote.test/media/cat.png"
    ]
    # Without attachments nothing is marked; an Update is marked too.
    assert (await run_chain(settings, note(actor), actor))["object"]["sensitive"] is False
    update = note(actor, attachments=[image()], kind="Update")
    assert (await run_chain(settings, update, actor))["object"]["sensitive"] is True


async def test_media_strip_removes_attachments(settings, db):
    actor = await tagged(db, "strip", "mrf_tag:media-strip")
    taken = await run_chain(settings, note(actor, attachments=[image(), image()]), actor)
    assert taken["object"]["attachments"] == []
    assert taken["object"]["sensitive"] is False
    update = note(actor, attachments=[image()], kind="Update")
    assert (await run_chain(settings, update, actor))["object"]["attachments"] == []


async def test_force_unlisted_moves_public_to_cc_and_addresses_followers(settings, db):
    actor = await tagged(db, "loud", "mrf_tag:force-unlisted")
    followers = f"{actor.ap_id}/followers"
    other = "https://elsewhere.example/users/x"
    taken = await run_chain(settings, note(actor, to=[PUBLIC, other], cc=[followers]), actor)
    for item in (taken, taken["object"]):
        assert item["to"] == [other, followers]
        assert item["cc"] == [PUBLIC]
    # Unlisted and followers-only posts are left as they are.
    unlisted = await run_chain(settings, note(actor, to=[followers], cc=[PUBLIC]), actor)
    assert (unlisted["to"], unlisted["cc"]) == ([followers], [PUBLIC])
    private = await run_chain(settings, note(actor, to=[followers], cc=[]), actor)
    assert (private["object"]["to"], private["object"]["cc"]) == ([followers], [])
    # Pleroma changes the addressing of Creates only.
    update = await run_chain(settings, note(actor, kind="Update"), actor)
    assert (update["to"], update["cc"]) == ([PUBLIC], [followers])


async def test_sandbox_makes_public_and_unlisted_posts_followers_only(settings, db):
    actor = await tagged(db, "sandboxed", "mrf_tag:sandbox")
    followers = f"{actor.ap_id}/followers"
    mentioned = "https://elsewhere.example/users/x"
    public = await run_chain(settings, note(actor, to=[PUBLIC], cc=[followers, mentioned]), actor)
    for item in (public, public["object"]):
        assert item["to"] == [followers]
        assert item["cc"] == [followers, mentioned]
    unlisted = await run_chain(settings, note(actor, to=[followers], cc=[PUBLIC]), actor)
    for item in (unlisted, unlisted["object"]):
        assert (item["to"], item["cc"]) == ([followers], [])
    direct = await run_chain(settings, note(actor, to=[mentioned], cc=[]), actor)
    assert (direct["object"]["to"], direct["object"]["cc"]) == ([mentioned], [])


async def test_untagged_accounts_and_other_activities_pass_unchanged(settings, db):
    plain = await remote(db, "plain", "plain.example", tags=["some-other-tag"])
    raw = note(plain, attachments=[image()])
    taken = await run_chain(settings, raw, plain)
    assert taken["object"]["sensitive"] is False
    assert len(taken["object"]["attachments"]) == 1
    assert (taken["to"], taken["cc"]) == ([PUBLIC], [f"{plain.ap_id}/followers"])
    sandboxed = await tagged(db, "liker", "mrf_tag:sandbox", "mrf_tag:disable-any-subscription")
    like = {"id": f"{sandboxed.ap_id}/likes/1", "type": "Like", "actor": sandboxed.ap_id}
    like["object"] = "https://plain.example/users/plain/statuses/1"
    assert (await run_chain(settings, like, sandboxed))["type"] == "Like"


async def test_the_sender_is_looked_up_when_the_context_has_none(settings, db):
    actor = await tagged(db, "lookedup", "mrf_tag:media-strip")
    async with db() as session:
        taken = await run_chain(settings, note(actor, attachments=[image()]), None, session)
    assert taken["object"]["attachments"] == []


async def test_disable_any_subscription_refuses_every_follow_of_the_tagged_account(
    settings, factory, db
):
    quiet = await factory.account("quiet")
    await set_fields(db, quiet.id, tags=["mrf_tag:disable-any-subscription"])
    follower = await remote(db, "fan", "fans.example")
    async with db() as session:
        with pytest.raises(Rejected) as refused:
            await run_chain(settings, follow(follower, quiet), follower, session)
    assert str(refused.value) == (
        f"[TagPolicy] Follow from {follower.ap_id}: {quiet.ap_id} is tagged "
        "mrf_tag:disable-any-subscription"
    )
    # A local follower is refused too (the tag says any).
    local = await factory.account("neighbour")
    async with db() as session:
        actor = await session.get(Account, local.id)
        with pytest.raises(Rejected, match="disable-any-subscription"):
            await run_chain(settings, follow(actor, quiet), actor, session)


async def test_disable_remote_subscription_refuses_only_remote_followers(settings, factory, db):
    quiet = await factory.account("quiet")
    await set_fields(db, quiet.id, tags=["mrf_tag:disable-remote-subscription"])
    follower = await remote(db, "fan", "fans.example")
    async with db() as session:
        with pytest.raises(Rejected, match="is tagged mrf_tag:disable-remote-subscription"):
            await run_chain(settings, follow(follower, quiet), follower, session)
        local = await session.get(Account, (await factory.account("neighbour")).id)
        taken = await run_chain(settings, follow(local, quiet), local, session)
    assert taken["object"] == quiet.ap_id


async def test_follows_of_untagged_or_remote_accounts_pass(settings, factory, db):
    open_account = await factory.account("open")
    follower = await remote(db, "fan", "fans.example")
    # A remote account with the tag is not ours to protect: its server decides.
    tagged_remote = await tagged(db, "far", "mrf_tag:disable-any-subscription")
    async with db() as session:
        for target in (open_account, tagged_remote):
            taken = await run_chain(settings, follow(follower, target), follower, session)
            assert taken["object"] == target.ap_id
        unknown = follow(follower, open_account)
        unknown["object"] = "http://pyleroma.test/users/nobody"
        assert (await run_chain(settings, unknown, follower, session))["type"] == "Follow"


def test_describe_publishes_nothing_but_the_name(settings):
    (policy,) = policies_for(settings)
    assert isinstance(policy, TagPolicy)
    assert policy.describe() == {}
    published = transparency(settings)
    assert published["mrf_policies"] == ["TagPolicy"]


async def test_receive_stores_a_sandboxed_post_followers_only_without_media(app, settings, db):
    actor = await tagged(db, "sandboxed", "mrf_tag:sandbox", "mrf_tag:media-strip")
    raw = note(actor, attachments=[image()], content="<p>look</p>")
    await receive(app, actor, raw)
    async with db() as session:
        status = (await session.execute(select(Status))).scalar_one()
        media = (await session.execute(select(MediaAttachment))).scalars().all()
    assert status.uri == raw["object"]["id"]
    assert status.visibility == "private"
    assert status.has_media is False
    assert media == []


async def test_receive_refuses_a_follow_of_a_tagged_account_and_writes_nothing(
    app, settings, factory, db
):
    quiet = await factory.account("quiet")
    await set_fields(db, quiet.id, tags=["mrf_tag:disable-remote-subscription"])
    follower = await remote(db, "fan", "fans.example")
    with pytest.raises(Rejected, match=r"^\[TagPolicy\] Follow from"):
        await receive(app, follower, follow(follower, quiet))
    async with db() as session:
        assert (await session.execute(select(Follow))).first() is None
        assert (await session.get(Account, quiet.id)).followers_count == 0
    # Without the tag the same Follow is taken.
    await set_fields(db, quiet.id, tags=[])
    await receive(app, follower, follow(follower, quiet))
    async with db() as session:
        row = (await session.execute(select(Follow))).scalar_one()
    assert (row.follower_id, row.followed_id) == (follower.id, quiet.id)
