"""Admin API reads (issue 14): the list routes and a few single reads, per route.

    .venv/bin/python -m benchmarks.admin_api [--accounts 2000] [--statuses 20000] \\
        [--rich 500] [--reports 500] [--log-entries 2000] [--chats 50] [--page-size 50] \\
        [--requests 200] [--warmup 10] [--database-url postgresql+asyncpg://...] \\
        [--only users,reports,...]

Everything runs in this process, as benchmarks/account_data.py: the app (``create_app``,
with ``configurable_from_database`` on) answers through httpx's ASGI transport; a fresh
database (SQLite in a temporary data dir, or an empty ``--database-url``) gets its tables
from the models, then the data of benchmarks/admin_api_rows.py: ``--accounts`` accounts (a
quarter remote, on up to 20 instances), ``--statuses`` statuses of which the newest
``--rich`` are posted through the posting service (replies, mentions, hashtags, polls,
pictures, reblogs) and the others written in bulk, ``--reports`` reports with notes,
``--log-entries`` moderation log entries, ``--chats`` chats of one account, and two
ConfigDB settings saved through ``POST /config``. An admin logs in with the password grant.

Each route is then read by the admin, one request at a time (``verify_credentials``, not
an admin route, first: the floor of any authenticated read):
- ``--warmup`` times, untimed;
- ``--cold`` times each after emptying the entity cache (``cold``: the median latency,
  the most statements);
- ``--requests`` times, each timed: p50 / p99 latency, requests per second (the requests
  over their total time), CPU per request (``getrusage`` over the requests, every thread of
  this process: on PostgreSQL the server's own CPU is not in it), SQL statements per
  request (SQLAlchemy's and db/fastread.py's, as tests/statement_counter.py counts them;
  the counting is on during the timing, as in account_data.py), the process's RSS after.
Every answer is checked: 200, the page full (``--page-size`` rows, every chat), the totals
the routes report equal to what was written; a figure for work not done raises instead.
The 1-minute load average before and after is printed, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from benchmarks.account_data import (
    AppBench,
    PeakRss,
    Usage,
    _expect,
    _ms,
    choice_list,
    counting_statements,
    markdown_table,
    percentile,
    print_figures,
    run_benchmark,
)
from benchmarks.admin_api_rows import (
    Seeded,
    Sizes,
    bulk_accounts,
    bulk_reports,
    bulk_statuses,
    chats,
    log_entries,
    recount,
    rich_statuses,
)

PASSWORD = "benchmark-password"
ADMIN = "/api/pleroma/admin"
CONFIG_SAVED = [
    {
        "group": ":pleroma",
        "key": ":instance",
        "value": [
            {"tuple": [":name", "Benchmark Garden"]},
            {"tuple": [":description", "An instance being measured"]},
        ],
    }
]


@dataclass
class Route:
    """One read: its path, and how to check its answer (raises BenchmarkError)."""

    key: str
    path: str
    check: object  # (body) -> rows in the answer


def _rows(name: str, want: int, total_key: str | None = None, total: int | None = None):
    """A check: the list under ``name`` (the body itself for None) holds ``want`` rows,
    and ``total_key`` (if given) says ``total``."""

    def check(body) -> int:
        rows = body if name is None else body.get(name)
        _expect(isinstance(rows, list), f"no list under {name!r}: {str(body)[:200]}")
        _expect(len(rows) == want, f"{len(rows)} rows under {name!r}, {want} expected")
        if total_key is not None:
            _expect(body[total_key] == total, f"{total_key} {body[total_key]}, {total} expected")
        return len(rows)

    return check


def _one(keys: set[str]):
    def check(body) -> int:
        _expect(isinstance(body, dict) and keys <= set(body), f"answer {str(body)[:200]}")
        return 1

    return check


def _config(body) -> int:
    configs = body.get("configs") or []
    instance = [c for c in configs if c["key"] == ":instance"]
    _expect(instance and instance[0]["db"] == [":name", ":description"], f"config {instance}")
    return len(configs)


def _descriptions(body) -> int:
    _expect(isinstance(body, list) and len(body) > 10, f"descriptions {str(body)[:200]}")
    return len(body)


def _stats(total_posts: int):
    def check(body) -> int:
        counts = body["status_visibility"]
        _expect(sum(counts.values()) == total_posts, f"stats {counts}, {total_posts} posts")
        return 1

    return check


# --- the app, the data ------------------------------------------------------------------------


class Bench(AppBench):
    """The app, an HTTP client on it and the admin's token."""

    def __init__(self, settings):
        super().__init__(settings)
        self.headers: dict = {}

    async def prepare(self) -> int:
        """Tables, an empty database, the admin logged in; the admin's id."""
        from pyleroma.services.accounts.accounts import create_local_account

        await self.create_tables()
        async with self.sessionmaker() as session:
            admin = await create_local_account(
                session, self.settings, "boss", "boss@bench.invalid", PASSWORD, is_admin=True
            )
            await session.commit()
        app = await self.client.post(
            "/api/v1/apps",
            data={
                "client_name": "bench",
                "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                "scopes": "read write admin",
            },
        )
        _expect(app.status_code == 200, f"app registration: {app.text}")
        token = await self.client.post(
            "/oauth/token",
            data={
                "grant_type": "password",
                "username": "boss",
                "password": PASSWORD,
                "client_id": app.json()["client_id"],
                "client_secret": app.json()["client_secret"],
                "scope": "read write admin",
            },
        )
        _expect(token.status_code == 200, f"admin login: {token.text}")
        self.headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        return admin.id

    async def warm_routes(self, routes: list[Route]) -> None:
        """FastAPI builds a mounted router's routes at its first request: one
        unauthenticated request per route pays that before any timing."""
        with Usage() as warmup:
            for route in routes:
                await self.client.get(route.path)
        self.warmup_ms = _ms(warmup.wall)


