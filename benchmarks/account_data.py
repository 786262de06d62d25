"""Account data (issue 12): follow import, backup build, history import, MFA login.

    .venv/bin/python -m benchmarks.account_data [--accounts 2000] [--statuses 5000] \\
        [--posts 2000] [--rounds 50] [--database-url postgresql+asyncpg://...] \\
        [--only imports,backup,history,mfa]

Everything runs in this process: the app (``create_app``) answers through httpx's ASGI
transport, as in the tests, and a ``JobRunner`` on the app's sessionmaker drains the jobs
the request queued, as the in-process runner of a single-machine install would. A fresh
database (SQLite in a temporary data dir, or an empty ``--database-url``) gets its tables
from the models, then:

- ``imports``: ``--accounts`` local accounts (one bulk INSERT, no keys, no password hashes)
  and one importing user made by the accounts service; ``POST /api/pleroma/follow_import``
  of all of them, then the import jobs (chunks of 100, each following through the follow
  pipeline: counters, notifications, home backfill jobs) and whatever they queue.
  Printed: the request's latency, follows per second over the drain, CPU and SQL
  statements per follow (request and jobs together), and the CPU of the chunk jobs apart
  from that of the jobs they queued (run after the chunks, in a second drain).
- ``backup``: one user with ``--statuses`` bulk-inserted posts, a quarter of them
  favourited and an eighth bookmarked by it; ``POST /api/v1/pleroma/backups``, then the
  build job. Printed: items written per second, CPU per item, the zip's size, and the
  process's RSS before and at its peak during the build (sampled every 5 ms).
- ``history``: a Mastodon-format archive (actor.json, outbox.json with ``--posts``
  Create/Note activities, a tenth replies, a fifth with a hashtag; no media) uploaded to
  ``POST /api/v1/pleroma/history_import``, then the chained import jobs (50 posts each).
  Printed: posts imported per second, CPU per post.
- ``mfa``: a user with TOTP on; ``--rounds`` times the password grant (403
  ``mfa_required``) then ``/oauth/mfa/challenge`` with the current pyotp code (the account's
  ``totp_last_step`` is cleared between rounds, outside the timing, so the replay guard
  takes the same code again). Printed: p50/p99 of each step, with the argon2 cost used and
  a bare argon2 verification timed apart (p50 of 10), which is most of the password grant.

CPU is this process's (``getrusage``, every thread included); on PostgreSQL the database
server's own CPU is not in it. The 1-minute load average before and after is printed with
the figures, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import orjson
import psutil

from benchmarks.account_data_rows import bulk_accounts, bulk_statuses, mastodon_archive

PARTS = ("imports", "backup", "history", "mfa")
PASSWORD = "benchmark-password"
CHUNK_QUEUE = "bench.import_chunks"
WARMUP_PATHS = (
    "/api/pleroma/follow_import",
    "/api/v1/pleroma/backups",
    "/api/v1/pleroma/history_import",
    "/oauth/mfa/challenge",
)


# --- measuring --------------------------------------------------------------------------------


class Usage:
    """Wall and CPU seconds (user + system, every thread of the process) of a block."""

    wall = 0.0
    cpu = 0.0

    @staticmethod
    def _cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def __enter__(self) -> Usage:
        self._wall0, self._cpu0 = time.perf_counter(), self._cpu()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self._wall0
        self.cpu = self._cpu() - self._cpu0


class PeakRss:
    """The process's largest resident set while the block runs, sampled by a thread (the
    event loop may be busy for a while, and ``ru_maxrss`` keeps the lifetime's peak)."""

    def __init__(self, every: float = 0.005):
        self.every = every
        self.before = self.peak = 0
        self._stop = threading.Event()

    def _sample(self) -> None:
        process = psutil.Process()
        while not self._stop.is_set():
            self.peak = max(self.peak, process.memory_info().rss)
            self._stop.wait(self.every)

    def __enter__(self) -> PeakRss:
        self.before = self.peak = psutil.Process().memory_info().rss
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


