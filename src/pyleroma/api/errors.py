"""Every error leaves the server as ``{"error": "..."}`` with the status that fits it.

Services raise ``ApiError`` subclasses; the handlers installed by ``install_error_handlers``
turn them, FastAPI's validation errors, unknown routes and any unexpected exception into that
shape. An unexpected exception is logged and answered 500 without leaking its text.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from pyleroma.api.responses import json_response

log = logging.getLogger("pyleroma.errors")


class ApiError(Exception):
    status = 400

    def __init__(self, message: str, status: int | None = None, headers: dict | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.headers = headers or {}


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404

    def __init__(self, message: str = "Record not found", **kwargs):
        super().__init__(message, **kwargs)


class Conflict(ApiError):
    status = 409


class Unprocessable(ApiError):
    status = 422


class TooLarge(ApiError):
    status = 413


class UnsupportedMedia(ApiError):
    status = 415


class RateLimited(ApiError):
    status = 429

    def __init__(self, message: str = "Throttled", **kwargs):
        super().__init__(message, **kwargs)


def error_response(status: int, message: str, headers: dict | None = None) -> Response:
    return json_response({"error": message}, status=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError):
        return error_response(exc.status, exc.message, exc.headers)

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
