"""Fast JSON responses: entities are plain dicts rendered with orjson."""

from __future__ import annotations

import functools
import inspect
from typing import Any

import orjson
from fastapi.routing import APIRoute
from starlette.responses import Response


class JSONResponse(Response):
    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


def json_response(content: Any, status: int = 200, headers: dict | None = None) -> Response:
    return JSONResponse(content, status_code=status, headers=headers)


def serialise_directly(router) -> None:
    """Let orjson serialise what ``router``'s endpoints return, not FastAPI's
    ``jsonable_encoder``.

    Without a response model FastAPI walks every value of a returned dict or list in Python
    before the response class serialises it (0.7 ms of a 3 ms ``verify_credentials``). Our
    endpoints return plain JSON values (dicts, lists, strings, numbers), which orjson writes
    as they are, so each endpoint is wrapped (before the router is included: FastAPI builds
    each inclusion's handler from ``route.endpoint``) to answer them as a JSONResponse
    itself. Routes with a response model, and endpoints that build their own Response, are
    left alone; wrapping twice (one router included by several apps) does nothing.
    """
    for route in router.routes:
        if not isinstance(route, APIRoute) or route.response_model is not None:
            continue
        if getattr(route.endpoint, "_direct_json", False):
            continue
        route.endpoint = _direct(route.endpoint, route.status_code or 200)


def _direct(call, status: int):
    if inspect.iscoroutinefunction(call):

        @functools.wraps(call)
        async def direct(*args, **values):
            result = await call(*args, **values)
            return result if isinstance(result, Response) else JSONResponse(result, status)
    else:

        @functools.wraps(call)
        def direct(*args, **values):
            result = call(*args, **values)
            return result if isinstance(result, Response) else JSONResponse(result, status)

    direct._direct_json = True
    return direct
