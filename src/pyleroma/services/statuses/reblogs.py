"""Boosting (reblogging) a status and taking the boost back.

A reblog is a Status row of its own (``reblog_of_id`` set, see models/status.py), so it gets
an id, pages like any post and reaches followers' home timelines through the same
"timeline.fanout" job as a new post. The unique (account_id, reblog_of_id) constraint makes a
second boost, even a concurrent one, return the first instead of counting twice.

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

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.ids import new_id
from pyleroma.db.upsert import insert_or_ignore
from pyleroma.errors import Forbidden, NotFound, Unprocessable
from pyleroma.jobs.queue import enqueue
from pyleroma.models import Account, Status
from pyleroma.services.notifications.notifications import notify, retract
from pyleroma.services.timelines.home_fanout import FANOUT_JOB
from pyleroma.streaming.snapshots import emit_unreblogged

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


async def find_reblog(session: AsyncSession, actor_id: int, original_id: int) -> Status | None:
    return (
        await session.execute(
            select(Status).where(Status.account_id == actor_id, Status.reblog_of_id == original_id)
        )
    ).scalar_one_or_none()


async def reblog(
    session: AsyncSession, actor: Account, original: Status, visibility: str | None = None
) -> Status:
    """Boost ``original`` (visible to ``actor``, not itself a reblog); returns the reblog row.

    Boosting again returns the existing reblog unchanged (counters and notifications are
    only touched when a row was actually inserted). Commits.
    """
    existing = await find_reblog(session, actor.id, original.id)
    if existing is not None:
        return existing
    chosen = check_reblog_visibility(actor, original, visibility)
    reblog_id = new_id()
    inserted = await insert_or_ignore(
        session,
        Status,
        {
            "id": reblog_id,
            "account_id": actor.id,
            "local": True,
            "visibility": chosen,
            "reblog_of_id": original.id,
            "conversation_id": original.conversation_id,
        },
        ("account_id", "reblog_of_id"),
    )
    if inserted:
        await session.execute(
            update(Status)
            .where(Status.id == original.id)
            .values(reblogs_count=Status.reblogs_count + 1)
        )
        author = await session.get(Account, original.account_id)
        if author is not None:
            await notify(session, author, actor.id, "reblog", original)
        await enqueue(session, FANOUT_JOB, {"status_id": reblog_id})
    await session.commit()
    found = await find_reblog(session, actor.id, original.id)
    if found is None:  # pragma: no cover - deleted between the insert and this read
        raise NotFound("Record not found")
    return found


async def unreblog(session: AsyncSession, actor: Account, original: Status) -> None:
    """Take back ``actor``'s boost of ``original``; a no-op when there is none. Commits.

    Deleting the row also drops it from every home timeline (foreign key cascade); the
    "reblog" notification it caused goes with it, as Pleroma's undo does.
    """
    await emit_unreblogged(session, actor.id, original.id)  # before the entries cascade away
    deleted = await session.execute(
        delete(Status)
        .where(Status.account_id == actor.id, Status.reblog_of_id == original.id)
        .returning(Status.id)
    )
    if deleted.first() is not None:
        await session.execute(
            update(Status)
            .where(Status.id == original.id, Status.reblogs_count > 0)
            .values(reblogs_count=Status.reblogs_count - 1)
        )
        await retract(session, original.account_id, actor.id, ["reblog"], original.id)
    await session.commit()
