"""The Notification entity, as Pleroma's NotificationView renders it.

``{id, type, created_at, account, pleroma: {is_seen, is_muted}}`` plus ``status`` for the
types about a status, ``emoji`` and ``emoji_url`` for a ``pleroma:emoji_reaction`` (the
EmojiReact's content, ``:shortcode:`` for a custom emoji, and its image, else null),
``chat_message`` (the ChatMessage) for a ``pleroma:chat_mention``,
and ``target`` for a ``move`` (Mastodon's and Pleroma's shape:
``account`` is the old account, ``target`` the one it moved to; the notification row
names no target, so it is the old account's current ``moved_to_id``). A reblog
notification shows the reblogged post itself, as Pleroma does (the stored status may be
the reblog row, which goes away with an unreblog). The statuses
of a whole page are rendered in one ``statuses_to_api`` batch, so a page of 40 costs the
same few queries as one.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities.handlers.reactions import notification_reactions
from pyleroma.api.mastodon.render_accounts import account_to_api, load_moved
from pyleroma.api.mastodon.render_statuses import statuses_to_api
from pyleroma.api.pleroma.render_chats import messages_by_reference_id
from pyleroma.models import Account, Notification
from pyleroma.services.statuses.status_batches import muted_among, statuses_with_originals
from pyleroma.settings import Settings
from pyleroma.urls import masto_datetime

CHAT_MENTION = "pleroma:chat_mention"
# Types whose entity carries the status they are about.
STATUS_TYPES = frozenset(
    {
        "mention", "status", "reblog", "favourite", "poll", "update", "pleroma:emoji_reaction",
        # The pl fork's event notifications carry the event.
        "pleroma:participation_request", "pleroma:participation_accepted",
        "pleroma:event_update",
    }
)  # fmt: skip


async def _statuses_by_notification(
    session: AsyncSession, settings: Settings, notifications: list[Notification], viewer: Account
) -> dict[int, dict]:
    """Rendered statuses keyed by notification id (reblog rows replaced by their original)."""
    wanted = {n.status_id for n in notifications if n.type in STATUS_TYPES and n.status_id}
    if not wanted:
        return {}
    loaded = await statuses_with_originals(session, wanted)
    shown_id = {}
    for n in notifications:
        status = loaded.get(n.status_id) if n.status_id else None
        if status is not None and n.type in STATUS_TYPES:
            shown_id[n.id] = status.reblog_of_id or status.id
    targets = {i: loaded[i] for i in set(shown_id.values()) if i in loaded}
    rendered = await statuses_to_api(session, settings, targets.values(), viewer)
    by_status = {int(data["id"]): data for data in rendered}
    return {nid: by_status[sid] for nid, sid in shown_id.items() if sid in by_status}


async def notifications_to_api(
    session: AsyncSession,
    settings: Settings,
    rows: list[tuple[Notification, Account]],
    viewer: Account,
) -> list[dict]:
    """Render ``(notification, sender)`` pairs for ``viewer``, keeping their order.

    A notification about a status that could not be rendered (gone meanwhile) is left out
    rather than shown without the status clients expect.
    """
    notifications = [n for n, _ in rows]
    statuses = await _statuses_by_notification(session, settings, notifications, viewer)
    sender_ids = {sender.id for _, sender in rows}
    muted = await muted_among(session, viewer.id, sender_ids) if sender_ids else set()
    reactions = await notification_reactions(session, notifications)
    chat_messages = await messages_by_reference_id(
        session, settings, (n.id for n in notifications if n.type == CHAT_MENTION)
    )
    moved = await load_moved(session, [sender for _, sender in rows])
    result = []
    for notification, sender in rows:
        moved_to = moved.get(sender.moved_to_id)
        data = {
            "id": str(notification.id),
            "type": notification.type,
            "created_at": masto_datetime(notification.created_at),
            "account": account_to_api(settings, sender, viewer, moved=moved_to),
            "pleroma": {"is_seen": notification.seen, "is_muted": sender.id in muted},
        }
        if notification.type == "move":
            if moved_to is None:  # moved back since (or the target is gone): nothing to show
                continue
            data["target"] = account_to_api(settings, moved_to, viewer)
        if notification.type in STATUS_TYPES:
            status = statuses.get(notification.id)
            if status is None:
                continue
            data["status"] = status
        if notification.type == "pleroma:emoji_reaction":
            reaction = reactions.get(notification.id)
            if reaction is None:  # taken back meanwhile
                continue
            emoji, emoji_url = reaction
            # Pleroma shows the EmojiReact's content: ":shortcode:" for a custom one.
            data["emoji"] = f":{emoji}:" if emoji_url else emoji
            data["emoji_url"] = emoji_url
        if notification.type == CHAT_MENTION:
            # Pleroma's ``chat_message``: the notification's id is the message's reference.
            chat_message = chat_messages.get(notification.id)
            if chat_message is None:  # deleted meanwhile
                continue
            data["chat_message"] = chat_message
        result.append(data)
    return result


async def notification_to_api(
    session: AsyncSession,
    settings: Settings,
    notification: Notification,
    sender: Account,
    viewer: Account,
) -> dict | None:
    rendered = await notifications_to_api(session, settings, [(notification, sender)], viewer)
    return rendered[0] if rendered else None
