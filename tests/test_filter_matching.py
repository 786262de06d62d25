"""services/filters/filters.py as other callers (streaming) use it: matching rules, cost, events."""

from __future__ import annotations

from pyleroma.models import Account
from pyleroma.services.filters import filter_changes
from pyleroma.services.filters.filters import (
    ActiveFilters,
    CompiledFilter,
    apply_filters,
    compile_keywords,
    filter_notifications,
    load_active_filters,
)
from pyleroma.streaming.events import HUB_KEY
from tests.statement_counter import counting_statements

VIEWER = 1


def _filter(*keywords, action="warn", status_ids=(), ident=7) -> CompiledFilter:
    pairs = [(k, True) if isinstance(k, str) else k for k in keywords]
    return CompiledFilter(
        id=ident,
        action=action,
        entity={
            "id": str(ident),
            "title": "t",
            "context": ["home"],
            "expires_at": None,
            "filter_action": action,
        },
        pattern=compile_keywords(pairs),
        status_ids=frozenset(status_ids),
    )


def _active(*filters) -> ActiveFilters:
    return ActiveFilters(account_id=VIEWER, context="home", filters=list(filters))


def _status(ident=10, author="2", content="<p>hello</p>", **extra) -> dict:
    data = {
        "id": str(ident),
        "account": {"id": author},
        "content": content,
        "spoiler_text": "",
        "poll": None,
        "media_attachments": [],
        "reblog": None,
        "filtered": [],
    }
    data.update(extra)
    return data


def test_keyword_boundaries_follow_mastodon():
    pattern = compile_keywords([("#cats", True), ("c++", True), ("dog", True)])
    assert pattern.search("I like #cats!") and pattern.search("write c++ code")
    assert pattern.search("my #catsandwich") is None  # the end is a word character: \b
    assert pattern.search("hotdog") is None and pattern.search("a dog.")
    assert compile_keywords([("dog", False)]).search("HOTDOG")
    assert compile_keywords([]) is None
    # regex characters in keywords are literal
    assert compile_keywords([("a.b", False)]).search("axb") is None


def test_media_descriptions_and_entities_are_matched_without_html():
    active = _active(_filter("owl"))
    media = _status(ident=1, media_attachments=[{"description": "An owl at night"}])
    markup = _status(ident=2, content='<a href="https://owl.example/">link</a>')
    [first, second] = apply_filters([media, markup], active)
    assert first["filtered"][0]["keyword_matches"] == ["owl"]
    assert second["filtered"] == []
    assert compile_keywords([("amp", True)]).search("&") is None
    entity = _status(ident=3, content="<p>fish &amp; chips</p>")
    assert apply_filters([entity], _active(_filter("&")))[0]["filtered"]


def test_distinct_matches_and_several_filters():
    active = _active(_filter("tea", ("cof", False), ident=1), _filter("tea", ident=2))
    [item] = apply_filters([_status(content="Tea, coffee, tea and TEA")], active)
    assert [r["filter"]["id"] for r in item["filtered"]] == ["1", "2"]
    assert item["filtered"][0]["keyword_matches"] == ["Tea", "cof", "tea", "TEA"]


def test_hide_wins_over_warn_and_own_posts_pass():
    active = _active(_filter("x", ident=1), _filter("x", action="hide", ident=2))
    kept = apply_filters(
        [_status(ident=1, content="x"), _status(ident=2, content="x", author=str(VIEWER))],
        active,
    )
    assert [k["id"] for k in kept] == ["2"] and kept[0]["filtered"] == []


def test_reblog_of_own_post_and_own_reblog_pass():
    active = _active(_filter("x", action="hide"))
    mine = _status(ident=5, author=str(VIEWER), content="x")
    boosted_by_other = _status(ident=6, content="", reblog=mine)
    own_boost = _status(
        ident=7, author=str(VIEWER), content="", reblog=_status(ident=8, content="x")
    )
    assert len(apply_filters([boosted_by_other, own_boost], active)) == 2


def test_no_filters_leaves_statuses_as_rendered():
    items = [_status(content="anything")]
    assert apply_filters(items, ActiveFilters.none()) == items
    assert not ActiveFilters.none()


def test_notifications_drop_hidden_and_keep_statusless():
    active = _active(_filter("spam", action="hide"))
    rendered = [
        {"id": "1", "type": "mention", "status": _status(ident=1, content="spam")},
        {"id": "2", "type": "follow"},
        {"id": "3", "type": "mention", "status": _status(ident=3, content="fine")},
    ]
    assert [n["id"] for n in filter_notifications(rendered, active)] == ["2", "3"]


async def test_load_active_filters_is_one_query_and_respects_context(app, factory, db):
    alice = await factory.account("alice")
    settings = app.state.settings
    status = await factory.status(alice, "post")
    async with db() as session:
        owner = await session.get(Account, alice.id)
        made = await filter_changes.create_filter(
            session,
            settings,
            owner,
            title="both",
            context=["home", "thread"],
            keywords_attributes=[{"keyword": "a"}, {"keyword": "b c", "whole_word": False}],
        )
        await filter_changes.add_filter_status(
            session, settings, owner, made.filter.id, str(status.id)
        )
        await filter_changes.create_filter(
            session, settings, owner, title="elsewhere", context=["public"], action="hide"
        )

    async with db() as session:
        await session.connection()  # the session's own BEGIN is not the filters' query
        with counting_statements(app.state.engine) as statements:
            active = await load_active_filters(session, alice.id, "home")
    assert len(statements) == 1
    [compiled] = active.filters
    assert compiled.id == made.filter.id and compiled.action == "warn"
    assert compiled.status_ids == {status.id}
    assert compiled.pattern.search("x b c y") and compiled.pattern.search("a")
    assert compiled.entity["context"] == ["home", "thread"]
    async with db() as session:
        assert (await load_active_filters(session, alice.id, "notifications")).filters == []
        # a filter with neither keywords nor statuses matches nothing: not even loaded
        assert (await load_active_filters(session, alice.id, "public")).filters == []


class _Hub:
    def __init__(self):
        self.published = []

    def publish(self, events):
        self.published.extend(events)


async def test_changes_emit_filters_changed_only_on_commit(app, factory, db):
    alice = await factory.account("alice")
    settings = app.state.settings
    hub = _Hub()
    async with db() as session:
        session.sync_session.info[HUB_KEY] = hub
        owner = await session.get(Account, alice.id)
        made = await filter_changes.create_filter(
            session, settings, owner, title="t", context=["home"]
        )
        assert hub.published == [{"type": "filters_changed", "account_id": alice.id}]
        try:
            await filter_changes.update_filter(
                session, settings, owner, made.filter.id, context=["nowhere"]
            )
        except Exception:
            await session.rollback()
        assert len(hub.published) == 1
        await filter_changes.delete_filter(session, owner, made.filter.id)
        assert len(hub.published) == 2
