"""A remote account's pinned posts, read from its featured collection (``featured`` on
the actor: Mastodon, Pleroma, Akkoma and GoToSocial publish one), so its profile shows
them before it pins anything while we listen (pins after that arrive as Add / Remove:
activities/handlers/featured.py).

Read by the ``federation.featured`` job (jobs/featured_jobs.py), enqueued each time the
actor is fetched (at most daily per account, at most one pending per account). The
collection must be on the actor's host and fetched from its id like any object; its first
``MAX_FEATURED`` items (inline, or on its first page) are taken; each post is fetched as a
boosted or quoted one is (federation/fetch_posts.py) and kept only if it is the account's
own. The account's pins then are exactly those.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import and_, delete

from pyleroma.activities.context import PipelineContext
from pyleroma.db.ids import new_id
from pyleroma.db.upsert import insert_or_ignore
from pyleroma.federation.fetch import fetch_object, same_host
from pyleroma.federation.fetch_posts import get_or_fetch_post
from pyleroma.jobs.queue import enqueue
from pyleroma.models import Account, StatusPin

log = logging.getLogger("pyleroma.federation")

FEATURED_JOB = "federation.featured"
MAX_FEATURED = 20


async def refresh_after_fetch(session, account: Account) -> None:
    """Enqueue the read of ``account``'s featured collection (in the caller's transaction)."""
    if account.local or not account.featured_url:
        return
    args = {"account_id": account.id}
    await enqueue(session, FEATURED_JOB, args, unique_key=f"{FEATURED_JOB}:{account.id}")


def _items(page: dict[str, Any]) -> list[Any] | None:
    for key in ("orderedItems", "items"):
        value = page.get(key)
        if isinstance(value, list):
            return value
    return None


async def _collection_items(ctx: PipelineContext, url: str) -> list[Any]:
    collection = await fetch_object(ctx.settings, url, session=ctx.session)
    items = _items(collection)
    if items is not None:
        return items
    first = collection.get("first")
    if isinstance(first, dict):
        return _items(first) or []
    if isinstance(first, str) and same_host(first, url):
        return _items(await fetch_object(ctx.settings, first, session=ctx.session)) or []
    return []


async def sync_featured(
    ctx: PipelineContext, account: Account, *, backfill: bool = False
) -> list[int]:
    """Make ``account``'s pins the posts its featured collection lists; returns their ids.
    A collection that cannot be read changes nothing (``FederationError``). ``backfill``:
    posts are stored as backfilled ones (old ones silently: federation/fetch_posts.py)."""
    url = account.featured_url
    if account.local or not url or not same_host(url, account.ap_id):
        return []
    pinned: list[int] = []
    for item in (await _collection_items(ctx, url))[:MAX_FEATURED]:
        uri = item.get("id") if isinstance(item, dict) else item
        if not isinstance(uri, str) or not same_host(uri, account.ap_id):
            continue
        status = await get_or_fetch_post(ctx, uri, depth=1, backfill=backfill)
        if status is not None and status.account_id == account.id and not status.reblog_of_id:
            pinned.append(status.id)
    session = ctx.session
    stale = StatusPin.account_id == account.id
    if pinned:
        stale = and_(stale, StatusPin.status_id.not_in(pinned))
    await session.execute(delete(StatusPin).where(stale))
    for status_id in pinned:
        values = {"id": new_id(), "account_id": account.id, "status_id": status_id}
        await insert_or_ignore(session, StatusPin, values, ("account_id", "status_id"))
    return pinned
