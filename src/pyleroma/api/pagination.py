"""max_id / since_id / min_id / limit pagination and the Link header, as Mastodon and Pleroma.

A page is always selected by comparing an indexed integer column with the bounds:
- ``max_id``: strictly older than; ``since_id``: strictly newer than, newest first;
- ``min_id``: strictly newer than, but the page *right after* min_id (oldest first in SQL,
  returned newest first), which is how clients scroll up without gaps.
The Link header points ``next`` at ``max_id=<last id>`` and ``prev`` at ``min_id=<first id>``.
The bounds and the SQL are the core's (db/paging.py); reading them from a request is here.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request

from pyleroma.api.params import Params
from pyleroma.db.ids import parse_id
from pyleroma.db.paging import (  # noqa: F401 (the API's routes import them from here)
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_OFFSET,
    Page,
    in_display_order,
    paginate,
)
from pyleroma.errors import Unprocessable


def _bound(params: Params, name: str) -> int | None:
    raw = params.raw(name)
    if raw is None or raw == "":
        return None
    value = parse_id(raw if not isinstance(raw, int) else str(raw))
    if value is None:
        raise Unprocessable(f"{name}: must be an id")
    return value


def read_offset(params: Params) -> int:
    """``offset``: 0 to ``MAX_OFFSET`` (422 outside), for every route that takes one."""
    return params.int("offset", 0, min=0, max=MAX_OFFSET)


def read_page(
    params: Params, default_limit: int = DEFAULT_LIMIT, max_limit: int = MAX_LIMIT
) -> Page:
    """Read the page bounds; a limit above the maximum is clamped (as Pleroma does)."""
    limit = params.int("limit", default_limit, min=1, max=max_limit, clamp=True)
    return Page(
        max_id=_bound(params, "max_id"),
        since_id=_bound(params, "since_id"),
        min_id=_bound(params, "min_id"),
        limit=limit,
        offset=read_offset(params),
    )


def link_header(request: Request, ids: list[int], page: Page) -> dict[str, str]:
    """The Link header for a page whose pagination keys, newest first, are ``ids``."""
    if not ids:
        return {}
    base = str(request.url.replace(query=""))
    kept = [
        (k, v)
        for k, v in request.query_params.multi_items()
        if k not in ("max_id", "min_id", "since_id", "offset")
    ]
    next_query = urlencode([*kept, ("max_id", str(ids[-1]))])
    prev_query = urlencode([*kept, ("min_id", str(ids[0]))])
    return {"Link": f'<{base}?{next_query}>; rel="next", <{base}?{prev_query}>; rel="prev"'}
