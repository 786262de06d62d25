"""Pages that stay full when the viewer's ``hide`` filters leave items out.

A ``hide`` filter (Mastodon's ``filter_action=hide``, Pleroma's v1 ``irreversible``) is
matched against the rendered status (plain text, content warning, poll options, media
descriptions: services/filters/filters.py), which no single WHERE clause reproduces on both
engines. So a read whose page comes out short because hidden items were left out reads on
from where it stopped, in a few bigger batches, until the page is full or the rows run out:
``GET /api/v1/timelines/home?limit=1`` answers the next visible post, not ``[]``, and a
client never mistakes a run of hidden posts for the end of its timeline.

It is bounded: at most ``MORE_BATCHES`` further reads of at most ``BATCH_CAP`` rows each, and
only for a viewer with a ``hide`` filter in force for the context; everyone else's page is
the single read it always was. Each further read is the same statement with the cursor moved
(the read functions build nothing new), rendered in one batch as any page is.

The Link header comes from the rows the page accounts for, in display order: every row
examined up to the last item returned. ``next`` (``max_id`` = the oldest of them) then points
past the hidden rows already passed over, and ``prev`` (``min_id`` = the newest) past those
above, so paging neither repeats nor skips. When the bound is reached first the page is
short, and its Link header still points past everything examined.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pyleroma.db.paging import MAX_LIMIT, Page

# Further reads after the first, and the most rows each may examine.
MORE_BATCHES = 3
BATCH_CAP = MAX_LIMIT

Fetch = Callable[[Page], Awaitable[list[Any]]]
Present = Callable[[list[Any]], Awaitable[list[dict]]]


@dataclass
class FilledPage:
    """The items to answer and the pagination keys of the rows they account for, both
    newest first."""

    items: list[dict]
    keys: list[int]


async def fill_page(
    page: Page,
    fetch: Fetch,
    present: Present,
    key: Callable[[Any], int],
    *,
    read_on: bool,
) -> FilledPage:
    """Read ``page`` through ``fetch`` (rows newest first, as the read functions return
    them) and render them with ``present`` (rendered dicts whose ``id`` is ``str(key(row))``;
    a row it leaves out is hidden). With ``read_on``, read further batches past the last row
    examined while the page is short and more rows may exist."""
    ascending = page.min_id is not None  # a min_id page is read upwards from min_id
    kept: list[dict] = []
    consumed: list[int] = []
    batch = page
    for _ in range(1 + (MORE_BATCHES if read_on else 0)):
        rows = await fetch(batch)
        shown = {item["id"]: item for item in await present(rows)}
        full = False
        for row in reversed(rows) if ascending else rows:
            row_key = key(row)
            consumed.append(row_key)
            item = shown.get(str(row_key))
            if item is not None:
                kept.append(item)
                if len(kept) >= page.limit:
                    full = True
                    break
        if full or len(rows) < batch.limit:
            break
        cursor = {"min_id" if ascending else "max_id": consumed[-1]}
        size = min(BATCH_CAP, max(page.limit, 2 * batch.limit))
        batch = dataclasses.replace(page, limit=size, offset=0, **cursor)
    if ascending:
        kept.reverse()
        consumed.reverse()
    return FilledPage(items=kept, keys=consumed)
