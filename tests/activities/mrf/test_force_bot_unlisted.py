"""ForceBotUnlistedPolicy: public posts of bots are delisted."""

from __future__ import annotations

import pytest

from pyleroma.activities.mrf.force_bot_unlisted import ForceBotUnlistedPolicy, is_bot
from pyleroma.models import Status
from tests.activities.mrf.helpers import (
    ALICE_FOLLOWERS,
    PUBLIC,
    ZOE,
    addressing,
    context,
    count,
    load,
    normalized,
    receive,
    remote_author,
    sender,
    settings,
    stored_status,
)

YUKI_FOLLOWERS = "https://misskey.remote.test/users/9h4k2m3n5p/followers"


async def run(activity, actor):
    return await ForceBotUnlistedPolicy(settings()).filter(context(actor), activity)


@pytest.mark.parametrize("actor_type", ["Service", "Application"])
async def test_a_public_post_of_a_bot_is_delisted(actor_type):
    result = await run(normalized("mastodon", "create_note_public"), sender(actor_type=actor_type))
    cc = [ALICE_FOLLOWERS, ZOE, PUBLIC]
    assert addressing(result) == ([], cc, [], cc)


async def test_people_groups_and_organizations_are_not_bots():
    for actor_type in ("Person", "Group", "Organization"):
        activity = normalized("mastodon", "create_note_public")
        result = await run(activity, sender(actor_type=actor_type))
        assert addressing(result)[0] == [PUBLIC]


@pytest.mark.parametrize(
    ("nickname", "bot"),
    [
        ("weatherbot@misskey.remote.test", True),
        ("Quote_Bot@mastodon.remote.test", True),
        ("marx_ebooks@botsin.space", True),
        ("bot@mastodon.remote.test", False),  # "bot" alone: nothing before it
        ("botanist@mastodon.remote.test", False),
        ("alice@bot.remote.test", False),
    ],
)
def test_bots_by_nickname_as_pleroma_reads_them(nickname, bot):
    assert is_bot(sender(nickname=nickname)) is bot


async def test_non_public_posts_and_other_activities_are_untouched():
    bot = sender(actor_type="Service")
    for name in ("create_note_followers_only", "create_note_direct", "update_note", "announce"):
        activity = normalized("mastodon", name)
        before = addressing(activity) if isinstance(activity["object"], dict) else None
        result = await run(activity, bot)
        if before is not None:
            assert addressing(result) == before
        else:
            assert result["to"] == [PUBLIC]


async def test_an_already_unlisted_post_stays_as_it_is():
    activity = normalized("misskey", "create_note_home")
    before = addressing(activity)
    assert PUBLIC in before[1] and PUBLIC not in before[0]
    assert addressing(await run(activity, sender(actor_type="Service"))) == before


async def test_no_sender_row_is_no_bot():
    activity = normalized("mastodon", "create_note_public")
    assert addressing(await run(activity, None))[0] == [PUBLIC]


def test_describe_is_empty():
    assert ForceBotUnlistedPolicy(settings()).describe() == {}


async def test_a_bot_post_is_stored_unlisted(app, db):
    bot = await remote_author(db, "misskey", actor_type="Service")
    person = await remote_author(db, "mastodon")
    app.state.settings.mrf_policies = ["ForceBotUnlistedPolicy"]
    raw = load("misskey", "create_note_public")
    await receive(app, bot, raw)
    assert (await stored_status(db, raw["object"]["id"])).visibility == "unlisted"
    human = load("mastodon", "create_note_public")
    await receive(app, person, human)
    assert (await stored_status(db, human["object"]["id"])).visibility == "public"
    assert await count(db, Status) == 2
    assert YUKI_FOLLOWERS in raw["cc"]
