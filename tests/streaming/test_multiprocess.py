"""Streaming across real server processes.

Two uvicorn processes on one database, jobs only in process A. A socket on B receives what
was posted through A (the fan-out ran in A: its events reached B through NOTIFY/LISTEN on
PostgreSQL, through the local sockets beside the database file on SQLite), and A's own
sockets too.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import free_port
from tests.streaming.helpers import TIMEOUT, open_socket

ROOT = Path(__file__).resolve().parents[2]


class ServerProcess:
    def __init__(self, app, data_dir: Path, *, jobs: bool):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws = f"ws://127.0.0.1:{self.port}"
        env = dict(os.environ)
        env.update(
            PYLEROMA_DATABASE_URL=app.state.settings.effective_database_url,
            PYLEROMA_DATA_DIR=str(data_dir),
            PYLEROMA_BASE_URL=self.url,
            PYLEROMA_SECRET_KEY="test-secret-key",
            PYLEROMA_ARGON2_TIME_COST="1",
            PYLEROMA_ARGON2_MEMORY_COST="1024",
            PYLEROMA_JOBS_IN_PROCESS="true" if jobs else "false",
            PYLEROMA_LOG_LEVEL="warning",
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.streaming.serve_app", str(self.port)], cwd=ROOT, env=env
        )

    async def wait_ready(self) -> None:
        deadline = asyncio.get_running_loop().time() + 30
        async with httpx.AsyncClient() as http:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited with {self.process.returncode}")
                try:
                    response = await http.get(f"{self.url}/api/v1/streaming/health", timeout=1)
                    if response.status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError("server did not start")
                await asyncio.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
async def servers(app, tmp_path):
    """(A, B): two processes on the test's database, jobs in A only."""
    started = [
        ServerProcess(app, tmp_path / "a", jobs=True),
        ServerProcess(app, tmp_path / "b", jobs=False),
    ]
    try:
        for server in started:
            await server.wait_ready()
        yield started[0], started[-1]
    finally:
        for server in started:
            server.stop()


async def test_a_post_through_one_process_reaches_sockets_of_the_other(servers, factory):
    a, b = servers
    alice, bob = await factory.user(), await factory.user()
    async with httpx.AsyncClient(base_url=a.url, timeout=TIMEOUT) as http:
        response = await http.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers)
        assert response.status_code == 200, response.text
        on_b = await open_socket(b.ws, alice.token, stream="user")
        public_on_b = await open_socket(b.ws, stream="public")
        on_a = await open_socket(a.ws, alice.token, stream="user:notification")

        response = await http.post(
            "/api/v1/statuses", json={"status": f"hi @{alice.nickname}"}, headers=bob.headers
        )
        assert response.status_code == 200, response.text
        status_id = response.json()["id"]
        for socket in (on_b, public_on_b):
            message = await socket.next()
            while message["event"] != "update":  # the mention's notification comes first
                message = await socket.next()
            assert message["payload"]["id"] == status_id
        message = await on_a.next()
        assert message["event"] == "notification"
        assert message["payload"]["status"]["id"] == status_id

        # Revoking the token through A closes its socket on B.
        response = await http.post("/oauth/revoke", data={"token": alice.token})
        assert response.status_code == 200
        closed = await on_b.closed()
        assert closed.rcvd.code == 1008
        await public_on_b.close()
        await on_a.close()
