"""Pages of rows by an indexed integer column: max_id / since_id / min_id / limit / offset.

A page is always selected by comparing an indexed integer column with the bounds:
- ``max_id``: strictly older than; ``since_id``: strictly newer than, newest first;
- ``min_id``: strictly newer than, but the page *right after* min_id (oldest first in SQL,
  returned newest first), which is how clients scroll up without gaps.
Reading a page from a request and the Link header are the API's (api/pagination.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select

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
