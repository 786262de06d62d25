"""Build FastAPI's route table once per process, not once per app.

FastAPI (0.16x) builds an included router's routes (their dependency graphs) lazily, at the
first request that walks past them, and keeps them on the app's include record. A server
builds one app per process and pays it once; the test suite builds a new app for each of
thousands of tests and paid it each time: 100-300 ms of the first request of every test,
several minutes of a run. The include records depend only on the router and the include
arguments (prefix, include_in_schema), never on the app's settings, so every app of a
process can share them. The one thing tied to the app that built them first is
``dependency_overrides_provider``: this project never overrides dependencies.
"""

from __future__ import annotations

from fastapi import FastAPI, routing

_IncludedRouter = getattr(routing, "_IncludedRouter", None)
_BUILT: dict[tuple, object] = {}


def share_built_routes(app: FastAPI) -> None:
    """Swap each include record of ``app`` for the first one this process made for the
    same router, prefix and schema flag (a no-op on FastAPI versions without them)."""
    if _IncludedRouter is None:
        return
    routes = app.router.routes
    for index, route in enumerate(routes):
        if isinstance(route, _IncludedRouter):
            context = route.include_context
            key = (id(route.original_router), context.prefix, context.include_in_schema)
            routes[index] = _BUILT.setdefault(key, route)
