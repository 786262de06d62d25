"""Create and Delete of posts made here (remote posts: handlers/remote_posts.py).

Writing a post is posting.py's ``write_status`` (mentions, tags, media, poll, counters,
direct conversations); deleting is status_delete.py's ``delete_status``. The handlers add
what federation needs: the AS2 document, rendered from the stored rows, and who gets it:
the followers (unless the post is direct or local-only), the accounts it mentions and the
author it replies to, and for a public post the relays the instance follows
(federation/relay.py). A local-only post federates nowhere.
"""

from __future__ import annotations

from sqlalchemy import select

from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.effects import Effects
from pyleroma.models import Account, ChatMessage, Event, Status, StatusMention

FOLLOWERS_SEE = ("public", "unlisted", "private")


async def _mentioned_ids(session, status_id: int) -> list[int]:
    rows = await session.execute(
        select(StatusMention.account_id).where(StatusMention.status_id == status_id)
    )
    return list(rows.scalars())


async def note_document(ctx: PipelineContext, status: Status) -> dict:
    """The Note (or Question) of a stored local post, without ``@context``."""
    from pyleroma.federation.to_as_note import load_note_parts, status_to_as

    parts = await load_note_parts(ctx.session, status)
    return status_to_as(ctx.settings, status, parts, context=False)


async def handle_create(ctx: PipelineContext, activity: Activity) -> Effects:
    """A local post: ``activity.object`` is the checked draft; ``result`` the Status."""
    if not activity.local:
        from pyleroma.activities.handlers.remote_posts import handle_remote_create

        return await handle_remote_create(ctx, activity)
    from pyleroma.federation.to_as_note import create_to_as
    from pyleroma.services.statuses.posting import write_status

    effects = Effects()
    status = await write_status(
        ctx.session,
        ctx.settings,
        activity.actor,
        activity.object,
        effects,
        app=activity.options.get("app"),
        created_at=activity.options.get("created_at"),
    )
    effects.result = status
    event = None
    if activity.options.get("event"):  # an event of ours (services/statuses/events.py)
        from pyleroma.activities.handlers.events import event_document, write_local_event

        event = await write_local_event(ctx, status, activity.options["event"])
    from pyleroma.services.cards.cards import link_status

    await link_status(ctx.session, ctx.settings, status, effects)
    if status.visibility == "local":
        return effects
    note = await note_document(ctx, status)
    if event is not None:
        note = event_document(note, event)
    document = create_to_as(note)
    activity.id = document["id"]
    recipients = [account.id for account in activity.object.recipients]
    if status.in_reply_to_account_id is not None:
        recipients.append(status.in_reply_to_account_id)
    effects.deliver(
        recipients,
        to_followers=status.visibility in FOLLOWERS_SEE,
        activity=document,
        to_relays=status.visibility == "public",
    )
    return effects


def update_document(note: dict, status: Status) -> dict:
    """The Update carrying a post's new version; its id names the version (Mastodon's
    ``<object>#updates/<timestamp>``), so each edit is a distinct activity."""
    from pyleroma.federation.to_as import AS_CONTEXT, as_datetime

    stamp = int(status.edited_at.timestamp()) if status.edited_at else 0
    return {
        "@context": AS_CONTEXT,
        "id": f"{note['id']}#updates/{stamp}",
        "type": "Update",
        "actor": note["attributedTo"],
        "published": as_datetime(status.edited_at),
        "to": note["to"],
        "cc": note["cc"],
        "object": note,
    }


async def handle_update(ctx: PipelineContext, activity: Activity) -> Effects:
    """An edit of a local post (``activity.object``, with the checked plan in options)."""
    if not activity.local:
        from pyleroma.activities.handlers.remote_posts import handle_remote_update

        return await handle_remote_update(ctx, activity)
    from pyleroma.services.statuses.status_edit import apply_edit

    status: Status = activity.object
    effects = Effects()
    await apply_edit(ctx.session, status, activity.actor, activity.options["plan"], effects)
    from pyleroma.services.cards.cards import link_status

    await link_status(ctx.session, ctx.settings, status, effects, edited=True)
    effects.result = status
    from pyleroma.activities.handlers import events

    if activity.options.get("event"):  # an event's edit (services/statuses/events.py)
        event = await events.apply_local_event_update(
            ctx, status, activity.options["event"], effects
        )
    else:  # an event edited as a plain post keeps its event fields
        event = await ctx.session.get(Event, status.id)
    if status.visibility == "local":
        return effects
    note = await note_document(ctx, status)
    if event is not None:
        note = events.event_document(note, event)
    document = update_document(note, status)
    activity.id = document["id"]
    recipients = await _mentioned_ids(ctx.session, status.id)
    if status.in_reply_to_account_id is not None:
        recipients.append(status.in_reply_to_account_id)
    effects.deliver(
        recipients,
        to_followers=status.visibility in FOLLOWERS_SEE,
        activity=document,
        to_relays=status.visibility == "public",
    )
    return effects


async def handle_delete(ctx: PipelineContext, activity: Activity) -> Effects:
    """Delete a local post (``activity.object``, an original, not a reblog), or one's own
    chat message (a ChatMessage row: activities/handlers/chats.py)."""
    if isinstance(activity.object, ChatMessage):
        from pyleroma.activities.handlers.chats import handle_delete_chat_message

        return await handle_delete_chat_message(ctx, activity)
    if not activity.local:
        from pyleroma.activities.handlers.remote_posts import handle_remote_delete

        return await handle_remote_delete(ctx, activity)
    from pyleroma.federation.to_as import PUBLIC
    from pyleroma.services.statuses.status_delete import delete_status

    status: Status = activity.object
    effects = Effects()
    author = await ctx.session.get(Account, status.account_id)
    federates = status.visibility != "local" and author is not None and author.local
    if federates:
        # Addressed before the rows go: mentions and the reply link vanish with them.
        recipients = await _mentioned_ids(ctx.session, status.id)
        if status.in_reply_to_account_id is not None:
            recipients.append(status.in_reply_to_account_id)
        followers = author.followers_url or f"{author.ap_id}/followers"
        public = status.visibility in ("public", "unlisted")
        document = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": activity.id,
            "type": "Delete",
            "actor": author.ap_id,
            "object": {"id": status.uri, "type": "Tombstone"},
            "to": [PUBLIC] if public else [followers],
            "cc": [followers] if public else [],
        }
        effects.deliver(
            recipients,
            to_followers=status.visibility in FOLLOWERS_SEE,
            activity=document,
            actor_id=author.id,
            to_relays=status.visibility == "public",
        )
    await delete_status(ctx.session, ctx.settings, status, effects)
    return effects
