"""Remote Deletes: a post removed by its author, or an account that deleted itself.

``handle_remote_delete`` takes an ``Activity`` whose ``object`` is the deleted object's id
(a string; an embedded Tombstone's dict, or an already resolved Status or Account, is read
for its id too):

- the id of a status we have: its author (the actor, and the id on the actor's host) loses
  it the way ``status_delete.delete_status`` removes a local one: stream ``delete`` events
  taken before the rows go (for the reblogs of it too, which go with it by cascade),
  counters on the author, the parent, the quoted post (the original, for a boost), direct
  conversations rewound, the media detached and left to the purge job. Replies keep their
  ``in_reply_to_id`` and ``in_reply_to_uri`` (Mastodon and Pleroma show them as replies to
  something gone). An id we do not have is a no-op.
- the id of a chat message we have (its author's Delete only): it leaves every local chat
  with its notifications (activities/handlers/chats.py ``remove_chat_message``).
- the actor's own id: the account deleted itself. The minimum that is safe: the account
  row stays (deactivated, so its name and keys are never taken over and later activities
  from it are refused), its follows both ways and its favourites go with their counters,
  and its statuses are removed by the same path, a batch at a time, in this transaction.
  An account with a great many statuses makes a long transaction: moving that part into a
  job of its own is the next step when it matters.
"""

from __future__ import annotations

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.effects import Effects
from pyleroma.activities.handlers.relations import drop_follow
from pyleroma.activities.normalize_objects import InvalidActivity
from pyleroma.activities.policies import Rejected
from pyleroma.federation.forwarding import forward_reply
from pyleroma.federation.from_as_note import same_host, status_by_uri
from pyleroma.models import (
    Account,
    ChatMessage,
    Favourite,
    Follow,
    Status,
)
from pyleroma.services.statuses.status_delete import decrement_counter, delete_status
from pyleroma.settings import Settings

# Statuses of a deleted account loaded (and removed) at a time.
ACCOUNT_STATUS_BATCH = 200


def _object_id(value) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        found = value.get("id")
        return found if isinstance(found, str) else None
    if isinstance(value, Status):
        return value.uri
    if isinstance(value, Account):
        return value.ap_id
    return None


async def remove_status(
    session: AsyncSession, settings: Settings, effects: Effects, status: Status
) -> None:
    """Delete ``status`` as a local deletion does (status_delete.delete_status), its stream
    events going into ``effects`` (released after the commit by the pipeline)."""
    await delete_status(session, settings, status, effects)


# -- the handler --------------------------------------------------------------------------


async def handle_remote_delete(ctx: PipelineContext, activity: Activity) -> Effects:
    """A remote Delete (see the module docstring). ``result``: True when a status went,
    the deactivated Account for an account deletion, None when nothing was ours."""
    actor = activity.actor
    if activity.local or actor.local:
        raise Rejected("remote deletes come from remote actors")
    object_id = _object_id(activity.object)
    if object_id is None:
        raise InvalidActivity("Delete names no object")
    if object_id == actor.ap_id:
        return await delete_remote_account(ctx, actor)
    if not same_host(object_id, actor.ap_id):
        raise Rejected(f"{actor.ap_id} cannot delete {object_id}: another host's object")
    effects = Effects()
    status = await status_by_uri(ctx.session, object_id)
    if status is None:
        return await _delete_chat_message(ctx, activity, object_id, effects)
    if status.account_id != actor.id:
        raise Rejected(f"{object_id} is not {actor.ap_id}'s to delete")
    # A reply to one of our posts: its Delete goes where its Create was forwarded
    # (decided before the rows go; a second Delete finds nothing, so it goes once).
    await forward_reply(ctx, activity, effects, status)
    await remove_status(ctx.session, ctx.settings, effects, status)
    effects.result = True
    return effects


async def _delete_chat_message(
    ctx: PipelineContext, activity: Activity, object_id: str, effects: Effects
) -> Effects:
    """A Delete of a chat message we have (its author's only); else a no-op."""
    from pyleroma.activities.handlers.chats import remove_chat_message

    message = await ctx.session.scalar(select(ChatMessage).where(ChatMessage.ap_id == object_id))
    if message is None:
        return effects
    if message.account_id != activity.actor.id:
        raise Rejected(f"{object_id} is not {activity.actor.ap_id}'s to delete")
    await remove_chat_message(ctx.session, effects, message)
    effects.result = True
    return effects


async def delete_remote_account(ctx: PipelineContext, account: Account) -> Effects:
    """A remote account deleted itself: deactivate it, end its follows both ways, take its
    favourites back and remove its statuses (see the module docstring). Idempotent."""
    session = ctx.session
    effects = Effects()
    await session.execute(
        update(Account)
        .where(Account.id == account.id)
        .values(is_active=False)
        .execution_options(synchronize_session=False)
    )
    account.is_active = False
    follows = (
        await session.execute(
            select(Follow.follower_id, Follow.followed_id).where(
                or_(Follow.follower_id == account.id, Follow.followed_id == account.id)
            )
        )
    ).all()
    for follower_id, followed_id in follows:
        await drop_follow(session, effects, follower_id, followed_id)
    favourited = (
        await session.execute(
            delete(Favourite)
            .where(Favourite.account_id == account.id)
            .returning(Favourite.status_id)
            .execution_options(synchronize_session=False)
        )
    ).scalars()
    for status_id in list(favourited):
        await decrement_counter(session, Status.favourites_count, status_id)
    seen: set[int] = set()
    while True:
        batch = list(
            (
                await session.execute(
                    select(Status)
                    .where(Status.account_id == account.id)
                    .order_by(Status.id)
                    .limit(ACCOUNT_STATUS_BATCH)
                )
            ).scalars()
        )
        if not batch:
            break
        if all(status.id in seen for status in batch):  # pragma: no cover - a safety stop
            raise RuntimeError(f"statuses of account {account.id} would not go")
        for status in batch:
            if status.id not in seen:
                seen.add(status.id)
                await remove_status(session, ctx.settings, effects, status)
    effects.result = account
    return effects
