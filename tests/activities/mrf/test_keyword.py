"""KeywordPolicy: refusing, delisting and rewriting posts by their words."""

from __future__ import annotations

import pytest

from pyleroma.activities.mrf.keyword import KeywordPolicy
from pyleroma.activities.normalize import normalize_activity
from pyleroma.activities.policies import Rejected
from pyleroma.models import Notification, Status
from pyleroma.settings import SettingsError, load_settings
from tests.activities.mrf.helpers import (
    ALICE_FOLLOWERS,
    PARENT_URI,
    PUBLIC,
    ZOE,
    addressing,
    assert_nothing_behind,
    context,
    count,
    load,
    mastodon_note,
    mastodon_reply,
    normalized,
    receive,
    remote_author,
    sender,
    serve_parent,
    settings,
    stored_status,
)


def policy(**overrides) -> KeywordPolicy:
    return KeywordPolicy(settings(**overrides))


async def run(policy: KeywordPolicy, activity: dict) -> dict:
    return await policy.filter(context(sender()), activity)


# --- reject ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern", ["repotting", "REPOTTING", "/Re(pot|plant)ting/", "/REPOTTING/i", "Gardening<"]
)
async def test_a_keyword_in_the_content_rejects(pattern):
    with pytest.raises(Rejected) as caught:
        await run(policy(mrf_keyword_reject=[pattern]), mastodon_note())
    assert str(caught.value) == f"[KeywordPolicy] matches the rejected keyword {pattern!r}"


async def test_a_case_sensitive_regex_does_not_match_other_cases():
    activity = mastodon_note()
    assert await run(policy(mrf_keyword_reject=["/REPOTTING/"]), activity) is activity


async def test_the_summary_and_the_name_are_read():
    cw = mastodon_note(summary="spoilers for the finale")
    with pytest.raises(Rejected, match="'finale'"):
        await run(policy(mrf_keyword_reject=["finale"]), cw)
    article = normalize_activity(load("mastodon", "create_note_public"))
    article["object"]["name"] = "My finale"
    with pytest.raises(Rejected, match="'finale'"):
        await run(policy(mrf_keyword_reject=["finale"]), article)


async def test_a_poll_option_is_read():
    poll = normalized("mastodon", "create_question")
    with pytest.raises(Rejected, match="'moss and time'"):
        await run(policy(mrf_keyword_reject=["moss and time"]), poll)
    # The same words nowhere in the post: taken.
    assert await run(policy(mrf_keyword_reject=["lichen"]), poll) is poll


async def test_an_update_is_rejected_too():
    update = normalized("mastodon", "update_note")
    word = update["object"]["content"].split("<p>", 1)[1].split()[0]
    with pytest.raises(Rejected):
        await run(policy(mrf_keyword_reject=[word]), update)


async def test_what_carries_no_post_is_left_alone():
    settings_ = {"mrf_keyword_reject": ["alice"], "mrf_keyword_replace": ["alice => eve"]}
    for name in ("like", "follow", "announce", "update_person", "delete_note"):
        activity = normalized("mastodon", name)
        assert await run(policy(**settings_), activity) is activity


async def test_a_vote_is_never_refused_for_its_option():
    """Mastodon sends a vote as a Note with only a ``name``: not a post to judge."""
    vote = normalized("mastodon", "vote")
    assert vote["object"]["content"] is None and vote["object"]["name"]
    option = vote["object"]["name"]
    result = await run(
        policy(mrf_keyword_reject=[option], mrf_keyword_replace=[f"{option} => x"]), vote
    )
    assert result["object"]["name"] == option


async def test_odd_fields_do_not_break_it():
    activity = mastodon_note()
    activity["object"]["summary"] = None
    activity["object"]["name"] = 42  # not text: not read
    activity["object"]["poll"] = {"options": [{"title": None}, {"votes": 3}]}
    assert await run(policy(mrf_keyword_reject=["zzz"]), activity) is activity


# --- federated timeline removal ------------------------------------------------------------


async def test_a_public_create_that_matches_is_delisted():
    activity = await run(
        policy(mrf_keyword_federated_timeline_removal=["gardening"]), mastodon_note()
    )
    cc = [ALICE_FOLLOWERS, ZOE, PUBLIC]
    assert addressing(activity) == ([], cc, [], cc)


async def test_what_does_not_match_keeps_its_addressing():
    activity = await run(policy(mrf_keyword_federated_timeline_removal=["tulips"]), mastodon_note())
    cc = [ALICE_FOLLOWERS, ZOE]
    assert addressing(activity) == ([PUBLIC], cc, [PUBLIC], cc)


async def test_delisting_leaves_non_public_posts_and_updates_alone():
    private = normalized("mastodon", "create_note_followers_only")
    before = addressing(private)
    words = policy(mrf_keyword_federated_timeline_removal=["/./"])
    assert addressing(await run(words, private)) == before
    update = normalized("mastodon", "update_note")
    assert PUBLIC in update["to"]
    assert PUBLIC in (await run(words, update))["to"]


# --- replace --------------------------------------------------------------------------------


