"""Several real pyleroma servers on loopback addresses, for federation tests.

Each server is the whole app (create_app) served by uvicorn on its own address (127.0.0.2,
127.0.0.3, ...), with its own data dir and database (a SQLite file, or a PostgreSQL
database of its own when the suite runs on PostgreSQL), its base URL
``http://127.0.0.x:PORT``, jobs run in process and ``allow_private_fetch`` on. Tests drive
them through their client APIs over real HTTP and look at what arrived on the other side.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import select

import pyleroma.models  # noqa: F401
from pyleroma.db.base import Base, utcnow
from pyleroma.main import create_app
from pyleroma.models import Job
from pyleroma.models.job import AVAILABLE, RUNNING
from tests.conftest import make_test_settings
from tests.factories import Factory, User


@dataclass
class Server:
    host: str
    port: int
    app: FastAPI
    uvicorn_server: uvicorn.Server
    task: asyncio.Task
    http: httpx.AsyncClient
    factory: Factory
    users: dict[str, User] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def domain(self) -> str:
        return f"{self.host}:{self.port}"

    def handle(self, nickname: str) -> str:
        return f"{nickname}@{self.domain}"

    async def user(self, nickname: str, **fields) -> User:
        user = await self.factory.user(nickname, **fields)
        self.users[nickname] = user
        return user

    async def get(self, path: str, user: User | None = None, **params) -> httpx.Response:
        headers = user.headers if user else {}
        return await self.http.get(path, headers=headers, params=params or None)

    async def post(self, path: str, user: User, **body) -> httpx.Response:
        return await self.http.post(path, headers=user.headers, json=body or None)

    async def pending_jobs(self) -> int:
        """Jobs running or due now (a retry waiting for its backoff is not pending)."""
        async with self.app.state.sessionmaker() as session:
            due = (Job.state == AVAILABLE) & (Job.scheduled_at <= utcnow())
            rows = await session.execute(select(Job.id).where((Job.state == RUNNING) | due))
            return len(rows.all())


def _bind(host: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(128)
    sock.setblocking(False)
    return sock


async def start_server(host: str, data_dir: Path, database_url: str = "") -> Server:
    sock = _bind(host)
    port = sock.getsockname()[1]
    # A delivery on loopback takes milliseconds; the long timeout is for a machine so busy
    # (CI beside other work) that an inbox waits seconds for the CPU: a timed-out delivery
    # is retried a minute later, after the test has given up waiting for it.
    settings = make_test_settings(
        data_dir,
        database_url,
        base_url=f"http://{host}:{port}",
        jobs_in_process=True,
        federation_timeout_seconds=30.0,
    )
    app = create_app(settings)
    async with app.state.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(200):
        if server.started:
            break
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    http = httpx.AsyncClient(base_url=f"http://{host}:{port}", timeout=20)
    return Server(host, port, app, server, task, http, Factory(app))


async def stop_server(server: Server) -> None:
    await server.http.aclose()
    server.uvicorn_server.should_exit = True
    await asyncio.wait_for(server.task, 20)
    server.app.state.entity_cache.journal.close()


async def settle(*servers: Server, timeout: float = 45.0) -> None:
    """Wait until no server has a due or running job (deliveries, receives, fan-outs).

    Servers are asked one after another, so a single quiet round can miss a job: a's count
    is read, then b's delivery to a finishes (a now holds a receive job) before b's count
    is read. A job that makes work elsewhere is still running until that work is stored,
    so two quiet rounds in a row mean every server is quiet.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    quiet_rounds = 0
    while loop.time() < deadline:
        counts = [await server.pending_jobs() for server in servers]
        quiet_rounds = 0 if any(counts) else quiet_rounds + 1
        if quiet_rounds == 2:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"jobs still pending after {timeout} s: {counts}")
