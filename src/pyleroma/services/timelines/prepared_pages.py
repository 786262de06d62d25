"""Timeline statements built once per shape, paged with bound parameters.

A timeline read used to build its statement per request: the visibility, block and mute
rules (policy/visibility.py) as SQLAlchemy expressions, for this viewer, with this page's
bounds. That building cost more than the query (BENCHMARKS.md). Here a statement is built
once for each *shape* (the client's options, the paging direction, signed in or not) with
the viewer and the bounds as parameters, compiled once per dialect (db/fastread.py), and
kept in a bounded cache; a request only binds its values.

A page's *shape* (``PageShape``) says its direction and which bounds the client gave; a
bound is in the statement only when given. Binding 0 and the largest id for missing
bounds (one statement for every page) looked free but was not: SQLite, without
statistics, counts each range term as selective, and with a timeline's dozen filter terms
it judged a page so small that sorting every match seemed cheaper than walking the index
in order (a hashtag page at 1M statuses took 0.5 s instead of 1 ms).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, DateTime, bindparam, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.db.fastread import Prepared, reader
from pyleroma.db.paging import Page, in_display_order
from pyleroma.models import Status
from pyleroma.services.statuses.status_batches import STATUS_COLUMNS, StatusRow

VIEWER = bindparam("viewer_id", type_=BigInteger)
# The current time, for rules that depend on it (timed mutes): bound per request, never
# frozen into a statement built once. ``read_status_page`` always binds it.
NOW = bindparam("now", type_=DateTime())
_MAX_ID = bindparam("max_id", type_=BigInteger)
_SINCE_ID = bindparam("since_id", type_=BigInteger)
_LIMIT = bindparam("limit", type_=BigInteger)
_OFFSET = bindparam("offset", type_=BigInteger)
_INNER_LIMIT = bindparam("inner_limit", type_=BigInteger)
LARGEST_ID = 2**63 - 1


@dataclass(frozen=True, slots=True)
class PageShape:
    """What of a page changes its statement: the direction and the bounds given."""

    ascending: bool  # a ``min_id`` page is read upwards from ``min_id`` (api/pagination.py)
    upper: bool  # ``max_id`` given
    lower: bool  # ``since_id`` or ``min_id`` given


def page_shape(page: Page) -> PageShape:
    return PageShape(
        ascending=page.min_id is not None,
        upper=page.max_id is not None,
        lower=page.since_id is not None or page.min_id is not None,
    )


def bounded(stmt, column, shape: PageShape, *, limit=_LIMIT, offset=_OFFSET):
    """``stmt`` between the page's bounds on ``column``, ordered and limited by parameters."""
    if shape.upper:
        stmt = stmt.where(column < _MAX_ID)
    if shape.lower:
        stmt = stmt.where(column > _SINCE_ID)
    stmt = stmt.order_by(column.asc() if shape.ascending else column.desc()).limit(limit)
    return stmt.offset(offset) if offset is not None else stmt


def page_params(page: Page) -> dict[str, Any]:
    lower = max(page.since_id or 0, page.min_id or 0)
    return {
        "max_id": page.max_id if page.max_id is not None else LARGEST_ID,
        "since_id": lower,
        "limit": page.limit,
        "offset": page.offset,
        "inner_limit": page.limit + page.offset,
    }


def status_page(filtered, column, shape: PageShape) -> Prepared:
    """A page of StatusRows from ``filtered`` (a select of Status with its joins and
    filters), paged on ``column``."""
    return Prepared(bounded(filtered, column, shape))


def merged_status_page(sources: list[tuple[Any, Any]], shape: PageShape) -> Prepared:
    """A page of StatusRows drawn from several index ranges, each paged on its own and then
    merged (``sources``: selects of one column labelled ``id``, with the column each is
    paged on); a status in two ranges counts once."""
    parts = [
        bounded(stmt, column, shape, limit=_INNER_LIMIT, offset=None).subquery()
        for stmt, column in sources
    ]
    if len(parts) == 1:
        ids = select(parts[0].c.id)
    else:
        ids = select(union(*(select(part.c.id) for part in parts)).subquery().c.id)
    return status_page(select(*STATUS_COLUMNS).where(Status.id.in_(ids)), Status.id, shape)


async def read_status_page(
    session: AsyncSession, prepared: Prepared, page: Page, **params
) -> list[StatusRow]:
    """The page's StatusRows, newest first."""
    read = await reader(session)
    rows = await read.one(prepared, page_params(page) | {"now": utcnow()} | params)
    return in_display_order([StatusRow._make(r) for r in rows], page)


class PreparedCache:
    """At most ``size`` prepared statements by shape, the least recently used dropped first
    (a shape may carry a client's value, such as ``instance=``, so the cache is bounded)."""

    def __init__(self, size: int = 256):
        self.size = size
        self._items: OrderedDict[Hashable, Prepared] = OrderedDict()

    def get(self, key: Hashable, build: Callable[[], Prepared]) -> Prepared:
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
            return found
        made = self._items[key] = build()
        if len(self._items) > self.size:
            self._items.popitem(last=False)
        return made
