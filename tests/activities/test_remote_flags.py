"""Flags (reports) from other servers, in the shapes Mastodon and Akkoma send them, taken
through the receive path into reports for our moderators."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from pyleroma.models import Account, Report
from tests.activities.test_remote_posts import count, load, receive
from tests.api.relationship_helpers import remote_account

# software -> (the reporting actor's nickname, host, path): instance actors, as both send.
REPORTERS = {
    "mastodon": ("mastodon.remote.test", "mastodon.remote.test", "/actor"),
    "akkoma": ("internal.fetch", "akkoma.remote.test", "/internal/fetch"),
}


async def _reporter(db, software: str) -> Account:
    nickname, host, path = REPORTERS[software]
    return await remote_account(db, nickname, host, ap_id=f"https://{host}{path}")


def _flag(software: str, zoe_status, other_status=None) -> dict:
    """The fixture naming ``zoe_status`` (and ``other_status``) by their ids."""
    text = json.dumps(load(software, "flag")).replace("STATUS_ID", str(zoe_status.id))
    if other_status is not None:
        text = text.replace("SOMEONE_ELSES", str(other_status.id))
    raw = json.loads(text)
    assert zoe_status.uri in text
    return raw


@pytest.mark.parametrize("software", ["mastodon", "akkoma"])
async def test_a_flag_becomes_a_report_about_our_account(app, factory, db, software):
    zoe = await factory.user("zoe")
    carl = await factory.user("carl")
    post = await factory.status(zoe.account, "reported post")
    elsewhere = await factory.status(carl.account, "not zoe's")
    reporter = await _reporter(db, software)
    raw = _flag(software, post, elsewhere)

    report = await receive(app, reporter, raw)
    assert isinstance(report, Report)
    async with db() as session:
        stored = (await session.execute(select(Report))).scalar_one()
    assert (stored.account_id, stored.target_account_id) == (reporter.id, zoe.account.id)
    assert stored.status_ids == [post.id]  # carl's post is not zoe's: left out
    assert stored.state == "open" and stored.forward is False and stored.category == "other"
    expected = {
        "mastodon": "Spam & links to scams",
        "akkoma": "harassment in replies",
    }[software]
    assert stored.comment == expected  # plain text, entities decoded

    # Delivered again (a retry): still one report.
    await receive(app, reporter, raw)
    assert await count(db, Report) == 1


async def test_a_flag_about_nobody_of_ours_is_ignored(app, factory, db):
    await factory.user("zoe")
    reporter = await _reporter(db, "mastodon")
    stranger = await remote_account(db, "eve", "elsewhere.test")
    raw = load("mastodon", "flag")
    raw["object"] = [stranger.ap_id, "https://elsewhere.test/objects/1"]
    assert await receive(app, reporter, raw) is None
    assert await count(db, Report) == 0


async def test_a_long_comment_is_cut_to_the_limit(app, factory, db):
    zoe = await factory.user("zoe")
    post = await factory.status(zoe.account, "x")
    reporter = await _reporter(db, "mastodon")
    raw = _flag("mastodon", post)
    raw["content"] = "y" * (app.state.settings.max_report_comment_size + 500)
    await receive(app, reporter, raw)
    async with db() as session:
        stored = (await session.execute(select(Report))).scalar_one()
    assert len(stored.comment) == app.state.settings.max_report_comment_size