async def test_replacement_rewrites_content_summary_and_name():
    activity = mastodon_note(
        content="<p>ZFS is opensource, OpenSource!</p>", summary="opensource talk"
    )
    activity["object"]["name"] = "On opensource"
    result = await run(policy(mrf_keyword_replace=["opensource => free software"]), activity)
    post = result["object"]
    assert post["content"] == "<p>ZFS is free software, free software!</p>"
    assert post["summary"] == "free software talk"
    assert post["name"] == "On free software"


async def test_regex_replacements_may_use_groups_and_plain_ones_are_literal():
    activity = mastodon_note(content="<p>open-source and open source</p>")
    result = await run(
        policy(mrf_keyword_replace=[r"/open(-|\s)?source/ => free\1software", r"and => \1&"]),
        activity,
    )
    assert result["object"]["content"] == r"<p>free-software \1& free software</p>"


async def test_a_lone_pattern_is_removed_and_replacements_apply_in_order():
    activity = mastodon_note(content="<p>cats and dogs</p>")
    replace = ["cats => dogs", "dogs => birds", "/ and/"]
    result = await run(policy(mrf_keyword_replace=replace), activity)
    assert result["object"]["content"] == "<p>birds birds</p>"


async def test_poll_titles_are_never_rewritten():
    poll = normalized("mastodon", "create_question")
    result = await run(policy(mrf_keyword_replace=["Moss => Lichen"]), poll)
    assert [o["title"] for o in result["object"]["poll"]["options"]] == [
        "The Fern Garden",
        "Moss and Time",
        "Neither",
    ]


async def test_rejection_comes_before_replacement():
    """A word replaced away still refuses the post when it is also rejected."""
    with pytest.raises(Rejected):
        await run(
            policy(mrf_keyword_reject=["spam"], mrf_keyword_replace=["spam => ham"]),
            mastodon_note(content="<p>spam</p>"),
        )


# --- settings and transparency -------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("MRF_KEYWORD_REJECT", "/a(/", "not a valid regular expression"),
        ("MRF_KEYWORD_REJECT", "//", "matches the empty text"),
        ("MRF_KEYWORD_FEDERATED_TIMELINE_REMOVAL", "/x*/", "matches the empty text"),
        ("MRF_KEYWORD_REPLACE", " => nothing", "empty pattern"),
        ("MRF_KEYWORD_REPLACE", r"/(a)/ => \2", "bad replacement"),
    ],
)
def test_unusable_patterns_stop_the_start(setting, value, message):
    env = {"PYLEROMA_MRF_POLICIES": "KeywordPolicy", f"PYLEROMA_{setting}": value}
    with pytest.raises(SettingsError, match=message):
        load_settings(None, env=env)


def test_the_toml_pair_form_is_a_replacement(tmp_path):
    path = tmp_path / "pyleroma.toml"
    path.write_text(
        'mrf_policies = ["Pleroma.Web.ActivityPub.MRF.KeywordPolicy"]\n'
        "[mrf_keyword]\n"
        'reject = ["/casino/i"]\n'
        'replace = [["opensource", "free software"], ["/foo(bar)/", "\\\\1"]]\n'
    )
    loaded = load_settings(path, env={})
    assert KeywordPolicy(loaded).describe() == {
        "mrf_keyword": {
            "reject": ["/casino/i"],
            "federated_timeline_removal": [],
            "replace": [
                {"pattern": "opensource", "replacement": "free software"},
                {"pattern": "/foo(bar)/", "replacement": "\\1"},
            ],
        }
    }


def test_describe_with_nothing_configured():
    assert policy().describe() == {
        "mrf_keyword": {"reject": [], "federated_timeline_removal": [], "replace": []}
    }


# --- through the receive path --------------------------------------------------------------


async def test_a_rejected_reply_leaves_nothing_behind(app, factory, db, monkeypatch):
    await factory.user("zoe")
    author = await remote_author(db, "mastodon")
    await remote_author(db, "pleroma")
    fetched = serve_parent(monkeypatch)
    app.state.settings.mrf_policies = ["KeywordPolicy"]
    app.state.settings.mrf_keyword_reject = ["casino"]
    with pytest.raises(Rejected, match=r"\[KeywordPolicy\] matches the rejected keyword"):
        await receive(app, author, mastodon_reply("<p>best CASINO bonus</p>"))
    await assert_nothing_behind(db, fetched)

    # The same reply without the word: stored, its parent fetched, @zoe told twice.
    reply = await receive(app, author, mastodon_reply("<p>best tea bonus</p>"))
    assert fetched == [PARENT_URI]
    assert await count(db, Status) == 2
    assert await count(db, Notification) == 2
    assert reply.in_reply_to_id == (await stored_status(db, PARENT_URI)).id


async def test_words_are_replaced_and_delisted_in_the_stored_post(app, db):
    author = await remote_author(db, "mastodon")
    app.state.settings.mrf_policies = ["KeywordPolicy"]
    app.state.settings.mrf_keyword_replace = ["Repotting => Replanting"]
    app.state.settings.mrf_keyword_federated_timeline_removal = ["/#<span>gardening/i"]
    raw = load("mastodon", "create_note_public")
    status = await receive(app, author, raw)
    stored = await stored_status(db, raw["object"]["id"])
    assert stored.id == status.id
    assert stored.content.startswith("<p>Replanting day, with help from ")
    assert "Repotting" not in stored.content
    assert stored.visibility == "unlisted"
