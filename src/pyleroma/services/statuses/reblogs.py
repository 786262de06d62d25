"""Boosting (reblogging) a status and taking the boost back.

A reblog is a Status row of its own (``reblog_of_id`` set, see models/status.py), so it gets
an id, pages like any post and reaches followers' home timelines through the same
"timeline.fanout" job as a new post. The unique (account_id, reblog_of_id) constraint makes a
second boost, even a concurrent one, return the first instead of counting twice. Here: who
may boost what; the boost itself is an Announce (activities/handlers/interactions.py).

Who may boost what (Pleroma's rule, answered like Mastodon):
- public, unlisted and local posts: anyone who can see them;
- private (followers-only) posts: only their author;
- direct posts: nobody.
A boost never reaches further than its post: asked for a wider visibility than the post has
(a followers-only post boosted as ``unlisted``, a local-only one as ``public``), it keeps
the post's own, as Mastodon's ReblogService does, rather than failing the client's request.
Pleroma answers a refused boost with a 404 even though the viewer can see the post; we say
403 with the reason, as Mastodon does, which tells the client the truth.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities import pipeline
from pyleroma.activities.build import build_announce, build_undo_of
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.handlers.interactions import find_reblog
from pyleroma.errors import Forbidden, NotFound, Unprocessable
from pyleroma.models import Account, Status
from pyleroma.settings import Settings

# What a client may ask a reblog's visibility to be (Pleroma lets it choose).
REBLOG_VISIBILITIES = ("public", "unlisted", "private", "local")


def check_reblog_visibility(actor: Account, original: Status, requested: str | None) -> str:
    """The visibility the reblog gets, or why ``actor`` may not boost ``original``."""
    if requested is not None and requested not in REBLOG_VISIBILITIES:
        raise Unprocessable(
            f"visibility: must be one of {', '.join(REBLOG_VISIBILITIES)}, not {requested}"
        )
    if original.visibility == "direct":
        raise Forbidden("Direct statuses cannot be reblogged")
    if original.visibility == "private":
        if original.account_id != actor.id:
            raise Forbidden("Private statuses cannot be reblogged")
        return "private"  # whatever was asked: the boost stays followers-only
    if original.visibility == "local" and requested in ("public", "unlisted"):
        return "local"  # never federated, like the post
    return requested or original.visibility


async def reblog(
    session: AsyncSession,
    settings: Settings,
    actor: Account,
    original: Status,
    visibility: str | None = None,
) -> Status:
    """Boost ``original`` (visible to ``actor``, not itself a reblog); returns the reblog row.

    Boosting again returns the existing reblog unchanged (counters and notifications are
    only touched when a row was actually inserted). Commits.
    """
    existing = await find_reblog(session, actor.id, original.id)
    if existing is not None:
        return existing
    chosen = check_reblog_visibility(actor, original, visibility)
    announce = build_announce(settings, actor, original, chosen)
    found = await pipeline.run(PipelineContext(session, settings), announce)
    if found is None:  # pragma: no cover - deleted between the insert and this read
        raise NotFound("Record not found")
    return found


async def unreblog(
    session: AsyncSession, settings: Settings, actor: Account, original: Status
) -> None:
    """Take back ``actor``'s boost of ``original``; a no-op when there is none. Commits."""
    undo = build_undo_of(settings, "Announce", actor, original)
    await pipeline.run(PipelineContext(session, settings), undo)
