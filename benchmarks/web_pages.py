"""The server-rendered public pages (issue 15): landing, profile, a post with its thread, tag.

    .venv/bin/python -m benchmarks.web_pages [--accounts 2000] [--statuses 20000] \\
        [--remote-accounts 10000] [--follows 20] [--thread-size 150] [--requests 200] \\
        [--warmup 10] [--cold 5] [--database-url postgresql+asyncpg://...] \\
        [--only landing,profile,...] [--pstats /tmp/pages.pstats]

Everything runs in this process, as benchmarks/admin_api.py: the app (``create_app``)
answers through httpx's ASGI transport, on a fresh database (SQLite in a temporary data dir,
or an empty ``--database-url``) whose tables come from the models. The data is the load
benchmarks' (benchmarks/generate.py, written in bulk with its progress bars): ``--accounts``
local accounts, ``--statuses`` statuses (replies, boosts, hashtags ``#bench0..49``, mentions,
favourites, one deep thread of ``--thread-size`` replies), ``--follows`` follows each; then
``--remote-accounts`` remote accounts on up to 200 instances (what an instance knows of the
fediverse: the landing page counts them), the most prolific regular account renamed
``alice`` with a bio and fields and three of her posts pinned through the pins service, and
five instance rules. The generator's manifest (``DATA_DIR/benchmark.json``) stays, so
benchmarks/profile_request.py can read a page of the same data afterwards.

Each page is requested as a crawler would: ``Accept: text/html`` and no browser User-Agent,
so the server renders its own page (api/web_pages.py). Before timing, each page's posts are
compared with what the client API answers an anonymous reader for the same thing (the
timeline, the account's pinned and other posts, the context); a page that shows other posts,
or answers anything but 200 (404 for ``not_found``), stops the benchmark. Then, per page,
one request at a time:
- ``--warmup`` times, untimed;
- ``--cold`` times each after emptying the entity cache (``cold``: the median latency, the
  most statements);
- ``--requests`` times, each timed: p50 / p99 latency, requests per second, CPU per request
  of this process (``getrusage``, every thread: SQLite's driver thread is in it) and, on a
  PostgreSQL server on this machine, of its backends serving the database (their process
  title names it), SQL statements per request and the time spent in the driver running them
  (benchmarks/profile_request.py's clock; the rest of the latency is Python), the page's
  size and the process's RSS after.
``--pstats`` writes a cProfile dump of the timed requests (one file per page; the figures of
a profiled run are the profiler's, not the page's). The 1-minute load average before and
after is printed, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from benchmarks.account_data import (
    AppBench,
    BenchmarkError,
    PeakRss,
    Usage,
    _expect,
    _ms,
    choice_list,
    markdown_table,
    percentile,
    print_figures,
    run_benchmark,
)
from benchmarks.admin_api import _analyze
from benchmarks.admin_api_rows import _insert
from benchmarks.dataset import Params, ParamsError
from benchmarks.profile_request import StatementClock

PAGE_KEYS = ("not_found", "landing", "profile", "notice", "notice_thread", "tag")
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
PROFILE_NICKNAME = "alice"
PINS = 3
RULES = (
    "Be kind: no harassment, no hate speech.",
    "Mark sensitive media and content warnings as such.",
    "No spam or unsolicited advertising.",
    "Bots must be marked as bots and post unlisted.",
    "Follow the law of the country the server is in.",
)
ARTICLE_ID = re.compile(r'<article class="status[^"]*" id="status-(\d+)"')


@dataclass
class Page:
    """One page: its path, the status it answers, and the posts it must show (in order)."""

    key: str
    path: str
    status: int = 200
    articles: list[str] = field(default_factory=list)  # (set by check_page, with size)
    size: int = 0  # bytes


@dataclass
class Seeded:
    """What the pages read, found in the data once it is written."""

    manifest: dict
    profile_id: int = 0
    pinned_ids: list[int] = field(default_factory=list)
    reply_id: int = 0  # a reply in an ordinary thread (the deep one is the manifest's)
    counts: dict = field(default_factory=dict)


class Bench(AppBench):
    """The app, an HTTP client on it, and the progress lines of the parts after the
    generator's."""

    def __init__(self, settings, console):
        super().__init__(settings)
        self.console = console

    def done(self, name: str, part: Usage) -> float:
        self.console.print(f"{name}: done in {part.wall:.1f} s")
        return round(part.wall, 1)


