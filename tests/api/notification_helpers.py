"""Helpers for the notification tests: stored rows, and notifications made through notify()."""

from __future__ import annotations

from sqlalchemy import select

from pyleroma.models import Account, Notification, Status
from pyleroma.services.notifications.notifications import notify


async def stored(db, account_id) -> list[Notification]:
    """The notifications stored for ``account_id``, oldest first."""
    async with db() as session:
        return list(
            (
                await session.execute(
                    select(Notification)
                    .where(Notification.account_id == int(account_id))
                    .order_by(Notification.id)
                )
            ).scalars()
        )


async def add(db, recipient, sender, kind: str, status: Status | None = None):
    """Create a notification through ``notify`` (all rules apply) and commit it."""
    async with db() as session:
        target = await session.get(Account, int(recipient.id))
        if status is not None:
            status = await session.get(Status, status.id)
        notification = await notify(session, target, int(sender.id), kind, status)
        await session.commit()
        return notification


async def mention(factory, sender, recipient, text: str = "hi", **draft) -> Status:
    """``sender`` posts a status mentioning ``recipient`` (through the posting service)."""
    return await factory.status(sender.account, f"@{recipient.nickname} {text}", **draft)


def notification_ids(response) -> list[str]:
    return [item["id"] for item in response.json()]
