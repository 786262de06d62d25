"""`pyleroma invite new|list|revoke`: invites from the shell, stored as the admin API makes
them and taken by registration."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from pyleroma.models import InviteToken
from pyleroma.services.accounts.registration import check_invite
from tests.test_cli import cli, database_url, fresh  # noqa: F401  (fixtures)


def _invites(cli):  # noqa: F811
    async def work(session):
        return list((await session.scalars(select(InviteToken).order_by(InviteToken.id))).all())

    return cli.query(work)


def _token(out: str) -> str:
    first = out.splitlines()[0]
    assert first.startswith("Invite ")
    return first.split()[1]


def test_invite_new_list_and_revoke(cli):  # noqa: F811
    assert cli.ok("invite", "list").strip() == "No invites."
    out = cli.ok("invite", "new")
    one_time = _token(out)
    assert "(one_time, 0 uses)" in out
    assert f"Registration link: http://127.0.0.1:4000/registration/{one_time}" in out
    assert 'invites are taken only when registrations = "invite"' in out
    later = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=7)).isoformat()
    out = cli.ok("invite", "new", "--max-use", "5", "--expires-at", later)
    limited = _token(out)
    assert f"(reusable_date_limited, 0/5 uses, until {later})" in out
    out = cli.ok("invite", "new", "--max-use", "2", PYLEROMA_REGISTRATIONS="invite")
    assert "registrations =" not in out

    stored = _invites(cli)
    assert [(i.token, i.max_use, i.expires_at) for i in stored[:2]] == [
        (one_time, None, None),
        (limited, 5, dt.date.fromisoformat(later)),
    ]
    # Registration takes them as it takes the admin API's.
    assert cli.query(lambda s: check_invite(s, cli.settings, limited)).id == stored[1].id

    listed = cli.ok("invite", "list").splitlines()
    assert listed[0] == f"{one_time}\tone_time, 0 uses\tusable"
    assert listed[1].startswith(f"{limited}\treusable_date_limited, 0/5 uses")

    assert cli.ok("invite", "revoke", one_time).strip() == f"Revoked invite {one_time}."
    assert cli.ok("invite", "list").splitlines()[0].endswith("\tused up or revoked")
    assert _invites(cli)[0].used


def test_invite_errors(cli):  # noqa: F811
    assert "no invite with the token 'nope'" in cli.fails("invite", "revoke", "nope")
    yesterday = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)).isoformat()
    assert "must not be in the past" in cli.fails("invite", "new", "--expires-at", yesterday)
    assert "Invalid value for '--expires-at'" in cli.fails("invite", "new", "--expires-at", "soon")
    assert "Invalid value for '--max-use'" in cli.fails("invite", "new", "--max-use", "0")
    assert _invites(cli) == []


def test_invite_commands_need_a_migrated_database(fresh):  # noqa: F811
    assert "pyleroma migrate" in fresh.fails("invite", "list")
