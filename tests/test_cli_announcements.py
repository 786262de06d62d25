"""`pyleroma announcement new|list`: announcements from the shell, shown by the API."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from pyleroma.models import Announcement
from tests.test_cli import cli, database_url, fresh  # noqa: F401  (fixtures)


def test_announcement_new_stores_sanitised_html_with_its_window(cli):  # noqa: F811
    out = cli.ok(
        "announcement",
        "new",
        "<p>Maintenance tonight</p><script>x()</script>",
        "--starts-at",
        "2030-01-01T20:00",
        "--ends-at",
        "2030-01-01T22:00",
    )
    assert out.startswith("Created announcement ")
    rows = cli.query(lambda s: _all(s))
    assert [(r.content, r.starts_at, r.ends_at, r.all_day) for r in rows] == [
        (
            "<p>Maintenance tonight</p>",
            dt.datetime(2030, 1, 1, 20, 0),
            dt.datetime(2030, 1, 1, 22, 0),
            False,
        )
    ]
    listed = cli.ok("announcement", "list")
    assert "2030-01-01T20:00:00.000Z .. 2030-01-01T22:00:00.000Z" in listed
    assert "Maintenance tonight" in listed


def test_announcement_new_refuses_bad_input(cli):  # noqa: F811
    assert "content: can't be blank" in cli.fails("announcement", "new", "<script></script>")
    assert "ends_at: must be after starts_at" in cli.fails(
        "announcement", "new", "hi", "--starts-at", "2030-01-02", "--ends-at", "2030-01-01"
    )
    assert "Invalid value for '--starts-at'" in cli.fails(
        "announcement", "new", "hi", "--starts-at", "tomorrow"
    )
    assert cli.query(lambda s: _all(s)) == []


def test_announcement_commands_need_a_migrated_database(fresh):  # noqa: F811
    assert "pyleroma migrate" in fresh.fails("announcement", "list")


async def _all(session):
    return list((await session.execute(select(Announcement))).scalars())
