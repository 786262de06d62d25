"""Helpers for the posting tests: stored rows, media, jobs, and moving a job's time."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.jobs.runner import JobRunner
from pyleroma.models import Job, MediaAttachment, Notification, Status


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def in_minutes(minutes: float) -> str:
    return iso(utcnow() + dt.timedelta(minutes=minutes))


async def post(client, user, **body):
    headers = dict(user.headers)
    key = body.pop("idempotency_key", None)
    if key is not None:
        headers["Idempotency-Key"] = key
    return await client.post("/api/v1/statuses", headers=headers, json=body)


async def count(db, model, *where) -> int:
    async with db() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def status_row(db, status_id) -> Status | None:
    async with db() as session:
        return await session.get(Status, int(status_id))


async def notifications(db) -> list[tuple[str, int, int, int | None]]:
    async with db() as session:
        rows = await session.execute(select(Notification).order_by(Notification.id))
        return [(n.type, n.account_id, n.from_account_id, n.status_id) for n in rows.scalars()]


async def jobs(db, kind: str | None = None) -> list[Job]:
    async with db() as session:
        stmt = select(Job).order_by(Job.id)
        if kind is not None:
            stmt = stmt.where(Job.kind == kind)
        return list((await session.execute(stmt)).scalars())


async def media(db, account, *, status_id=None, description="a picture") -> int:
    """An uploaded image of ``account`` (a row only: posting never reads the file)."""
    async with db() as session:
        item = MediaAttachment(
            id=new_id(),
            account_id=account.id,
            status_id=status_id,
            type="image",
            mime_type="image/png",
            file_path=f"{new_id()}.png",
            file_size=10,
            description=description,
            meta={},
        )
        session.add(item)
        await session.commit()
        return item.id


async def make_due(db, kind: str) -> None:
    """Pretend time passed: every pending job of ``kind`` is due now."""
    async with db() as session:
        await session.execute(
            update(Job)
            .where(Job.kind == kind)
            .values(scheduled_at=utcnow() - dt.timedelta(seconds=5))
        )
        await session.commit()


async def drain(app) -> int:
    return await JobRunner(app.state.sessionmaker, app.state.settings).drain()
