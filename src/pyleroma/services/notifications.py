"""Creating notifications, with every rule that suppresses one checked in one place.

A notification is never created for oneself, for a recipient who blocks or mutes (with
notifications) the sender, for a status in a thread the recipient muted, for a deactivated or
remote recipient, or from a stranger when the recipient's ``block_from_strangers`` is on.
Rows are added to the caller's session: they commit with the change that caused them.
"""

from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.models import Account, Block, Follow, Mute, Notification, Status, ThreadMute
from pyleroma.models.relationship import FOLLOW_ACCEPTED

NOTIFICATION_TYPES = (
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "move",
    "pleroma:emoji_reaction",
    "pleroma:report",
)
# Types that stay even from strangers when block_from_strangers is on.
_ALWAYS_FROM_STRANGERS = {"poll"}


async def notification_allowed(
    session: AsyncSession,
    recipient: Account,
    sender_id: int,
    kind: str,
    status: Status | None = None,
) -> bool:
    if recipient.id == sender_id and kind != "poll":
        return False
    if not recipient.local or not recipient.is_active:
        return False
    now = utcnow()
    blocked_or_muted = await session.scalar(
        select(
            exists().where(Block.account_id == recipient.id, Block.target_id == sender_id)
            | exists().where(
                Mute.account_id == recipient.id,
                Mute.target_id == sender_id,
                Mute.hide_notifications.is_(True),
                or_(Mute.expires_at.is_(None), Mute.expires_at > now),
            )
        )
    )
    if blocked_or_muted and recipient.id != sender_id:
        return False
    if status is not None and status.conversation_id is not None:
        thread_muted = await session.scalar(
            select(
                exists().where(
                    ThreadMute.account_id == recipient.id,
                    ThreadMute.conversation_id == status.conversation_id,
                )
            )
        )
        if thread_muted:
            return False
    settings = recipient.notification_settings or {}
    if settings.get("block_from_strangers") and kind not in _ALWAYS_FROM_STRANGERS:
        follows = await session.scalar(
            select(
                exists().where(
                    Follow.follower_id == recipient.id,
                    Follow.followed_id == sender_id,
                    Follow.state == FOLLOW_ACCEPTED,
                )
            )
        )
        if not follows:
            return False
    return True


async def notify(
    session: AsyncSession,
    recipient: Account,
    sender_id: int,
    kind: str,
    status: Status | None = None,
) -> Notification | None:
    """Add a notification to the session unless a rule suppresses it; returns it or None."""
    if kind not in NOTIFICATION_TYPES:
        raise ValueError(f"unknown notification type {kind}")
    if not await notification_allowed(session, recipient, sender_id, kind, status):
        return None
    notification = Notification(
        id=new_id(),
        account_id=recipient.id,
        from_account_id=sender_id,
        type=kind,
        status_id=status.id if status is not None else None,
    )
    session.add(notification)
    return notification
