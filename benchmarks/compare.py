"""pyleroma beside its floor: the same endpoints, the same load, alternating, in one run.

    .venv/bin/python -m benchmarks.compare --data-dir /var/tmp/bench-small \\
        --concurrency 1,8 --duration 5 --rounds 2 --json /tmp/compare.json

Starts ``pyleroma serve`` on a generated data set (``benchmarks.generate``) and the floor
(``benchmarks.floor``: a bare FastAPI endpoint answering the very bytes pyleroma answered for
each endpoint), then, per endpoint and concurrency, drives them in turn, ``--rounds`` times
each, with the same closed-loop clients. For each it prints req/s, p50/p99 latency, the
server's CPU milliseconds per request (process CPU time over requests answered), the SQL
statements one request runs (counted in process on the same database) and pyleroma's ratio
to the floor. Posting is measured too (p50/p99 of ``POST /api/v1/statuses`` by the account
with the most followers) and the time until a post is in a follower's home timeline.

Endpoints (``--only`` takes these keys): ``home``, ``public_local``, ``public``,
``hashtag``, ``status``, ``context``, ``notifications``, ``verify_credentials``,
``account_statuses``, ``search``, and ``post``.

A benchmark prints figures; nothing here is a test. The client shares the machine with the
servers (and PostgreSQL), so req/s are lower bounds; CPU per request is the server's alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import aiohttp
import httpx
from rich.console import Console
from rich.table import Table

from benchmarks.load import Call, Client, Recorder, percentile, with_query
from benchmarks.profile_request import StatementClock
from benchmarks.report import command_line, fmt, machine, save_json
from benchmarks.server import ProcessWatch, Server, ServerError, free_port
from benchmarks.settings_args import add_settings_arguments, settings_from_args
from pyleroma.main import create_app
from pyleroma.settings import SettingsError

MANIFEST_NAME = "benchmark.json"


@dataclass
class Endpoint:
    key: str
    title: str
    path: str  # with query
    tokens: list[str]

    def call(self, index: int) -> Call:
        return ("GET", self.path, self.tokens[index % len(self.tokens)], None)


@dataclass
class Run:
    """The totals of one target at one concurrency, summed over rounds."""

    requests: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def add(self, recorder: Recorder, seconds: float, cpu: float) -> None:
        self.requests += recorder.count
        self.seconds += seconds
        self.cpu_seconds += cpu
        self.latencies_ms += recorder.latencies_ms
        for status, count in recorder.errors.items():
            self.errors[status] = self.errors.get(status, 0) + count

    def summary(self) -> dict:
        lat = self.latencies_ms
        return {
            "requests": self.requests,
            "errors": dict(self.errors),
            "rps": round(self.requests / self.seconds, 1) if self.seconds else None,
            "p50_ms": _round(percentile(lat, 50)),
            "p99_ms": _round(percentile(lat, 99)),
            "cpu_ms_per_request": _round(self.cpu_seconds * 1000 / self.requests, 3)
            if self.requests
            else None,
        }


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def endpoints(manifest: dict) -> list[Endpoint]:
    users = manifest["users"]["regular"]
    tokens = [u["token"] for u in users]
    someone = users[0]
    tag = manifest.get("hashtag", "bench0")
    thread = manifest.get("context_status_id")
    word = (manifest.get("search") or {}).get("rare_word", "aardvark")
    found = [
        Endpoint("home", "home timeline", "/api/v1/timelines/home", tokens),
        Endpoint("public_local", "public, local", "/api/v1/timelines/public?local=true", tokens),
        Endpoint("public", "public, federated", "/api/v1/timelines/public", tokens),
        Endpoint("hashtag", f"hashtag #{tag}", f"/api/v1/timelines/tag/{tag}", tokens),
        Endpoint("notifications", "notifications", "/api/v1/notifications", tokens),
        Endpoint(
            "verify_credentials",
            "verify_credentials",
            "/api/v1/accounts/verify_credentials",
            tokens,
        ),
        Endpoint(
            "account_statuses",
            f"statuses of @{someone['nickname']}",
            f"/api/v1/accounts/{someone['id']}/statuses",
            tokens,
        ),
        Endpoint("search", f"search {word!r}", with_query("/api/v2/search", q=quote(word)), tokens),
    ]
    if thread:
        found.insert(4, Endpoint("status", "one status", f"/api/v1/statuses/{thread}", tokens))
        found.insert(
            5, Endpoint("context", "its context", f"/api/v1/statuses/{thread}/context", tokens)
        )
    return found


async def count_statements(settings, chosen: list[Endpoint]) -> dict[str, float]:
    """SQL statements per request of each endpoint, counted in this process on the same
    database (second request of each: the first may fill process caches)."""
    app = create_app(settings)
    clock = StatementClock(app.state.engine)
    counts: dict[str, float] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as client:
            for endpoint in chosen:
                headers = {"Authorization": f"Bearer {endpoint.tokens[0]}"}
                await client.get(endpoint.path, headers=headers)
                clock.reset()
                for i in range(5):
                    token = endpoint.tokens[i % len(endpoint.tokens)]
                    await client.get(endpoint.path, headers={"Authorization": f"Bearer {token}"})
                counts[endpoint.key] = clock.count / 5
    return counts


async def capture(client: Client, chosen: list[Endpoint]) -> dict[str, str]:
    """One body per endpoint, for the floor to answer."""
    bodies = {}
    for endpoint in chosen:
        _, path, token, _ = endpoint.call(0)
        headers = {"Authorization": f"Bearer {token}"}
        async with client.session.get(client.base_url + path, headers=headers) as resp:
            if resp.status != 200:
                raise ServerError(f"{endpoint.path} answered {resp.status}")
            bodies[endpoint.key] = (await resp.read()).decode()
    return bodies


async def measure(
    client: Client, make, workers: int, seconds: float, watch: ProcessWatch, warmup: int
) -> tuple[Recorder, float, float]:
    await client.drive(make, concurrency=workers, count=warmup, deadline=None, recorder=None)
    recorder = Recorder()
    cpu_before = watch.cpu_seconds() or 0.0
    started = time.perf_counter()
    await client.drive(
        make,
        concurrency=workers,
        count=None,
        deadline=started + seconds,
        recorder=recorder,
        first=warmup,
    )
    elapsed = time.perf_counter() - started
    return recorder, elapsed, (watch.cpu_seconds() or 0.0) - cpu_before


async def follower_token(client: Client, manifest: dict) -> str | None:
    """A regular account of the manifest that follows the author (to watch its home)."""
    author = manifest["users"]["author"][0]
    by_id = {u["id"]: u["token"] for u in manifest["users"]["regular"]}
    path = f"/api/v1/accounts/{author['id']}/followers?limit=40"
    max_id = None
    for _ in range(50):
        status, items, resp = await client.json(
            ("GET", with_query(path, max_id=max_id), author["token"], None)
        )
        if status != 200 or not items:
            return None
        for account in items:
            if account["id"] in by_id:
                return by_id[account["id"]]
        link = resp.links.get("next")
        max_id = link["url"].query.get("max_id") if link else None
        if not max_id:
            return None
    return None


async def measure_posting(client: Client, manifest: dict, args, watch: ProcessWatch) -> dict:
    author = manifest["users"]["author"][0]
    stamp = int(time.time())

    def make(i: int) -> Call:
        body = {"status": f"Compare post {stamp}-{i}", "visibility": "public"}
        return ("POST", "/api/v1/statuses", author["token"], body)

    result: dict = {"followers": manifest["params"].get("author_followers")}
    for workers in args.levels:
        recorder, elapsed, cpu = await measure(client, make, workers, args.duration, watch, 0)
        run = Run()
        run.add(recorder, elapsed, cpu)
        result[f"c{workers}"] = run.summary()
        stamp += 1
    watcher = await follower_token(client, manifest)
    if watcher is None:
        result["home_arrival_ms"] = None
        return result
    arrivals = []
    for n in range(5):
        await asyncio.sleep(1.0)  # let the previous fan-out finish
        body = {"status": f"Arrival probe {stamp}-{n}", "visibility": "public"}
        started = time.perf_counter()
        status, posted, _ = await client.json(("POST", "/api/v1/statuses", author["token"], body))
        if status != 200:
            break
        while time.perf_counter() - started < 60:
            _, page, _ = await client.json(("GET", "/api/v1/timelines/home?limit=1", watcher, None))
            if page and page[0]["id"] == posted["id"]:
                arrivals.append((time.perf_counter() - started) * 1000)
                break
            await asyncio.sleep(0.005)
    result["home_arrival_ms"] = round(statistics.median(arrivals), 1) if arrivals else None
    return result


async def run(args, manifest: dict, settings, pyleroma: Server) -> dict:
    chosen = [e for e in endpoints(manifest) if not args.only or e.key in args.only]
    connector = aiohttp.TCPConnector(limit=max(args.levels) * 2)
    timeout = aiohttp.ClientTimeout(total=60)
    rows = []
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        ours = Client(session, pyleroma.url)
        bodies = await capture(ours, chosen)
        statements = await count_statements(settings, chosen) if chosen else {}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(bodies, handle)
        floor_port = free_port()
        floor_proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.floor", "--port", str(floor_port)]
            + ["--responses", handle.name]
        )
        try:
            floor = Client(session, f"http://127.0.0.1:{floor_port}")
            for _ in range(200):
                status, _, _ = await floor.call(("GET", "/ready", "", None))
                if status == 200:
                    break
                await asyncio.sleep(0.05)
            ours_watch = ProcessWatch(pyleroma.proc.pid)
            floor_watch = ProcessWatch(floor_proc.pid)
            for endpoint in chosen:
                for workers in args.levels:
                    totals = {"pyleroma": Run(), "floor": Run()}
                    floor_make = lambda _i, key=endpoint.key: ("GET", f"/floor/{key}", "", None)  # noqa: E731
                    for _ in range(args.rounds):
                        for name, client, make, watch in (
                            ("pyleroma", ours, endpoint.call, ours_watch),
                            ("floor", floor, floor_make, floor_watch),
                        ):
                            measured = await measure(
                                client, make, workers, args.duration, watch, args.warmup
                            )
                            totals[name].add(*measured)
                    row = {
                        "key": endpoint.key,
                        "title": endpoint.title,
                        "concurrency": workers,
                        "bytes": len(bodies[endpoint.key].encode()),
                        "statements": statements.get(endpoint.key),
                        "pyleroma": totals["pyleroma"].summary(),
                        "floor": totals["floor"].summary(),
                    }
                    ours_rps, floor_rps = row["pyleroma"]["rps"], row["floor"]["rps"]
                    row["rps_ratio"] = round(floor_rps / ours_rps, 1) if ours_rps else None
                    rows.append(row)
            posting = None
            if not args.only or "post" in args.only:
                posting = await measure_posting(ours, manifest, args, ours_watch)
        finally:
            floor_proc.terminate()
            floor_proc.wait(timeout=15)
            Path(handle.name).unlink(missing_ok=True)
    return {
        "rows": rows,
        "posting": posting,
        "server_rss_mb": ProcessWatch(pyleroma.proc.pid).rss_mb(),
    }


def print_table(console: Console, report: dict) -> None:
    table = Table(title=f"pyleroma vs floor ({report['database']})")
    for name in ("endpoint", "conc.", "stmts", "req/s", "p50", "p99", "CPU ms/req"):
        table.add_column(name, justify="left" if name == "endpoint" else "right")
    for name in ("floor req/s", "floor CPU ms", "x floor"):
        table.add_column(name, justify="right")
    for row in report["rows"]:
        ours, floor = row["pyleroma"], row["floor"]
        errors = f" [red]errors {ours['errors']}[/red]" if ours["errors"] else ""
        table.add_row(
            row["title"] + errors,
            str(row["concurrency"]),
            fmt(row["statements"]),
            fmt(ours["rps"]),
            fmt(ours["p50_ms"]),
            fmt(ours["p99_ms"]),
            fmt(ours["cpu_ms_per_request"]),
            fmt(floor["rps"]),
            fmt(floor["cpu_ms_per_request"]),
            fmt(row["rps_ratio"]),
        )
    console.print(table)
    posting = report.get("posting")
    if posting:
        for key, value in posting.items():
            if key.startswith("c"):
                console.print(
                    f"POST /api/v1/statuses ({posting['followers']} followers), "
                    f"concurrency {key[1:]}: {fmt(value['rps'])} req/s, p50 "
                    f"{fmt(value['p50_ms'])} ms, p99 {fmt(value['p99_ms'])} ms, CPU "
                    f"{fmt(value['cpu_ms_per_request'])} ms/req"
                )
        console.print(f"post to a follower's home timeline: {fmt(posting['home_arrival_ms'])} ms")
    console.print(f"pyleroma RSS after the run: {fmt(report['server_rss_mb'])} MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.compare", description=__doc__.split("\n")[0]
    )
    add_settings_arguments(parser)
    parser.add_argument("--concurrency", default="1,8", help="levels, e.g. 1,8")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=2, help="alternations per endpoint")
    parser.add_argument("--warmup", type=int, default=30, help="uncounted requests first")
    parser.add_argument("--only", help="comma-separated endpoint keys")
    parser.add_argument("--workers", type=int, default=1, help="pyleroma processes (default 1)")
    parser.add_argument("--json", dest="json_path", help="also write the report as JSON here")
    args = parser.parse_args(argv)
    console = Console() if sys.stdout.isatty() else Console(width=150)
    try:
        settings = settings_from_args(args)
        args.levels = [max(1, int(x)) for x in args.concurrency.split(",") if x.strip()]
    except (SettingsError, ValueError) as exc:
        console.print(f"Error: {exc}")
        return 1
    settings.log_level = "warning"
    args.only = {k.strip() for k in (args.only or "").split(",") if k.strip()}
    manifest_path = settings.data_dir / MANIFEST_NAME
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError) as exc:
        console.print(f"Error: no usable manifest at {manifest_path} ({exc}); run the generator")
        return 1
    server = Server(settings.data_dir, settings.database_url or None, workers=args.workers)
    server.start()
    try:
        asyncio.run(server.wait_ready())
        outcome = asyncio.run(run(args, manifest, settings, server))
    except ServerError as exc:
        console.print(f"Error: {exc}")
        return 1
    finally:
        server.stop()
    report = {
        "database": manifest["database"],
        "command": command_line("benchmarks.compare", argv),
        "machine": machine(),
        "dataset": {k: manifest.get(k) for k in ("params", "rows")},
        **outcome,
    }
    print_table(console, report)
    save_json(console, report, args.json_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