async def seed(bench: Bench, sizes: Sizes, admin_id: int) -> tuple[Seeded, dict]:
    """The data, and how long each part took to write (seconds)."""
    seeded = Seeded(admin_id=admin_id)
    timings = {}
    maker, settings = bench.sessionmaker, bench.settings
    with Usage() as part:
        await bulk_accounts(maker, settings, sizes, seeded)
    timings["accounts"] = round(part.wall, 1)
    with Usage() as part:
        reportable = await bulk_statuses(maker, settings, sizes, seeded)
    timings["bulk_statuses"] = round(part.wall, 1)
    with Usage() as part:
        await rich_statuses(maker, settings, sizes, seeded)
    timings["rich_statuses"] = round(part.wall, 1)
    with Usage() as part:
        await bulk_reports(maker, sizes, seeded, reportable)
        await log_entries(maker, sizes, seeded)
        await chats(maker, settings, sizes, seeded)
        await recount(maker)
    timings["reports_log_chats"] = round(part.wall, 1)
    response = await bench.client.post(
        f"{ADMIN}/config", json={"configs": CONFIG_SAVED}, headers=bench.headers
    )
    _expect(response.status_code == 200, f"POST /config: {response.text}")
    seeded.counts.update(await _stored_counts(bench, seeded))
    await _analyze(bench)
    return seeded, timings


async def _analyze(bench: Bench) -> None:
    """PostgreSQL: the planner's statistics, as autovacuum would have gathered them on a
    server after such a load (this machine's server runs with autovacuum off: without them
    the planner takes the accounts table for a single row and some statements take
    seconds). SQLite: nothing, as a server never runs ANALYZE either."""
    from sqlalchemy import text

    engine = bench.app.state.engine
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.execute(text("ANALYZE"))


async def _stored_counts(bench: Bench, seeded: Seeded) -> dict[str, int]:
    """What the routes' totals must say, counted straight from the tables."""
    from sqlalchemy import func, select

    from pyleroma.models import Account, ModerationLog, Report, Status

    async def count(stmt) -> int:
        async with bench.sessionmaker() as session:
            return await session.scalar(stmt)

    prolific = select(Account.id).where(Account.nickname == seeded.prolific).scalar_subquery()
    return {
        "accounts": await count(select(func.count()).select_from(Account)),
        "listed_accounts": await count(
            select(func.count()).select_from(Account).where(Account.invisible.is_(False))
        ),
        "statuses": await count(select(func.count()).select_from(Status)),
        "posts": await count(
            select(func.count()).select_from(Status).where(Status.reblog_of_id.is_(None))
        ),
        "open_posts": await count(
            select(func.count())
            .select_from(Status)
            .where(Status.visibility.in_(("public", "unlisted")), Status.reblog_of_id.is_(None))
        ),
        "prolific_readable": await count(
            select(func.count())
            .select_from(Status)
            .where(
                Status.account_id == prolific,
                Status.visibility.in_(("public", "unlisted")),
                Status.reblog_of_id.is_(None),
            )
        ),
        "host_readable": await count(
            select(func.count())
            .select_from(Status)
            .where(
                Status.account_id.in_(select(Account.id).where(Account.domain == seeded.host)),
                Status.visibility.in_(("public", "unlisted")),
                Status.reblog_of_id.is_(None),
            )
        ),
        "stored_reports": await count(select(func.count()).select_from(Report)),
        "log_entries": await count(select(func.count()).select_from(ModerationLog)),
    }


