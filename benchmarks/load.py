"""Load the server with the benchmark scenarios and print p50/p95/p99 latency and requests/s.

    .venv/bin/python -m benchmarks.load                      # starts `pyleroma serve` itself
    .venv/bin/python -m benchmarks.load --url http://127.0.0.1:4000 --duration 30

Reads the manifest the generator wrote (``DATA_DIR/benchmark.json``: tokens, the thread to
read, the hashtag). Each scenario first sends ``--warmup`` requests that are not counted,
then ``--concurrency`` workers send requests back to back for ``--duration`` seconds (or
``--requests`` in all); ``--concurrency 1,8`` measures each scenario at both levels (1: the
latency one client sees on an otherwise idle server; 8: latency under load, and req/s).
Latency is measured per request by the client, from sending to the last byte of the body;
percentiles are over successful (2xx) responses, and anything else is counted as an error
with its status (a 404 means the endpoint is missing, not slow).

Scenarios (``--only`` takes these keys): home timeline pages 1-3 for accounts following 500
others (``home1..3``) and for the quiet cohort (``quiet1..3``); pages 2 and 3 use the
``max_id`` of the previous page's Link header, fetched once per account before measuring.
``public`` (local public timeline), ``hashtag``, ``context`` (the deep thread),
``notifications``, ``search_word`` and ``search_rare`` (statuses with a common and a rare
word), ``search_account`` (an account prefix), and ``post``: ``POST /api/v1/statuses`` by
the account with 1,000 followers, last because it changes home timelines. After it the
script waits for the job queue to drain (the fan-out jobs of the posts), and finally times
single posts from the request to the end of their fan-out on an idle queue.

The client shares the machine with the server: on 2 cores, req/s is a lower bound of what
the server alone would do. Server RSS and CPU are read with psutil when the script started
the server (or ``--server-pid`` names it).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import aiohttp
from rich.console import Console

from benchmarks.report import command_line, machine, print_report, save_json
from benchmarks.server import ProcessWatch, Server, ServerError
from benchmarks.settings_args import add_settings_arguments, settings_from_args
from pyleroma.settings import SettingsError

MANIFEST_NAME = "benchmark.json"
FANOUT_KIND = "timeline.fanout"

# method, path (with query), bearer token, JSON body
Call = tuple[str, str, str, dict | None]


def percentile(values: list[float], pct: float) -> float | None:
    """The ``pct`` percentile of ``values`` by linear interpolation between closest ranks
    (numpy's default); None for no values. ``values`` need not be sorted."""
    if not values:
        return None
    if not 0 <= pct <= 100:
        raise ValueError("pct must be between 0 and 100")
    ordered = sorted(values)
    rank = pct / 100 * (len(ordered) - 1)
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Recorder:
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)

    def add(self, status: int | str, elapsed_ms: float) -> None:
        if isinstance(status, int) and 200 <= status < 300:
            self.latencies_ms.append(elapsed_ms)
        else:
            self.errors[str(status)] += 1

    @property
    def count(self) -> int:
        return len(self.latencies_ms) + sum(self.errors.values())


def summarize(recorder: Recorder, elapsed_s: float) -> dict:
    """requests, errors (by status), req/s and latency percentiles in ms."""
    lat = recorder.latencies_ms

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 2)

    return {
        "requests": recorder.count,
        "errors": sum(recorder.errors.values()),
        "error_statuses": dict(recorder.errors),
        "seconds": round(elapsed_s, 2),
        "rps": round(recorder.count / elapsed_s, 1) if elapsed_s > 0 else None,
        "p50_ms": rounded(percentile(lat, 50)),
        "p95_ms": rounded(percentile(lat, 95)),
        "p99_ms": rounded(percentile(lat, 99)),
        "mean_ms": rounded(statistics.fmean(lat)) if lat else None,
        "max_ms": rounded(max(lat)) if lat else None,
    }


@dataclass
class Scenario:
    key: str
    title: str
    make: Callable[[int], Call] | None
    skipped: str | None = None


@dataclass
class Options:
    levels: list[int] = field(default_factory=lambda: [8])
    duration: float = 15.0
    requests: int | None = None
    warmup: int = 50
    limit: int | None = None
    max_posts: int = 500


