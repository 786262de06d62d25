"""The aiohttp server under the test servers that play other hosts (remote_server.py,
inbox_sink.py): it listens on a loopback address and hands every request to ``_handle``.

``stop()`` sets ``_stopping`` before shutting down, so a handler made to hang waits on it
and returns: otherwise aiohttp's shutdown waits out its grace period (60 s) for it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Self

from aiohttp import web


@dataclass
class LoopbackServer:
    host: str = "127.0.0.1"
    port: int = 0
    _runner: web.AppRunner | None = None
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    # The methods routed to _handle ("*": all).
    METHODS = "*"

    @property
    def authority(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def base(self) -> str:
        return f"http://{self.authority}"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raise NotImplementedError

    async def start(self) -> Self:
        app = web.Application()
        app.router.add_route(self.METHODS, "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()
