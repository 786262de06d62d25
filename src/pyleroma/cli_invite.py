"""`pyleroma invite new|list|revoke`: registration invites from the shell (Pleroma's
`mix pleroma.user invite`, `invites` and `revoke_invite`), the same invites the admin API
makes (services/accounts/invites.py). They are taken when ``registrations = "invite"``.
"""

from __future__ import annotations

import datetime as dt

import click

from pyleroma.cli import CliError, CliState, main, open_session, pass_state, run
from pyleroma.errors import NotFound
from pyleroma.models import InviteToken
from pyleroma.services.accounts import invites


@main.group()
def invite() -> None:
    """Make, list and revoke registration invites."""


def _limits(invite_row: InviteToken) -> str:
    parts = [invites.invite_type(invite_row)]
    if invite_row.max_use is not None:
        parts.append(f"{invite_row.uses}/{invite_row.max_use} uses")
    else:
        parts.append(f"{invite_row.uses} uses")
    if invite_row.expires_at is not None:
        parts.append(f"until {invite_row.expires_at.isoformat()}")
    return ", ".join(parts)


@invite.command("new")
@click.option("--max-use", type=click.IntRange(1, 2**31 - 1), help="Registrations it allows.")
@click.option(
    "--expires-at",
    type=click.DateTime(["%Y-%m-%d"]),
    help="The last day it works (YYYY-MM-DD).",
)
@pass_state
def invite_new(state: CliState, max_use: int | None, expires_at: dt.datetime | None) -> None:
    """Make an invite: one registration, unless --max-use or --expires-at say otherwise.
    Prints its token and the registration link to hand out."""
    settings = state.settings()

    async def work() -> InviteToken:
        expiry = invites.parse_expiry(expires_at.date().isoformat()) if expires_at else None
        async with open_session(settings) as session:
            made = await invites.create_invite(session, max_use=max_use, expires_at=expiry)
            await session.commit()
            return made

    made = run(settings, work)
    click.echo(f"Invite {made.token} ({_limits(made)})")
    click.echo(f"Registration link: {invites.registration_url(settings, made)}")
    if settings.registrations != "invite":
        click.echo(
            f'Note: registrations = "{settings.registrations}": invites are taken only when '
            'registrations = "invite".'
        )


@invite.command("list")
@pass_state
def invite_list(state: CliState) -> None:
    """List every invite, oldest first: token, kind and uses, and whether it is still usable."""
    settings = state.settings()

    async def work() -> list[InviteToken]:
        async with open_session(settings) as session:
            return await invites.list_invites(session)

    rows = run(settings, work)
    if not rows:
        click.echo("No invites.")
        return
    today = dt.datetime.now(dt.UTC).date()
    for row in rows:
        usable = (
            "usable" if row.is_usable(today) else ("used up or revoked" if row.used else "expired")
        )
        click.echo(f"{row.token}\t{_limits(row)}\t{usable}")


@invite.command("revoke")
@click.argument("token")
@pass_state
def invite_revoke(state: CliState, token: str) -> None:
    """Revoke the invite TOKEN: no one registers with it any more."""
    settings = state.settings()

    async def work() -> InviteToken:
        async with open_session(settings) as session:
            try:
                revoked = await invites.revoke_invite(session, token)
            except NotFound as exc:
                raise CliError(f"no invite with the token {token!r}") from exc
            await session.commit()
            return revoked

    revoked = run(settings, work)
    click.echo(f"Revoked invite {revoked.token}.")
