"""Fast JSON responses: entities are plain dicts rendered with orjson."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


class JSONResponse(Response):
    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


def json_response(content: Any, status: int = 200, headers: dict | None = None) -> Response:
    return JSONResponse(content, status_code=status, headers=headers)
