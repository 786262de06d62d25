"""Job kind "accounts.move_followers" ``{"origin_id", "target_id", "after"?}``: the local
followers of an account that moved (activities/handlers/moves.py) hear of it and follow.

Each local account with an accepted follow of the old account gets a ``move``
notification (once per old account: a Move delivered again, or its continuation job
retried, notifies nobody twice). Those whose ``allow_following_move`` is on (the default,
as in Pleroma) then follow the new account and stop following the old one, both through
the activity pipeline, so a Follow of a remote target is delivered and starts pending
like any local follow, and the Undo reaches the old account's server. A follower who may
not follow the target (a block either way, or the target itself) keeps the old follow.

Followers are taken ``BATCH`` at a time in follower id order; a job that filled its batch
queues the next from the last id, so a move with many followers is many short
transactions and a retry redoes at most one batch (which is idempotent: follows and
unfollows that already happened are no-ops, notifications are not repeated).
"""

from __future__ import annotations

import logging

from sqlalchemy import exists, select

from pyleroma.activities import pipeline
from pyleroma.activities.build import build_follow, build_undo_of
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.handlers.moves import MOVE_FOLLOWERS_JOB
from pyleroma.activities.handlers.relations import get_follow
from pyleroma.db.ids import parse_id
from pyleroma.errors import DomainError
from pyleroma.jobs.queue import enqueue
from pyleroma.jobs.registry import DiscardJob, JobContext, register
from pyleroma.models import Account, Follow, Notification
from pyleroma.models.relationship import FOLLOW_ACCEPTED
from pyleroma.services.notifications.notifications import notify
from pyleroma.services.relations.follows import check_can_follow

log = logging.getLogger("pyleroma.federation")

# Followers moved per job (one transaction each).
BATCH = 100


async def _notified_before(session, recipient_id: int, origin_id: int) -> bool:
    return bool(
        await session.scalar(
            select(
                exists().where(
                    Notification.account_id == recipient_id,
                    Notification.from_account_id == origin_id,
                    Notification.type == "move",
                )
            )
        )
    )


async def move_one(ctx: PipelineContext, follow: Follow, follower: Account, origin, target):
    """Notify ``follower`` of the move and, if they allow it, follow ``target`` instead of
    ``origin`` (keeping the old follow's reblogs and notify options); no commit."""
    session = ctx.session
    if not await _notified_before(session, follower.id, origin.id):
        await notify(session, follower, origin.id, "move")
    if not follower.allow_following_move or follower.id == target.id:
        return
    if await get_follow(session, follower.id, target.id) is None:
        try:
            await check_can_follow(session, follower, target)
        except DomainError as exc:
            log.info("follower %s does not follow %s's move: %s", follower.id, origin.id, exc)
            return
        follow_new = build_follow(
            ctx.settings, follower, target, reblogs=follow.show_reblogs, notify=follow.notify
        )
        await pipeline.run(ctx, follow_new, commit=False)
    await pipeline.run(ctx, build_undo_of(ctx.settings, "Follow", follower, origin), commit=False)


@register(MOVE_FOLLOWERS_JOB, max_attempts=10, timeout=300)
async def move_followers(ctx: JobContext) -> None:
    session = ctx.session
    origin_id = parse_id(ctx.args.get("origin_id"))
    target_id = parse_id(ctx.args.get("target_id"))
    after = parse_id(ctx.args.get("after")) or 0
    origin = await session.get(Account, origin_id) if origin_id else None
    target = await session.get(Account, target_id) if target_id else None
    if origin is None or target is None:
        raise DiscardJob("the moved account or its target is gone")
    if origin.moved_to_id != target.id:
        raise DiscardJob("the account has moved elsewhere (or back) since")
    rows = (
        await session.execute(
            select(Follow, Account)
            .join(Account, Account.id == Follow.follower_id)
            .where(
                Follow.followed_id == origin.id,
                Follow.state == FOLLOW_ACCEPTED,
                Follow.follower_id > after,
                Account.local.is_(True),
                Account.is_active.is_(True),
            )
            .order_by(Follow.follower_id)
            .limit(BATCH)
        )
    ).all()
    pipeline_ctx = PipelineContext(session, ctx.settings)
    for follow, follower in rows:
        await move_one(pipeline_ctx, follow, follower, origin, target)
    if len(rows) == BATCH:
        last = rows[-1][1].id
        args = {"origin_id": origin.id, "target_id": target.id, "after": last}
        await enqueue(
            session, MOVE_FOLLOWERS_JOB, args, unique_key=f"move:{origin.id}:{target.id}:{last}"
        )