def routes(seeded: Seeded, page_size: int, only: list[str] | None = None) -> list[Route]:
    counts = seeded.counts
    size = f"page_size={page_size}"

    def full(total_key: str) -> int:
        """A first page holds page_size rows, or all of them when there are fewer."""
        return min(page_size, counts[total_key])

    found = [
        # Not an admin route: the floor of any authenticated read (token, account, render).
        Route(
            "verify_credentials",
            "/api/v1/accounts/verify_credentials",
            _one({"id", "username", "pleroma"}),
        ),
        Route(
            "users",
            f"{ADMIN}/users?{size}",
            _rows("users", full("listed_accounts"), "count", counts["listed_accounts"]),
        ),
        Route(
            "reports",
            f"{ADMIN}/reports?{size}",
            _rows("reports", full("reports"), "total", counts["reports"]),
        ),
        Route("statuses", f"{ADMIN}/statuses?{size}", _rows(None, full("open_posts"))),
        Route(
            "user_statuses",
            f"{ADMIN}/users/{seeded.prolific}/statuses?{size}",
            _rows("activities", full("prolific_readable"), "total", counts["prolific_readable"]),
        ),
        Route(
            "instance_statuses",
            f"{ADMIN}/instances/{seeded.host}/statuses?{size}",
            _rows("activities", full("host_readable"), "total", counts["host_readable"]),
        ),
        Route(
            "moderation_log",
            f"{ADMIN}/moderation_log?{size}",
            _rows("items", full("log_entries"), "total", counts["log_entries"]),
        ),
        Route(
            "mastodon_accounts",
            f"/api/v1/admin/accounts?limit={page_size}",
            _rows(None, full("listed_accounts")),
        ),
        Route(
            "mastodon_reports",
            f"/api/v1/admin/reports?limit={page_size}",
            _rows(None, full("open_reports")),
        ),
        Route("user_chats", f"{ADMIN}/users/{seeded.chatter}/chats", _rows(None, counts["chats"])),
        Route("user", f"{ADMIN}/users/{seeded.prolific}", _one({"id", "nickname", "roles"})),
        Route(
            "report",
            f"{ADMIN}/reports/{seeded.report_id}",
            _one({"id", "account", "actor", "statuses", "notes"}),
        ),
        Route("config", f"{ADMIN}/config", _config),
        Route("config_descriptions", f"{ADMIN}/config/descriptions", _descriptions),
        Route("stats", f"{ADMIN}/stats", _stats(counts["posts"])),
    ]
    return [r for r in found if only is None or r.key in only]


ROUTE_KEYS = (
    "verify_credentials",
    "users",
    "reports",
    "statuses",
    "user_statuses",
    "instance_statuses",
    "moderation_log",
    "mastodon_accounts",
    "mastodon_reports",
    "user_chats",
    "user",
    "report",
    "config",
    "config_descriptions",
    "stats",
)


# --- measuring --------------------------------------------------------------------------------


async def _get(bench: Bench, route: Route):
    response = await bench.client.get(route.path, headers=bench.headers)
    _expect(response.status_code == 200, f"{route.path}: {response.status_code} {response.text}")
    return route.check(response.json())


async def measure(bench: Bench, route: Route, requests: int, warmup: int, cold: int) -> dict:
    """Warm-up, then ``cold`` reads each after emptying the entity cache (the median
    kept), then the timed reads (the cache filled again by the first of them)."""
    engine = bench.app.state.engine
    rows = await _get(bench, route)
    for _ in range(warmup):
        await _get(bench, route)
    cold_times, cold_counts = [], []
    for _ in range(cold):
        bench.app.state.entity_cache.forget_all()
        with counting_statements(engine) as cold_statements, Usage() as one:
            await _get(bench, route)
        cold_times.append(one.wall)
        cold_counts.append(cold_statements[0])
    times, per_request = [], []
    with counting_statements(engine) as statements, Usage() as total:
        for _ in range(requests):
            before = statements[0]
            started = time.perf_counter()
            await _get(bench, route)
            times.append(time.perf_counter() - started)
            per_request.append(statements[0] - before)
    return {
        "rows": rows,
        "p50_ms": _ms(percentile(times, 50)),
        "p99_ms": _ms(percentile(times, 99)),
        "req_per_s": round(requests / total.wall, 1),
        "cpu_ms_per_req": round(total.cpu * 1000 / requests, 2),
        "statements_per_req": round(statements[0] / requests, 2),
        "statements_min_max": [min(per_request), max(per_request)],
        "cold_ms": _ms(percentile(cold_times, 50)) if cold_times else None,
        "cold_statements": max(cold_counts) if cold_counts else None,
        "rss_mb": round(psutil.Process().memory_info().rss / 2**20, 1),
    }


