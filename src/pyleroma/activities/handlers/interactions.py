"""Like and Announce (favourite and boost), and their Undo.

Rows are unique per (account, status), written with INSERT ... ON CONFLICT DO NOTHING, so a
double click, a retried request or a remote server delivering twice never counts twice;
counters move only when a row was really inserted or deleted, in SQL (``n = n + 1``).
A boost is a Status row of its own (``reblog_of_id``) whose ``uri`` is the Announce's id.
Undoing removes the notification the action caused, as Pleroma's undo does.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update

from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.effects import Effects
from pyleroma.db.upsert import insert_or_ignore
from pyleroma.models import Account, Favourite, Status
from pyleroma.services.notifications.notifications import create_notification, retract
from pyleroma.services.timelines.home_fanout import FANOUT_JOB
from pyleroma.streaming.snapshots import unreblogged_events
from pyleroma.urls import activity_uri


async def _notify_author(
    ctx: PipelineContext, effects: Effects, status: Status, sender_id: int, kind: str
) -> None:
    author = await ctx.session.get(Account, status.account_id)
    if author is not None:
        effects.notified(await create_notification(ctx.session, author, sender_id, kind, status))


async def handle_like(ctx: PipelineContext, activity: Activity) -> Effects:
    """Favourite ``activity.object`` (an original status the actor may see)."""
    status: Status = activity.object
    effects = Effects()
    row_id = activity.row_id
    inserted = await insert_or_ignore(
        ctx.session,
        Favourite,
        {
            "id": row_id,
            "account_id": activity.actor.id,
            "status_id": status.id,
            "activity_id": activity.id or activity_uri(ctx.settings, row_id),
        },
        ("account_id", "status_id"),
    )
    if inserted:
        await ctx.session.execute(
            update(Status)
            .where(Status.id == status.id)
            .values(favourites_count=Status.favourites_count + 1)
        )
        await _notify_author(ctx, effects, status, activity.actor.id, "favourite")
        effects.deliver([status.account_id])
    return effects


async def undo_like(ctx: PipelineContext, activity: Activity) -> Effects:
    """Take a favourite back; nothing happens (and nothing federates) when there is none."""
    like = activity.inner
    status: Status = like.object
    effects = Effects()
    deleted = await ctx.session.execute(
        delete(Favourite)
        .where(Favourite.account_id == activity.actor.id, Favourite.status_id == status.id)
        .returning(Favourite.id, Favourite.activity_id)
    )
    row = deleted.first()
    if row is None:
        return effects
    like.id = row.activity_id or activity_uri(ctx.settings, row.id)
    await ctx.session.execute(
        update(Status)
        .where(Status.id == status.id, Status.favourites_count > 0)
        .values(favourites_count=Status.favourites_count - 1)
    )
    await retract(ctx.session, status.account_id, activity.actor.id, ["favourite"], status.id)
    effects.deliver([status.account_id])
    return effects


async def find_reblog(session, actor_id: int, original_id: int) -> Status | None:
    return (
        await session.execute(
            select(Status).where(Status.account_id == actor_id, Status.reblog_of_id == original_id)
        )
    ).scalar_one_or_none()


async def handle_announce(ctx: PipelineContext, activity: Activity) -> Effects:
    """Boost ``activity.object`` with the visibility in ``options`` (checked by the caller:
    reblogs.check_reblog_visibility for local boosts, the addressing for remote ones).
    ``result`` is the boost row, the existing one when the actor had boosted already."""
    original: Status = activity.object
    visibility = activity.options["visibility"]
    effects = Effects()
    row_id = activity.row_id
    inserted = await insert_or_ignore(
        ctx.session,
        Status,
        {
            "id": row_id,
            "uri": activity.id or activity_uri(ctx.settings, row_id),
            "account_id": activity.actor.id,
            "local": activity.local,
            "visibility": visibility,
            "reblog_of_id": original.id,
            "conversation_id": original.conversation_id,
            "context": original.context,
        },
        ("account_id", "reblog_of_id"),
    )
    if inserted:
        await ctx.session.execute(
            update(Status)
            .where(Status.id == original.id)
            .values(reblogs_count=Status.reblogs_count + 1)
        )
        await _notify_author(ctx, effects, original, activity.actor.id, "reblog")
        effects.job(FANOUT_JOB, {"status_id": row_id})
        if visibility != "local":
            effects.deliver([original.account_id], to_followers=True)
    effects.result = await find_reblog(ctx.session, activity.actor.id, original.id)
    return effects


async def undo_announce(ctx: PipelineContext, activity: Activity) -> Effects:
    """Take a boost back; deleting the row drops it from every home timeline (cascade)."""
    announce = activity.inner
    original: Status = announce.object
    effects = Effects()
    # Taken before the rows go: afterwards nobody could tell whose homes held the boost.
    events = await unreblogged_events(ctx.session, activity.actor.id, original.id)
    deleted = await ctx.session.execute(
        delete(Status)
        .where(Status.account_id == activity.actor.id, Status.reblog_of_id == original.id)
        .returning(Status.uri, Status.visibility)
    )
    row = deleted.first()
    if row is None:
        return effects
    announce.id = row.uri
    for event in events:
        effects.stream(event)
    await ctx.session.execute(
        update(Status)
        .where(Status.id == original.id, Status.reblogs_count > 0)
        .values(reblogs_count=Status.reblogs_count - 1)
    )
    await retract(ctx.session, original.account_id, activity.actor.id, ["reblog"], original.id)
    if row.visibility != "local":
        effects.deliver([original.account_id], to_followers=True)
    return effects
