"""Helpers for the status action tests: follows, polls, stored rows, notifications."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select, update

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.jobs.runner import JobRunner
from pyleroma.models import Follow, Job, Notification, Poll, Status
from pyleroma.models.relationship import FOLLOW_ACCEPTED


async def follow(db, follower_id, followed_id) -> None:
    async with db() as session:
        session.add(
            Follow(
                id=new_id(),
                follower_id=int(follower_id),
                followed_id=int(followed_id),
                state=FOLLOW_ACCEPTED,
            )
        )
        await session.commit()


async def unfollow(db, follower_id, followed_id) -> None:
    async with db() as session:
        await session.execute(
            delete(Follow).where(
                Follow.follower_id == int(follower_id), Follow.followed_id == int(followed_id)
            )
        )
        await session.commit()


async def status_row(db, status_id) -> Status | None:
    async with db() as session:
        return await session.get(Status, int(status_id))


async def count_rows(db, model, *where) -> int:
    async with db() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def notifications(
    db, account_id=None, *, unseen_only: bool = False
) -> list[tuple[str, int, int, int | None]]:
    """(type, recipient id, sender id, status id) of stored notifications, oldest first.

    ``unseen_only``: the ones that reach the user; a notification from a muted account or
    thread is either not stored or stored already seen, which is the same to the user.
    """
    stmt = select(Notification).order_by(Notification.id)
    if account_id is not None:
        stmt = stmt.where(Notification.account_id == int(account_id))
    if unseen_only:
        stmt = stmt.where(Notification.seen.is_(False))
    async with db() as session:
        return [
            (n.type, n.account_id, n.from_account_id, n.status_id)
            for n in (await session.execute(stmt)).scalars()
        ]


async def jobs(db, kind: str) -> list[Job]:
    async with db() as session:
        return list((await session.execute(select(Job).where(Job.kind == kind))).scalars())


async def make_due(db, kind: str) -> None:
    """Pretend the scheduled jobs of ``kind`` are due now."""
    async with db() as session:
        await session.execute(
            update(Job)
            .where(Job.kind == kind)
            .values(scheduled_at=utcnow() - dt.timedelta(seconds=1))
        )
        await session.commit()


async def drain(app) -> int:
    return await JobRunner(app.state.sessionmaker, app.state.settings).drain()


async def make_poll(
    factory,
    db,
    author,
    options=("yes", "no"),
    *,
    multiple: bool = False,
    expires_in: int | None = 3600,
    hide_totals: bool = False,
    **draft,
) -> tuple[Status, Poll]:
    """A status with a poll, stored as the posting service would (flag + poll row)."""
    status = await factory.status(author, "a question", **draft)
    async with db() as session:
        poll = Poll(
            id=new_id(),
            status_id=status.id,
            account_id=status.account_id,
            options=[{"title": title, "votes_count": 0} for title in options],
            multiple=multiple,
            hide_totals=hide_totals,
            expires_at=utcnow() + dt.timedelta(seconds=expires_in)
            if expires_in is not None
            else None,
        )
        session.add(poll)
        await session.execute(update(Status).where(Status.id == status.id).values(has_poll=True))
        await session.commit()
    return status, poll


async def users(factory, *names):
    return [await factory.user(name) for name in names]
