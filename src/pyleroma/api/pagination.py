"""max_id / since_id / min_id / limit pagination and the Link header, as Mastodon and Pleroma.

A page is always selected by comparing an indexed integer column with the bounds:
- ``max_id``: strictly older than; ``since_id``: strictly newer than, newest first;
- ``min_id``: strictly newer than, but the page *right after* min_id (oldest first in SQL,
  returned newest first), which is how clients scroll up without gaps.
The Link header points ``next`` at ``max_id=<last id>`` and ``prev`` at ``min_id=<first id>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy import Select
from starlette.requests import Request

from pyleroma.api.errors import Unprocessable
from pyleroma.api.params import Params
from pyleroma.db.ids import parse_id

DEFAULT_LIMIT = 20
MAX_LIMIT = 40
# Past this an ``offset`` is a 422: no list is that long, and ``offset + limit`` must still fit
# the 64-bit integers SQLite and PostgreSQL compute with.
MAX_OFFSET = 2**31 - 1


@dataclass(frozen=True)
class Page:
    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0


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


def paginate(stmt: Select, column, page: Page) -> Select:
    """Apply the bounds, order and limit to ``stmt`` for the integer ``column``."""
    if page.max_id is not None:
        stmt = stmt.where(column < page.max_id)
    if page.since_id is not None:
        stmt = stmt.where(column > page.since_id)
    if page.min_id is not None:
        stmt = stmt.where(column > page.min_id).order_by(column.asc())
    else:
        stmt = stmt.order_by(column.desc())
    if page.offset:
        stmt = stmt.offset(page.offset)
    return stmt.limit(page.limit)


def in_display_order(rows: list, page: Page) -> list:
    """Rows fetched with ``paginate`` in newest-first order (min_id pages come out reversed)."""
    return list(reversed(rows)) if page.min_id is not None else rows


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
