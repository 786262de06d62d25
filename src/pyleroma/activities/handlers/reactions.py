"""EmojiReact (Pleroma's and Akkoma's reactions, Misskey's reacting Like) and its Undo.

A reaction is a ``status_reactions`` row unique per (account, status, emoji): one account
may react to a post with several emoji, and the same one delivered twice (or a double
click) is written once, by INSERT ... ON CONFLICT DO NOTHING, so it notifies once. The
emoji has been checked before the handler runs (federation/receive.py for remote ones,
services/statuses/reactions.py for ours): ``options`` holds ``emoji`` (a fully-qualified
unicode emoji, or a custom emoji's shortcode without colons) and ``emoji_url`` (the custom
emoji's image, None for unicode).

Notifications point at statuses, not activities, so a ``pleroma:emoji_reaction``
notification takes its reaction row's id as its own: rendering reads the emoji back by it
(``notification_reactions``) and an undone reaction takes exactly its own notification,
not those of the sender's other reactions to the same post.

Pleroma addresses a reaction to the post's author, and to the reactor's followers when the
post is public or unlisted; a reaction to a local-only post never leaves the instance.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.effects import Effects
from pyleroma.db.upsert import insert_or_ignore
from pyleroma.models import Account, Notification, Status, StatusReaction
from pyleroma.services.notifications.notifications import create_notification
from pyleroma.urls import activity_uri

NOTIFICATION_TYPE = "pleroma:emoji_reaction"


def _deliver(effects: Effects, status: Status) -> None:
    """Where a reaction (and its Undo) goes: the author, and the reactor's followers for
    a post everyone may read; nowhere for a local-only post."""
    if status.visibility == "local":
        return
    effects.deliver([status.account_id], to_followers=status.visibility in ("public", "unlisted"))


async def handle_emoji_react(ctx: PipelineContext, activity: Activity) -> Effects:
    """React to ``activity.object`` (an original status the actor may see) with the checked
    ``options["emoji"]``; ``result`` is the reaction row (the existing one for a repeat)."""
    status: Status = activity.object
    emoji = activity.options["emoji"]
    effects = Effects()
    inserted = await insert_or_ignore(
        ctx.session,
        StatusReaction,
        {
            "id": activity.row_id,
            "account_id": activity.actor.id,
            "status_id": status.id,
            "emoji": emoji,
            "emoji_url": activity.options.get("emoji_url"),
            "activity_id": activity.id or activity_uri(ctx.settings, activity.row_id),
        },
        ("account_id", "status_id", "emoji"),
    )
    if inserted:
        author = await ctx.session.get(Account, status.account_id)
        if author is not None:
            notification = await create_notification(
                ctx.session,
                author,
                activity.actor.id,
                NOTIFICATION_TYPE,
                status,
                notification_id=activity.row_id,
            )
            effects.notified(notification)
        _deliver(effects, status)
    effects.result = (
        await ctx.session.execute(
            select(StatusReaction).where(
                StatusReaction.account_id == activity.actor.id,
                StatusReaction.status_id == status.id,
                StatusReaction.emoji == emoji,
            )
        )
    ).scalar_one_or_none()
    return effects


async def undo_emoji_react(ctx: PipelineContext, activity: Activity) -> Effects:
    """Take a reaction back: the one named by the reaction's id (``inner.options["by_id"]``,
    a remote Undo that names it so) or by its emoji. Nothing happens, and nothing
    federates, when there is none. The Undo then embeds the reaction as it was sent."""
    reaction = activity.inner
    status: Status = reaction.object
    effects = Effects()
    stmt = delete(StatusReaction).where(
        StatusReaction.account_id == activity.actor.id, StatusReaction.status_id == status.id
    )
    if reaction.options.get("by_id"):
        stmt = stmt.where(StatusReaction.activity_id == reaction.id)
    else:
        stmt = stmt.where(StatusReaction.emoji == reaction.options["emoji"])
    deleted = await ctx.session.execute(
        stmt.returning(
            StatusReaction.id,
            StatusReaction.activity_id,
            StatusReaction.emoji,
            StatusReaction.emoji_url,
        )
    )
    row = deleted.first()
    if row is None:
        return effects
    reaction.id = row.activity_id or activity_uri(ctx.settings, row.id)
    reaction.options = {**reaction.options, "emoji": row.emoji, "emoji_url": row.emoji_url}
    await ctx.session.execute(
        delete(Notification).where(
            Notification.id == row.id, Notification.type == NOTIFICATION_TYPE
        )
    )
    _deliver(effects, status)
    return effects


async def notification_reactions(session, notifications) -> dict[int, tuple[str, str | None]]:
    """(emoji, emoji_url) of each ``pleroma:emoji_reaction`` notification, by notification
    id (its reaction's id), read in one statement. One whose reaction is gone is absent."""
    ids = [n.id for n in notifications if n.type == NOTIFICATION_TYPE]
    if not ids:
        return {}
    rows = await session.execute(
        select(StatusReaction.id, StatusReaction.emoji, StatusReaction.emoji_url).where(
            StatusReaction.id.in_(ids)
        )
    )
    return {row.id: (row.emoji, row.emoji_url) for row in rows}
