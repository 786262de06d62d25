"""Where one endpoint's time goes: in process, one request at a time, on the benchmark data.

    .venv/bin/python -m benchmarks.profile_request /api/v1/timelines/home
    .venv/bin/python -m benchmarks.profile_request "/api/v1/timelines/public?local=true" \\
        --requests 300 --explain --pstats /tmp/public.pstats

Runs the app in this process (no HTTP server, no network) with the token of the manifest's
users (``--cohort regular|quiet|author``), and reports per request: wall time, the number of
SQL statements and the time spent in the driver executing them (everything else is Python:
building statements, loading ORM objects, rendering JSON). ``--explain`` prints the query
plan of the slowest statement (SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN ANALYZE);
``--pstats`` writes a cProfile dump for ``python -m pstats`` or snakeviz.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import event

from benchmarks.settings_args import add_settings_arguments, run_in_process
from pyleroma.db import fastread
from pyleroma.main import create_app


class StatementClock:
    """Counts statements and their driver time on an engine (cursor execute events)."""

    def __init__(self, engine):
        self.count = 0
        self.seconds = 0.0
        self.slowest: tuple[float, str, object] = (0.0, "", None)
        sync = engine.sync_engine
        event.listen(sync, "before_cursor_execute", self._before)
        event.listen(sync, "after_cursor_execute", self._after)
        fastread.observers.append(self._batch)

    def _batch(self, work, elapsed: float) -> None:
        """Statements run on the driver connection (db/fastread.py), a batch at a time."""
        self.count += len(work)
        self.seconds += elapsed
        if elapsed > self.slowest[0]:
            self.slowest = (elapsed, work[-1][0], work[-1][1])

    def _before(self, conn, _cursor, _statement, _params, _context, _many) -> None:
        conn.info["benchmark_started"] = time.perf_counter()

    def _after(self, conn, _cursor, statement, params, _context, _many) -> None:
        elapsed = time.perf_counter() - conn.info.pop("benchmark_started", time.perf_counter())
        self.count += 1
        self.seconds += elapsed
        if elapsed > self.slowest[0]:
            self.slowest = (elapsed, statement, params)

    def reset(self) -> None:
        self.count, self.seconds, self.slowest = 0, 0.0, (0.0, "", None)


async def explain(app, statement: str, params) -> list[str]:
    engine = app.state.engine
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        if engine.dialect.name == "sqlite":
            cursor = await driver.execute(f"EXPLAIN QUERY PLAN {statement}", params)
            return [str(row[-1]) for row in await cursor.fetchall()]
        rows = await driver.fetch(f"EXPLAIN ANALYZE {statement}", *params)
        return [row[0] for row in rows]


async def profile(args, settings) -> int:
    manifest = json.loads(Path(args.manifest or settings.data_dir / "benchmark.json").read_text())
    users = manifest["users"][args.cohort]
    app = create_app(settings)
    clock = StatementClock(app.state.engine)
    profiler = cProfile.Profile() if args.pstats else None
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as client:

            async def one(i: int) -> None:
                token = users[i % len(users)]["token"]
                response = await client.get(args.path, headers={"Authorization": f"Bearer {token}"})
                if response.status_code != 200:
                    raise SystemExit(
                        f"{args.path} answered {response.status_code}: {response.text}"
                    )

            for i in range(args.warmup):
                await one(i)
            clock.reset()
            if profiler:
                profiler.enable()
            started = time.perf_counter()
            for i in range(args.requests):
                await one(i)
            elapsed = time.perf_counter() - started
            if profiler:
                profiler.disable()
                profiler.dump_stats(args.pstats)
            n = args.requests
            print(f"{args.path} ({manifest['database']}, {args.cohort} users, {n} requests)")
            print(f"  wall per request:        {elapsed / n * 1000:8.2f} ms")
            print(f"  SQL statements:          {clock.count / n:8.1f} per request")
            print(f"  in the driver:           {clock.seconds / n * 1000:8.2f} ms")
            print(f"  the rest (Python):       {(elapsed - clock.seconds) / n * 1000:8.2f} ms")
            slow_s, statement, params = clock.slowest
            print(f"  slowest statement:       {slow_s * 1000:8.2f} ms")
            if args.explain and statement:
                print(statement)
                print("plan:")
                for line in await explain(app, statement, params):
                    print(f"  {line}")
            if profiler:
                print(f"cProfile dump: {args.pstats}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.profile_request", description=__doc__.split("\n")[0]
    )
    parser.add_argument("path", help="GET path with query, e.g. /api/v1/timelines/home")
    parser.add_argument("--cohort", choices=("regular", "quiet", "author"), default="regular")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--explain", action="store_true", help="plan of the slowest statement")
    parser.add_argument("--pstats", help="write a cProfile dump here")
    add_settings_arguments(parser)
    parser.add_argument("--manifest", help="generator manifest (default DATA_DIR/benchmark.json)")
    return run_in_process(parser.parse_args(argv), profile)


if __name__ == "__main__":
    sys.exit(main())
