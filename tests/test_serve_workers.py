"""`pyleroma serve --workers 2`: two real web processes on one port and one database.

Started as an admin starts it (the CLI, which migrates a fresh database), on SQLite and, with
PYLEROMA_TEST_DATABASE_URL, on PostgreSQL. Checked: both processes answer, a post made
through whichever process reaches WebSockets held by both, and every job ran exactly once.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
import pytest
from sqlalchemy import select

from pyleroma.db.engine import make_engine
from pyleroma.models import Job
from pyleroma.models.job import COMPLETED
from tests.conftest import PG_URL
from tests.e2e.conftest import free_port
from tests.streaming.helpers import open_socket

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"


async def _fresh_pg_database(name: str) -> str:
    import asyncpg

    head, _, _ = PG_URL.rpartition("/")
    conn = await asyncpg.connect(head.replace("postgresql+asyncpg", "postgresql") + "/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{head}/{name}"


def _cli(env: dict, *args: str, **kwargs) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", "import sys; from pyleroma.cli import main; sys.exit(main())"]
    return subprocess.run(
        [*command, *args], env=env, cwd=ROOT, capture_output=True, text=True, **kwargs
    )


@pytest.fixture
async def served(tmp_path):
    port = free_port()
    env = dict(os.environ)
    env.update(
        PYLEROMA_DATA_DIR=str(tmp_path / "data"),
        PYLEROMA_ARGON2_TIME_COST="1",
        PYLEROMA_ARGON2_MEMORY_COST="1024",
        PYLEROMA_LOG_LEVEL="warning",
    )
    env.pop("PYLEROMA_DATABASE_URL", None)
    if PG_URL:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        env["PYLEROMA_DATABASE_URL"] = await _fresh_pg_database(
            f"{PG_URL.rpartition('/')[2]}_serve_{worker}"
        )
    command = [sys.executable, "-c", "import sys; from pyleroma.cli import main; sys.exit(main())"]
    process = subprocess.Popen(
        [*command, "serve", "--workers", "2", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=5) as http:
            for _ in range(600):
                if process.poll() is not None:
                    raise RuntimeError(f"serve exited: {process.stdout.read()}")
                try:
                    if (await http.get("/api/v1/instance")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError("serve did not answer")
        yield url, env, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _web_processes(process: subprocess.Popen) -> list[psutil.Process]:
    """uvicorn's worker processes (the supervisor's children that listen on the port)."""
    found = []
    for child in psutil.Process(process.pid).children(recursive=True):
        try:
            if any(c.status == psutil.CONN_LISTEN for c in child.net_connections("tcp")):
                found.append(child)
        except psutil.Error:
            continue
    return found


def _holders(workers: list[psutil.Process], local_ports: set[int]) -> set[int]:
    """Pids of the workers holding a connection from one of ``local_ports``."""
    holders = set()
    for worker in workers:
        for conn in worker.net_connections("tcp"):
            if conn.raddr and conn.raddr.port in local_ports:
                holders.add(worker.pid)
    return holders


async def _token(http: httpx.AsyncClient, env: dict, nickname: str) -> str:
    made = _cli(env, "user", "new", nickname, f"{nickname}@example.com", "--password", PASSWORD)
    assert made.returncode == 0, made.stderr
    app = (
        await http.post(
            "/api/v1/apps",
            json={
                "client_name": "t",
                "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                "scopes": "read write",
            },
        )
    ).json()
    token = await http.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "username": nickname,
            "password": PASSWORD,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": "read write",
        },
    )
    assert token.status_code == 200, token.text
    return token.json()["access_token"]


async def test_two_processes_share_port_streams_and_jobs(served):
    url, env, process = served
    workers = _web_processes(process)
    assert len(workers) == 2, [w.cmdline() for w in workers]
    ws_url = url.replace("http://", "ws://")
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        alice = await _token(http, env, "alice")
        bob = await _token(http, env, "bob")
        me = (
            await http.get(
                "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {bob}"}
            )
        ).json()
        followed = await http.post(
            f"/api/v1/accounts/{me['id']}/follow", headers={"Authorization": f"Bearer {alice}"}
        )
        assert followed.status_code == 200, followed.text
        # Open sockets until both processes hold some (the kernel picks who accepts each).
        sockets = []
        while len(sockets) < 40:
            sockets.append(await open_socket(ws_url, alice, stream="user"))
            ports = {s.ws.local_address[1] for s in sockets}
            if len(sockets) >= 4 and len(_holders(workers, ports)) == 2:
                break
        assert len(_holders(workers, {s.ws.local_address[1] for s in sockets})) == 2
        for n in range(3):
            posted = await http.post(
                "/api/v1/statuses",
                json={"status": f"hello {n}"},
                headers={"Authorization": f"Bearer {bob}"},
            )
            assert posted.status_code == 200, posted.text
            for socket in sockets:
                message = await socket.next()
                while message["event"] != "update":
                    message = await socket.next()
                assert message["payload"]["id"] == posted.json()["id"]
        for socket in sockets:
            await socket.close()

    database_url = env.get("PYLEROMA_DATABASE_URL") or (
        f"sqlite+aiosqlite:///{Path(env['PYLEROMA_DATA_DIR']).resolve()}/pyleroma.sqlite3"
    )
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            jobs = (await conn.execute(select(Job.kind, Job.state, Job.attempt))).all()
    finally:
        await engine.dispose()
    assert jobs, "posting made no jobs"
    assert all(state == COMPLETED and attempt == 1 for _, state, attempt in jobs), jobs
