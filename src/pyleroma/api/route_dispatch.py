"""Skip, before matching, the included routers whose routes cannot match the path.

The app has about 110 included routers, and FastAPI tries each in turn: every router's
``matches`` walks all its routes, each a regex match with a scope context set around it.
A request for a route of a late router (the web pages, the admin API, ActivityPub) paid
0.7-1.5 ms there before anything else ran (BENCHMARKS.md, "Public pages"). Each router
here gets a guard: the literal start of every path it serves (what comes before the first
``{``), and the exact paths of those without parameters; a path that starts with none of
them and is none of them cannot match any of its routes, so the router answers "no match"
at once. Routers are still tried in their order, and a router the path may match is asked
exactly as before, so which route answers never changes. A router with a route the guard
cannot read (a Host route, a front end group) is left unguarded.
"""

from __future__ import annotations

from fastapi import FastAPI, routing
from starlette.routing import BaseRoute, Match, Mount, Route, WebSocketRoute, get_route_path
from starlette.types import Scope

_IncludedRouter = getattr(routing, "_IncludedRouter", None)
_NO_MATCH: tuple[Match, dict] = (Match.NONE, {})


class _Unguardable(Exception):
    """A route whose paths the guard cannot tell."""


def _path_keys(path: str, exact: set[str], prefixes: set[str]) -> None:
    literal, brace, _ = path.partition("{")
    if brace:
        prefixes.add(literal)
    else:
        # (a path asked for with or without its trailing slash reaches the router too:
        # the slash redirect and api/trailing_slash.py retry the other form)
        exact.update({path, path.rstrip("/") or "/", path.rstrip("/") + "/"})


def _collect(included, exact: set[str], prefixes: set[str]) -> None:
    context = included.include_context
    for route in included.original_router.routes:
        if _IncludedRouter is not None and isinstance(route, _IncludedRouter):
            _collect(
                _IncludedRouter(
                    original_router=route.original_router,
                    include_context=context.combine(route.include_context),
                ),
                exact,
                prefixes,
            )
        elif isinstance(route, Mount):
            mounted = context.path_for(route).rstrip("/")
            exact.update({mounted, mounted + "/"})
            prefixes.add(mounted + "/")
        elif isinstance(route, Route | WebSocketRoute) or hasattr(route, "path_format"):
            if not isinstance(getattr(route, "path", None), str):
                raise _Unguardable(route)
            _path_keys(context.path_for(route), exact, prefixes)
        else:
            raise _Unguardable(route)


def _guarded(route: BaseRoute, exact: frozenset[str], prefixes: tuple[str, ...]):
    matches = route.matches

    def guarded_matches(scope: Scope):
        if scope["type"] in ("http", "websocket"):
            path = get_route_path(scope)
            if path not in exact and not path.startswith(prefixes):
                return _NO_MATCH
        return matches(scope)

    return guarded_matches


def guard_included_routers(app: FastAPI) -> int:
    """Guard each included router of ``app`` that can be; returns how many were."""
    if _IncludedRouter is None:
        return 0
    guarded = 0
    for route in app.router.routes:
        if not isinstance(route, _IncludedRouter) or getattr(route, "_pyleroma_guard", None):
            continue
        exact: set[str] = set()
        prefixes: set[str] = set()
        try:
            _collect(route, exact, prefixes)
        except _Unguardable:
            continue
        route._pyleroma_unguarded = route.matches
        route.matches = _guarded(route, frozenset(exact), tuple(sorted(prefixes)))
        route._pyleroma_guard = True
        guarded += 1
    return guarded
