"""The benchmark harness works: a tiny generated data set is consistent, and the load
script's statistics are right. Nothing here is timed (a benchmark prints figures; it is
never a test)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import func, select, text
from sqlalchemy.orm import aliased

import pyleroma.models  # noqa: F401
from benchmarks.dataset import (
    SEARCH_ACCOUNT_PREFIX,
    SEARCH_COMMON_WORD,
    SEARCH_RARE_WORD,
    Layout,
    Params,
    ParamsError,
)
from benchmarks.generate import generate
from benchmarks.load import Recorder, percentile, search_scenarios, summarize
from benchmarks.stream import ORDER
from pyleroma.db import fulltext
from pyleroma.db.base import Base
from pyleroma.db.engine import make_engine
from pyleroma.models import (
    Account,
    Favourite,
    Follow,
    Hashtag,
    HomeTimelineEntry,
    Notification,
    Status,
    StatusMention,
    StatusTag,
)
from pyleroma.policy.visibility import OPEN_VISIBILITIES
from pyleroma.services.timelines.home_fanout import delivery_filter
from tests.conftest import make_test_settings

TINY = {
    "accounts": 30,
    "statuses": 500,
    "follows": 8,
    "quiet_cohort": 5,
    "quiet_accounts": 2,
    "quiet_statuses": 5,
    "cohort_statuses": 1,
    "author_followers": 6,
    "thread_size": 12,
    "follow_notifications": 3,
    "token_users": 3,
    "home_max": 40,
    # Small batches and window: many flushes, statuses leaving the window, late replies.
    "batch": 200,
    "window": 100,
}


async def _generate(settings, tmp_path: Path, end_ms: int | None = None, **overrides) -> dict:
    return await generate(
        settings,
        Params(**{**TINY, **overrides}),
        end_ms=end_ms,
        run_migrations=False,
        analyze=False,
        manifest_path=tmp_path / "benchmark.json",
        console=Console(file=io.StringIO()),
    )


# --- load script statistics -------------------------------------------------------------


def test_percentile_interpolates_between_closest_ranks():
    values = list(range(100, 0, -1))  # 1..100, unsorted
    assert percentile(values, 0) == 1
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7.0
    assert percentile([10.0, 20.0], 50) == 15.0
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_summary_counts_non_2xx_as_errors_and_keeps_them_out_of_latency():
    recorder = Recorder()
    for ms in (10.0, 20.0, 30.0, 40.0):
        recorder.add(200, ms)
    recorder.add(404, 1.0)
    recorder.add(404, 1.0)
    recorder.add(500, 900.0)
    recorder.add("ClientConnectorError", 5.0)
    summary = summarize(recorder, elapsed_s=2.0)
    assert summary["requests"] == 8
    assert summary["errors"] == 4
    assert summary["error_statuses"] == {"404": 2, "500": 1, "ClientConnectorError": 1}
    assert summary["rps"] == 4.0
    assert summary["p50_ms"] == 25.0
    assert summary["max_ms"] == 40.0
    assert summary["p99_ms"] == pytest.approx(39.7)
    empty = summarize(Recorder(), elapsed_s=1.0)
    assert empty["requests"] == 0 and empty["p99_ms"] is None


# --- generator --------------------------------------------------------------------------


def test_parameters_that_cannot_fit_are_refused_with_the_reason():
    with pytest.raises(ParamsError, match="--follows"):
        Params(accounts=100, follows=500, quiet_cohort=10).check()
    with pytest.raises(ParamsError, match="--author-followers"):
        Params(accounts=100, follows=10, quiet_cohort=10, author_followers=1000).check()
    with pytest.raises(ParamsError, match="--accounts"):
        Params(accounts=5, quiet_cohort=10).check()


async def _scalar(db, stmt):
    async with db() as session:
        return await session.scalar(stmt)


async def _all(db, stmt) -> list:
    async with db() as session:
        return list((await session.execute(stmt)).all())


async def test_generator_writes_a_consistent_data_set(app, client, db, tmp_path):
    settings = app.state.settings
    manifest = await _generate(settings, tmp_path)
    layout = Layout(Params(**TINY))

    # What the manifest says was written is what is there.
    for table in ORDER:
        count = await _scalar(db, select(func.count()).select_from(Base.metadata.tables[table]))
        assert count == manifest["rows"].get(table, 0), table
    assert manifest["rows"]["statuses"] == 500 and manifest["rows"]["accounts"] == 30
    assert manifest["warnings"] == []  # every model column is in the database
    assert manifest["rows"]["home_timeline_entries"] > 0
    assert manifest["rows"]["notifications"] > 0 and manifest["rows"]["favourites"] > 0

    # No reference points nowhere (PostgreSQL loads with its FK triggers off).
    for name in ORDER:
        table = Base.metadata.tables[name]
        for fk in table.foreign_keys:
            target = fk.column.table.alias()
            dangling = await _scalar(
                db,
                select(func.count())
                .select_from(table)
                .outerjoin(target, fk.parent == target.c[fk.column.name])
                .where(fk.parent.is_not(None), target.c[fk.column.name].is_(None)),
            )
            assert dangling == 0, f"{name}.{fk.parent.name}"

    # Account counters match the rows, and the roles are as documented.
    accounts = {a.nickname: a for (a,) in await _all(db, select(Account))}
    for account in accounts.values():
        followers = await _scalar(db, select(func.count()).where(Follow.followed_id == account.id))
        following = await _scalar(db, select(func.count()).where(Follow.follower_id == account.id))
        own = select(Status).where(Status.account_id == account.id, Status.reblog_of_id.is_(None))
        statuses = await _scalar(db, select(func.count()).select_from(own.subquery()))
        last = await _scalar(db, select(func.max(own.subquery().c.created_at)))
        assert (account.followers_count, account.following_count) == (followers, following)
        assert account.statuses_count == statuses and account.last_status_at == last
    author = accounts["author"]
    assert author.followers_count == TINY["author_followers"]
    quiet_ids = {accounts["quiet1"].id, accounts["quiet2"].id}
    for n in range(1, TINY["quiet_cohort"] + 1):
        followed = await _all(
            db, select(Follow.followed_id).where(Follow.follower_id == accounts[f"calm{n}"].id)
        )
        assert {row[0] for row in followed} == quiet_ids
    assert accounts["quiet1"].followers_count == TINY["quiet_cohort"]

    # Status counters, threads and time-ordered ids.
    reply = aliased(Status)
    wrong_replies = await _scalar(
        db,
        select(func.count()).where(
            Status.replies_count
            != select(func.count())
            .where(reply.in_reply_to_id == Status.id, reply.visibility.in_(OPEN_VISIBILITIES))
            .correlate(Status)
            .scalar_subquery()
        ),
    )
    wrong_reblogs = await _scalar(
        db,
        select(func.count()).where(
            Status.reblogs_count
            != select(func.count())
            .where(reply.reblog_of_id == Status.id)
            .correlate(Status)
            .scalar_subquery()
        ),
    )
    wrong_favs = await _scalar(
        db,
        select(func.count()).where(
            Status.favourites_count
            != select(func.count())
            .where(Favourite.status_id == Status.id)
            .correlate(Status)
            .scalar_subquery()
        ),
    )
    assert (wrong_replies, wrong_reblogs, wrong_favs) == (0, 0, 0)
    parent = aliased(Status)
    broken_threads = await _scalar(
        db,
        select(func.count())
        .select_from(Status)
        .join(parent, parent.id == Status.in_reply_to_id)
        .where(
            (Status.conversation_id != parent.conversation_id)
            | (Status.in_reply_to_account_id != parent.account_id)
        ),
    )
    assert broken_threads == 0
    rows = await _all(db, select(Status.id, Status.created_at).order_by(Status.id))
    assert [r.created_at for r in rows] == sorted(r.created_at for r in rows)
    context = await _all(
        db, select(Status.conversation_id).where(Status.id == int(manifest["context_status_id"]))
    )
    assert context[0][0] == int(manifest["thread_root_id"])
    assert manifest["context_ancestors"] >= 1 and manifest["context_descendants"] >= 1

    # Tags and mentions follow the text, each mention of another account notifies them.
    tagged = await _all(
        db,
        select(StatusTag.status_id, Hashtag.name).join(Hashtag, Hashtag.id == StatusTag.hashtag_id),
    )
    tags_by_status: dict[int, set[str]] = {}
    for status_id, name in tagged:
        tags_by_status.setdefault(status_id, set()).add(name)
    for status_id, source in await _all(db, select(Status.id, Status.source)):
        written = {t.lower() for t in re.findall(r"#(\w+)", source)}
        assert tags_by_status.get(status_id, set()) == written
    mention_rows = await _all(
        db,
        select(StatusMention.account_id, StatusMention.status_id, Status.account_id).join(
            Status, Status.id == StatusMention.status_id
        ),
    )
    assert mention_rows
    notified = {
        (n.account_id, n.status_id)
        for (n,) in await _all(db, select(Notification).where(Notification.type == "mention"))
    }
    assert notified == {(m, s) for m, s, a in mention_rows if m != a}
    for kind, model_count in (
        ("favourite", select(func.count()).select_from(Favourite)),
        ("reblog", select(func.count()).where(Status.reblog_of_id.is_not(None))),
    ):
        notes = await _scalar(db, select(func.count()).where(Notification.type == kind))
        assert notes == await _scalar(db, model_count), kind

    # Home timelines hold what the fan-out job would deliver: its own rule, newest first,
    # capped (boosts of a post by someone the account follows are skipped, as the job
    # skips originals already in the home).
    for account in accounts.values():
        followed = select(Follow.followed_id).where(Follow.follower_id == account.id)
        original = aliased(Status)
        expected_stmt = (
            select(Status.id)
            .outerjoin(original, original.id == Status.reblog_of_id)
            .where(
                (Status.account_id == account.id)
                | Status.account_id.in_(followed)
                | Status.id.in_(
                    select(StatusMention.status_id).where(StatusMention.account_id == account.id)
                ),
                delivery_filter(account.id, Status, original, skip_seen_originals=False),
                (Status.reblog_of_id.is_(None)) | original.account_id.not_in(followed),
            )
            .order_by(Status.id.desc())
            .limit(TINY["home_max"])
        )
        expected = [row[0] for row in await _all(db, expected_stmt)]
        entries = await _all(
            db,
            select(HomeTimelineEntry, Status.account_id, original.account_id)
            .join(Status, Status.id == HomeTimelineEntry.status_id)
            .outerjoin(original, original.id == Status.reblog_of_id)
            .where(HomeTimelineEntry.account_id == account.id)
            .order_by(HomeTimelineEntry.status_id.desc()),
        )
        assert [e.status_id for e, _, _ in entries] == expected, account.nickname
        for entry, author_id, original_author_id in entries:
            assert entry.author_id == author_id
            assert entry.reblog_of_author_id == original_author_id
    full = await _scalar(
        db,
        select(func.count()).select_from(
            select(HomeTimelineEntry.account_id)
            .group_by(HomeTimelineEntry.account_id)
            .having(func.count() == TINY["home_max"])
            .subquery()
        ),
    )
    assert full >= len(list(layout.regular)) // 2  # regular homes are full

    # The manifest's tokens work, for the cohort the manifest says.
    users = manifest["users"]
    assert [u["nickname"] for u in users["author"]] == ["author"]
    assert len(users["regular"]) == 3 and len(users["quiet"]) == 3
    for cohort, prefix in (("author", "author"), ("regular", "user"), ("quiet", "calm")):
        user = users[cohort][0]
        response = await client.get(
            "/api/v1/accounts/verify_credentials",
            headers={"Authorization": f"Bearer {user['token']}"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["id"] == user["id"]
        assert response.json()["username"].startswith(prefix)

    # A second run refuses to write over the data.
    with pytest.raises(ParamsError, match="already holds 30 accounts"):
        await _generate(settings, tmp_path)


async def _index_finds(db, word: str) -> set[int]:
    """Status ids the full-text index has for ``word`` (straight from the index)."""
    async with db() as session:
        if session.bind.dialect.name == "sqlite":
            stmt = select(fulltext.fts_table.c.rowid).where(
                fulltext.sqlite_matches(fulltext.fts5_query(word))
            )
        else:
            stmt = select(Status.id).where(fulltext.pg_matches(word))
        return set((await session.scalars(stmt)).all())


async def test_texts_have_common_and_rare_words_and_the_search_scenarios_work(
    app, client, db, tmp_path
):
    manifest = await _generate(app.state.settings, tmp_path, statuses=1500)
    words = manifest["search"]
    assert words == {
        "common_word": SEARCH_COMMON_WORD,
        "rare_word": SEARCH_RARE_WORD,
        "account_prefix": SEARCH_ACCOUNT_PREFIX,
    }

    # The index, rebuilt after the load, holds every original status and nothing else.
    rows = await _all(db, select(Status.id, Status.source, Status.reblog_of_id))
    by_word: dict[str, set[int]] = {}
    for status_id, source, reblog_of_id in rows:
        if reblog_of_id is None:
            for word in set(re.findall(r"\w+", source.lower())):
                by_word.setdefault(word, set()).add(status_id)
    for word in ("the", words["common_word"], words["rare_word"], "run"):
        assert await _index_finds(db, word) == by_word.get(word, set()), word
    # Zipf: the most common word is nearly everywhere, the common one in about a tenth.
    originals = sum(1 for r in rows if r.reblog_of_id is None)
    assert len(by_word["the"]) > originals * 0.7
    assert originals * 0.03 < len(by_word[words["common_word"]]) < originals * 0.3
    assert len(by_word.get(words["rare_word"], ())) < len(by_word[words["common_word"]]) / 10

    # Each search scenario's request answers 200 with results, for a manifest user.
    scenarios = search_scenarios(manifest, manifest["users"]["regular"], None)
    assert [s.key for s in scenarios] == ["search_word", "search_rare", "search_account"]
    for scenario in scenarios:
        method, path, token, body = scenario.make(0)
        response = await client.request(
            method, path, headers={"Authorization": f"Bearer {token}"}, json=body
        )
        assert response.status_code == 200, (scenario.key, response.text)
        found = response.json()
        if scenario.key == "search_word":
            assert len(found["statuses"]) == 20 and found["accounts"] == []
        if scenario.key == "search_account":
            accts = [a["acct"] for a in found["accounts"]]
            assert accts and all(a.startswith(words["account_prefix"]) for a in accts)
    assert search_scenarios({}, manifest["users"]["regular"], None)[0].make is None


async def _dump(url: str) -> dict:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            statuses = (
                await conn.execute(
                    text(
                        "SELECT s.id, a.nickname, s.source, s.visibility, s.in_reply_to_id, "
                        "s.reblog_of_id, s.favourites_count FROM statuses s "
                        "JOIN accounts a ON a.id = s.account_id ORDER BY s.id"
                    )
                )
            ).all()
            home = (
                await conn.execute(
                    text("SELECT account_id, status_id FROM home_timeline_entries ORDER BY 1, 2")
                )
            ).all()
            follows = (
                await conn.execute(
                    text("SELECT follower_id, followed_id FROM follows ORDER BY 1, 2")
                )
            ).all()
    finally:
        await engine.dispose()
    return {"statuses": statuses, "home": home, "follows": follows}


async def _fresh_sqlite(directory: Path):
    settings = make_test_settings(directory)
    directory.mkdir(parents=True)
    engine = make_engine(settings.effective_database_url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()
    return settings


async def test_the_same_seed_gives_the_same_data_and_another_seed_does_not(tmp_path):
    dumps = []
    end_ms = 1_750_000_000_000
    for name, seed in (("one", 3), ("two", 3), ("three", 4)):
        settings = await _fresh_sqlite(tmp_path / name)
        await _generate(settings, tmp_path / name, end_ms=end_ms, seed=seed, statuses=300)
        dumps.append(await _dump(settings.effective_database_url))
    assert dumps[0] == dumps[1]
    assert dumps[0]["statuses"] != dumps[2]["statuses"]
    assert dumps[0]["follows"] != dumps[2]["follows"]
    assert len(dumps[0]["statuses"]) == 300


def test_cohort_roles_and_follow_graph_are_derived_from_the_seed():
    params = Params(**TINY).check()
    layout = Layout(params)
    assert [layout.role(i) for i in (0, 1, 2, 3)] == ["author", "quiet", "quiet", "cohort"]
    fans = [i for i in layout.regular if layout.AUTHOR in layout.followees(i)]
    assert len(fans) == TINY["author_followers"]
    for i in layout.regular:
        followees = layout.followees(i)
        assert len(followees) == len(set(followees)) == TINY["follows"]
        assert i not in followees and not set(followees) & set(layout.quiet)
        assert followees == Layout(params).followees(i)


async def test_the_floor_answers_exactly_the_captured_bytes():
    """benchmarks.compare's floor must serve pyleroma's own bodies, byte for byte, or the
    ratio it prints compares different work."""
    import httpx

    from benchmarks.floor import create_floor_app

    body = b'[{"id":"1","content":"caf\xc3\xa9"}]'
    transport = httpx.ASGITransport(app=create_floor_app({"home": body}))
    async with httpx.AsyncClient(transport=transport, base_url="http://floor") as client:
        answered = await client.get("/floor/home")
        missing = await client.get("/floor/nothing")
    assert answered.status_code == 200 and answered.content == body
    assert answered.headers["content-type"] == "application/json"
    assert missing.status_code == 404


def test_compare_endpoints_cover_the_issue_list():
    from benchmarks.compare import endpoints

    manifest = {
        "users": {"regular": [{"id": "7", "nickname": "user1", "token": "t1"}]},
        "hashtag": "bench0",
        "context_status_id": "42",
        "search": {"rare_word": "aardvark"},
    }
    found = {e.key: e.path for e in endpoints(manifest)}
    assert found == {
        "home": "/api/v1/timelines/home",
        "public_local": "/api/v1/timelines/public?local=true",
        "public": "/api/v1/timelines/public",
        "hashtag": "/api/v1/timelines/tag/bench0",
        "status": "/api/v1/statuses/42",
        "context": "/api/v1/statuses/42/context",
        "notifications": "/api/v1/notifications",
        "verify_credentials": "/api/v1/accounts/verify_credentials",
        "account_statuses": "/api/v1/accounts/7/statuses",
        "search": "/api/v2/search?q=aardvark",
    }


# --- benchmarks.account_data (issue 12) ---------------------------------------------------------


def _account_data_args(tmp_path: Path, pg_database, *extra: str):
    from benchmarks.account_data import parse_args

    url = ["--database-url", pg_database] if pg_database else []
    return parse_args(
        ["--data-dir", str(tmp_path / "bench"), "--argon2-time-cost", "1"]
        + ["--argon2-memory-cost", "1024", *url, *extra]
    )


async def test_account_data_benchmark_does_the_work_it_times(tmp_path, pg_database):
    """Every part on tiny sizes: the script checks its own work (a follow per account, a
    complete backup holding every post, every post imported, each MFA round answered 403
    then 200) and raises otherwise, so a figure never stands for work not done."""
    from benchmarks.account_data import run
    from tests.conftest import _empty_pg

    if pg_database:
        await _empty_pg(pg_database)
    sizes = ["--accounts", "7", "--statuses", "9", "--posts", "6", "--rounds", "3"]
    result = await run(_account_data_args(tmp_path, pg_database, *sizes))

    assert result["engine"] == ("postgresql" if pg_database else "sqlite")
    assert {"load_1min_before", "load_1min_after", "router_warmup_ms"} <= set(result)
    imports = result["imports"]
    assert imports["follows_stored"] == 7
    assert imports["jobs_by_kind"] == {"accounts.import": 1, "timeline.backfill": 7}
    assert imports["statements_per_follow"] > 0 and imports["cpu_ms_per_follow"] > 0
    assert imports["chunk_jobs_cpu_ms_per_follow"] > 0
    assert imports["follow_up_jobs_cpu_ms_per_follow"] > 0
    backup = result["backup"]
    # The actor, 9 posts, 3 favourites (every 4th post) and 2 bookmarks (every 8th).
    assert (backup["favourites"], backup["bookmarks"], backup["items"]) == (3, 2, 15)
    assert backup["zip_kb"] > 0 and backup["peak_rss_mb"] >= backup["rss_before_mb"] > 0
    history = result["history"]
    assert history["imported"] == 6
    assert set(history["jobs_by_kind"]) == {"accounts.history_import"}
    mfa = result["mfa"]
    assert (mfa["rounds"], mfa["argon2_time_cost"], mfa["argon2_memory_kib"]) == (3, 1, 1024)
    assert 0 < mfa["password_grant_p50_ms"] <= mfa["password_grant_p99_ms"]
    assert 0 < mfa["challenge_p50_ms"] <= mfa["challenge_p99_ms"]


async def test_account_data_benchmark_runs_only_the_parts_asked_and_wants_an_empty_database(
    tmp_path, pg_database
):
    import argparse

    from benchmarks.account_data import BenchmarkError, parse_args, parts_arg, run
    from tests.conftest import _empty_pg

    if pg_database:
        await _empty_pg(pg_database)
    args = _account_data_args(tmp_path, pg_database, "--only", "mfa,history", "--rounds", "1")
    result = await run(args)
    assert {"history", "mfa"} <= set(result) and not {"imports", "backup"} & set(result)
    with pytest.raises(BenchmarkError, match="accounts: give an empty one"):
        await run(args)  # the same database again
    with pytest.raises(argparse.ArgumentTypeError):
        parts_arg("mfa,everything")
    assert parse_args([]).only == ["imports", "backup", "history", "mfa"]
