"""VocabularyPolicy: which activity and object types are taken."""

from __future__ import annotations

import pytest

from pyleroma.activities.mrf.vocabulary import VocabularyPolicy
from pyleroma.activities.policies import Rejected
from pyleroma.models import Poll, Status
from pyleroma.settings import SettingsError, load_settings
from tests.activities.mrf.helpers import (
    assert_nothing_behind,
    context,
    count,
    load,
    normalized,
    receive,
    remote_author,
    sender,
    stored_status,
)
from tests.activities.mrf.helpers import settings as make_settings


async def run(activity, accept=(), reject=()):
    policy = VocabularyPolicy(
        make_settings(mrf_vocabulary_accept=list(accept), mrf_vocabulary_reject=list(reject))
    )
    return await policy.filter(context(sender()), activity)


async def test_nothing_configured_takes_everything():
    for name in ("create_note_public", "like", "undo_follow", "flag", "update_person"):
        activity = normalized("mastodon", name)
        assert await run(activity) is activity


async def test_accept_checks_the_activity_and_its_object():
    note = normalized("mastodon", "create_note_public")
    assert await run(note, accept=["Create", "Note"]) is note
    with pytest.raises(Rejected) as caught:
        await run(note, accept=["Create"])
    assert str(caught.value) == "[VocabularyPolicy] Note not in accept list"
    with pytest.raises(Rejected, match=r"\] Create not in accept list"):
        await run(note, accept=["Announce", "Note"])
    article = normalized("writefreely", "create_article")
    with pytest.raises(Rejected, match="Article not in accept list"):
        await run(article, accept=["Create", "Note"])


async def test_an_object_named_by_its_id_has_no_type_to_check():
    like = normalized("mastodon", "like")
    assert isinstance(like["object"], str)
    assert await run(like, accept=["Like"]) is like


async def test_reject_checks_the_activity_and_its_object():
    with pytest.raises(Rejected) as caught:
        await run(normalized("mastodon", "like"), reject=["Like"])
    assert str(caught.value) == "[VocabularyPolicy] Like in reject list"
    with pytest.raises(Rejected, match="Question in reject list"):
        await run(normalized("mastodon", "create_question"), reject=["Question"])
    announce = normalized("mastodon", "announce")
    assert await run(announce, reject=["Like"]) is announce


async def test_embedded_activities_are_walked():
    accept = normalized("mastodon", "accept_follow")
    assert isinstance(accept["object"], dict) and accept["object"]["type"] == "Follow"
    with pytest.raises(Rejected, match="Follow in reject list"):
        await run(accept, reject=["Follow"])
    assert await run(accept, accept=["Accept", "Follow"]) is accept


async def test_an_undo_is_judged_by_what_it_undoes():
    undo = normalized("mastodon", "undo_follow")
    assert await run(undo, accept=["Follow"]) is undo
    with pytest.raises(Rejected, match="Follow in reject list"):
        await run(undo, reject=["Follow"])
    assert await run(undo, reject=["Undo"]) is undo  # as in Pleroma


async def test_actor_updates_check_the_actor_type():
    update = normalized("misskey", "update_person")
    with pytest.raises(Rejected, match="Person not in accept list"):
        await run(update, accept=["Update", "Note"])


@pytest.mark.parametrize("value", ["Create,Not e", "Create,as:Note", "Create,,<script>"])
def test_bad_type_names_stop_the_start(value):
    env = {"PYLEROMA_MRF_POLICIES": "VocabularyPolicy", "PYLEROMA_MRF_VOCABULARY_REJECT": value}
    with pytest.raises(SettingsError, match="is not an ActivityStreams type name"):
        load_settings(None, env=env)


def test_describe():
    loaded = load_settings(
        None,
        env={
            "PYLEROMA_MRF_POLICIES": "VocabularyPolicy",
            "PYLEROMA_MRF_VOCABULARY_ACCEPT": "Create, Note, Create",
            "PYLEROMA_MRF_VOCABULARY_REJECT": "Like",
        },
    )
    assert VocabularyPolicy(loaded).describe() == {
        "mrf_vocabulary": {"accept": ["Create", "Note"], "reject": ["Like"]}
    }


async def test_a_refused_poll_leaves_nothing_behind(app, db):
    author = await remote_author(db, "mastodon")
    app.state.settings.mrf_policies = ["VocabularyPolicy"]
    app.state.settings.mrf_vocabulary_reject = ["Question"]
    with pytest.raises(Rejected, match="Question in reject list"):
        await receive(app, author, load("mastodon", "create_question"))
    await assert_nothing_behind(db)
    assert await count(db, Poll) == 0

    raw = load("mastodon", "create_note_public")
    await receive(app, author, raw)
    assert (await stored_status(db, raw["object"]["id"])).visibility == "public"
    assert await count(db, Status) == 1
