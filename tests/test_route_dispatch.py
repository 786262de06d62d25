"""The routers' guards (api/route_dispatch.py) never change which route answers a path:
for every path the app serves (each route's template filled in, with and without a trailing
slash, and paths no route has), the first router that matches, and how, is the same with the
guards as without them."""

from __future__ import annotations

import re

from fastapi import routing
from starlette.routing import Match

_PARAM = re.compile(r"\{([^}:]+)(?::([^}]+))?\}")


def _filled(path: str) -> str:
    return _PARAM.sub(lambda m: "a/b" if m.group(2) == "path" else "123", path)


def _templates(routes, prefix: str = ""):
    for route in routes:
        if isinstance(route, routing._IncludedRouter):
            context_prefix = prefix + route.include_context.prefix
            yield from _templates(route.original_router.routes, context_prefix)
        elif isinstance(getattr(route, "path", None), str):
            yield prefix + route.path


def _paths(app) -> set[str]:
    paths = {"/", "/nothing-here", "/api/v1/nothing", "/@alice", "/users", "/.well-known/x"}
    for template in _templates(app.router.routes):
        filled = _filled(template)
        paths.update({filled, filled.rstrip("/") + "/", filled + ".json", filled + "/extra"})
    return paths


def _first_match(app, path: str, *, guarded: bool):
    scope = {"type": "http", "path": path, "root_path": "", "method": "GET", "headers": []}
    partial = None
    for index, route in enumerate(app.router.routes):
        matches = route.matches if guarded else getattr(route, "_pyleroma_unguarded", route.matches)
        match, _ = matches(dict(scope))
        if match == Match.FULL:
            return index, "full"
        if match == Match.PARTIAL and partial is None:
            partial = (index, "partial")
    return partial


def test_every_included_router_is_guarded(app):
    included = [r for r in app.router.routes if isinstance(r, routing._IncludedRouter)]
    assert included and all(getattr(r, "_pyleroma_guard", False) for r in included)


def test_the_guards_never_change_which_route_answers(app):
    paths = _paths(app)
    assert len(paths) > 500
    for path in sorted(paths):
        assert _first_match(app, path, guarded=True) == _first_match(app, path, guarded=False), path


def test_a_path_no_router_serves_is_refused_by_every_guard(app):
    scope = {"type": "http", "path": "/nothing-here", "root_path": "", "method": "GET"}
    included = [r for r in app.router.routes if isinstance(r, routing._IncludedRouter)]
    refused = [r for r in included if r.matches(dict(scope))[0] == Match.NONE]
    assert len(refused) == len(included)
    assert sum(r._pyleroma_unguarded is not r.matches for r in included) == len(included)