# --- running ----------------------------------------------------------------------------------


only_arg = choice_list(ROUTE_KEYS)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from pyleroma.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--statuses", type=int, default=20000, help="statuses in all")
    parser.add_argument("--rich", type=int, default=500, help="of which posted by the service")
    parser.add_argument("--reports", type=int, default=500)
    parser.add_argument("--log-entries", type=int, default=2000)
    parser.add_argument("--chats", type=int, default=50, help="chats of the account read")
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per route")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per route")
    parser.add_argument(
        "--cold", type=int, default=5, help="reads with the entity cache emptied (median)"
    )
    parser.add_argument("--database-url", default="", help="an empty database (default SQLite)")
    parser.add_argument("--data-dir", default="", help="default: a new temporary directory")
    parser.add_argument("--only", type=only_arg, default=None, help="some of the routes")
    parser.add_argument("--argon2-time-cost", type=int, default=Settings.argon2_time_cost)
    parser.add_argument("--argon2-memory-cost", type=int, default=Settings.argon2_memory_cost)
    return parser.parse_args(argv)


def _sizes(args: argparse.Namespace) -> Sizes:
    sizes = Sizes(
        accounts=args.accounts,
        statuses=args.statuses,
        rich=args.rich,
        reports=args.reports,
        log_entries=args.log_entries,
        chats=args.chats,
    )
    _expect(sizes.remote_accounts >= 1, "--accounts: at least 4 (a quarter are remote)")
    _expect(sizes.accounts - sizes.remote_accounts > args.chats + 3, "--chats: too few accounts")
    _expect(args.rich < args.statuses, "--rich: fewer than --statuses")
    _expect(min(args.reports, args.log_entries, args.chats) >= 1, "sizes: at least 1 each")
    return sizes


async def run(args: argparse.Namespace) -> dict:
    import pyleroma.models  # noqa: F401  (every table for create_all)
    from pyleroma.settings import Settings

    sizes = _sizes(args)
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="pyleroma-admin-api-bench-"))
    settings = Settings(
        data_dir=data_dir,
        database_url=args.database_url or "",
        base_url="http://bench.invalid",
        jobs_in_process=False,
        log_level="error",
        configurable_from_database=True,
        argon2_time_cost=args.argon2_time_cost,
        argon2_memory_cost=args.argon2_memory_cost,
    ).validate()
    result: dict = {
        "engine": "postgresql" if args.database_url else "sqlite",
        "load_1min_before": round(os.getloadavg()[0], 2),
        "page_size": args.page_size,
        "requests": args.requests,
    }
    bench = Bench(settings)
    try:
        admin_id = await bench.prepare()
        result["rss_before_seed_mb"] = round(psutil.Process().memory_info().rss / 2**20, 1)
        with Usage() as seeding:
            seeded, timings = await seed(bench, sizes, admin_id)
        result["seed_seconds"] = {**timings, "all": round(seeding.wall, 1)}
        result["seeded"] = dict(seeded.counts)
        wanted = routes(seeded, args.page_size, args.only)
        await bench.warm_routes(wanted)
        result["router_warmup_ms"] = bench.warmup_ms
        result["rss_before_mb"] = round(psutil.Process().memory_info().rss / 2**20, 1)
        measured = {}
        with PeakRss() as rss:
            for route in wanted:
                measured[route.key] = await measure(
                    bench, route, args.requests, args.warmup, args.cold
                )
        result["routes"] = measured
        result["peak_rss_mb"] = round(rss.peak / 2**20, 1)
    finally:
        await bench.close()
    result["load_1min_after"] = round(os.getloadavg()[0], 2)
    return result


COLUMNS = (
    ("rows", "rows"),
    ("p50_ms", "p50 ms"),
    ("p99_ms", "p99 ms"),
    ("req_per_s", "req/s"),
    ("cpu_ms_per_req", "CPU ms/req"),
    ("statements_per_req", "SQL/req"),
    ("cold_ms", "cold ms"),
    ("cold_statements", "cold SQL"),
    ("rss_mb", "RSS MB"),
)


def table(result: dict) -> str:
    """The per-route figures as a Markdown table."""
    return markdown_table("route", result["routes"], COLUMNS)


def print_result(result: dict) -> None:
    print_figures(result, "routes", table(result))


def main(argv: list[str] | None = None) -> int:
    return run_benchmark(argv, parse_args, run, print_result)


if __name__ == "__main__":
    sys.exit(main())
