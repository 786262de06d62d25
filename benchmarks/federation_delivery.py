"""Delivery of one post to many remote inboxes, some failing and some hanging.

    .venv/bin/python -m benchmarks.federation_delivery --inboxes 1000 --failing 0.10 \\
        --hanging 0.05 --concurrency 100

A fresh SQLite database (or ``--database-url``) gets one local author followed by
``--inboxes`` remote accounts, each with an inbox of its own, spread over ``--hosts``
loopback addresses (127.0.1.x) served by a sink in another process: most inboxes answer
202, ``--failing`` answer 500 and ``--hanging`` never answer, nor does any inbox on the
first ``--dead-hosts`` hosts. The author posts through the
posting service (the activity pipeline enqueues one delivery job per inbox); then
``--processes`` job runner processes (``pyleroma worker``-like, each a JobRunner with
``--concurrency`` handlers, all started at the same moment) deliver; ``--processes 0``
runs one runner inside the benchmark's own process instead. Printed: jobs enqueued,
deliveries per second to healthy inboxes, the time until every healthy inbox had the post,
the time until every job had its first outcome, and the CPU the runners used per delivery
(summed over the runner processes; with ``--processes 0`` the whole benchmark process's,
its polling for outcomes included).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import web


def _sink_process(hosts: list[str], port: int, plan: dict[str, str], ready, counter) -> None:
    """Inboxes on every host: 202, 500 or no answer as ``plan`` says (by path)."""

    async def handle(request: web.Request) -> web.Response:
        await request.read()
        kind = plan.get(request.path, "ok")
        if kind == "hang":
            await asyncio.sleep(3600)
        if kind == "fail":
            return web.Response(status=500)
        with counter.get_lock():
            counter.value += 1
        return web.Response(status=202)

    async def main() -> None:
        app = web.Application()
        app.router.add_route("POST", "/{tail:.*}", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        for host in hosts:
            await web.TCPSite(runner, host, port, backlog=1024).start()
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


def _runner_process(settings_fields: dict, concurrency: int, ready, go, stop, results) -> None:
    """One job runner, as ``pyleroma worker`` runs it: started when ``go`` is set, stopped
    (grace 0) when ``stop`` is; puts the CPU seconds it used meanwhile on ``results``."""
    _install_uvloop()
    logging.basicConfig(level=logging.ERROR)

    async def main() -> None:
        from pyleroma.cache import entity_cache_for
        from pyleroma.db.engine import make_engine, make_sessionmaker
        from pyleroma.federation.http_client import close_sessions
        from pyleroma.jobs.runner import JobRunner
        from pyleroma.settings import Settings

        settings = Settings(**settings_fields).validate()
        engine = make_engine(settings.effective_database_url)
        sessionmaker = make_sessionmaker(engine, entity_cache=entity_cache_for(settings))
        runner = JobRunner(sessionmaker, settings, concurrency=concurrency)
        loop = asyncio.get_running_loop()
        ready.set()
        await loop.run_in_executor(None, go.wait)
        usage0 = resource.getrusage(resource.RUSAGE_SELF)
        await runner.start()
        await loop.run_in_executor(None, stop.wait)
        await runner.stop(grace=0)
        usage1 = resource.getrusage(resource.RUSAGE_SELF)
        results.put(_cpu_seconds(usage0, usage1))
        await close_sessions()
        await engine.dispose()

    asyncio.run(main())


def _cpu_seconds(before, after) -> float:
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


async def _prepare(settings, args, base_port: int, hosts: list[str]):
    from pyleroma.db.base import Base
    from pyleroma.db.ids import new_id
    from pyleroma.main import create_app
    from pyleroma.models import Account, Follow
    from pyleroma.models.relationship import FOLLOW_ACCEPTED
    from pyleroma.services.accounts.accounts import create_local_account

    app = create_app(settings)
    async with app.state.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    plan: dict[str, str] = {}
    async with app.state.sessionmaker() as session:
        author = await create_local_account(
            session, settings, "author", "author@bench.invalid", "benchmark-password"
        )
        for n in range(args.inboxes):
            host = hosts[n % len(hosts)]
            domain = f"{host}:{base_port}"
            path = f"/users/f{n}/inbox"
            share = n / args.inboxes
            if n % len(hosts) < args.dead_hosts:
                plan[path] = "hang"  # every inbox of a dead host hangs
            elif share < args.hanging:
                plan[path] = "hang"
            elif share < args.hanging + args.failing:
                plan[path] = "fail"
            account = Account(
                id=new_id(),
                nickname=f"f{n}@{domain}",
                nickname_key=f"f{n}@{domain}",
                domain=domain,
                local=False,
                ap_id=f"http://{domain}/users/f{n}",
                inbox=f"http://{domain}{path}",
                fields=[],
                also_known_as=[],
                tags=[],
                settings_store={},
            )
            session.add(account)
            session.add(
                Follow(
                    id=new_id(),
                    follower_id=account.id,
                    followed_id=author.id,
                    state=FOLLOW_ACCEPTED,
                )
            )
        await session.commit()
    return app, author.id, plan


async def _post(app, settings, author_id: int) -> int:
    from sqlalchemy import func, select

    from pyleroma.federation.delivery import DELIVER_JOB
    from pyleroma.models import Account, Job
    from pyleroma.services.statuses.posting import StatusDraft, post_status

    async with app.state.sessionmaker() as session:
        author = await session.get(Account, author_id)
        await post_status(session, settings, author, StatusDraft(text="to everyone"))
        await session.commit()
        return await session.scalar(
            select(func.count()).select_from(Job).where(Job.kind == DELIVER_JOB)
        )


async def _outcomes(app) -> int:
    """Delivery jobs that had their first outcome (done, given up, or waiting to retry)."""
    from sqlalchemy import func, select

    from pyleroma.federation.delivery import DELIVER_JOB
    from pyleroma.models import Job

    async with app.state.sessionmaker() as session:
        return await session.scalar(
            select(func.count())
            .select_from(Job)
            .where(Job.kind == DELIVER_JOB, (Job.attempt > 0) & (Job.state != "running"))
        )


async def run(args) -> dict:
    from pyleroma.jobs.runner import JobRunner
    from pyleroma.settings import Settings

    hosts = [f"127.0.1.{n + 1}" for n in range(args.hosts)]
    data_dir = Path(tempfile.mkdtemp(prefix="pyleroma-delivery-bench-"))
    settings_fields = dict(
        data_dir=data_dir,
        database_url=args.database_url or "",
        base_url="http://127.0.0.9:4000",
        allow_private_fetch=True,
        federation_timeout_seconds=args.timeout,
        job_concurrency=args.concurrency,
        jobs_in_process=False,
        log_level="error",
    )
    settings = Settings(**settings_fields).validate()
    port = args.port
    app, author_id, plan = await _prepare(settings, args, port, hosts)
    healthy = args.inboxes - len(plan)
    counter = multiprocessing.Value("i", 0)
    ready = multiprocessing.Event()
    sink = multiprocessing.Process(
        target=_sink_process, args=(hosts, port, plan, ready, counter), daemon=True
    )
    sink.start()
    ready.wait(30)
    workers: list = []
    spawn = multiprocessing.get_context("spawn")
    go, stop, results = spawn.Event(), spawn.Event(), spawn.Queue()
    try:
        jobs = await _post(app, settings, author_id)
        for _ in range(args.processes):
            worker_ready = spawn.Event()
            worker = spawn.Process(
                target=_runner_process,
                args=(settings_fields, args.concurrency, worker_ready, go, stop, results),
                daemon=True,
            )
            worker.start()
            workers.append((worker, worker_ready))
        for worker, worker_ready in workers:
            if not await asyncio.to_thread(worker_ready.wait, 60):
                raise RuntimeError(f"runner process {worker.pid} did not start")
        runner = None
        if not workers:
            runner = JobRunner(app.state.sessionmaker, settings, concurrency=args.concurrency)
        usage0 = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        if runner is not None:
            await runner.start()
        go.set()
        healthy_at = None
        while True:
            now = time.perf_counter() - started
            if healthy_at is None and counter.value >= healthy:
                healthy_at = now
            if healthy_at is not None and await _outcomes(app) >= jobs:
                break
            if now > args.deadline:
                break
            await asyncio.sleep(0.02)
        settled_at = time.perf_counter() - started
        if runner is not None:
            await runner.stop(grace=0)
            cpu = _cpu_seconds(usage0, resource.getrusage(resource.RUSAGE_SELF))
        else:
            stop.set()
            cpu = 0.0
            for _ in workers:
                cpu += await asyncio.to_thread(results.get, True, 60)
    finally:
        stop.set()
        for worker, _ready in workers:
            worker.join(10)
            if worker.is_alive():
                worker.kill()
        sink.kill()
        from pyleroma.federation.http_client import close_sessions

        await close_sessions()
        await app.state.engine.dispose()
    delivered = counter.value
    return {
        "inboxes": args.inboxes,
        "healthy": healthy,
        "failing": sum(1 for kind in plan.values() if kind == "fail"),
        "hanging": sum(1 for kind in plan.values() if kind == "hang"),
        "jobs_enqueued": jobs,
        "delivered": delivered,
        "seconds_until_all_healthy": round(healthy_at, 3) if healthy_at else None,
        "deliveries_per_second": round(delivered / healthy_at, 1) if healthy_at else None,
        "seconds_until_every_job_had_an_outcome": round(settled_at, 3),
        "cpu_ms_per_delivery": round(cpu * 1000 / max(1, jobs), 3),
        "concurrency": args.concurrency,
        "processes": args.processes,
        "engine": "postgresql" if args.database_url else "sqlite",
    }


def _install_uvloop() -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inboxes", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=20, help="loopback addresses 127.0.1.x")
    parser.add_argument("--failing", type=float, default=0.10)
    parser.add_argument("--hanging", type=float, default=0.05)
    parser.add_argument(
        "--dead-hosts", type=int, default=0, help="hosts on which every inbox hangs"
    )
    parser.add_argument("--concurrency", type=int, default=100, help="job handlers at once")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="job runner processes, each with --concurrency handlers (0: in this process)",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="federation timeout, s")
    parser.add_argument("--port", type=int, default=18080)
    parser.add_argument("--deadline", type=float, default=120.0)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    _install_uvloop()
    logging.basicConfig(level=logging.ERROR)  # log_level="error", as the settings say
    result = asyncio.run(run(args))
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:40} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