class Client:
    def __init__(self, session: aiohttp.ClientSession, base_url: str):
        self.session = session
        self.base_url = base_url.rstrip("/")

    async def call(self, call: Call) -> tuple[int | str, float, aiohttp.ClientResponse | None]:
        method, path, token, body = call
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        started = time.perf_counter()
        try:
            async with self.session.request(
                method, self.base_url + path, headers=headers, json=body
            ) as resp:
                await resp.read()
                return resp.status, (time.perf_counter() - started) * 1000, resp
        except (TimeoutError, aiohttp.ClientError) as exc:
            return type(exc).__name__, (time.perf_counter() - started) * 1000, None

    async def json(self, call: Call):
        status, _, resp = await self.call(call)
        if resp is None or status != 200:
            return status, None, None
        return status, await resp.json(content_type=None), resp

    async def drive(
        self,
        make: Callable[[int], Call],
        *,
        concurrency: int,
        count: int | None,
        deadline: float | None,
        recorder: Recorder | None,
        first: int = 0,
    ) -> int:
        """Send requests from ``concurrency`` workers until ``count`` or ``deadline``."""
        indexes = itertools.count(first)
        stop = first + count if count is not None else None

        async def worker() -> None:
            while True:
                if deadline is not None and time.perf_counter() >= deadline:
                    return
                index = next(indexes)
                if stop is not None and index >= stop:
                    return
                status, elapsed_ms, _ = await self.call(make(index))
                if recorder is not None:
                    recorder.add(status, elapsed_ms)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return next(indexes)


def next_max_id(resp: aiohttp.ClientResponse, items) -> str | None:
    """The Link header's next max_id, else the last item's id."""
    link = resp.links.get("next")
    if link is not None:
        found = link["url"].query.get("max_id")
        if found:
            return found
    if isinstance(items, list) and items and isinstance(items[-1], dict):
        return items[-1].get("id")
    return None


def with_query(path: str, **query) -> str:
    parts = [f"{k}={v}" for k, v in query.items() if v is not None]
    return path + ("?" + "&".join(parts) if parts else "")


async def home_cursors(client: Client, users: list[dict], limit: int | None) -> dict:
    """max_id of pages 2 and 3 for each user (fetched once, before measuring)."""
    cursors: dict[str, list[str]] = {}
    for user in users:
        found: list[str] = []
        max_id = None
        for _ in range(2):
            path = with_query("/api/v1/timelines/home", limit=limit, max_id=max_id)
            status, items, resp = await client.json(("GET", path, user["token"], None))
            if resp is None or not items:
                break
            max_id = next_max_id(resp, items)
            if max_id is None:
                break
            found.append(max_id)
        cursors[user["token"]] = found
    return cursors


def rotate(users: list[dict], build: Callable[[dict, int], Call]) -> Callable[[int], Call]:
    return lambda i: build(users[i % len(users)], i)


def home_scenarios(key: str, title: str, users: list[dict], cursors: dict, limit) -> list:
    scenarios = []
    for page in (1, 2, 3):
        name = f"{key}{page}"
        label = f"home page {page} ({title})"
        if not users:
            scenarios.append(Scenario(name, label, None, "no users with tokens in the manifest"))
            continue
        if page == 1:
            make = rotate(
                users,
                lambda u, _i: (
                    "GET",
                    with_query("/api/v1/timelines/home", limit=limit),
                    u["token"],
                    None,
                ),
            )
            scenarios.append(Scenario(name, label, make))
            continue
        paged = [u for u in users if len(cursors.get(u["token"], [])) >= page - 1]
        if not paged:
            reason = f"no page {page} cursor (page {page - 1} failed or was the last)"
            scenarios.append(Scenario(name, label, None, reason))
            continue
        make = rotate(
            paged,
            lambda u, _i, page=page: (
                "GET",
                with_query(
                    "/api/v1/timelines/home", limit=limit, max_id=cursors[u["token"]][page - 2]
                ),
                u["token"],
                None,
            ),
        )
        scenarios.append(Scenario(name, label, make))
    return scenarios


def search_scenarios(manifest: dict, users: list[dict], limit: int | None) -> list[Scenario]:
    """GET /api/v2/search for the manifest's words and account prefix, as the rotating
    users (what a status search finds depends on who asks)."""
    words = manifest.get("search") or {}
    wanted = (
        ("search_word", "common_word", "statuses", "search statuses, common word {q!r}"),
        ("search_rare", "rare_word", "statuses", "search statuses, rare word {q!r}"),
        ("search_account", "account_prefix", "accounts", "search accounts, prefix {q!r}"),
    )
    scenarios = []
    for key, field_name, kind, title in wanted:
        q = words.get(field_name)
        if not q or not users:
            reason = "no search words in the manifest" if not q else "no users with tokens"
            scenarios.append(Scenario(key, title.format(q=q), None, reason))
            continue
        path = with_query("/api/v2/search", q=quote(q), type=kind, limit=limit)
        make = rotate(users, lambda u, _i, path=path: ("GET", path, u["token"], None))
        scenarios.append(Scenario(key, title.format(q=q), make))
    return scenarios


