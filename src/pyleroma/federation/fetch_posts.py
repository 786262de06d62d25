"""Posts we are pointed at but do not have: fetched, checked and stored through the pipeline.

A boost of a post we never saw, or a reply whose parent we never saw, names it by id; the
receive job fetches it (federation/fetch.py: signed, contained, size- and time-capped),
fetches its author when unknown, passes it through the MRF policies as the Create that
would have brought it, and stores it with the same Create handler a delivered
post takes, so it is one more remote post like any other. A missing parent's own parent is
fetched too, up to ``federation_incoming_replies_max_depth`` posts up a thread (Pleroma's
setting), and every fetch spends the budget of the activity being received
(``federation_max_fetches_per_activity``, fetch_budget.py), so a hostile server cannot make
us walk an endless chain. What cannot be fetched is simply absent: a reply keeps its
parent's URI and is attached if the parent arrives later.

Backfill (federation/backfill.py) stores posts this way too, with ``backfill=True``: a post
older than ``backfill_realtime_window_seconds`` then gets an id from its own date (so it
takes its place in profiles and timelines instead of topping them) and is stored silently
(the Create handler sends no notification and no home fan-out for it), as Mastodon stores
fetched posts outside its real-time window. ``check`` lets the caller refuse a fetched
post before anything is stored (an outbox item by someone else, a "reply" that answers
another post).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable
from typing import Any

from pyleroma.activities import mrf, pipeline
from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.normalize import InvalidActivity, normalize_object
from pyleroma.activities.normalize_limits import Limits
from pyleroma.activities.policies import Rejected
from pyleroma.db.base import utcnow
from pyleroma.db.ids import EPOCH_MS, SEQUENCE_BITS
from pyleroma.federation.errors import FederationError
from pyleroma.federation.from_as_note import parse_time, status_by_uri
from pyleroma.federation.instances import host_of
from pyleroma.models import Status

log = logging.getLogger("pyleroma.federation")

# The kinds of post stored (the receive job's Create takes the same).
FETCHABLE = frozenset({"Note", "Article", "Page", "Question", "Audio", "Video", "Image"})


async def get_or_fetch_post(
    ctx: PipelineContext,
    uri: str | None,
    *,
    depth: int | None = None,
    canonical: bool = True,
    backfill: bool = False,
    check: Callable[[dict[str, Any]], bool] | None = None,
) -> Status | None:
    """The status with AP id ``uri``: stored, or fetched and stored now (with up to
    ``depth - 1`` missing ancestors; by default ``federation_incoming_replies_max_depth``
    posts in all); None when it cannot be had. Never our own posts over
    HTTP: a local id we do not have is a deleted post. ``canonical=False``: ``uri`` may be
    a post's web page, whose document names its id (fetch.fetch_object). ``backfill`` and
    ``check``: see the module docstring (``check`` sees the normalised note)."""
    from pyleroma.federation.actors import get_or_fetch_actor
    from pyleroma.federation.fetch import fetch_object, is_local_url

    if depth is None:
        depth = ctx.settings.federation_incoming_replies_max_depth
    found = await status_by_uri(ctx.session, uri)
    if found is not None or not uri or depth <= 0 or is_local_url(ctx.settings, uri):
        return found
    try:
        raw = await fetch_object(ctx.settings, uri, session=ctx.session, canonical=canonical)
        note = normalize_object(raw, Limits.from_settings(ctx.settings))
        if (
            note["id"] != uri
            and (found := await status_by_uri(ctx.session, note["id"])) is not None
        ):
            return found
        if note["type"] not in FETCHABLE or not note["attributed_to"]:
            return None
        if host_of(note["attributed_to"]) != host_of(note["id"]):
            return None
        if check is not None and not check(note):
            log.info("fetched %s is not the post expected here", uri[:300])
            return None
        author = await get_or_fetch_actor(ctx.session, ctx.settings, note["attributed_to"])
        policy_ctx = mrf.MrfContext(ctx.settings, ctx.session, author)
        note = await mrf.filter_fetched_post(policy_ctx, note)
    except (FederationError, InvalidActivity, Rejected) as exc:
        log.info("could not fetch %s: %s", uri[:300], exc)
        return None
    if note["in_reply_to"]:
        await get_or_fetch_post(ctx, note["in_reply_to"], depth=depth - 1, backfill=backfill)
    create = Activity("Create", author, note, id=f"{note['id']}#fetched", local=False, raw=raw)
    if backfill:
        create.options["backfill"] = True
        create.row_id = past_row_id(ctx.settings, note)
    effects = await pipeline.handle(ctx, create)
    await pipeline.release_in_transaction(ctx, create, effects)
    return effects.result if isinstance(effects.result, Status) else None


def past_row_id(settings, note: dict[str, Any]) -> int | None:
    """For a backfilled post published before the real-time window: an id made from its
    ``published`` time (random low bits, as two posts of one millisecond are rare), so it
    sorts among posts of its day; None (an id of now) for a recent one."""
    published = parse_time(note.get("published"))
    if published is None:
        return None
    window = dt.timedelta(seconds=settings.backfill_realtime_window_seconds)
    if published >= utcnow() - window:
        return None
    at_ms = int(published.replace(tzinfo=dt.UTC).timestamp() * 1000)
    if at_ms <= EPOCH_MS:  # before the id epoch (2020): no room there, an id of now
        return None
    return ((at_ms - EPOCH_MS) << SEQUENCE_BITS) | secrets.randbits(SEQUENCE_BITS)


async def refresh_post(ctx: PipelineContext, status: Status) -> bool:
    """Fetch a stored remote post again and apply it as an Update from its author (a
    poll's final tallies when it ends, as Mastodon reads them then). False, with nothing
    changed, when it cannot be fetched, is no longer the same author's post, or a policy
    refuses it."""
    from pyleroma.federation.actors import get_or_fetch_actor
    from pyleroma.federation.fetch import fetch_object

    if status.local or not status.uri:
        return False
    try:
        raw = await fetch_object(ctx.settings, status.uri, session=ctx.session)
        note = normalize_object(raw, Limits.from_settings(ctx.settings))
        author = await get_or_fetch_actor(ctx.session, ctx.settings, note["attributed_to"] or "")
        if note["id"] != status.uri or author.id != status.account_id:
            log.info("refetched %s is not the post stored", status.uri[:300])
            return False
        policy_ctx = mrf.MrfContext(ctx.settings, ctx.session, author)
        note = await mrf.filter_fetched_post(policy_ctx, note)
    except (FederationError, InvalidActivity, Rejected) as exc:
        log.info("could not refetch %s: %s", status.uri[:300], exc)
        return False
    update = Activity("Update", author, note, id=f"{note['id']}#refetched", local=False, raw=raw)
    effects = await pipeline.handle(ctx, update)
    await pipeline.release_in_transaction(ctx, update, effects)
    return True
