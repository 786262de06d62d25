"""`pyleroma announcement ...`: instance announcements from the shell, beside the
admin API's `/announcements` (GET /api/v1/announcements shows them to users)."""

from __future__ import annotations

import datetime as dt

import click
from sqlalchemy import select

from pyleroma.cli import CliState, main, open_session, pass_state, run
from pyleroma.models import Announcement
from pyleroma.services.instance.announcements import create_announcement
from pyleroma.urls import masto_datetime

TIME_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


@main.group()
def announcement() -> None:
    """Create and list instance announcements."""


@announcement.command("new")
@click.argument("content")
@click.option("--starts-at", type=click.DateTime(TIME_FORMATS), help="Shown from (UTC).")
@click.option("--ends-at", type=click.DateTime(TIME_FORMATS), help="Shown until (UTC).")
@click.option("--all-day", is_flag=True, help="The times are whole days.")
@pass_state
def announcement_new(
    state: CliState,
    content: str,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    all_day: bool,
) -> None:
    """Publish an announcement with CONTENT (HTML; sanitised)."""
    settings = state.settings()

    async def work() -> Announcement:
        async with open_session(settings) as session:
            return await create_announcement(session, content, starts_at, ends_at, all_day)

    created = run(settings, work)
    click.echo(f"Created announcement {created.id}")


@announcement.command("list")
@pass_state
def announcement_list(state: CliState) -> None:
    """List every announcement, newest first, with its window."""
    settings = state.settings()

    async def work() -> list[Announcement]:
        async with open_session(settings) as session:
            rows = await session.execute(select(Announcement).order_by(Announcement.id.desc()))
            return list(rows.scalars())

    for row in run(settings, work):
        window = f"{masto_datetime(row.starts_at) or '-'} .. {masto_datetime(row.ends_at) or '-'}"
        click.echo(f"{row.id}\t{window}\t{row.content}")
