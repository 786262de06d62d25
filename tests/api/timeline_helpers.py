"""Helpers for the timeline tests: running jobs, following through the API, remote posts."""

from __future__ import annotations

from sqlalchemy import select

from pyleroma.db.ids import new_id
from pyleroma.jobs.runner import JobRunner
from pyleroma.models import HomeTimelineEntry, Status


async def drain(app) -> int:
    """Run every due job (fan-out, backfill, ...) as the in-process runner would."""
    return await JobRunner(app.state.sessionmaker, app.state.settings).drain()


async def follow(client, user, target, **body) -> None:
    response = await client.post(
        f"/api/v1/accounts/{target.id}/follow", headers=user.headers, json=body or None
    )
    assert response.status_code == 200, response.text


async def home_entries(db, account_id) -> list[int]:
    """The status ids materialised in an account's home, newest first."""
    async with db() as session:
        rows = await session.execute(
            select(HomeTimelineEntry.status_id)
            .where(HomeTimelineEntry.account_id == int(account_id))
            .order_by(HomeTimelineEntry.status_id.desc())
        )
        return list(rows.scalars())


async def remote_status(db, author, text="remote post", **fields) -> Status:
    """A status as federation would store it for a remote author."""
    async with db() as session:
        status_id = new_id()
        status = Status(
            id=status_id,
            account_id=author.id,
            local=False,
            uri=f"https://{author.domain}/objects/{status_id}",
            visibility=fields.pop("visibility", "public"),
            content=f"<p>{text}</p>",
            source=text,
            conversation_id=status_id,
            **fields,
        )
        session.add(status)
        await session.commit()
        return status


def sid(status) -> str:
    return str(status.id)


async def users(factory, *names):
    """Several test users at once, in order."""
    return [await factory.user(name) for name in names]
