"""A real HTTP server on loopback that plays remote inboxes: it records what arrives and
answers what each test tells it to (a status per path, or no answer at all)."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from tests.federation.loopback import LoopbackServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class InboxSink(LoopbackServer):
    # path -> HTTP status to answer; "hang" answers only when the sink stops; default 202.
    answers: dict[str, int | str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    METHODS = "POST"

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.received.append(Received(request.path_qs, dict(request.headers), body))
        answer = self.answers.get(request.path, 202)
        if answer == "hang":
            await self._stopping.wait()
            return web.Response(status=503)
        return web.Response(status=int(answer))
