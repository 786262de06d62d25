"""A real uvicorn server on a loopback port, in the test's own event loop.

Running it in the test's loop (not a thread) lets the test share the app: the factory, the
ASGI ``client`` and the server use one engine and one stream hub, so a post made through
``client`` reaches sockets of the server exactly as in production, and nothing needs
cross-loop care. The lifespan runs, so the hub and the in-process job runner are started.
"""

from __future__ import annotations

import asyncio

import pytest
import uvicorn

from tests.e2e.conftest import free_port


@pytest.fixture
async def stream_server(app):
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", ws_ping_interval=None
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    deadline = asyncio.get_running_loop().time() + 20
    while not server.started:
        if task.done() or asyncio.get_running_loop().time() > deadline:
            raise RuntimeError("stream server did not start")
        await asyncio.sleep(0.01)
    yield f"ws://127.0.0.1:{port}"
    server.should_exit = True
    await asyncio.wait_for(task, 20)


@pytest.fixture
def hub(app):
    return app.state.stream_hub
