"""Seeded benchmark data: accounts, follows, statuses, home timelines, notifications, tokens.

    .venv/bin/python -m benchmarks.generate --reset            # full size, settings from env
    .venv/bin/python -m benchmarks.generate --accounts 300 --statuses 30000 --follows 50 \\
        --quiet-cohort 30 --author-followers 100 --data-dir /tmp/bench --reset

The database is the one the server would use (``PYLEROMA_*`` variables, ``--config``, or
``--data-dir``/``--database-url``); its schema comes from the migrations. Rows are written in
bulk straight to the driver (benchmarks/sink.py), not through the API: the API would take
hours for a million statuses. What the API would have produced is reproduced instead:
counters on accounts and statuses, mentions and tags, mention/favourite/reblog/follow
notifications, and each account's materialised home timeline (the newest
``home_timeline_max`` entries the fan-out job would have written).

Statuses are generated in time order (ids are time-sorted snowflakes), each in a window of
the most recent ``--window`` statuses until its counters (replies, boosts, favourites) can no
longer change; only then is it written, followed by the rows that point at it. The window is
the only large thing in memory besides one id array per author for the home timelines.

When done, ``benchmark.json`` in the data dir (``--manifest``) lists the OAuth tokens of a
sample of accounts per cohort and the ids the load script needs (benchmarks/load.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import sqlite3
import sys
import time
from array import array
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

from asyncpg import PostgresError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table as RichTable
from sqlalchemy.exc import DBAPIError

from benchmarks.database import drop_search_index, prepare_database
from benchmarks.dataset import (
    PASSWORD,
    SEARCH_ACCOUNT_PREFIX,
    SEARCH_COMMON_WORD,
    SEARCH_RARE_WORD,
    TAG_COUNT,
    THREAD_TAG,
    AccountRef,
    Layout,
    Params,
    ParamsError,
    Picker,
    tag_name,
)
from benchmarks.settings_args import add_settings_arguments, settings_from_args
from benchmarks.sink import Sink, make_sink
from benchmarks.stream import StatusStream, Writer
from pyleroma.db import fulltext, migrate
from pyleroma.db.base import Base
from pyleroma.services.oauth.secrets import configure_hashing, digest, hash_password, new_secret
from pyleroma.settings import Settings, SettingsError
from pyleroma.urls import local_actor_urls

MANIFEST_NAME = "benchmark.json"
DAY_MS = 86_400_000
TOKEN_SCOPES = ["read", "write", "follow", "push"]

__all__ = ["Params", "generate", "main"]


class Context:
    """What the phases share: settings, parameters, layout, writer, clock and tallies."""

    def __init__(
        self,
        settings: Settings,
        params: Params,
        sink: Sink,
        progress: Progress,
        end_ms: int | None = None,
    ):
        self.settings = settings
        self.params = params
        self.layout = Layout(params)
        self.sink = sink
        self.progress = progress
        self.writer = Writer(sink, params.batch)
        # The statuses span [start_ms, end_ms); accounts and follows come before it, tokens
        # after it, and the end is a minute in the past so live posts get larger ids.
        self.end_ms = end_ms if end_ms is not None else (int(time.time()) - 60) * 1000
        self.start_ms = self.end_ms - params.days * DAY_MS
        n = params.accounts
        self.ids = [0] * n
        self.refs: list[AccountRef] = []
        self.followers = [0] * n
        self.following = [0] * n
        self.statuses_count = [0] * n
        self.last_status_ms = [0] * n
        # For the home timelines: each author's statuses and boosts (ascending ids), the
        # statuses that address each account, and what the fan-out's rules look at.
        self.by_author = [array("q") for _ in range(n)]
        self.addressed: dict[int, array] = {}
        self.author_of: dict[int, int] = {}  # addressed statuses only
        self.reply_to: dict[int, int] = {}  # replies to someone else: whom they answer
        self.reblog_author: dict[int, int] = {}  # boosts: the original's author
        self.tag_ids: dict[str, int] = {}
        self.timings: dict[str, float] = {}
        self.extra: dict = {}

    def task(self, name: str, total: int):
        return self.progress.add_task(name, total=total)


async def phase_accounts(ctx: Context) -> None:
    p, layout, w = ctx.params, ctx.layout, ctx.writer
    password_hash = hash_password(PASSWORD)  # argon2 is slow on purpose: once for everyone
    task = ctx.task("accounts", p.accounts)
    begin = ctx.start_ms - 40 * DAY_MS
    step = 20 * DAY_MS // p.accounts
    for i in range(p.accounts):
        ms = begin + i * step
        ident = w.ids(ms)
        nickname = layout.nickname(i)
        actor_urls = local_actor_urls(ctx.settings, nickname)
        ap_id = actor_urls["ap_id"]
        created = w.when(ms)
        ctx.ids[i] = ident
        ctx.refs.append(AccountRef(ident, nickname, ap_id))
        w.add(
            "accounts",
            {
                "id": ident,
                "nickname": nickname,
                "nickname_key": nickname.lower(),
                "local": True,
                **actor_urls,
                "email": f"{nickname}@bench.invalid",
                "email_key": f"{nickname}@bench.invalid",
                "password_hash": password_hash,
                "display_name": f"Bench {layout.role(i).title()} {nickname}",
                "note_html": f"A {layout.role(i)} benchmark account.",
                "note_source": f"A {layout.role(i)} benchmark account.",
                "discoverable": True,
                "fields": [],
                "also_known_as": [],
                "tags": [],
                "settings_store": {},
                "created_at": created,
                "updated_at": created,
            },
        )
        await w.maybe_flush()
        ctx.progress.advance(task)
    await w.flush()


async def phase_follows(ctx: Context) -> None:
    """Accepted follows; a few become "follow" notifications (as if older ones were read)."""
    p, layout, w = ctx.params, ctx.layout, ctx.writer
    rng = random.Random(p.seed * 13 + 2)
    notify_share = min(1.0, p.follow_notifications / p.follows)
    task = ctx.task("follows", p.accounts)
    begin = ctx.start_ms - 19 * DAY_MS
    step = 18 * DAY_MS // p.accounts
    for i in range(p.accounts):
        ms = begin + i * step
        created = w.when(ms)
        follower = ctx.ids[i]
        followees = layout.followees(i)
        ctx.following[i] = len(followees)
        for j in followees:
            ctx.followers[j] += 1
            followed = ctx.ids[j]
            row = (w.ids(ms), follower, followed, "accepted", True, False, created)
            w.add_fixed("follows", row)
            if rng.random() < notify_share:
                row = (w.ids(ms), followed, follower, "follow", None, True, created)
                w.add_fixed("notifications", row)
        await w.maybe_flush()
        ctx.progress.advance(task)
    await w.flush()


async def phase_hashtags(ctx: Context) -> None:
    w = ctx.writer
    ms = ctx.start_ms - 1000
    for name in [tag_name(n) for n in range(TAG_COUNT)] + [THREAD_TAG]:
        ident = w.ids(ms)
        ctx.tag_ids[name] = ident
        w.add("hashtags", {"id": ident, "name": name, "created_at": w.when(ms)})
    await w.flush()


async def phase_statuses(ctx: Context) -> None:
    p = ctx.params
    rng = random.Random(p.seed * 101 + 3)
    stream = StatusStream(ctx, rng, Picker(ctx.layout.posting_weights(), rng))
    task = ctx.task("statuses", p.statuses)
    for k in range(p.statuses):
        stream.event(k)
        if k % 256 == 255:
            await ctx.writer.maybe_flush()
            ctx.progress.advance(task, 256)
    await stream.finish()
    ctx.progress.update(task, completed=p.statuses)
    ctx.extra.update(stream.summary())


def newest_entries(
    lists: list[tuple[int, array]],
    limit: int,
    max_id: int,
    window: int,
    keep: Callable[[int, int], bool],
) -> tuple[list[tuple[int, int]], int]:
    """The ``limit`` newest (status id, source index) that ``keep`` accepts, ascending.

    Instead of merging every followee's whole history, take what is newer than a cutoff
    (``window`` below the newest id) from each ascending id array, widening the window
    until there are enough. Returns the entries and a good window for the next account.
    """
    total = sum(len(arr) for _, arr in lists)
    while True:
        cutoff = max(0, max_id - window)
        found: dict[int, int] = {}
        for j, arr in lists:
            start = bisect_left(arr, cutoff) if total > limit else 0
            for sid in arr[start:]:
                if sid not in found and keep(sid, j):
                    found[sid] = j
        if len(found) >= limit or cutoff == 0 or total <= limit:
            break
        window *= 2
    entries = sorted(found.items())[-limit:]
    if len(entries) == limit:
        window = max(1, int((max_id - entries[0][0]) * 1.25))
    return entries, window


async def phase_home(ctx: Context) -> None:
    """Each account's home timeline as the fan-out job (services/timelines/home_timeline.py) leaves
    it, newest ``home_max`` entries: its own posts and boosts, those of the accounts it
    follows, and posts that address it; but a reply to someone else only when it follows
    (or is) the one answered, and a boost neither of its own post nor of a post it has
    already (approximated: by an author it follows)."""
    p, w = ctx.params, ctx.writer
    task = ctx.task("home timelines", p.accounts)
    max_id = w.ids.last_id
    window = max(1, (max_id - w.when_id(ctx.start_ms)) // max(1, p.statuses // p.home_max))
    reply_to, reblog_author, author_of = ctx.reply_to, ctx.reblog_author, ctx.author_of
    total = 0
    for i in range(p.accounts):
        followed = ctx.layout.followees(i)
        following = set(followed)

        def keep(sid: int, source: int, i=i, following=following) -> bool:
            original = reblog_author.get(sid)
            if original is not None:
                return original != i and original not in following
            if source == i or source == -1:  # its own, or addressed to it
                return True
            answered = reply_to.get(sid)
            return answered is None or answered == i or answered in following

        lists = [(j, ctx.by_author[j]) for j in [*followed, i] if len(ctx.by_author[j])]
        if i in ctx.addressed:
            lists.append((-1, ctx.addressed[i]))
        entries, window = newest_entries(lists, p.home_max, max_id, window, keep)
        owner = ctx.ids[i]
        for sid, j in entries:
            original = reblog_author.get(sid)
            author = author_of[sid] if j == -1 else j
            w.add_fixed(
                "home_timeline_entries",
                (owner, sid, ctx.ids[author], ctx.ids[original] if original is not None else None),
            )
        total += len(entries)
        await w.maybe_flush()
        ctx.progress.advance(task)
    await w.flush()
    ctx.extra["home_entries_per_account"] = round(total / p.accounts, 1)


async def phase_tokens(ctx: Context) -> dict:
    """An OAuth app and tokens for a sample of each cohort (written to the manifest)."""
    p, layout, w = ctx.params, ctx.layout, ctx.writer
    rng = random.Random(p.seed * 17 + 4)
    ms = ctx.end_ms + 1
    now = w.when(ms)
    app_id = w.ids(ms)
    w.add(
        "oauth_apps",
        {
            "id": app_id,
            "name": "pyleroma-benchmarks",
            "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "scopes": TOKEN_SCOPES,
            "client_id": new_secret(24),
            "client_secret": new_secret(24),
            "created_at": now,
        },
    )
    regular = list(layout.regular)
    cohorts = {
        "author": [layout.AUTHOR],
        "regular": sorted(rng.sample(regular, min(p.token_users, len(regular)))),
        "quiet": sorted(rng.sample(layout.cohort, min(p.token_users, len(layout.cohort)))),
    }
    users: dict[str, list[dict]] = {}
    for cohort, indexes in cohorts.items():
        users[cohort] = []
        for i in indexes:
            secret = new_secret()
            w.add(
                "oauth_tokens",
                {
                    "id": w.ids(ms),
                    "token_digest": digest(secret),
                    "app_id": app_id,
                    "account_id": ctx.ids[i],
                    "scopes": TOKEN_SCOPES,
                    "valid_until": w.when(ms + 365 * DAY_MS),
                    "created_at": now,
                },
            )
            users[cohort].append(
                {"id": str(ctx.ids[i]), "nickname": layout.nickname(i), "token": secret}
            )
    await w.flush()
    return users


async def phase_counters(ctx: Context) -> None:
    """Follower, following and status counts, and last_status_at, as the API keeps them."""
    sink = ctx.sink
    to_db = sink.processors(Base.metadata.tables["accounts"], ["last_status_at"])
    convert = to_db[0][1] if to_db else (lambda v: v)
    rows = []
    for i in range(ctx.params.accounts):
        last = ctx.writer.when(ctx.last_status_ms[i]) if ctx.last_status_ms[i] else None
        rows.append(
            (
                ctx.followers[i],
                ctx.following[i],
                ctx.statuses_count[i],
                convert(last),
                ctx.ids[i],
            )
        )
    await sink.executemany(
        "UPDATE accounts SET followers_count = ?, following_count = ?, statuses_count = ?, "
        "last_status_at = ? WHERE id = ?",
        rows,
    )
    await sink.commit()


async def phase_search_index(ctx: Context) -> None:
    statements = fulltext.upgrade_statements(ctx.sink.name)
    task = ctx.task("search index", len(statements))
    for statement in statements:
        await ctx.sink.execute(statement)
        ctx.progress.advance(task)
    await ctx.sink.commit()


PHASES = (
    ("accounts", phase_accounts),
    ("follows", phase_follows),
    ("hashtags", phase_hashtags),
    ("statuses", phase_statuses),
    ("home timelines", phase_home),
    ("search index", phase_search_index),
)


async def generate(
    settings: Settings,
    params: Params,
    *,
    reset: bool = False,
    run_migrations: bool = True,
    analyze: bool | None = None,
    manifest_path: Path | None = None,
    console: Console | None = None,
    end_ms: int | None = None,
) -> dict:
    """Generate the data set into ``settings``' database and write the manifest; returns it.

    ``end_ms`` (epoch milliseconds) fixes the end of the statuses' period, which otherwise
    is a minute ago; with it, the same seed gives the very same ids. ``analyze`` None means
    what a live server has: statistics on PostgreSQL (autovacuum), none on SQLite.
    """
    params.check()
    configure_hashing(settings.argon2_time_cost, settings.argon2_memory_cost)
    console = console or Console(stderr=True)
    await prepare_database(settings, reset=reset, run_migrations=run_migrations)
    sink = make_sink(settings.effective_database_url)
    await sink.open()
    columns = [
        TextColumn("{task.description:>15}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    began = time.perf_counter()
    try:
        with Progress(*columns, console=console) as progress:
            ctx = Context(settings, params, sink, progress, end_ms)
            await ctx.writer.prepare()
            await drop_search_index(sink)
            for name, phase in PHASES:
                started = time.perf_counter()
                if not console.is_terminal:  # bars only draw on a terminal: say it in lines
                    console.print(f"{name}: started")
                await phase(ctx)
                ctx.timings[name] = time.perf_counter() - started
                if not console.is_terminal:
                    console.print(f"{name}: done in {ctx.timings[name]:.1f} s")
            started = time.perf_counter()
            users = await phase_tokens(ctx)
            await phase_counters(ctx)
            ctx.timings["tokens and counters"] = time.perf_counter() - started
            if analyze if analyze is not None else sink.analyze_by_default:
                task = progress.add_task("analyze", total=None)
                started = time.perf_counter()
                await sink.analyze()
                ctx.timings["analyze"] = time.perf_counter() - started
                progress.update(task, total=1, completed=1)
    finally:
        await sink.close()
    manifest = {
        "version": 1,
        "database": sink.name,
        "base_url": settings.base_url,
        "generated_at": int(time.time()),
        "seconds": round(time.perf_counter() - began, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "params": params.as_dict(),
        "password": PASSWORD,
        "hashtag": tag_name(0),
        "search": {
            "common_word": SEARCH_COMMON_WORD,
            "rare_word": SEARCH_RARE_WORD,
            "account_prefix": SEARCH_ACCOUNT_PREFIX,
        },
        "rows": dict(ctx.writer.totals),
        "phase_seconds": {k: round(v, 2) for k, v in ctx.timings.items()},
        "users": users,
        "warnings": ctx.writer.warnings,
        **ctx.extra,
    }
    path = manifest_path or settings.data_dir / MANIFEST_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    os.chmod(path, 0o600)  # it holds live tokens
    return manifest


def print_summary(console: Console, manifest: dict, path: Path) -> None:
    table = RichTable(title="benchmark data set")
    table.add_column("phase")
    table.add_column("seconds", justify="right")
    for name, seconds in manifest["phase_seconds"].items():
        table.add_row(name, f"{seconds:.1f}")
    table.add_row("total", f"{manifest['seconds']:.1f}")
    console.print(table)
    rows = ", ".join(f"{name} {count:,}" for name, count in manifest["rows"].items())
    console.print(f"rows: {rows}")
    console.print(f"peak memory of the generator: {manifest['peak_rss_mb']:,.0f} MB")
    for warning in manifest.get("warnings", []):
        console.print(f"[yellow]warning: {warning} (migrations behind the models?)[/yellow]")
    console.print(f"manifest (tokens for benchmarks/load.py): {path}")


HELP = {
    "accounts": "accounts in all (author, quiet accounts, quiet cohort, regular)",
    "statuses": "statuses in all, boosts and replies included",
    "follows": "accounts each regular account follows",
    "quiet_cohort": "accounts that follow only the quiet accounts",
    "quiet_accounts": "rarely posting accounts the quiet cohort follows",
    "quiet_statuses": "statuses per quiet account over the whole period",
    "cohort_statuses": "expected statuses per quiet-cohort account",
    "author_followers": "exact follower count of the account that posts in the POST benchmark",
    "days": "the statuses' time span, ending now",
    "thread_size": "replies in the deep thread used by the context benchmark",
    "follow_notifications": "expected follow notifications per account",
    "token_users": "accounts per cohort that get an OAuth token in the manifest",
    "home_max": "entries kept per home timeline (default: setting home_timeline_max)",
    "batch": "rows per bulk insert",
    "window": "recent statuses that replies, boosts and favourites pick from",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generate",
        description="Generate the seeded benchmark data set (see benchmarks/README.md).",
    )
    for f in fields(Params):
        parser.add_argument(
            f"--{f.name.replace('_', '-')}",
            type=type(f.default),
            default=None if f.name == "home_max" else f.default,
            help=f"{HELP.get(f.name, f.name.replace('_', ' '))} (default {f.default})",
        )
    add_settings_arguments(parser)
    parser.add_argument("--manifest", help=f"manifest path (default: DATA_DIR/{MANIFEST_NAME})")
    parser.add_argument("--reset", action="store_true", help="erase the database first")
    parser.add_argument(
        "--analyze",
        choices=("auto", "yes", "no"),
        default="auto",
        help="planner statistics at the end: auto (default) runs VACUUM ANALYZE on PostgreSQL "
        "as autovacuum would, and nothing on SQLite, where pyleroma never runs ANALYZE",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console(stderr=True)
    try:
        settings = settings_from_args(args)
    except SettingsError as exc:
        console.print(f"Error: {exc}")
        return 1
    values = {f.name: getattr(args, f.name) for f in fields(Params)}
    if values["home_max"] is None:
        values["home_max"] = getattr(settings, "home_timeline_max", 800)
    params = Params(**values)
    manifest_path = Path(args.manifest) if args.manifest else None
    console.print(
        f"Generating into {settings.effective_database_url.split('@')[-1]} (seed {params.seed})"
    )
    try:
        manifest = asyncio.run(
            generate(
                settings,
                params,
                reset=args.reset,
                analyze={"auto": None, "yes": True, "no": False}[args.analyze],
                manifest_path=manifest_path,
                console=console,
            )
        )
    except (ParamsError, migrate.MigrationError) as exc:
        console.print(f"Error: {exc}")
        return 1
    except (OSError, DBAPIError, PostgresError, sqlite3.Error) as exc:
        console.print(f"Error: the database failed: {str(exc).splitlines()[0]}")
        return 1
    print_summary(console, manifest, manifest_path or settings.data_dir / MANIFEST_NAME)
    return 0


if __name__ == "__main__":
    sys.exit(main())