async def build_scenarios(client: Client, manifest: dict, opts: Options) -> list[Scenario]:
    users = manifest["users"]
    regular, quiet, author = users.get("regular", []), users.get("quiet", []), users["author"]
    limit = opts.limit
    cursors = await home_cursors(client, regular + quiet, limit)
    scenarios = [
        *home_scenarios(
            "home", f"{manifest['params'].get('follows')} follows", regular, cursors, limit
        ),
        *home_scenarios("quiet", "quiet cohort", quiet, cursors, limit),
    ]

    def get(path: str) -> Callable[[int], Call]:
        return rotate(
            regular, lambda u, _i: ("GET", with_query(path, limit=limit), u["token"], None)
        )

    scenarios.append(
        Scenario("public", "public timeline, local", get("/api/v1/timelines/public?local=true"))
    )
    tag = manifest.get("hashtag", "bench0")
    scenarios.append(Scenario("hashtag", f"hashtag #{tag}", get(f"/api/v1/timelines/tag/{tag}")))
    context = manifest.get("context_status_id")
    scenarios.append(
        Scenario(
            "context",
            f"thread context ({manifest.get('context_ancestors', '?')} up, "
            f"{manifest.get('context_descendants', '?')} down)",
            rotate(
                regular,
                lambda u, _i: ("GET", f"/api/v1/statuses/{context}/context", u["token"], None),
            )
            if context
            else None,
            None if context else "no thread in the manifest",
        )
    )
    scenarios.append(Scenario("notifications", "notifications", get("/api/v1/notifications")))
    scenarios.extend(search_scenarios(manifest, regular, limit))
    followers = manifest["params"].get("author_followers")
    stamp = int(time.time())
    scenarios.append(
        Scenario(
            "post",
            f"POST /api/v1/statuses ({followers} followers)",
            rotate(
                author,
                lambda u, i: (
                    "POST",
                    "/api/v1/statuses",
                    u["token"],
                    {"status": f"Benchmark post {stamp}-{i}", "visibility": "public"},
                ),
            ),
        )
    )
    return scenarios


async def queue_pending(client: Client) -> int | None:
    """Fan-out jobs not yet done, from the healthcheck; None when it does not say."""
    status, body, _ = await client.json(("GET", "/api/v1/pleroma/healthcheck", "", None))
    stats = (body or {}).get("job_queue_stats") or {}
    kinds = stats.get("kinds") or {}
    counts = kinds.get(FANOUT_KIND) if kinds else None
    if counts is None:
        counts = stats.get("states")
    if not counts:
        return 0 if stats else None
    return int(counts.get("available", 0)) + int(counts.get("running", 0))


