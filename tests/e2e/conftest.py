"""A real pyleroma server on a loopback port, for tests that drive it with real client libraries.

The server runs in uvicorn (the same server `pyleroma serve` uses) in a background thread with
its own event loop, on a fresh data dir and database (SQLite, or PostgreSQL when
PYLEROMA_TEST_DATABASE_URL is set).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import httpx
import pytest
import uvicorn

from pyleroma.db.base import Base
from pyleroma.db.engine import make_engine
from pyleroma.main import create_app
from tests.conftest import _empty_pg, make_test_settings


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, app, host: str, port: int):
        self.url = f"http://{host}:{port}"
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/openapi", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("live server did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


async def _prepare_database(url: str, is_pg: bool) -> None:
    if is_pg:
        await _empty_pg(url)
        return
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()


@pytest.fixture
def live_server(tmp_path, pg_database):
    port = free_port()
    settings = make_test_settings(
        tmp_path / "data", pg_database or "", base_url=f"http://127.0.0.1:{port}"
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(_prepare_database(settings.effective_database_url, bool(pg_database)))
    server = LiveServer(create_app(settings), "127.0.0.1", port)
    server.start()
    yield server
    server.stop()
