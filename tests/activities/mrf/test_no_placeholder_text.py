"""NoPlaceholderTextPolicy: the "." of media-only posts goes."""

from __future__ import annotations

import pytest

from pyleroma.activities.mrf.no_placeholder_text import NoPlaceholderTextPolicy
from pyleroma.models import MediaAttachment
from tests.activities.mrf.helpers import (
    context,
    count,
    load,
    mastodon_note,
    normalized,
    receive,
    remote_author,
    sender,
    settings,
    stored_status,
)


async def run(activity):
    return await NoPlaceholderTextPolicy(settings()).filter(context(sender()), activity)


@pytest.mark.parametrize("content", [".", "<p>.</p>", " <p>.</p>\n"])
async def test_a_placeholder_with_media_becomes_empty(content):
    activity = mastodon_note(content=content)
    assert len(activity["object"]["attachments"]) == 1
    assert (await run(activity))["object"]["content"] == ""


async def test_updates_lose_it_too():
    update = normalized("mastodon", "update_note")
    update["object"]["content"] = "<p>.</p>"
    update["object"]["attachments"] = mastodon_note()["object"]["attachments"]
    assert (await run(update))["object"]["content"] == ""


@pytest.mark.parametrize("content", ["<p>..</p>", "<p>. </p><p>.</p>", "<p>Look.</p>", "…", ""])
async def test_other_text_is_kept(content):
    activity = mastodon_note(content=content)
    assert (await run(activity))["object"]["content"] == content


async def test_without_media_the_dot_is_what_its_author_wrote():
    activity = mastodon_note(content="<p>.</p>", attachment=[])
    assert activity["object"]["attachments"] == []
    assert (await run(activity))["object"]["content"] == "<p>.</p>"


async def test_missing_content_and_other_activities_pass():
    activity = mastodon_note()
    activity["object"]["content"] = None
    assert (await run(activity))["object"]["content"] is None
    like = normalized("mastodon", "like")
    assert await run(like) is like


def test_describe_is_empty():
    assert NoPlaceholderTextPolicy(settings()).describe() == {}


async def test_the_stored_post_has_no_dot(app, db):
    author = await remote_author(db, "mastodon")
    app.state.settings.mrf_policies = ["NoPlaceholderTextPolicy"]
    raw = load("mastodon", "create_note_public")
    raw["object"]["content"] = "<p>.</p>"
    raw["object"]["contentMap"] = {"en": "<p>.</p>"}
    await receive(app, author, raw)
    stored = await stored_status(db, raw["object"]["id"])
    assert stored.content == ""
    assert await count(db, MediaAttachment, MediaAttachment.status_id == stored.id) == 1
