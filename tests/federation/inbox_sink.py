"""A real HTTP server on loopback that plays remote inboxes: it records what arrives and
answers what each test tells it to (a status per path, or no answer at all)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class InboxSink:
    host: str = "127.0.0.1"
    # path -> HTTP status to answer; "hang" never answers; default 202.
    answers: dict[str, int | str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    port: int = 0
    _runner: web.AppRunner | None = None
    # Set by stop(): hanging handlers return, so the server's shutdown does not wait out
    # aiohttp's grace period (60 s) for them.
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.received.append(Received(request.path_qs, dict(request.headers), body))
        answer = self.answers.get(request.path, 202)
        if answer == "hang":
            await self._stopping.wait()
            return web.Response(status=503)
        return web.Response(status=int(answer))

    async def start(self) -> InboxSink:
        app = web.Application()
        app.router.add_route("POST", "/{tail:.*}", self._handle)
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
