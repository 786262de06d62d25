"""Paths with a NUL character name nothing: 404 before any route looks them up.

A path segment is an id, a nickname or a tag name; none can hold U+0000, and PostgreSQL
cannot even compare text holding one (a lookup was a 500 there). Parameters get the same
rule, as a 422, in ``api/params.py``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from pyleroma.api.errors import error_response


class NulPathGuard:
    """Pure ASGI middleware (no cost beyond one ``in`` per request)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "\x00" in scope["path"]:
            await error_response(404, "Not found")(scope, receive, send)
            return
        await self.app(scope, receive, send)