@contextmanager
def counting_statements(engine):
    """SQL statements run while the block runs: SQLAlchemy's and db/fastread.py's (which
    bypass SQLAlchemy's events), as tests/statement_counter.py counts them."""
    from sqlalchemy import event

    from pyleroma.db import fastread

    found = [0]

    def on_cursor(*_args) -> None:
        found[0] += 1

    def on_batch(work, _seconds) -> None:
        found[0] += len(work)

    event.listen(engine.sync_engine, "before_cursor_execute", on_cursor)
    fastread.observers.append(on_batch)
    try:
        yield found
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", on_cursor)
        fastread.observers.remove(on_batch)


def percentile(values: list[float], pct: float) -> float:
    """Linear interpolation between closest ranks (as benchmarks/load.py)."""
    ordered = sorted(values)
    rank = pct / 100 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _per(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else 0.0


def _ms_each(seconds: float, count: int) -> float:
    return round(seconds * 1000 / max(1, count), 3)


class BenchmarkError(RuntimeError):
    """The work did not do what it should (a figure for work not done would mislead)."""


def _new_jobs(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: n - before.get(k, 0) for k, n in sorted(after.items()) if n > before.get(k, 0)}


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise BenchmarkError(message)


# --- the app, users -------------------------------------------------------------------------


class AppBench:
    """The app in this process and an HTTP client on it (through httpx's ASGI transport);
    the benchmarks of this folder that run in process build on it."""

    def __init__(self, settings):
        import httpx

        from pyleroma.main import create_app

        self.settings = settings
        self.app = create_app(settings)
        transport = httpx.ASGITransport(app=self.app)
        self.client = httpx.AsyncClient(transport=transport, base_url=settings.base_url)
        self.warmup_ms = 0.0

    @property
    def sessionmaker(self):
        return self.app.state.sessionmaker

    async def create_tables(self) -> None:
        """Every table, on a database that must hold no account yet (figures on someone's
        data would mean nothing, and the benchmark writes to it)."""
        from sqlalchemy import func, select

        from pyleroma.db.base import Base
        from pyleroma.models import Account

        async with self.app.state.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        async with self.sessionmaker() as session:
            existing = await session.scalar(select(func.count()).select_from(Account))
        _expect(existing == 0, f"the database has {existing} accounts: give an empty one")

    async def close(self) -> None:
        from pyleroma.federation.http_client import close_sessions

        await self.client.aclose()
        await close_sessions()
        await self.app.state.engine.dispose()
        self.app.state.entity_cache.journal.close()


class Bench(AppBench):
    """The app, an HTTP client on it and the OAuth app the users log in through."""

    def __init__(self, settings):
        super().__init__(settings)
        self.oauth: dict = {}

    async def prepare(self) -> None:
        await self.create_tables()
        response = await self.client.post(
            "/api/v1/apps",
            data={
                "client_name": "bench",
                "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                "scopes": "read write follow push",
            },
        )
        _expect(response.status_code == 200, f"app registration: {response.text}")
        self.oauth = response.json()
        # FastAPI builds a mounted router's routes at its first request (about a second for
        # the Pleroma router here): one unauthenticated request per route measured pays it
        # before the timing, as a server's first requests would have.
        with Usage() as warmup:
            for path in WARMUP_PATHS:
                await self.client.post(path)
        self.warmup_ms = _ms(warmup.wall)

    async def drain(self, queues: list[str] | None = None) -> int:
        from pyleroma.jobs.runner import JobRunner

        return await JobRunner(self.sessionmaker, self.settings, queues=queues).drain()

    async def move_jobs(self, kind: str, queue: str) -> None:
        """Put the pending jobs of ``kind`` on ``queue`` (so a drain can run them alone)."""
        from sqlalchemy import update

        from pyleroma.models import Job

        async with self.sessionmaker() as session:
            await session.execute(
                update(Job).where(Job.kind == kind, Job.state == "available").values(queue=queue)
            )
            await session.commit()

    async def job_kinds(self) -> dict[str, int]:
        """Jobs stored so far by kind (a part's jobs are the difference across it)."""
        from sqlalchemy import func, select

        from pyleroma.models import Job

        async with self.sessionmaker() as session:
            rows = await session.execute(select(Job.kind, func.count()).group_by(Job.kind))
            return {kind: count for kind, count in rows.all()}

    async def account(self, nickname: str, **fields):
        """A local account made by the accounts service (validation, keys, argon2)."""
        from pyleroma.services.accounts.accounts import create_local_account

        async with self.sessionmaker() as session:
            account = await create_local_account(
                session, self.settings, nickname, f"{nickname}@bench.invalid", PASSWORD
            )
            for key, value in fields.items():
                setattr(account, key, value)
            await session.commit()
            return account

    async def password_grant(self, nickname: str):
        return await self.client.post(
            "/oauth/token",
            data={
                "grant_type": "password",
                "username": nickname,
                "password": PASSWORD,
                "client_id": self.oauth["client_id"],
                "client_secret": self.oauth["client_secret"],
                "scope": "read write follow",
            },
        )

    async def user(self, nickname: str) -> tuple[int, dict]:
        """A new account and the headers of a token it got through the password grant."""
        account = await self.account(nickname)
        response = await self.password_grant(nickname)
        _expect(response.status_code == 200, f"login of {nickname}: {response.text}")
        return account.id, {"Authorization": f"Bearer {response.json()['access_token']}"}


# --- follow import ----------------------------------------------------------------------------


async def bench_imports(bench: Bench, accounts: int) -> dict:
    from sqlalchemy import func, select

    from pyleroma.models import Follow
    from pyleroma.services.accounts.imports import IMPORT_JOB

    user_id, headers = await bench.user("importer")
    await bulk_accounts(bench.sessionmaker, bench.settings, accounts)
    listing = "\n".join(f"bulk{n}" for n in range(accounts))
    kinds = await bench.job_kinds()
    with counting_statements(bench.app.state.engine) as statements, Usage() as total:
        with Usage() as request:
            response = await bench.client.post(
                "/api/pleroma/follow_import", data={"list": listing}, headers=headers
            )
        _expect(response.status_code == 200, f"follow_import: {response.text}")
        # The chunks first (moved to a queue of their own), then what they queued: the same
        # work as one drain, with the CPU of each kind told apart.
        await bench.move_jobs(IMPORT_JOB, CHUNK_QUEUE)
        with Usage() as chunks:
            jobs = await bench.drain(queues=[CHUNK_QUEUE])
        with Usage() as follow_ups:
            jobs += await bench.drain()
    async with bench.sessionmaker() as session:
        follows = await session.scalar(
            select(func.count()).select_from(Follow).where(Follow.follower_id == user_id)
        )
    _expect(follows == accounts, f"{follows} of {accounts} follows stored")
    return {
        "accounts": accounts,
        "follows_stored": follows,
        "jobs_run": jobs,
        "jobs_by_kind": _new_jobs(kinds, await bench.job_kinds()),
        "request_ms": _ms(request.wall),
        "drain_seconds": round(chunks.wall + follow_ups.wall, 3),
        "follows_per_second": _per(follows, chunks.wall + follow_ups.wall),
        "cpu_ms_per_follow": _ms_each(total.cpu, follows),
        "chunk_jobs_cpu_ms_per_follow": _ms_each(chunks.cpu, follows),
        "follow_up_jobs_cpu_ms_per_follow": _ms_each(follow_ups.cpu, follows),
        "statements_per_follow": round(statements[0] / max(1, follows), 2),
    }


# --- backup -----------------------------------------------------------------------------------


async def bench_backup(bench: Bench, statuses: int) -> dict:
    from sqlalchemy import select

    from pyleroma.models import Backup
    from pyleroma.services.accounts.backups import archive_path

    user_id, headers = await bench.user("archivist")
    favourites, bookmarks = await bulk_statuses(
        bench.sessionmaker, bench.settings, user_id, statuses
    )
    kinds = await bench.job_kinds()
    with Usage() as total:
        with Usage() as request:
            response = await bench.client.post("/api/v1/pleroma/backups", headers=headers)
        _expect(response.status_code == 200, f"backups: {response.text}")
        with PeakRss() as rss, Usage() as drain:
            jobs = await bench.drain()
    async with bench.sessionmaker() as session:
        backup = await session.scalar(select(Backup).where(Backup.account_id == user_id))
    _expect(backup.state == "complete", f"backup state {backup.state}")
    path = archive_path(bench.settings, backup.file_name)
    with zipfile.ZipFile(path) as archive, archive.open("outbox.json") as outbox:
        in_outbox = len(orjson.loads(outbox.read())["orderedItems"])
    _expect(in_outbox == statuses, f"{in_outbox} of {statuses} posts in the outbox")
    items = backup.processed_number
    return {
        "statuses": statuses,
        "favourites": favourites,
        "bookmarks": bookmarks,
        "items": items,
        "jobs_run": jobs,
        "jobs_by_kind": _new_jobs(kinds, await bench.job_kinds()),
        "request_ms": _ms(request.wall),
        "build_seconds": round(drain.wall, 3),
        "items_per_second": _per(items, drain.wall),
        "cpu_ms_per_item": _ms_each(total.cpu, items),
        "zip_kb": round(backup.file_size / 1024, 1),
        "rss_before_mb": round(rss.before / 2**20, 1),
        "peak_rss_mb": round(rss.peak / 2**20, 1),
    }


# --- history import ---------------------------------------------------------------------------


async def bench_history(bench: Bench, posts: int) -> dict:
    _user_id, headers = await bench.user("traveller")
    archive = mastodon_archive(posts)
    files = {"file": ("archive.zip", archive, "application/zip")}
    kinds = await bench.job_kinds()
    with Usage() as total:
        with Usage() as request:
            response = await bench.client.post(
                "/api/v1/pleroma/history_import", files=files, headers=headers
            )
        _expect(response.status_code == 202, f"history_import: {response.text}")
        with Usage() as drain:
            jobs = await bench.drain()
    state = (await bench.client.get("/api/v1/pleroma/history_import", headers=headers)).json()
    _expect(state.get("state") == "done", f"history import state {state}")
    imported = state["imported"]
    _expect(imported == posts, f"{imported} of {posts} posts imported")
    return {
        "posts": posts,
        "archive_kb": round(len(archive) / 1024, 1),
        "imported": imported,
        "jobs_run": jobs,
        "jobs_by_kind": _new_jobs(kinds, await bench.job_kinds()),
        "request_ms": _ms(request.wall),
        "drain_seconds": round(drain.wall, 3),
        "posts_per_second": _per(imported, drain.wall),
        "cpu_ms_per_post": _ms_each(total.cpu, imported),
    }


# --- MFA login --------------------------------------------------------------------------------


async def bench_mfa(bench: Bench, rounds: int) -> dict:
    import pyotp
    from sqlalchemy import update

    from pyleroma.models import Account
    from pyleroma.services.oauth.secrets import hash_password, verify_password

    settings = bench.settings
    secret = pyotp.random_base32()
    account = await bench.account("guarded", totp_secret=secret, totp_confirmed=True)
    totp = pyotp.TOTP(secret, digits=settings.mfa_totp_digits, interval=settings.mfa_totp_period)
    challenge_data = {
        "client_id": bench.oauth["client_id"],
        "client_secret": bench.oauth["client_secret"],
        "challenge_type": "totp",
    }
    grant_times: list[float] = []
    challenge_times: list[float] = []
    for _ in range(rounds):
        async with bench.sessionmaker() as session:  # the replay guard forgets the code
            await session.execute(
                update(Account).where(Account.id == account.id).values(totp_last_step=None)
            )
            await session.commit()
        with Usage() as grant:
            response = await bench.password_grant("guarded")
        body = response.json()
        _expect(
            response.status_code == 403 and body.get("error") == "mfa_required",
            f"password grant: {response.status_code} {body}",
        )
        data = {**challenge_data, "mfa_token": body["mfa_token"], "code": totp.now()}
        with Usage() as challenge:
            response = await bench.client.post("/oauth/mfa/challenge", data=data)
        _expect(
            response.status_code == 200 and "access_token" in response.json(),
            f"challenge: {response.status_code} {response.text}",
        )
        grant_times.append(grant.wall)
        challenge_times.append(challenge.wall)
    stored = hash_password(PASSWORD)
    verifications = []
    for _ in range(10):
        with Usage() as argon:
            verify_password(stored, PASSWORD)
        verifications.append(argon.wall)
    return {
        "rounds": rounds,
        "argon2_time_cost": settings.argon2_time_cost,
        "argon2_memory_kib": settings.argon2_memory_cost,
        "argon2_verify_p50_ms": _ms(percentile(verifications, 50)),
        "password_grant_p50_ms": _ms(percentile(grant_times, 50)),
        "password_grant_p99_ms": _ms(percentile(grant_times, 99)),
        "challenge_p50_ms": _ms(percentile(challenge_times, 50)),
        "challenge_p99_ms": _ms(percentile(challenge_times, 99)),
    }


# --- running ----------------------------------------------------------------------------------


def choice_list(choices) -> Callable[[str], list[str]]:
    """An argparse type for a comma-separated pick among ``choices`` (``--only``)."""

    def parse(value: str) -> list[str]:
        picked = [item.strip() for item in value.split(",") if item.strip()]
        if not picked or any(item not in choices for item in picked):
            raise argparse.ArgumentTypeError(f"choose among {', '.join(choices)}")
        return picked

    return parse


def markdown_table(label: str, rows: dict[str, dict], columns) -> str:
    """``rows`` (a key's figures by column name) as a Markdown table of ``columns``
    ((name, title) pairs), the key first under ``label``."""
    lines = [
        f"| {label} | " + " | ".join(title for _, title in columns) + " |",
        "|" + " --- |" * (len(columns) + 1),
    ]
    for key, figures in rows.items():
        lines.append(f"| {key} | " + " | ".join(str(figures[n]) for n, _ in columns) + " |")
    return "\n".join(lines)


def print_figures(result: dict, rows_key: str, table: str) -> None:
    """The run's facts a line each, then the per-row ``table``, then all of it as JSON."""
    for key, value in result.items():
        if key != rows_key:
            print(f"{key:22} {value}")
    print(table)
    print(json.dumps(result))


parts_arg = choice_list(PARTS)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from pyleroma.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=2000, help="accounts to follow-import")
    parser.add_argument("--statuses", type=int, default=5000, help="posts in the backup")
    parser.add_argument("--posts", type=int, default=2000, help="posts in the history archive")
    parser.add_argument("--rounds", type=int, default=50, help="MFA logins")
    parser.add_argument("--database-url", default="", help="an empty database (default SQLite)")
    parser.add_argument("--data-dir", default="", help="default: a new temporary directory")
    parser.add_argument(
        "--only", type=parts_arg, default=list(PARTS), help=f"some of {','.join(PARTS)}"
    )
    parser.add_argument("--argon2-time-cost", type=int, default=Settings.argon2_time_cost)
    parser.add_argument("--argon2-memory-cost", type=int, default=Settings.argon2_memory_cost)
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> dict:
    import pyleroma.models  # noqa: F401  (every table for create_all)
    from pyleroma.settings import Settings

    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="pyleroma-account-data-bench-"))
    settings = Settings(
        data_dir=data_dir,
        database_url=args.database_url or "",
        base_url="http://bench.invalid",
        jobs_in_process=False,
        log_level="error",
        argon2_time_cost=args.argon2_time_cost,
        argon2_memory_cost=args.argon2_memory_cost,
    ).validate()
    result: dict = {
        "engine": "postgresql" if args.database_url else "sqlite",
        "load_1min_before": round(os.getloadavg()[0], 2),
    }
    bench = Bench(settings)
    try:
        await bench.prepare()
        result["router_warmup_ms"] = bench.warmup_ms
        if "imports" in args.only:
            result["imports"] = await bench_imports(bench, args.accounts)
        if "backup" in args.only:
            result["backup"] = await bench_backup(bench, args.statuses)
        if "history" in args.only:
            result["history"] = await bench_history(bench, args.posts)
        if "mfa" in args.only:
            result["mfa"] = await bench_mfa(bench, args.rounds)
    finally:
        await bench.close()
    result["load_1min_after"] = round(os.getloadavg()[0], 2)
    return result


def print_result(result: dict) -> None:
    for key, value in result.items():
        if isinstance(value, dict):
            print(f"{key}:")
            for name, figure in value.items():
                print(f"  {name:28} {figure}")
        else:
            print(f"{key:30} {value}")
    print(json.dumps(result))


def run_benchmark(argv, parse_args, run, print_result) -> int:
    """A benchmark's command line: parse, run on a fresh event loop, print; a
    BenchmarkError is one line on stderr and exit status 1 (shared by the benchmarks
    built on AppBench)."""
    import logging

    logging.basicConfig(level=logging.ERROR)
    args = parse_args(argv)
    try:
        result = asyncio.run(run(args))
    except BenchmarkError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    print_result(result)
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_benchmark(argv, parse_args, run, print_result)


if __name__ == "__main__":
    sys.exit(main())
