"""Inbox throughput: signed Create activities accepted per second (202), then processed.

    .venv/bin/python -m benchmarks.federation_inbox --activities 5000 --concurrency 32

A fresh database (SQLite in a temporary data dir, or ``--database-url``) gets one local
account and ``--actors`` remote actors with RSA key pairs (stored, as after a first fetch).
``--activities`` Create(Note) activities, public, each from one of those actors, are signed
beforehand (draft-cavage, as Mastodon signs). A server process (uvicorn, jobs off) takes
them on ``POST /inbox`` from ``--concurrency`` connections: printed are the accepted per
second and the latency of a POST (p50/p99), which covers parsing, the guard, the key lookup,
the signature check and storing the receive job, and the server's CPU per POST and memory.
Then a job runner in this process works the receive jobs off: printed are the activities
processed per second (normalise, resolve, the pipeline: the status, its home fan-out job)
and CPU per activity. ``--mrf`` runs both with a full MRF chain (``MRF_CHAIN``: every
policy that can act on a Create, with a 200-host block list and 20 keyword patterns, none
of which matches), so the cost of moderation shows against the figures without it; the
chain's own CPU per activity is measured apart, in process (``mrf_chain_us_per_activity``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import resource
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

# The MRF settings of ``--mrf``: Pleroma's policies that look at every Create, configured as
# a busy instance might configure them (nothing here matches the benchmark's notes).
MRF_CHAIN = {
    "mrf_policies": [
        "SimplePolicy",
        "UserAllowListPolicy",
        "VocabularyPolicy",
        "KeywordPolicy",
        "HellthreadPolicy",
        "MentionPolicy",
        "ObjectAgePolicy",
        "TagPolicy",
        "AntiLinkSpamPolicy",
        "ForceBotUnlistedPolicy",
        "NoPlaceholderTextPolicy",
        "InlineQuotePolicy",
        "StealEmojiPolicy",
    ],
    "mrf_simple_reject": [f"spam{n}.example => spam" for n in range(150)] + ["*.bad.example"],
    "mrf_simple_media_nsfw": [f"nsfw{n}.example" for n in range(50)],
    "mrf_simple_federated_timeline_removal": ["loud.example"],
    "mrf_user_allowlist": ["https://picky.example/users/admin"],
    "mrf_vocabulary_reject": ["Listen", "ChatMessage"],
    "mrf_keyword_reject": [f"spamword{n}" for n in range(10)] + ["/crypto\\s+giveaway/i"],
    "mrf_keyword_federated_timeline_removal": [f"loudword{n}" for n in range(5)],
    "mrf_keyword_replace": [f"oldname{n} => newname{n}" for n in range(4)],
    "mrf_mention_actors": ["https://protected.example/users/vip"],
    "mrf_steal_emoji_hosts": ["emoji.example"],
}


def _serve(settings_kwargs: dict, sock_info: tuple[str, int], ready) -> None:
    import uvicorn

    from pyleroma.main import create_app
    from pyleroma.settings import Settings

    settings = Settings(**settings_kwargs).validate()
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=sock_info[0],
        port=sock_info[1],
        log_level="error",
        access_log=False,
        loop="uvloop",
        http="httptools",
    )
    server = uvicorn.Server(config)

    async def main() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        ready.set()
        await task

    asyncio.run(main())


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


async def _prepare(settings, actors: int) -> list[tuple[str, str, str]]:
    """Remote actors (ap id, key id, private key) stored with their public keys."""
    from pyleroma.db.base import Base
    from pyleroma.db.engine import make_engine, make_sessionmaker
    from pyleroma.db.ids import new_id
    from pyleroma.federation.keys import new_key_pair
    from pyleroma.models import Account
    from pyleroma.services.accounts.accounts import create_local_account

    engine = make_engine(settings.effective_database_url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    made = []
    async with make_sessionmaker(engine)() as session:
        await create_local_account(
            session, settings, "target", "target@bench.invalid", "benchmark-password"
        )
        for n in range(actors):
            domain = f"remote{n % 10}.bench.invalid"
            ap_id = f"https://{domain}/users/r{n}"
            private, public = new_key_pair()
            session.add(
                Account(
                    id=new_id(),
                    nickname=f"r{n}@{domain}",
                    nickname_key=f"r{n}@{domain}",
                    domain=domain,
                    local=False,
                    ap_id=ap_id,
                    inbox=f"{ap_id}/inbox",
                    followers_url=f"{ap_id}/followers",
                    key_id=f"{ap_id}#main-key",
                    public_key=public,
                    fields=[],
                    also_known_as=[],
                    tags=[],
                    settings_store={},
                )
            )
            made.append((ap_id, f"{ap_id}#main-key", private))
        await session.commit()
    await engine.dispose()
    return made


def _signed(base: str, actors, count: int) -> list[tuple[bytes, dict]]:
    import orjson

    from pyleroma.federation.signatures import sign_request

    requests = []
    for n in range(count):
        ap_id, key_id, private = actors[n % len(actors)]
        note_id = f"{ap_id.rsplit('/users/', 1)[0]}/notes/{n}"
        activity = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{note_id}/activity",
            "type": "Create",
            "actor": ap_id,
            "to": [PUBLIC],
            "cc": [f"{ap_id}/followers"],
            "object": {
                "id": note_id,
                "type": "Note",
                "attributedTo": ap_id,
                "content": f"<p>benchmark note {n} #bench</p>",
                "published": "2026-12-01T12:00:00Z",
                "to": [PUBLIC],
                "cc": [f"{ap_id}/followers"],
                "tag": [{"type": "Hashtag", "name": "#bench", "href": "https://x/tags/bench"}],
            },
        }
        body = orjson.dumps(activity)
        headers = sign_request(
            "POST",
            f"{base}/inbox",
            {"Content-Type": "application/activity+json"},
            body,
            key_id,
            private,
        )
        requests.append((body, headers))
    return requests


async def _send(base: str, requests, concurrency: int) -> tuple[float, list[float], dict]:
    import aiohttp

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    queue = list(reversed(requests))
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def worker() -> None:
            while queue:
                body, headers = queue.pop()
                started = time.perf_counter()
                async with http.post(f"{base}/inbox", data=body, headers=headers) as reply:
                    await reply.read()
                    statuses[reply.status] = statuses.get(reply.status, 0) + 1
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return elapsed, latencies, statuses


async def _process(settings, concurrency: int) -> tuple[int, float, float]:
    from pyleroma.jobs.receive_jobs import RECEIVE_QUEUE
    from pyleroma.jobs.runner import JobRunner
    from pyleroma.main import create_app

    app = create_app(settings)
    runner = JobRunner(
        app.state.sessionmaker, settings, concurrency=concurrency, queues=[RECEIVE_QUEUE]
    )
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    done = await runner.drain()
    elapsed = time.perf_counter() - started
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    await app.state.engine.dispose()
    cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    return done, elapsed, cpu


async def _chain_cost(settings, requests, rounds: int = 5000) -> float:
    """Microseconds of CPU the MRF chain takes on one normalised Create (the benchmark's
    own notes, in this process, no database): the part of processing that ``--mrf`` adds."""
    import copy

    import orjson

    from pyleroma.activities.mrf import MrfContext, filter_activity
    from pyleroma.activities.normalize import normalize_activity
    from pyleroma.models import Account

    activities = [normalize_activity(orjson.loads(body)) for body, _ in requests[:50]]
    # The signer as the receive job has it: a stored remote account with a post.
    contexts = [
        MrfContext(
            settings,
            actor=Account(
                ap_id=a["actor"], local=False, statuses_count=1, followers_count=0, tags=[],
                actor_type="Person", followers_url=f"{a['actor']}/followers",
            ),
        )
        for a in activities
    ]  # fmt: skip
    started = time.process_time()
    for n in range(rounds):
        index = n % len(activities)
        await filter_activity(contexts[index], copy.deepcopy(activities[index]))
    chained = time.process_time() - started
    started = time.process_time()
    for n in range(rounds):
        index = n % len(activities)
        copy.deepcopy(activities[index])
    copying = time.process_time() - started
    return max(0.0, chained - copying) * 1e6 / rounds


async def _remote_statuses(settings) -> int:
    """Statuses the processing stored (a chain that refused them would show here)."""
    from sqlalchemy import func, select

    from pyleroma.db.engine import make_engine
    from pyleroma.models import Status

    engine = make_engine(settings.effective_database_url)
    try:
        async with engine.connect() as conn:
            query = select(func.count()).select_from(Status).where(Status.local.is_(False))
            return (await conn.execute(query)).scalar_one()
    finally:
        await engine.dispose()


async def run(args) -> dict:
    from pyleroma.settings import Settings

    host = "127.0.0.9"
    port = _free_port(host)
    base = f"http://{host}:{port}"
    data_dir = Path(tempfile.mkdtemp(prefix="pyleroma-inbox-bench-"))
    settings_kwargs = {
        "data_dir": data_dir,
        "database_url": args.database_url or "",
        "base_url": base,
        "allow_private_fetch": True,
        "jobs_in_process": False,
        "log_level": "error",
        **(MRF_CHAIN if args.mrf else {}),
    }
    settings = Settings(**settings_kwargs).validate()
    actors = await _prepare(settings, args.actors)
    requests = _signed(base, actors, args.activities)
    ready = multiprocessing.Event()
    server = multiprocessing.Process(
        target=_serve, args=(settings_kwargs, (host, port), ready), daemon=True
    )
    server.start()
    ready.wait(60)
    try:
        await _send(base, requests[: min(200, len(requests))], args.concurrency)  # warm up
        serving = psutil.Process(server.pid)
        cpu_before = serving.cpu_times()
        elapsed, latencies, statuses = await _send(base, requests[200:], args.concurrency)
        cpu_after = serving.cpu_times()
        rss_mb = serving.memory_info().rss / 2**20
    finally:
        server.kill()
    server_cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    sent = len(requests) - 200
    quantiles = statistics.quantiles(latencies, n=100)
    processed, processing_seconds, cpu = await _process(settings, args.job_concurrency)
    stored = await _remote_statuses(settings)
    chain_us = await _chain_cost(settings, requests)
    return {
        "activities": sent,
        "statuses": statuses,
        "accepted_per_second": round(statuses.get(202, 0) / elapsed, 1),
        "post_p50_ms": round(quantiles[49] * 1000, 2),
        "post_p99_ms": round(quantiles[98] * 1000, 2),
        "server_cpu_ms_per_post": round(server_cpu * 1000 / max(1, sent), 3),
        "server_rss_mb": round(rss_mb, 1),
        "processed": processed,
        "processed_per_second": round(processed / processing_seconds, 1),
        "cpu_ms_per_processed": round(cpu * 1000 / max(1, processed), 2),
        "statuses_stored": stored,
        "mrf_policies": len(settings.mrf_policies),
        "mrf_chain_us_per_activity": round(chain_us, 1),
        "concurrency": args.concurrency,
        "engine": "postgresql" if args.database_url else "sqlite",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--activities", type=int, default=5000)
    parser.add_argument("--actors", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--job-concurrency", type=int, default=8)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--mrf", action="store_true", help="with the MRF chain MRF_CHAIN")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args))
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:28} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
