"""AntiFollowbotPolicy: Follows from accounts scored as follow bots are refused unless the
followed account follows the bot already; on dicts and through the receive path."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.activities.mrf import Rejected, policies_for
from pyleroma.activities.mrf.anti_followbot import AntiFollowbotPolicy, followbot_score
from pyleroma.db.ids import new_id
from pyleroma.models import Account, Follow
from pyleroma.models.relationship import FOLLOW_ACCEPTED, FOLLOW_PENDING
from tests.activities.mrf.stateful_helpers import follow, note, receive, remote, run_chain


@pytest.fixture
def settings(app):
    app.state.settings.mrf_policies = ["AntiFollowbotPolicy"]
    return app.state.settings


class Row:
    def __init__(self, nickname="alice@example.com", display_name=None, actor_type="Person"):
        self.nickname, self.display_name, self.actor_type = nickname, display_name, actor_type


def test_the_score_adds_pleromas_signals():
    assert followbot_score(Row()) == 0.0
    assert followbot_score(Row(nickname="FollowBot@bots.example")) == 1.0
    assert followbot_score(Row(nickname="federation_bot@bots.example")) == 1.0
    assert followbot_score(Row(nickname="federationbot@bots.example")) == 1.0
    # Only these prefixes: "bot" elsewhere in a name is no signal.
    assert followbot_score(Row(nickname="robotics@example.com")) == 0.0
    assert followbot_score(Row(nickname="myfollowbot@example.com")) == 0.0
    assert followbot_score(Row(display_name="FediBot")) == 1.0
    assert followbot_score(Row(display_name="Federation Bot")) == 1.0
    assert followbot_score(Row(display_name="federation bot 2")) == 0.0
    assert followbot_score(Row(actor_type="Service")) == 1.0
    assert followbot_score(Row(actor_type="Application")) == 1.0
    assert followbot_score(Row(actor_type="Group")) == 0.0
    everything = Row("followbot@bots.example", "fedibot", "Service")
    assert followbot_score(everything) == 3.0
    assert followbot_score(Row(nickname=None, display_name=None, actor_type=None)) == 0.0


async def _accepted(db, follower_id, followed_id, state=FOLLOW_ACCEPTED):
    async with db() as session:
        session.add(
            Follow(id=new_id(), follower_id=follower_id, followed_id=followed_id, state=state)
        )
        await session.commit()


async def test_a_follow_from_a_bot_is_refused(settings, factory, db):
    alice = await factory.account("alice")
    bot = await remote(db, "followbot", "bots.example")
    async with db() as session:
        with pytest.raises(Rejected) as refused:
            await run_chain(settings, follow(bot, alice), bot, session)
    assert str(refused.value) == f"[AntiFollowbotPolicy] Scored {bot.ap_id} as 1.0"
    service = await remote(db, "crawler", "bots.example", actor_type="Service")
    async with db() as session:
        with pytest.raises(Rejected, match=r"Scored https://bots.example/users/crawler as 1.0"):
            await run_chain(settings, follow(service, alice), service, session)


async def test_people_follow_freely(settings, factory, db):
    alice = await factory.account("alice")
    person = await remote(db, "bob", "people.example", display_name="Bob the bot builder")
    async with db() as session:
        taken = await run_chain(settings, follow(person, alice), person, session)
    assert (taken["type"], taken["object"]) == ("Follow", alice.ap_id)


async def test_a_bot_the_target_follows_already_may_follow_back(settings, factory, db):
    alice = await factory.account("alice")
    relay = await remote(db, "relay", "relay.example", actor_type="Application")
    await _accepted(db, alice.id, relay.id, FOLLOW_PENDING)
    async with db() as session:
        with pytest.raises(Rejected, match="as 1.0"):  # a pending request is not following
            await run_chain(settings, follow(relay, alice), relay, session)
    async with db() as session:
        row = (await session.execute(select(Follow))).scalar_one()
        row.state = FOLLOW_ACCEPTED
        await session.commit()
    async with db() as session:
        taken = await run_chain(settings, follow(relay, alice), relay, session)
    assert taken["object"] == alice.ap_id
    # Following the bot lets it follow only the one who follows it.
    carol = await factory.account("carol")
    async with db() as session:
        with pytest.raises(Rejected):
            await run_chain(settings, follow(relay, carol), relay, session)


async def test_other_activities_and_unknown_actors_pass(settings, factory, db):
    alice = await factory.account("alice")
    bot = await remote(db, "followbot", "bots.example")
    async with db() as session:
        created = await run_chain(settings, note(bot), bot, session)
        assert created["type"] == "Create"
        stranger = follow(bot, alice)
        stranger["actor"] = "https://nowhere.example/users/followbot"
        # Not stored, so not scored: the receive path refuses it for its signature anyway.
        assert (await run_chain(settings, stranger, None, session))["type"] == "Follow"


def test_describe(settings):
    (policy,) = policies_for(settings)
    assert isinstance(policy, AntiFollowbotPolicy)
    assert policy.describe() == {}


async def test_receive_refuses_a_bots_follow_and_writes_nothing(app, settings, factory, db):
    alice = await factory.account("alice")
    bot = await remote(db, "bot", "bots.example", display_name="fedibot")
    with pytest.raises(Rejected, match=r"^\[AntiFollowbotPolicy\] Scored"):
        await receive(app, bot, follow(bot, alice))
    async with db() as session:
        assert (await session.execute(select(Follow))).first() is None
        assert (await session.get(Account, alice.id)).followers_count == 0
    # Once alice follows the bot, its follow is taken.
    await _accepted(db, alice.id, bot.id)
    await receive(app, bot, follow(bot, alice))
    async with db() as session:
        rows = (await session.execute(select(Follow).order_by(Follow.id))).scalars().all()
    assert sorted((r.follower_id, r.followed_id) for r in rows) == sorted(
        [(alice.id, bot.id), (bot.id, alice.id)]
    )
