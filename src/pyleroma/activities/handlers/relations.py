"""Follow, Accept, Reject, Block and the Undo of Follow and Block.

``Account.followers_count`` and ``following_count`` count *accepted* follows. They change by
``UPDATE ... SET n = n + 1`` in the same transaction as the follow row, and only by as many
rows as the statement that changed the follows reports (inserted, deleted, or switched from
pending to accepted), so concurrent requests can neither count one follow twice nor lose
one: the unique (follower, followed) pair and the row lock on the account serialise them.

A follow of a locked local account, or of any remote account, starts pending: the followed
answers with Accept or Reject (over federation for remote ones). A remote Follow of an
unlocked local account is accepted at once, and that Accept is delivered back.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.effects import Effects
from pyleroma.db.upsert import insert_or_ignore
from pyleroma.models import Account, Block, Endorsement, Follow
from pyleroma.models.relationship import FOLLOW_ACCEPTED, FOLLOW_PENDING
from pyleroma.services.notifications.notifications import (
    create_notification,
    follow_request_accepted,
    follow_request_dropped,
)
from pyleroma.services.relations import subscriptions
from pyleroma.services.timelines.home_timeline import (
    BACKFILL_JOB,
    purge_account,
    purge_unfollowed,
)
from pyleroma.urls import activity_uri


def relationship_event(state: str, follower_id: int, followed_id: int) -> dict:
    """Pleroma's ``pleroma:follow_relationships_update`` for the follower's streams; states
    as Akkoma's: follow_pending, follow_accept, unfollow (a rejected request too)."""
    return {
        "type": "follow_relationship",
        "state": state,
        "follower_id": follower_id,
        "following_id": followed_id,
    }


def needs_approval(followed: Account) -> bool:
    """A follow starts pending when the followed must (or, remote, will) answer it."""
    return followed.locked or not followed.local


async def get_follow(session: AsyncSession, follower_id: int, followed_id: int) -> Follow | None:
    return (
        await session.execute(
            select(Follow).where(
                Follow.follower_id == follower_id, Follow.followed_id == followed_id
            )
        )
    ).scalar_one_or_none()


async def bump_counts(session: AsyncSession, follower_id: int, followed_id: int, delta: int):
    """Add ``delta`` accepted follows from ``follower_id`` to ``followed_id`` to the counters."""
    if delta == 0:
        return
    await session.execute(
        update(Account)
        .where(Account.id == follower_id)
        .values(following_count=Account.following_count + delta)
    )
    await session.execute(
        update(Account)
        .where(Account.id == followed_id)
        .values(followers_count=Account.followers_count + delta)
    )


async def drop_follow(
    session: AsyncSession,
    effects: Effects,
    follower_id: int,
    followed_id: int,
    *,
    only_state: str | None = None,
) -> Follow | None:
    """Delete the follow (optionally only in ``only_state``) and keep the counters right.

    An endorsement requires following, so the follower's endorsement of the followed goes
    with the follow. Returns the deleted row's (id, state, activity_id), None if none.
    """
    stmt = delete(Follow).where(
        Follow.follower_id == follower_id, Follow.followed_id == followed_id
    )
    if only_state is not None:
        stmt = stmt.where(Follow.state == only_state)
    row = (
        await session.execute(stmt.returning(Follow.id, Follow.state, Follow.activity_id))
    ).first()
    if row is None:
        return None
    effects.stream(relationship_event("unfollow", follower_id, followed_id))
    if row.state == FOLLOW_ACCEPTED:
        await bump_counts(session, follower_id, followed_id, -1)
        await purge_unfollowed(session, follower_id, followed_id)
    else:
        # A withdrawn, rejected or blocked request leaves nothing to answer.
        await follow_request_dropped(session, followed_id, follower_id)
    await session.execute(
        delete(Endorsement).where(
            Endorsement.account_id == follower_id, Endorsement.target_id == followed_id
        )
    )
    return row


def _follow_id(ctx: PipelineContext, row) -> str:
    return row.activity_id or activity_uri(ctx.settings, row.id)


async def handle_follow(ctx: PipelineContext, activity: Activity) -> Effects:
    """Follow (or ask to follow) ``activity.object``; following again updates the reblogs
    and notify options (None leaves one as it is). ``result`` is the follow row."""
    session, follower, followed = ctx.session, activity.actor, activity.object
    reblogs = activity.options.get("reblogs")
    notify = activity.options.get("notify")
    effects = Effects()
    state = FOLLOW_PENDING if needs_approval(followed) else FOLLOW_ACCEPTED
    created = await insert_or_ignore(
        session,
        Follow,
        {
            "id": activity.row_id,
            "follower_id": follower.id,
            "followed_id": followed.id,
            "state": state,
            "show_reblogs": True if reblogs is None else reblogs,
            "notify": False if notify is None else notify,
            "activity_id": activity.id or activity_uri(ctx.settings, activity.row_id),
        },
        ("follower_id", "followed_id"),
    )
    if created:
        accepted = state == FOLLOW_ACCEPTED
        if accepted:
            await bump_counts(session, follower.id, followed.id, 1)
            effects.job(BACKFILL_JOB, {"account_id": follower.id, "target_id": followed.id})
        kind = "follow" if accepted else "follow_request"
        effects.notified(await create_notification(session, followed, follower.id, kind))
        state_name = "follow_accept" if accepted else "follow_pending"
        effects.stream(relationship_event(state_name, follower.id, followed.id))
        if activity.local:
            effects.deliver([followed.id])
            _backfill_followed(ctx, effects, follower, followed)
        elif accepted:
            effects.deliver(
                [follower.id], activity=_accept_json(ctx, followed, activity), actor_id=followed.id
            )
    else:
        changes = {}
        if reblogs is not None:
            changes["show_reblogs"] = reblogs
        if notify is not None:
            changes["notify"] = notify
        if changes:
            await session.execute(
                update(Follow)
                .where(Follow.follower_id == follower.id, Follow.followed_id == followed.id)
                .values(**changes)
            )
        existing = await get_follow(session, follower.id, followed.id)
        if existing is not None and not activity.local and existing.state == FOLLOW_ACCEPTED:
            # A remote server that lost track of the follow asks again: confirm it.
            effects.deliver(
                [follower.id], activity=_accept_json(ctx, followed, activity), actor_id=followed.id
            )
    effects.result = await get_follow(session, follower.id, followed.id)
    return effects


