"""Add / Remove on an actor's featured collection: a remote account pinning and unpinning
its own posts (Mastodon, Akkoma and GoToSocial send these when a post is pinned). The pin
is stored as a local one is (``status_pins``), so the account's pinned posts show in
``/api/v1/accounts/:id/statuses?pinned=true`` and on its posts' ``pinned``. Only remote
ones arrive here: local pins are written by services/statuses/pins.py.
"""

from __future__ import annotations

from sqlalchemy import delete

from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.effects import Effects
from pyleroma.db.ids import new_id
from pyleroma.db.upsert import insert_or_ignore
from pyleroma.models import StatusPin


def _remote_only(activity: Activity) -> None:
    if activity.local:
        raise ValueError("local pins are written by services/statuses/pins.py")


async def handle_remote_add(ctx: PipelineContext, activity: Activity) -> Effects:
    """Pin ``object`` (a post of the actor's, checked by receive.py); pinning twice is one
    pin."""
    _remote_only(activity)
    values = {"id": new_id(), "account_id": activity.actor.id, "status_id": activity.object.id}
    await insert_or_ignore(ctx.session, StatusPin, values, ("account_id", "status_id"))
    effects = Effects()
    effects.result = activity.object
    return effects


async def handle_remote_remove(ctx: PipelineContext, activity: Activity) -> Effects:
    """Unpin ``object``; removing what was not pinned changes nothing."""
    _remote_only(activity)
    await ctx.session.execute(
        delete(StatusPin).where(
            StatusPin.account_id == activity.actor.id,
            StatusPin.status_id == activity.object.id,
        )
    )
    effects = Effects()
    effects.result = activity.object
    return effects
