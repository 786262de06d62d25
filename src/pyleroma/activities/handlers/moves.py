"""Move: an account moving to another one, remote (checked by federation/receive.py) or
local (checked by services/accounts/move.py).

The handler only records the move (``moved_to_id`` of the old account) and queues the
``accounts.move_followers`` job (jobs/move_jobs.py), which tells the old account's local
followers and makes those who allow it (``allow_following_move``) follow the new one: an
account with many followers would otherwise hold the inbox's receive job (or the client's
request) for as long as thousands of follows take. A local Move is delivered to the old
account's remote followers, whose servers do the same for theirs.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.effects import Effects
from pyleroma.db.base import utcnow
from pyleroma.models import Account

MOVE_FOLLOWERS_JOB = "accounts.move_followers"


def move_json(activity: Activity) -> dict:
    """The Move as Pleroma sends it: the old account as actor and object, the new one as
    target, addressed to the old account's followers."""
    from pyleroma.federation.to_as import AS_CONTEXT

    origin: Account = activity.actor
    target: Account = activity.object
    return {
        "@context": AS_CONTEXT,
        "id": activity.id,
        "type": "Move",
        "actor": origin.ap_id,
        "object": origin.ap_id,
        "target": target.ap_id,
        "to": [origin.followers_url or f"{origin.ap_id}/followers"],
        "cc": [],
    }


async def handle_move(ctx: PipelineContext, activity: Activity) -> Effects:
    """``activity.actor`` has moved to ``activity.object`` (an Account; the checks are the
    caller's). ``result`` is the target."""
    origin: Account = activity.actor
    target: Account = activity.object
    await ctx.session.execute(
        update(Account)
        .where(Account.id == origin.id)
        .values(moved_to_id=target.id, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    set_committed_value(origin, "moved_to_id", target.id)
    effects = Effects()
    # One migration per move, however often the Move is delivered meanwhile.
    effects.job(
        MOVE_FOLLOWERS_JOB,
        {"origin_id": origin.id, "target_id": target.id},
        unique_key=f"move:{origin.id}:{target.id}",
    )
    if activity.local:
        effects.deliver(to_followers=True, activity=move_json(activity))
    effects.result = target
    return effects
