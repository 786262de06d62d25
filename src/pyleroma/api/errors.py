"""Every error leaves the server as ``{"error": "..."}`` with the status that fits it.

Services raise the core's refusals (``pyleroma/errors.py``); this module gives each its
HTTP status, and the handlers installed by ``install_error_handlers`` turn them, FastAPI's
validation errors, unknown routes and any unexpected exception into that shape. An
unexpected exception is logged and answered 500 without leaking its text.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from pyleroma.api.responses import json_response
from pyleroma.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
    TooLarge,
    Unauthorized,
    Unavailable,
    Unprocessable,
    UnsupportedMedia,
)

log = logging.getLogger("pyleroma.errors")


# Each kind of refusal's HTTP status (the most specific class wins).
HTTP_STATUS: dict[type[DomainError], int] = {
    BadRequest: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    UnsupportedMedia: 415,
    Unprocessable: 422,
    RateLimited: 429,
    Unavailable: 503,
}


def http_status(exc: DomainError) -> int:
    for klass in type(exc).__mro__:
        status = HTTP_STATUS.get(klass)
        if status is not None:
            return status
    return 400


def http_headers(exc: DomainError) -> dict[str, str]:
    retry_after = getattr(exc, "retry_after", None)
    return {"Retry-After": str(retry_after)} if retry_after is not None else {}


def error_response(status: int, message: str, headers: dict | None = None) -> Response:
    return json_response({"error": message}, status=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain_error(_request: Request, exc: DomainError):
        return error_response(http_status(exc), exc.message, http_headers(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "request"
        return error_response(422, f"{where}: {first.get('msg', 'invalid')}")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException):
        message = "Not found" if exc.status_code == 404 else str(exc.detail)
        return error_response(exc.status_code, message, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "Internal server error")