# --- the data -------------------------------------------------------------------------------


def generator_params(args: argparse.Namespace) -> Params:
    """The load benchmarks' data set at this size. Home timelines are not read by the pages:
    the generator writes only 20 entries per account. The quiet accounts and their cohort
    keep their shares of the accounts (1 in 400 and 1 in 20)."""
    regular_guess = args.accounts - args.accounts // 20 - 6
    return Params(
        accounts=args.accounts,
        statuses=args.statuses,
        follows=args.follows,
        quiet_accounts=max(1, min(5, args.accounts // 400)),
        quiet_cohort=args.accounts // 20,
        author_followers=max(0, min(1000, regular_guess // 2)),
        thread_size=args.thread_size,
        follow_notifications=min(20, args.follows),
        token_users=1,
        home_max=20,
    ).check()


async def remote_accounts(bench: Bench, count: int) -> int:
    """``count`` remote accounts spread over up to 200 instances (no posts of theirs: the
    pages read local posts, apart from the tag page, which shows remote ones too when there
    are); answers the number of instances."""
    from pyleroma.db.ids import new_id
    from pyleroma.models import Account

    domains = max(1, min(200, count // 50))
    rows = []
    for n in range(count):
        domain = f"remote{n % domains}.bench.invalid"
        nickname = f"far{n}@{domain}"
        ap_id = f"https://{domain}/users/far{n}"
        rows.append(
            {
                "id": new_id(),
                "nickname": nickname,
                "nickname_key": nickname.lower(),
                "domain": domain,
                "local": False,
                "ap_id": ap_id,
                "url": f"https://{domain}/@far{n}",
                "inbox": f"{ap_id}/inbox",
                "display_name": f"Far {n}",
                "note_html": f"<p>somewhere else, {n}</p>",
                "note_source": f"somewhere else, {n}",
            }
        )
    await _insert(bench.sessionmaker, Account, rows)
    return domains if count else 0


async def profile_account(bench: Bench) -> int:
    """The regular account with the most public posts, renamed ``alice`` with a bio and
    profile fields (the generator names accounts by role); answers its id."""
    from sqlalchemy import func, select, update

    from pyleroma.models import Account, Status
    from pyleroma.urls import local_actor_urls

    async with bench.sessionmaker() as session:
        account_id = await session.scalar(
            select(Status.account_id)
            .join(Account, Account.id == Status.account_id)
            .where(
                Account.nickname.like("user%"),
                Status.visibility == "public",
                Status.reblog_of_id.is_(None),
            )
            .group_by(Status.account_id)
            .order_by(func.count().desc(), Status.account_id)
            .limit(1)
        )
        _expect(account_id is not None, "no regular account posted in public")
        bio = "Gardener, reader of old maps. Posts about #bench0 and whatever grows."
        await session.execute(
            update(Account)
            .where(Account.id == account_id)
            .values(
                nickname=PROFILE_NICKNAME,
                nickname_key=PROFILE_NICKNAME,
                display_name="Alice Liddell",
                note_source=bio,
                note_html=f"<p>{bio}</p>",
                fields=[
                    {
                        "name": "Garden",
                        "value": '<a href="https://garden.example" rel="me">garden.example</a>',
                    },
                    {"name": "Pronouns", "value": "she/her"},
                ],
                **local_actor_urls(bench.settings, PROFILE_NICKNAME),
            )
        )
        await session.commit()
    return account_id


async def pin_posts(bench: Bench, account_id: int) -> list[int]:
    """Three of the account's public posts pinned through the pins service: one recent (on
    the profile's first page too, which leaves it out of the posts below the pins), two
    older ones."""
    from sqlalchemy import select

    from pyleroma.models import Account, Status
    from pyleroma.services.statuses.pins import pin

    async with bench.sessionmaker() as session:
        posts = list(
            await session.scalars(
                select(Status.id)
                .where(
                    Status.account_id == account_id,
                    Status.visibility == "public",
                    Status.reblog_of_id.is_(None),
                )
                .order_by(Status.id.desc())
            )
        )
    picks = sorted({posts[min(1, len(posts) - 1)], posts[len(posts) // 3], posts[-1]})
    for status_id in picks:
        async with bench.sessionmaker() as session:
            actor = await session.get(Account, account_id)
            await pin(session, bench.settings, actor, await session.get(Status, status_id))
    return picks


async def rules(bench: Bench) -> None:
    from pyleroma.db.ids import new_id
    from pyleroma.models import InstanceRule

    async with bench.sessionmaker() as session:
        for position, text in enumerate(RULES):
            session.add(InstanceRule(id=new_id(), text=text, hint="", position=position))
        await session.commit()


async def ordinary_reply(bench: Bench, thread_root: str | None) -> int:
    """A public reply outside the deep thread, the most answered one: a post page as most
    are, a few posts above and below it."""
    from sqlalchemy import select

    from pyleroma.models import Status

    query = (
        select(Status.id)
        .where(Status.in_reply_to_id.is_not(None), Status.visibility == "public")
        .order_by(Status.replies_count.desc(), Status.id.desc())
        .limit(1)
    )
    if thread_root:
        query = query.where(Status.conversation_id != int(thread_root))
    async with bench.sessionmaker() as session:
        found = await session.scalar(query)
    _expect(found is not None, "no public reply in the data")
    return found


async def seed(bench: Bench, args: argparse.Namespace) -> tuple[Seeded, dict]:
    """The data, and how long each part took to write (seconds)."""
    from benchmarks.generate import generate

    timings = {}
    with Usage() as part:
        manifest = await generate(
            bench.settings,
            generator_params(args),
            run_migrations=False,  # the tables are the models' (AppBench.create_tables)
            analyze=False,  # below, once everything is written
            console=bench.console,
        )
    timings["generator"] = round(part.wall, 1)
    seeded = Seeded(manifest=manifest)
    with Usage() as part:
        seeded.counts["remote_domains"] = await remote_accounts(bench, args.remote_accounts)
    timings["remote_accounts"] = bench.done("remote accounts", part)
    with Usage() as part:
        seeded.profile_id = await profile_account(bench)
        seeded.pinned_ids = await pin_posts(bench, seeded.profile_id)
        await rules(bench)
        seeded.reply_id = await ordinary_reply(bench, manifest.get("thread_root_id"))
        await _analyze(bench)
    timings["profile_pins_rules_analyze"] = bench.done("profile, pins, rules, analyze", part)
    seeded.counts.update(await _stored_counts(bench, seeded))
    return seeded, timings


async def _stored_counts(bench: Bench, seeded: Seeded) -> dict[str, int]:
    """What was written, counted from the tables."""
    from sqlalchemy import func, select

    from pyleroma.models import Account, Status, StatusPin

    async with bench.sessionmaker() as session:
        by_kind = await session.execute(select(Account.local, func.count()).group_by(Account.local))
        accounts = dict(by_kind.all())
        posts = select(func.count()).select_from(Status)
        return {
            "local_accounts": accounts.get(True, 0),
            "remote_accounts": accounts.get(False, 0),
            "statuses": await session.scalar(posts),
            "profile_posts": await session.scalar(
                posts.where(Status.account_id == seeded.profile_id)
            ),
            "pins": await session.scalar(select(func.count()).select_from(StatusPin)),
        }


# --- the pages and what they must show ------------------------------------------------------


def pages(seeded: Seeded, only: list[str] | None = None) -> list[Page]:
    manifest = seeded.manifest
    found = [
        # The floor of a page: the routing, one lookup, the HTML 404.
        Page("not_found", "/@nobody-here", status=404),
        Page("landing", "/"),
        Page("profile", f"/@{PROFILE_NICKNAME}"),
        Page("notice", f"/notice/{seeded.reply_id}"),
        Page("notice_thread", f"/notice/{manifest['context_status_id']}"),
        Page("tag", f"/tag/{manifest['hashtag']}"),
    ]
    return [page for page in found if only is None or page.key in only]


async def _api(bench: Bench, path: str):
    response = await bench.client.get(path)  # anonymous, as the pages' readers
    _expect(response.status_code == 200, f"{path}: {response.status_code} {response.text}")
    return response.json()


def _shown_ids(statuses: list[dict]) -> list[str]:
    """The ids a page's articles carry: a boost shows (and is named by) its original."""
    return [(status.get("reblog") or status)["id"] for status in statuses]


async def expected_articles(bench: Bench, seeded: Seeded, page: Page) -> list[str]:
    """What the client API shows an anonymous reader of the same thing, in page order."""
    limit = "limit=20"
    if page.key == "landing":
        return _shown_ids(await _api(bench, f"/api/v1/timelines/public?local=true&{limit}"))
    if page.key == "tag":
        tag = seeded.manifest["hashtag"]
        return _shown_ids(await _api(bench, f"/api/v1/timelines/tag/{tag}?{limit}"))
    if page.key == "profile":
        base = f"/api/v1/accounts/{seeded.profile_id}/statuses"
        pinned = _shown_ids(await _api(bench, f"{base}?pinned=true"))
        posts = await _api(bench, f"{base}?{limit}")
        return pinned + [i for i in _shown_ids(posts) if i not in pinned]
    if page.key.startswith("notice"):
        status_id = page.path.rsplit("/", 1)[-1]
        context = await _api(bench, f"/api/v1/statuses/{status_id}/context")
        return [
            *(s["id"] for s in context["ancestors"]),
            status_id,
            *(s["id"] for s in context["descendants"]),
        ]
    return []


async def _get(bench: Bench, page: Page):
    response = await bench.client.get(page.path, headers=HTML)
    _expect(
        response.status_code == page.status,
        f"{page.path}: {response.status_code}, {page.status} expected: {response.text[:300]}",
    )
    _expect(
        response.headers.get("content-type", "").startswith("text/html"),
        f"{page.path}: {response.headers.get('content-type')}",
    )
    return response


async def check_page(bench: Bench, seeded: Seeded, page: Page) -> None:
    """The page shows the posts the API shows, in order (a first request, untimed)."""
    page.articles = await expected_articles(bench, seeded, page)
    response = await _get(bench, page)
    shown = ARTICLE_ID.findall(response.text)
    _expect(
        shown == page.articles,
        f"{page.path} shows {len(shown)} posts, the API {len(page.articles)}: "
        f"{shown[:5]}... vs {page.articles[:5]}...",
    )
    if page.key in ("landing", "tag", "profile"):
        _expect(len(shown) >= 20, f"{page.path}: a short page ({len(shown)} posts)")
    if page.key == "profile":
        pinned = [str(i) for i in seeded.pinned_ids]
        _expect(sorted(shown[:PINS]) == sorted(pinned), f"pins {shown[:PINS]} vs {pinned}")
    page.size = len(response.content)


# --- measuring ------------------------------------------------------------------------------


class ServerCpu:
    """CPU seconds of the PostgreSQL backends serving ``database`` on this machine (their
    process title names it), which ``getrusage`` does not see; None when there are none
    (SQLite, or a server elsewhere)."""

    def __init__(self, database: str | None):
        self.database = database
        self.seconds: float | None = None

    def _sample(self) -> dict[int, float]:
        if not self.database:
            return {}
        found = {}
        for process in psutil.process_iter(["cmdline"]):
            title = " ".join(process.info["cmdline"] or []) + " "
            if title.startswith("postgres:") and f" {self.database} " in title:
                try:
                    times = process.cpu_times()
                except psutil.Error:
                    continue
                found[process.pid] = times.user + times.system
        return found

    def __enter__(self) -> ServerCpu:
        self._before = self._sample()
        return self

    def __exit__(self, *exc) -> None:
        after = self._sample()
        if after:
            self.seconds = sum(t - self._before.get(pid, 0.0) for pid, t in after.items())


def _database_name(settings) -> str | None:
    from sqlalchemy.engine import make_url

    url = make_url(settings.effective_database_url)
    return url.database if url.get_backend_name() == "postgresql" else None


async def measure(
    bench: Bench,
    clock: StatementClock,
    page: Page,
    args: argparse.Namespace,
    pstats: str | None,
) -> dict:
    """Warm-up, ``cold`` reads each after emptying the entity cache (the median kept), then
    the timed reads (the cache filled again by the first of them)."""
    want = len(page.articles)

    async def one() -> None:
        response = await _get(bench, page)
        shown = response.text.count("<article ")
        _expect(shown == want, f"{page.path}: {shown} posts, {want} expected")

    for _ in range(args.warmup):
        await one()
    cold_times, cold_counts = [], []
    for _ in range(args.cold):
        bench.app.state.entity_cache.forget_all()
        before = clock.count
        with Usage() as single:
            await one()
        cold_times.append(single.wall)
        cold_counts.append(clock.count - before)
    times, per_request = [], []
    profiler = cProfile.Profile() if pstats else None
    statements_before, sql_before = clock.count, clock.seconds
    with ServerCpu(_database_name(bench.settings)) as server, Usage() as total:
        if profiler:
            profiler.enable()
        for _ in range(args.requests):
            before = clock.count
            started = time.perf_counter()
            await one()
            times.append(time.perf_counter() - started)
            per_request.append(clock.count - before)
        if profiler:
            profiler.disable()
    if profiler:
        profiler.dump_stats(pstats)
    n = args.requests
    return {
        "rows": want,
        "page_kb": round(page.size / 1024, 1),
        "p50_ms": _ms(percentile(times, 50)),
        "p99_ms": _ms(percentile(times, 99)),
        "req_per_s": round(n / total.wall, 1),
        "cpu_ms_per_req": round(total.cpu * 1000 / n, 2),
        "db_cpu_ms_per_req": (
            round(server.seconds * 1000 / n, 2) if server.seconds is not None else None
        ),
        "statements_per_req": round((clock.count - statements_before) / n, 2),
        "statements_min_max": [min(per_request), max(per_request)],
        "sql_ms_per_req": round((clock.seconds - sql_before) * 1000 / n, 2),
        "cold_ms": _ms(percentile(cold_times, 50)) if cold_times else None,
        "cold_statements": max(cold_counts) if cold_counts else None,
        "rss_mb": round(psutil.Process().memory_info().rss / 2**20, 1),
    }


def _pstats_path(pstats: str | None, key: str, several: bool) -> str | None:
    if not pstats:
        return None
    if not several:
        return pstats
    path = Path(pstats)
    return str(path.with_name(f"{path.stem}.{key}{path.suffix or '.pstats'}"))


# --- running --------------------------------------------------------------------------------


only_arg = choice_list(PAGE_KEYS)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from pyleroma.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=2000, help="local accounts")
    parser.add_argument("--statuses", type=int, default=20000, help="local statuses in all")
    parser.add_argument(
        "--remote-accounts", type=int, default=10000, help="known remote accounts (no posts)"
    )
    parser.add_argument("--follows", type=int, default=20, help="follows per regular account")
    parser.add_argument("--thread-size", type=int, default=150, help="replies in the deep thread")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per page")
    parser.add_argument(
        "--cold", type=int, default=5, help="reads with the entity cache emptied (median)"
    )
    parser.add_argument("--database-url", default="", help="an empty database (default SQLite)")
    parser.add_argument("--data-dir", default="", help="default: a new temporary directory")
    parser.add_argument("--only", type=only_arg, default=None, help="some of the pages")
    parser.add_argument("--pstats", default="", help="cProfile dump(s) of the timed requests")
    parser.add_argument("--argon2-time-cost", type=int, default=Settings.argon2_time_cost)
    parser.add_argument("--argon2-memory-cost", type=int, default=Settings.argon2_memory_cost)
    return parser.parse_args(argv)


async def run(args: argparse.Namespace, console=None) -> dict:
    from rich.console import Console

    import pyleroma.models  # noqa: F401  (every table for create_all)
    from pyleroma.settings import Settings

    _expect(args.requests >= 1, "--requests: at least 1")
    try:
        params = generator_params(args)  # (its errors before anything is written)
    except ParamsError as exc:
        raise BenchmarkError(str(exc)) from None
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="pyleroma-web-pages-bench-"))
    settings = Settings(
        data_dir=data_dir,
        database_url=args.database_url or "",
        base_url="http://bench.invalid",
        jobs_in_process=False,
        log_level="error",
        max_pinned_statuses=PINS,  # (Pleroma's default is 1; an admin may allow more)
        argon2_time_cost=args.argon2_time_cost,
        argon2_memory_cost=args.argon2_memory_cost,
    ).validate()
    result: dict = {
        "engine": "postgresql" if args.database_url else "sqlite",
        "load_1min_before": round(os.getloadavg()[0], 2),
        "requests": args.requests,
        "generator": {k: getattr(params, k) for k in ("accounts", "statuses", "follows")},
    }
    bench = Bench(settings, console or Console(stderr=True))
    try:
        await bench.create_tables()
        with Usage() as seeding:
            seeded, timings = await seed(bench, args)
        result["seed_seconds"] = {**timings, "all": round(seeding.wall, 1)}
        manifest = seeded.manifest
        result["seeded"] = {
            **seeded.counts,
            "status_kinds": manifest.get("status_kinds"),
            "thread": [manifest.get("context_ancestors"), manifest.get("context_descendants")],
        }
        wanted = pages(seeded, args.only)
        with Usage() as first:
            for page in wanted:
                await check_page(bench, seeded, page)
        result["first_requests_ms"] = _ms(first.wall)  # (router build, API checks, cold cache)
        result["rss_before_mb"] = round(psutil.Process().memory_info().rss / 2**20, 1)
        clock = StatementClock(bench.app.state.engine)
        measured = {}
        with PeakRss() as rss:
            for page in wanted:
                pstats = _pstats_path(args.pstats, page.key, len(wanted) > 1)
                measured[page.key] = await measure(bench, clock, page, args, pstats)
        result["pages"] = measured
        result["peak_rss_mb"] = round(rss.peak / 2**20, 1)
        if args.pstats:
            result["profiled"] = "figures taken under cProfile"
    finally:
        await bench.close()
    result["load_1min_after"] = round(os.getloadavg()[0], 2)
    return result


COLUMNS = (
    ("rows", "posts"),
    ("page_kb", "KB"),
    ("p50_ms", "p50 ms"),
    ("p99_ms", "p99 ms"),
    ("req_per_s", "req/s"),
    ("cpu_ms_per_req", "CPU ms/req"),
    ("db_cpu_ms_per_req", "PG CPU ms/req"),
    ("statements_per_req", "SQL/req"),
    ("sql_ms_per_req", "SQL ms/req"),
    ("cold_ms", "cold ms"),
    ("cold_statements", "cold SQL"),
)


def table(result: dict) -> str:
    """The per-page figures as a Markdown table (the PostgreSQL column only when measured)."""
    pages_ = result["pages"]
    columns = [
        (name, title)
        for name, title in COLUMNS
        if name != "db_cpu_ms_per_req" or any(f[name] is not None for f in pages_.values())
    ]
    return markdown_table("page", pages_, columns)


def print_result(result: dict) -> None:
    print_figures(result, "pages", table(result))


def main(argv: list[str] | None = None) -> int:
    return run_benchmark(argv, parse_args, run, print_result)


if __name__ == "__main__":
    sys.exit(main())