async def wait_drained(client: Client, timeout: float = 600.0) -> float | None:
    """Seconds until no fan-out job is pending (polling every 20 ms); None if unknown."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        pending = await queue_pending(client)
        if pending is None:
            return None
        if pending == 0:
            return time.perf_counter() - started
        await asyncio.sleep(0.02)
    return None


async def measure_fanout(client: Client, author: dict) -> dict:
    """One post's fan-out on an idle queue: post, then time until its job is done (median
    of five; the healthcheck is polled every 20 ms, which bounds the resolution)."""
    result: dict = {}
    singles = []
    for n in range(5):
        if await wait_drained(client) is None:
            result["error"] = "the healthcheck does not report the job queue"
            break
        body = {"status": f"Fan-out probe {int(time.time())}-{n}", "visibility": "public"}
        started = time.perf_counter()
        status, _, _ = await client.call(("POST", "/api/v1/statuses", author["token"], body))
        if status != 200:
            result["error"] = f"POST answered {status}"
            break
        if await wait_drained(client) is None:
            break
        singles.append((time.perf_counter() - started) * 1000)
    if singles:
        result["single_post_fanout_ms"] = round(statistics.median(singles), 1)
    return result


async def run_scenario(
    client: Client, scenario: Scenario, opts: Options, workers: int, watch: ProcessWatch
) -> dict:
    """Warm up, then measure one scenario at one concurrency."""
    row: dict = {"key": scenario.key, "title": scenario.title, "concurrency": workers}
    is_post = scenario.key == "post"
    count = opts.requests
    if is_post:
        count = min(count or opts.max_posts, opts.max_posts)
    await client.drive(
        scenario.make,
        concurrency=workers,
        count=0 if is_post else opts.warmup,
        deadline=None,
        recorder=None,
    )
    recorder = Recorder()
    cpu_before = watch.cpu_seconds()
    started = time.perf_counter()
    deadline = None if opts.requests is not None else started + opts.duration
    await client.drive(
        scenario.make,
        concurrency=workers,
        count=count,
        deadline=deadline,
        recorder=recorder,
        first=opts.warmup,
    )
    elapsed = time.perf_counter() - started
    row.update(summarize(recorder, elapsed))
    cpu_after = watch.cpu_seconds()
    if cpu_before is not None and cpu_after is not None and elapsed > 0:
        row["server_cpu_pct"] = round((cpu_after - cpu_before) / elapsed * 100, 1)
    if is_post and recorder.latencies_ms:
        # The next run must not start behind this one's fan-out backlog.
        drained = await wait_drained(client)
        row["fanout_drain_s"] = None if drained is None else round(drained, 2)
    return row


async def run(manifest: dict, url: str, opts: Options, only: set[str], watch: ProcessWatch):
    results = []
    fanout = None
    connector = aiohttp.TCPConnector(limit=max(opts.levels) * 2)
    timeout = aiohttp.ClientTimeout(total=60)
    rss_before = watch.rss_mb()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        client = Client(session, url)
        for scenario in await build_scenarios(client, manifest, opts):
            if only and scenario.key not in only:
                continue
            if scenario.make is None:
                results.append(
                    {"key": scenario.key, "title": scenario.title, "skipped": scenario.skipped}
                )
                continue
            for workers in opts.levels:
                results.append(await run_scenario(client, scenario, opts, workers, watch))
            if scenario.key == "post" and results[-1].get("p50_ms") is not None:
                fanout = await measure_fanout(client, manifest["users"]["author"][0])
    return {
        "results": results,
        "fanout": fanout,
        "server_rss_mb": {"before": rss_before, "after": watch.rss_mb()},
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.load", description="Run the benchmark scenarios."
    )
    parser.add_argument("--url", help="a running server (default: start `pyleroma serve`)")
    add_settings_arguments(parser)
    parser.add_argument("--manifest", help=f"generator manifest (default DATA_DIR/{MANIFEST_NAME})")
    parser.add_argument(
        "--concurrency",
        default="8",
        help="workers sending at once (default 8); a list (1,8) runs each scenario at each",
    )
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per scenario")
    parser.add_argument("--requests", type=int, help="requests per scenario instead of a duration")
    parser.add_argument("--warmup", type=int, default=50, help="uncounted requests first")
    parser.add_argument("--limit", type=int, help="page size (default: the server's, 20)")
    parser.add_argument("--max-posts", type=int, default=500, help="cap on POSTs (default 500)")
    parser.add_argument("--only", help="comma-separated scenario keys (home1,quiet2,post,...)")
    parser.add_argument("--server-pid", type=int, help="with --url: the server's pid for RSS")
    parser.add_argument("--json", dest="json_path", help="also write the report as JSON here")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console()
    if not console.is_terminal:
        console = Console(width=140)  # a log file gets the whole table
    try:
        settings = settings_from_args(args)
    except SettingsError as exc:
        console.print(f"Error: {exc}")
        return 1
    manifest_path = Path(args.manifest) if args.manifest else settings.data_dir / MANIFEST_NAME
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError) as exc:
        console.print(f"Error: no usable manifest at {manifest_path} ({exc}); run the generator")
        return 1
    try:
        levels = [max(1, int(x)) for x in args.concurrency.split(",") if x.strip()]
    except ValueError:
        console.print(f"Error: --concurrency takes numbers, not {args.concurrency!r}")
        return 1
    opts = Options(
        levels=levels,
        duration=args.duration,
        requests=args.requests,
        warmup=max(0, args.warmup),
        limit=args.limit,
        max_posts=max(1, args.max_posts),
    )
    only = {k.strip() for k in (args.only or "").split(",") if k.strip()}
    server = None
    url = args.url
    if url is None:
        server = Server(settings.data_dir, settings.database_url or None)
        server.start()
    try:
        if server is not None:
            asyncio.run(server.wait_ready())
            url = server.url
        pid = server.proc.pid if server is not None else args.server_pid
        console.print(f"Benchmarking {url} ({manifest['database']}), manifest {manifest_path}")
        outcome = asyncio.run(run(manifest, url, opts, only, ProcessWatch(pid)))
    except ServerError as exc:
        console.print(f"Error: {exc}")
        return 1
    finally:
        if server is not None:
            server.stop()
    report = {
        "url": url,
        "database": manifest["database"],
        "command": command_line("benchmarks.load", argv),
        "machine": machine(),
        "options": opts.__dict__,
        "dataset": {k: manifest.get(k) for k in ("params", "rows", "home_entries_per_account")},
        "author_followers": manifest["params"].get("author_followers"),
        "server_log": str(server.log_path) if server is not None else None,
        **outcome,
    }
    print_report(console, report)
    save_json(console, report, args.json_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
