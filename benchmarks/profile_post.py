"""Where a post's time goes: the request, then the jobs it enqueued, measured apart.

    .venv/bin/python -m benchmarks.profile_post --data-dir /var/tmp/bench-small --posts 100
    .venv/bin/python -m benchmarks.profile_post --posts 200 --pstats /tmp/post

Runs the app in this process with its job runner off, posts as the manifest's ``author``
(the account with ``--author-followers`` followers) and, after each post, runs the jobs it
enqueued (the home fan-out, notifications, ...) to completion with ``JobRunner.drain``. It
prints, per post, the request's wall and CPU time and the jobs' wall and CPU time, with the
statements each ran. ``--pstats PREFIX`` writes two cProfile dumps, ``PREFIX-request.pstats``
and ``PREFIX-jobs.pstats``.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import statistics
import sys
import time
from pathlib import Path

import httpx

from benchmarks.profile_request import StatementClock
from benchmarks.settings_args import add_settings_arguments, run_in_process
from pyleroma.jobs.runner import JobRunner
from pyleroma.main import create_app


class Phase:
    """Wall time, CPU time and statements of one phase, summed over the posts."""

    def __init__(self, name: str, clock: StatementClock, pstats: str | None):
        self.name = name
        self.clock = clock
        self.walls: list[float] = []
        self.cpu = 0.0
        self.statements = 0
        self.profiler = cProfile.Profile() if pstats else None
        self.pstats = pstats

    async def measure(self, work) -> None:
        self.clock.reset()
        if self.profiler:
            self.profiler.enable()
        wall, cpu = time.perf_counter(), time.process_time()
        await work()
        self.cpu += time.process_time() - cpu
        self.walls.append(time.perf_counter() - wall)
        if self.profiler:
            self.profiler.disable()
        self.statements += self.clock.count

    def report(self) -> None:
        n = len(self.walls)
        walls = sorted(self.walls)
        p99 = walls[min(n - 1, int(n * 0.99))]
        print(
            f"  {self.name:8} wall p50 {statistics.median(walls) * 1000:6.2f} ms"
            f"  p99 {p99 * 1000:6.2f} ms  CPU {self.cpu / n * 1000:6.2f} ms"
            f"  statements {self.statements / n:5.1f}"
        )
        if self.profiler:
            self.profiler.dump_stats(self.pstats)
            print(f"           cProfile dump: {self.pstats}")


async def profile(args, settings) -> int:
    manifest = json.loads(Path(settings.data_dir / "benchmark.json").read_text())
    author = manifest["users"]["author"][0]
    settings.jobs_in_process = False
    app = create_app(settings)
    clock = StatementClock(app.state.engine)
    request = Phase("request", clock, f"{args.pstats}-request.pstats" if args.pstats else None)
    jobs = Phase("jobs", clock, f"{args.pstats}-jobs.pstats" if args.pstats else None)
    async with app.router.lifespan_context(app):
        runner = JobRunner(app.state.sessionmaker, settings)
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {author['token']}"}
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as client:

            async def post(i: int) -> None:
                body = {"status": f"profile_post {time.time_ns()} #bench{i % 50}"}
                response = await client.post("/api/v1/statuses", json=body, headers=headers)
                if response.status_code != 200:
                    raise SystemExit(f"POST answered {response.status_code}: {response.text}")

            for i in range(args.warmup):
                await post(i)
                await runner.drain()
            for i in range(args.posts):
                await request.measure(lambda i=i: post(i))
                await jobs.measure(runner.drain)
    print(f"POST /api/v1/statuses as {author['nickname']} ({manifest['database']}, {args.posts})")
    request.report()
    jobs.report()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.profile_post", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--pstats", help="write cProfile dumps PREFIX-request/-jobs.pstats")
    add_settings_arguments(parser)
    return run_in_process(parser.parse_args(argv), profile)


if __name__ == "__main__":
    sys.exit(main())
