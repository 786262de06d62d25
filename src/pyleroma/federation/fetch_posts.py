"""Posts we are pointed at but do not have: fetched, checked and stored through the pipeline.

A boost of a post we never saw, or a reply whose parent we never saw, names it by id; the
receive job fetches it (federation/fetch.py: signed, contained, size- and time-capped),
fetches its author when unknown, and stores it with the same Create handler a delivered
post takes, so it is one more remote post like any other. A missing parent's own parent is
fetched too, up to ``MAX_THREAD_DEPTH`` posts up a thread, so a hostile server cannot make
us walk an endless chain. What cannot be fetched is simply absent: a reply keeps its
parent's URI and is attached if the parent arrives later.
"""

from __future__ import annotations

import logging

from pyleroma.activities import pipeline
from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.normalize import InvalidActivity, normalize_object
from pyleroma.federation.errors import FederationError
from pyleroma.federation.from_as_note import status_by_uri
from pyleroma.federation.instances import host_of
from pyleroma.models import Status

log = logging.getLogger("pyleroma.federation")

MAX_THREAD_DEPTH = 3
# The kinds of post stored (the receive job's Create takes the same).
FETCHABLE = frozenset({"Note", "Article", "Page", "Question", "Audio", "Video", "Image"})


async def get_or_fetch_post(
    ctx: PipelineContext,
    uri: str | None,
    *,
    depth: int = MAX_THREAD_DEPTH,
    canonical: bool = True,
) -> Status | None:
    """The status with AP id ``uri``: stored, or fetched and stored now (with up to
    ``depth - 1`` missing ancestors); None when it cannot be had. Never our own posts over
    HTTP: a local id we do not have is a deleted post. ``canonical=False``: ``uri`` may be
    a post's web page, whose document names its id (fetch.fetch_object)."""
    from pyleroma.federation.actors import get_or_fetch_actor
    from pyleroma.federation.fetch import fetch_object, is_local_url

    found = await status_by_uri(ctx.session, uri)
    if found is not None or not uri or depth <= 0 or is_local_url(ctx.settings, uri):
        return found
    try:
        raw = await fetch_object(ctx.settings, uri, session=ctx.session, canonical=canonical)
        note = normalize_object(raw)
        if (
            note["id"] != uri
            and (found := await status_by_uri(ctx.session, note["id"])) is not None
        ):
            return found
        if note["type"] not in FETCHABLE or not note["attributed_to"]:
            return None
        if host_of(note["attributed_to"]) != host_of(note["id"]):
            return None
        author = await get_or_fetch_actor(ctx.session, ctx.settings, note["attributed_to"])
    except (FederationError, InvalidActivity) as exc:
        log.info("could not fetch %s: %s", uri[:300], exc)
        return None
    if note["in_reply_to"]:
        await get_or_fetch_post(ctx, note["in_reply_to"], depth=depth - 1)
    create = Activity("Create", author, note, id=f"{note['id']}#fetched", local=False, raw=raw)
    effects = await pipeline.handle(ctx, create)
    await pipeline.release_in_transaction(ctx, create, effects)
    return effects.result if isinstance(effects.result, Status) else None
