"""Timeline read positions (Mastodon's markers) with Pleroma's unread counter.

``check_updates`` validates a whole request before anything is written; ``save_markers``
upserts and commits once, so a request either moves every marker it names or none.

Moving the notifications marker also marks the notifications up to it seen: a client that
says "read up to here" has read them, and this keeps ``pleroma.unread_count`` (the count of
unseen notifications, as Pleroma computes it) and the notification list in agreement for
Mastodon clients that only ever speak markers. The link holds the other way round too, as
in Akkoma: marking notifications read (Pleroma's notifications/read) moves the marker to the
newest seen notification (``follow_read_notifications``).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.db.ids import parse_id
from pyleroma.errors import Unprocessable
from pyleroma.models import Account, Marker, Notification
from pyleroma.models.marker import MARKER_TIMELINES


def known_timelines(names: Iterable[str]) -> list[str]:
    """The marker timelines among ``names``, in a stable order; others are ignored."""
    wanted = set(names)
    return [name for name in MARKER_TIMELINES if name in wanted]


def check_updates(data: dict) -> dict[str, str]:
    """``{timeline: {"last_read_id": id}}`` from a request -> ``{timeline: id string}``.

    Unknown timeline keys are ignored (clients send whatever they track); a named timeline
    without a valid id is a 422, checked before anything is written.
    """
    updates: dict[str, str] = {}
    for timeline in known_timelines(data):
        entry = data[timeline]
        if not isinstance(entry, dict):
            raise Unprocessable(f"{timeline}: must be an object with last_read_id")
        raw = entry.get("last_read_id")
        if raw is None or raw == "":
            raise Unprocessable(f"{timeline}[last_read_id]: can't be blank")
        parsed = parse_id(raw)
        if parsed is None:
            raise Unprocessable(f"{timeline}[last_read_id]: {raw!r} is not an id")
        updates[timeline] = str(parsed)
    return updates


async def get_markers(
    session: AsyncSession, account: Account, timelines: Iterable[str]
) -> list[Marker]:
    names = known_timelines(timelines)
    if not names:
        return []
    rows = await session.scalars(
        select(Marker).where(Marker.account_id == account.id, Marker.timeline.in_(names))
    )
    return sorted(rows, key=lambda marker: MARKER_TIMELINES.index(marker.timeline))


async def _move(session: AsyncSession, account_id: int, timeline: str, last_read_id: str) -> bool:
    """Move an existing marker and bump its version in one statement, so concurrent saves
    each count (the database serialises the increments); False when there is no marker."""
    result = await session.execute(
        update(Marker)
        .where(Marker.account_id == account_id, Marker.timeline == timeline)
        .values(last_read_id=last_read_id, version=Marker.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount > 0


async def _upsert(
    session: AsyncSession, account: Account, timeline: str, last_read_id: str
) -> Marker:
    """Move the marker, or create it at version 0.

    A concurrent first save of the same marker loses the insert race on the unique
    constraint; the savepoint lets it fall back to moving the row the other request made.
    """
    if not await _move(session, account.id, timeline, last_read_id):
        try:
            async with session.begin_nested():
                session.add(
                    Marker(
                        account_id=account.id,
                        timeline=timeline,
                        last_read_id=last_read_id,
                        version=0,
                        updated_at=utcnow(),
                    )
                )
        except IntegrityError:
            await _move(session, account.id, timeline, last_read_id)
    return (
        await session.execute(
            select(Marker)
            .where(Marker.account_id == account.id, Marker.timeline == timeline)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()


async def follow_read_notifications(session: AsyncSession, account: Account) -> None:
    """Point the notifications marker at the newest seen notification (Akkoma's
    ``multi_set_last_read_id``), after notifications were marked read. Does not commit."""
    newest_seen = await session.scalar(
        select(Notification.id)
        .where(Notification.account_id == account.id, Notification.seen.is_(True))
        .order_by(Notification.id.desc())
        .limit(1)
    )
    if newest_seen is not None:
        await _upsert(session, account, "notifications", str(newest_seen))


async def save_markers(
    session: AsyncSession, account: Account, updates: dict[str, str]
) -> list[Marker]:
    """Upsert the validated ``updates`` (from ``check_updates``) and commit."""
    saved = []
    for timeline, last_read_id in updates.items():
        saved.append(await _upsert(session, account, timeline, last_read_id))
        if timeline == "notifications":
            await session.execute(
                update(Notification)
                .where(
                    Notification.account_id == account.id,
                    Notification.id <= int(last_read_id),
                    Notification.seen.is_(False),
                )
                .values(seen=True)
                .execution_options(synchronize_session=False)
            )
    await session.commit()
    return saved


async def unread_counts(
    session: AsyncSession, account: Account, markers: list[Marker]
) -> dict[str, int]:
    """Pleroma's ``pleroma.unread_count`` per marker: unseen notifications for the
    notifications marker; the home timeline keeps no read state, so 0 there."""
    from pyleroma.services.notifications import notifications  # notifications imports this module

    counts = {marker.timeline: 0 for marker in markers}
    if "notifications" in counts:
        counts["notifications"] = await notifications.unread_count(session, account.id)
    return counts
