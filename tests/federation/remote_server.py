"""A real HTTP server on a loopback address that plays another fediverse server for fetch
tests: it serves what each test registers (AS2 documents, WebFinger answers, redirects,
odd content types, huge or slow bodies) and records every request it gets.

Several servers on 127.0.0.2, 127.0.0.3, ... are different hosts to the code under test.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from aiohttp import web

from tests.federation.loopback import LoopbackServer

AS_TYPE = "application/activity+json"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "activitypub"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Seen:
    method: str
    path_qs: str
    headers: dict[str, str]


def fixture(name: str, replacements: dict[str, str]) -> dict:
    """A fixture document with every occurrence of each key replaced (hosts, names)."""
    text = (FIXTURES / name).read_text()
    for old, new in replacements.items():
        text = text.replace(old, new)
    return orjson.loads(text)


@dataclass
class RemoteServer(LoopbackServer):
    host: str = "127.0.0.2"
    routes: dict[str, Handler] = field(default_factory=dict)
    # resource (acct:nick@host) -> JRD document
    webfingers: dict[str, dict] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def paths_seen(self) -> list[str]:
        return [s.path_qs for s in self.seen]

    # --- what to serve ---------------------------------------------------------------------

    def json(self, path: str, doc, *, content_type: str = AS_TYPE, status: int = 200) -> None:
        body = orjson.dumps(doc)

        async def handler(_request):
            return web.Response(status=status, body=body, headers={"Content-Type": content_type})

        self.routes[path] = handler

    def raw(self, path: str, body: bytes, content_type: str | None, status: int = 200) -> None:
        async def handler(_request):
            response = web.Response(status=status, body=body)
            if content_type is None:
                response.headers.popall("Content-Type", None)
            else:
                response.headers["Content-Type"] = content_type
            return response

        self.routes[path] = handler

    def status(self, path: str, status: int) -> None:
        self.raw(path, b"", "text/plain", status)

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        async def handler(_request):
            return web.Response(status=status, headers={"Location": location})

        self.routes[path] = handler

    def slow(self, path: str, seconds: float, doc: dict) -> None:
        async def handler(_request):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), seconds)
            return web.Response(body=orjson.dumps(doc), headers={"Content-Type": AS_TYPE})

        self.routes[path] = handler

    def stream(self, path: str, size: int, *, declare_length: bool = False) -> None:
        """``size`` bytes of a JSON string, chunked (or with its Content-Length)."""

        async def handler(request):
            response = web.StreamResponse(headers={"Content-Type": AS_TYPE})
            if declare_length:
                response.content_length = size
            await response.prepare(request)
            chunk = b" " * 65536
            sent = 0
            try:
                while sent < size:
                    part = chunk[: size - sent]
                    await response.write(part)
                    sent += len(part)
                await response.write_eof()
            except (ConnectionResetError, RuntimeError):
                pass
            return response

        self.routes[path] = handler

    def actor(self, doc: dict, *, nick: str | None = None) -> dict:
        """Serve an actor document at its id's path, and its WebFinger answer."""
        path = doc["id"].removeprefix(self.base)
        self.json(path, doc)
        nick = nick or doc["preferredUsername"]
        self.webfinger(nick, doc["id"])
        return doc

    def webfinger(
        self, nick: str, href: str, *, subject: str | None = None, link_type: str = AS_TYPE
    ) -> None:
        resource = f"acct:{nick}@{self.authority}"
        self.webfingers[resource] = {
            "subject": subject or resource,
            "aliases": [href],
            "links": [
                {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": href},
                {"rel": "self", "type": link_type, "href": href},
            ],
        }

    # --- serving -------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(Seen(request.method, request.path_qs, dict(request.headers)))
        handler = self.routes.get(request.path)
        if handler is not None:
            return await handler(request)
        if request.path == "/.well-known/webfinger":
            jrd = self.webfingers.get(request.query.get("resource", ""))
            if jrd is not None:
                return web.Response(
                    body=orjson.dumps(jrd), headers={"Content-Type": "application/jrd+json"}
                )
        return web.Response(status=404, text="not found")
