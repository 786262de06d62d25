"""Answer ``/api/v1/mutes/`` as ``/api/v1/mutes``, directly.

Some clients (Pleroma-FE among them) add a trailing slash to API paths. Starlette's default
answers those with a 307 redirect to the path without it, which costs every such request a
round trip (and some clients drop the body or the method when they follow it). Instead,
a path that no route matches as it is, and that ends with a slash, is routed again without
the slash, keeping the method, headers, body and query string.

It costs nothing on the paths that match: the retry is the router's ``default`` (what it
runs when nothing matched), so routes and mounts whose paths legitimately end with a slash
(``/``, ``/media/...``) are reached as before, and an unknown path is still a plain 404.
"""

from __future__ import annotations

from starlette.routing import Router
from starlette.types import Receive, Scope, Send


def answer_trailing_slashes(router: Router) -> None:
    """Make ``router`` serve ``PATH/`` (any number of slashes) as ``PATH`` when only the
    latter has a route, for HTTP and WebSocket alike, instead of redirecting."""
    router.redirect_slashes = False
    not_found = router.default

    async def without_slash(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        stripped = path.rstrip("/")
        if not stripped or stripped == path:
            await not_found(scope, receive, send)
            return
        retry = dict(scope)
        retry["path"] = stripped
        # (web/frontend_serving.py tells /pleroma/admin/ from /pleroma/admin by it)
        retry["pyleroma.trimmed_slash"] = True
        raw_path = scope.get("raw_path")
        if raw_path:
            retry["raw_path"] = raw_path.rstrip(b"/")
        # the path now ends without a slash: a second miss goes to not_found
        await router.app(retry, receive, send)

    router.default = without_slash