def _backfill_followed(ctx: PipelineContext, effects: Effects, follower, followed) -> None:
    """A local user follows a remote account: its pins and recent posts are fetched
    (federation/backfill.py), so the profile and the home are not empty until it posts."""
    from pyleroma.federation.backfill_triggers import account_job, account_wanted

    if account_wanted(ctx.settings, follower, followed):
        kind, args, key = account_job(followed.id)
        effects.job(kind, args, unique_key=key)


def _accept_json(ctx: PipelineContext, followed: Account, follow: Activity) -> dict:
    from pyleroma.federation.activity_to_as import accept_follow_json

    return accept_follow_json(ctx.settings, followed, follow)


async def handle_accept(ctx: PipelineContext, activity: Activity) -> Effects:
    """The followed (``activity.actor``) accepts the follower's pending request.

    Accepting an already accepted follow is a no-op; ``result`` is False when there was no
    follow at all (the caller's 404).
    """
    session, followed = ctx.session, activity.actor
    follower: Account = activity.inner.actor
    effects = Effects()
    result = await session.execute(
        update(Follow)
        .where(
            Follow.follower_id == follower.id,
            Follow.followed_id == followed.id,
            Follow.state == FOLLOW_PENDING,
        )
        .values(state=FOLLOW_ACCEPTED)
        .returning(Follow.id, Follow.activity_id)
    )
    row = result.first()
    if row is not None:
        activity.inner.id = _follow_id(ctx, row)
        await bump_counts(session, follower.id, followed.id, 1)
        await follow_request_accepted(session, followed.id, follower.id)
        effects.job(BACKFILL_JOB, {"account_id": follower.id, "target_id": followed.id})
        effects.stream(relationship_event("follow_accept", follower.id, followed.id))
        effects.deliver([follower.id])
        effects.result = True
    else:
        effects.result = await get_follow(session, follower.id, followed.id) is not None
    return effects


async def handle_reject(ctx: PipelineContext, activity: Activity) -> Effects:
    """The followed refuses a request, or (``options["any_state"]``) removes a follower:
    Mastodon and Pleroma federate both as Reject. ``result`` is False when there was none."""
    followed = activity.actor
    follower: Account = activity.inner.actor
    effects = Effects()
    only = None if activity.options.get("any_state") else FOLLOW_PENDING
    row = await drop_follow(ctx.session, effects, follower.id, followed.id, only_state=only)
    effects.result = row is not None
    if row is not None:
        activity.inner.id = _follow_id(ctx, row)
        effects.deliver([follower.id])
    return effects


async def undo_follow(ctx: PipelineContext, activity: Activity) -> Effects:
    """Stop following, or withdraw a pending request; a no-op when there is neither."""
    followed: Account = activity.inner.object
    effects = Effects()
    row = await drop_follow(ctx.session, effects, activity.actor.id, followed.id)
    if row is not None:
        activity.inner.id = _follow_id(ctx, row)
        effects.deliver([followed.id])
    return effects


async def handle_block(ctx: PipelineContext, activity: Activity) -> Effects:
    """Block ``activity.object``: severs follows, requests and subscriptions both ways,
    records the block."""
    session, blocker, target = ctx.session, activity.actor, activity.object
    effects = Effects()
    await drop_follow(session, effects, blocker.id, target.id)
    await drop_follow(session, effects, target.id, blocker.id)
    inserted = await insert_or_ignore(
        session,
        Block,
        {
            "id": activity.row_id,
            "account_id": blocker.id,
            "target_id": target.id,
            "activity_id": activity.id or activity_uri(ctx.settings, activity.row_id),
        },
        ("account_id", "target_id"),
    )
    await purge_account(session, blocker.id, target.id)
    await purge_account(session, target.id, blocker.id)
    await subscriptions.drop_between(session, blocker.id, target.id)
    if inserted:
        effects.deliver([target.id])
    return effects


async def undo_block(ctx: PipelineContext, activity: Activity) -> Effects:
    """Lift a block; a no-op when there is none. Severed follows are not restored."""
    target: Account = activity.inner.object
    effects = Effects()
    row = (
        await ctx.session.execute(
            delete(Block)
            .where(Block.account_id == activity.actor.id, Block.target_id == target.id)
            .returning(Block.id, Block.activity_id)
        )
    ).first()
    if row is not None:
        activity.inner.id = row.activity_id or activity_uri(ctx.settings, row.id)
        effects.deliver([target.id])
    return effects
