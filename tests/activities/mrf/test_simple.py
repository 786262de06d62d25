"""SimplePolicy: per-host actions on what arrives, on dicts and through the receive path."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.activities.mrf import MrfContext, Rejected, filter_activity, filter_actor
from pyleroma.activities.mrf.base import HostList
from pyleroma.activities.mrf.chain import transparency
from pyleroma.activities.normalize import normalize_activity, normalize_actor
from pyleroma.models import Account, MediaAttachment, Report, Status
from pyleroma.settings import SettingsError, load_settings
from tests.activities.test_remote_posts import (
    PUBLIC,
    author_of,
    count,
    load,
    receive,
)
from tests.conftest import make_test_settings


def _settings(tmp_path, **lists):
    settings = make_test_settings(tmp_path / "data", mrf_policies=["SimplePolicy"])
    for action, hosts in lists.items():
        setattr(settings, f"mrf_simple_{action}", hosts)
    return settings


async def _filter(settings, raw, actor=None):
    return await filter_activity(MrfContext(settings, actor=actor), normalize_activity(raw))


def test_host_patterns_match_as_pleroma_does():
    hosts = HostList.parse(["bad.example => spam", "*.evil.example", "127.0.0.2:4000"])
    assert hosts.reason_for("bad.example") == "spam"
    assert hosts.reason_for("BAD.example:8443") == "spam"  # any port of a host without one
    assert hosts.reason_for("evil.example") == ""
    assert hosts.reason_for("a.b.evil.example") == ""
    assert hosts.reason_for("notevil.example") is None
    assert hosts.reason_for("127.0.0.2:4000") == ""
    assert hosts.reason_for("127.0.0.2:4001") is None
    assert hosts.reason_for("good.example") is None
    assert hosts.reason_for(None) is None


async def test_reject_and_accept_lists(tmp_path):
    raw = load("mastodon", "create_note_public")
    with pytest.raises(Rejected, match=r"\[SimplePolicy\] mastodon.remote.test is a rejected"):
        await _filter(_settings(tmp_path, reject=["*.remote.test"]), raw)
    with pytest.raises(Rejected, match="not in the accepted instances"):
        await _filter(_settings(tmp_path, accept=["pleroma.remote.test"]), raw)
    taken = await _filter(_settings(tmp_path, accept=["mastodon.remote.test"]), raw)
    assert taken["object"]["content"] == normalize_activity(raw)["object"]["content"]


async def test_a_boost_of_a_post_from_a_rejected_host_is_refused(tmp_path):
    raw = load("mastodon", "announce")
    raw["object"] = "https://blocked.example/objects/1"
    with pytest.raises(Rejected, match="boost of a post from the rejected instance"):
        await _filter(_settings(tmp_path, reject=["blocked.example"]), raw)


async def test_media_removal_and_media_nsfw(tmp_path):
    raw = load("mastodon", "create_note_public")
    assert normalize_activity(raw)["object"]["attachments"]
    stripped = await _filter(_settings(tmp_path, media_removal=["mastodon.remote.test"]), raw)
    assert stripped["object"]["attachments"] == []
    marked = await _filter(_settings(tmp_path, media_nsfw=["mastodon.remote.test"]), raw)
    assert marked["object"]["sensitive"] is True
    assert len(marked["object"]["attachments"]) == len(
        normalize_activity(raw)["object"]["attachments"]
    )
    other = await _filter(_settings(tmp_path, media_nsfw=["other.example"]), raw)
    assert other["object"]["sensitive"] is normalize_activity(raw)["object"]["sensitive"]


async def test_federated_timeline_removal_and_followers_only(tmp_path, db):
    raw = load("mastodon", "create_note_public")
    delisted = await _filter(
        _settings(tmp_path, federated_timeline_removal=["mastodon.remote.test"]), raw
    )
    for item in (delisted, delisted["object"]):
        assert PUBLIC not in item["to"]
        assert PUBLIC in item["cc"]
    author = await author_of(db, "mastodon")
    limited = await _filter(
        _settings(tmp_path, followers_only=["mastodon.remote.test"]), raw, actor=author
    )
    for item in (limited, limited["object"]):
        assert PUBLIC not in item["to"] + item["cc"]
        assert author.followers_url in item["to"] + item["cc"]


async def test_report_removal_and_reject_deletes(tmp_path):
    with pytest.raises(Rejected, match="reports from mastodon.remote.test are removed"):
        await _filter(
            _settings(tmp_path, report_removal=["mastodon.remote.test"]), load("mastodon", "flag")
        )
    with pytest.raises(Rejected, match="deletes from mastodon.remote.test are rejected"):
        await _filter(
            _settings(tmp_path, reject_deletes=["mastodon.remote.test"]),
            load("mastodon", "delete_note"),
        )


def test_avatar_and_banner_removal_on_actor_documents(tmp_path):
    actor = normalize_actor(load("mastodon", "actor_person"))
    assert actor["icon"] and actor["image"]
    settings = _settings(
        tmp_path, avatar_removal=["mastodon.remote.test"], banner_removal=["mastodon.remote.test"]
    )
    filtered = filter_actor(MrfContext(settings), dict(actor))
    assert filtered["icon"] is None and filtered["image"] is None
    with pytest.raises(Rejected):
        filter_actor(MrfContext(_settings(tmp_path, reject=["mastodon.remote.test"])), dict(actor))


def test_transparency_publishes_the_lists_and_reasons_without_exclusions(tmp_path):
    settings = _settings(
        tmp_path,
        reject=["bad.example => spam", "secret.example => legal"],
        media_nsfw=["nsfw.example"],
    )
    settings.mrf_transparency_exclusions = ["secret.example => not published"]
    described = transparency(settings)
    assert described["mrf_policies"] == ["SimplePolicy"]
    assert described["exclusions"] is True
    assert described["mrf_simple"]["reject"] == ["bad.example"]
    assert described["mrf_simple"]["media_nsfw"] == ["nsfw.example"]
    assert described["mrf_simple_info"] == {"reject": {"bad.example": {"reason": "spam"}}}
    settings.mrf_transparency = False
    assert transparency(settings) == {}


def test_settings_read_pairs_from_toml_and_the_environment(tmp_path):
    config = tmp_path / "pyleroma.toml"
    config.write_text(
        'base_url = "https://local.example"\n'
        '[mrf]\npolicies = ["Pleroma.Web.ActivityPub.MRF.SimplePolicy"]\n'
        '[mrf_simple]\nreject = [["bad.example", "spam"], "worse.example"]\n'
    )
    settings = load_settings(config, env={})
    assert settings.mrf_simple_reject == ["bad.example => spam", "worse.example"]
    assert transparency(settings)["mrf_simple_info"]["reject"] == {
        "bad.example": {"reason": "spam"}
    }
    env = {
        "PYLEROMA_MRF_POLICIES": "SimplePolicy",
        "PYLEROMA_MRF_SIMPLE_REJECT": "a.example,b.example",
    }
    assert load_settings(env=env).mrf_simple_reject == ["a.example", "b.example"]
    with pytest.raises(SettingsError, match="unknown policy 'NoSuchPolicy'"):
        load_settings(env={"PYLEROMA_MRF_POLICIES": "SimplePolicy,NoSuchPolicy"})


# --- through the receive path -----------------------------------------------------------------


async def test_a_post_from_a_rejected_host_leaves_nothing(app, db):
    author = await author_of(db, "mastodon")
    app.state.settings.mrf_policies = ["SimplePolicy"]
    app.state.settings.mrf_simple_reject = ["mastodon.remote.test"]
    with pytest.raises(Rejected):
        await receive(app, author, load("mastodon", "create_note_reply"))
    assert await count(db, Status) == 0
    assert await count(db, Account, Account.local.is_(False)) == 1  # only the signer


async def test_stripped_delisted_and_sensitive_posts_are_stored_so(app, db):
    author = await author_of(db, "mastodon")
    settings = app.state.settings
    settings.mrf_policies = ["SimplePolicy"]
    settings.mrf_simple_media_removal = ["mastodon.remote.test"]
    settings.mrf_simple_federated_timeline_removal = ["mastodon.remote.test"]
    status = await receive(app, author, load("mastodon", "create_note_public"))
    async with db() as session:
        stored = await session.get(Status, status.id)
        assert stored.visibility == "unlisted"
        assert stored.has_media is False
    assert await count(db, MediaAttachment) == 0

    settings.mrf_simple_media_removal = []
    settings.mrf_simple_federated_timeline_removal = []
    settings.mrf_simple_media_nsfw = ["akkoma.remote.test"]
    other = await author_of(db, "akkoma")
    status = await receive(app, other, load("akkoma", "create_note_public"))
    async with db() as session:
        stored = await session.get(Status, status.id)
        assert stored.sensitive is True
        assert stored.visibility == "public"


async def test_removed_reports_are_not_filed(app, db, factory):
    author = await author_of(db, "mastodon")
    await factory.user("alice")
    app.state.settings.mrf_policies = ["SimplePolicy"]
    app.state.settings.mrf_simple_report_removal = ["mastodon.remote.test"]
    with pytest.raises(Rejected):
        await receive(app, author, load("mastodon", "flag"))
    async with db() as session:
        assert (await session.execute(select(Report))).first() is None
