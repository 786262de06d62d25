"""``run``: the one path of every activity, local or remote.

``handle_*`` (persists, returns ``Effects``) -> deliveries and jobs written in the same
transaction -> one commit -> stream events published after it (they ride on the session
until the commit: streaming/events.py). A remote activity has passed the MRF policies
(activities/mrf/) before it was resolved to rows. A handler that raises leaves nothing
behind: the transaction rolls back with the caller's session.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.effects import Effects
from pyleroma.activities.handlers import (
    accounts_and_polls,
    chats,
    events,
    featured,
    interactions,
    moves,
    posts,
    reactions,
    relations,
    reports,
    scrobbles,
)
from pyleroma.db.ids import new_id
from pyleroma.jobs.queue import enqueue
from pyleroma.models import Account
from pyleroma.streaming.events import emit

Handler = Callable[[PipelineContext, Activity], Awaitable[Effects]]

HANDLERS: dict[str, Handler] = {
    "Like": interactions.handle_like,
    "Announce": interactions.handle_announce,
    "Follow": relations.handle_follow,
    "Accept": relations.handle_accept,
    "Reject": relations.handle_reject,
    "Block": relations.handle_block,
    "Create": posts.handle_create,
    "Update": posts.handle_update,
    "Delete": posts.handle_delete,
    "Vote": accounts_and_polls.handle_vote,
    "Flag": reports.handle_flag,
    "Add": featured.handle_remote_add,
    "Remove": featured.handle_remote_remove,
    "Move": moves.handle_move,
    "EmojiReact": reactions.handle_emoji_react,
    "Listen": scrobbles.handle_listen,
    # Ours only (a remote one is a Create: remote_posts.py sends it to chats.py).
    "ChatMessage": chats.handle_chat_message,
    "Join": events.handle_join,
    "Leave": events.handle_leave,
}
# Accept and Reject of a Join (an event's organiser answering), not of a Follow.
JOIN_ANSWER = events.handle_join_answer
# An Update of an actor (a profile) rather than of a post.
UPDATE_ACTOR = accounts_and_polls.handle_update_actor
UNDO_HANDLERS: dict[str, Handler] = {
    "Like": interactions.undo_like,
    "Announce": interactions.undo_announce,
    "Follow": relations.undo_follow,
    "Block": relations.undo_block,
    "EmojiReact": reactions.undo_emoji_react,
}


class Unsupported(ValueError):
    """No handler for this activity type (the receive job drops such activities)."""


def handler_for(activity: Activity) -> Handler:
    if activity.type == "Undo":
        handler = UNDO_HANDLERS.get(activity.inner.type)
    elif activity.type == "Update" and isinstance(activity.object, Account):
        handler = UPDATE_ACTOR
    elif (
        activity.type in ("Accept", "Reject")
        and isinstance(activity.object, Activity)
        and activity.object.type == "Join"
    ):
        handler = JOIN_ANSWER
    else:
        handler = HANDLERS.get(activity.type)
    if handler is None:
        inner = f" of {activity.inner.type}" if activity.type == "Undo" else ""
        raise Unsupported(f"no handler for {activity.type}{inner}")
    return handler


async def handle(ctx: PipelineContext, activity: Activity) -> Effects:
    """The handler, without committing: for callers composing several activities in one
    transaction (account deletion undoes many follows at once). A remote activity has
    passed the MRF policies before it was resolved (activities/mrf/)."""
    handler = handler_for(activity)
    if activity.row_id is None:  # a remote activity: the row it makes gets an id of ours
        activity.row_id = new_id()
    return await handler(ctx, activity)


async def release_in_transaction(ctx: PipelineContext, activity: Activity, effects: Effects):
    """Write the effects that belong to the transaction: jobs and deliveries; queue the
    stream events to go out when it commits."""
    from pyleroma.federation.delivery import enqueue_deliveries

    for kind, args, options in effects.jobs:
        await enqueue(ctx.session, kind, args, **options)
    if effects.deliveries:
        await enqueue_deliveries(ctx.session, ctx.settings, activity, effects.deliveries)
    for event in effects.events:
        emit(ctx.session, event)


async def run(ctx: PipelineContext, activity: Activity, *, commit: bool = True) -> Any:
    """Run ``activity`` through the pipeline and commit; returns the handler's result.

    ``commit=False`` is for a job, whose runner commits the activity together with the
    job's completion (jobs/registry.py): the effects are released all the same.
    """
    effects = await handle(ctx, activity)
    await release_in_transaction(ctx, activity, effects)
    if commit:
        await ctx.session.commit()
    return effects.result
