"""The ``pyleroma`` command: serve, migrate and manage local users.

Every command reads the same settings as the server (``--config`` / ``PYLEROMA_CONFIG`` and
``PYLEROMA_*`` variables). Exit statuses follow click's convention, which the README states:
input the command cannot act on (an unknown user, a taken nickname, a bad email, a bad
setting) ends with ``Error: ...`` on stderr and status 1 (``CliError``); a command line
click cannot parse (an unknown command or option, a missing argument, an option value of the
wrong type) prints the usage and ``Error: ...`` with status 2. Never a traceback. Database
work goes through the engine helpers the app uses.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TypeVar

import click
from sqlalchemy import delete, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma import __version__
from pyleroma.cache import entity_cache_for
from pyleroma.db import migrate
from pyleroma.db.engine import make_engine, make_sessionmaker
from pyleroma.errors import DomainError
from pyleroma.models import Account, OAuthAuthorization, OAuthToken
from pyleroma.services.accounts.account_deletion import delete_local_account
from pyleroma.services.accounts.accounts import (
    check_password,
    create_local_account,
    find_by_nickname,
)
from pyleroma.services.accounts.approval import approve_account
from pyleroma.services.accounts.confirmation import confirm_account
from pyleroma.services.oauth.secrets import configure_hashing, generate_password, hash_password
from pyleroma.settings import Settings, SettingsError, load_settings

T = TypeVar("T")
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
WILDCARD_HOSTS = ("0.0.0.0", "::", "")


class CliError(click.ClickException):
    """Printed as ``Error: <message>`` on stderr; exit status 1."""


@dataclass
class CliState:
    config_path: str | None

    def settings(self) -> Settings:
        try:
            settings = load_settings(self.config_path)
        except SettingsError as exc:
            raise CliError(f"bad configuration: {exc}") from exc
        configure_hashing(settings.argon2_time_cost, settings.argon2_memory_cost)
        return settings


def describe_database(settings: Settings) -> str:
    """The database URL with any password hidden, for messages."""
    return make_url(settings.effective_database_url).render_as_string(hide_password=True)


def run(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Run async database work, turning expected failures into clean CLI errors."""
    try:
        return asyncio.run(work())
    except (DomainError, migrate.MigrationError) as exc:
        raise CliError(getattr(exc, "message", None) or str(exc)) from exc
    except (OSError, DBAPIError) as exc:
        detail = str(getattr(exc, "orig", None) or exc) or type(exc).__name__
        raise CliError(f"database {describe_database(settings)}: {detail}") from exc


@asynccontextmanager
async def open_session(settings: Settings) -> AsyncIterator[AsyncSession]:
    """A session on a database that is known to be at the schema this code expects."""
    await migrate.ensure_migrated(settings)
    engine = make_engine(settings.effective_database_url)
    try:
        # Its changes must reach the caches of running servers (cache/).
        async with make_sessionmaker(engine, entity_cache=entity_cache_for(settings))() as session:
            yield session
    finally:
        await engine.dispose()


async def local_user(session: AsyncSession, nickname: str) -> Account:
    account = await find_by_nickname(session, nickname.lstrip("@"))
    if account is None or not account.local:
        raise CliError(f"no local user {nickname!r}")
    return account


async def end_sessions(session: AsyncSession, account: Account) -> int:
    """Revoke every OAuth token and pending code of the account, so its logins end now."""
    result = await session.execute(delete(OAuthToken).where(OAuthToken.account_id == account.id))
    await session.execute(
        delete(OAuthAuthorization).where(OAuthAuthorization.account_id == account.id)
    )
    return result.rowcount or 0


def command_name() -> str:
    """How the admin invoked us, so the hints we print can be pasted as they are."""
    invoked = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if invoked is None or invoked.name != "pyleroma":
        return "pyleroma"
    on_path = shutil.which("pyleroma")
    if on_path and Path(on_path).resolve() == invoked.resolve():
        return "pyleroma"
    try:
        return str(invoked.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(invoked.resolve())


def echo_report(settings: Settings, report: migrate.MigrationReport) -> None:
    if report.created_database:
        click.echo(f"Created a new SQLite database at {settings.database_file}")
    if not report.applied:
        click.echo(f"Database is up to date (revision {report.after or 'none'}).")
        return
    for revision in report.applied:
        click.echo(f"Applied migration {revision.id}: {revision.message}")
    click.echo(f"Database is now at revision {report.after}.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    envvar="PYLEROMA_CONFIG",
    help="TOML settings file (default: $PYLEROMA_CONFIG; PYLEROMA_* variables override it).",
)
@click.version_option(__version__, prog_name="pyleroma")
@click.pass_context
def main(ctx: click.Context, config_path: str | None) -> None:
    """pyleroma: a fediverse server speaking the Pleroma dialect of the Mastodon API.

    Exit status: 0 when done; 1 when the command could not be done (an unknown user, a
    taken nickname, a bad email, a bad setting: "Error: ..." on stderr); 2 for a usage
    error (an unknown command or option, a missing argument, a malformed option value).
    """
    ctx.obj = CliState(config_path)


pass_state = click.make_pass_decorator(CliState)


# -- server and database -------------------------------------------------------------------


@main.command("migrate")
@pass_state
def migrate_command(state: CliState) -> None:
    """Create or upgrade the database schema to the newest revision."""
    settings = state.settings()
    click.echo(f"Database {describe_database(settings)}")
    echo_report(settings, run(settings, lambda: migrate.upgrade(settings)))


# -- users ------------------------------------------------------------------------------------


@main.group()
def user() -> None:
    """Create, list and manage local users."""


@user.command("new")
@click.argument("nickname")
@click.argument("email")
@click.option("--password", help="Initial password (default: a generated one, printed once).")
@click.option("--name", "display_name", help="Display name.")
@click.option("--admin", is_flag=True, help="Make the user an admin.")
@click.option("--moderator", is_flag=True, help="Make the user a moderator.")
@pass_state
def user_new(
    state: CliState,
    nickname: str,
    email: str,
    password: str | None,
    display_name: str | None,
    admin: bool,
    moderator: bool,
) -> None:
    """Create a confirmed, approved local user NICKNAME with EMAIL.

    As the instance's owner you may take a reserved nickname (admin, root and the rest
    of the reserved_nicknames setting), which registration through the API refuses.
    """
    settings = state.settings()
    generated = password is None
    password = generate_password() if generated else password

    async def work() -> Account:
        async with open_session(settings) as session:
            account = await create_local_account(
                session,
                settings,
                nickname,
                email,
                password,
                allow_reserved=True,
                display_name=display_name,
                is_admin=admin,
                is_moderator=moderator,
            )
            await session.commit()
            return account

    account = run(settings, work)
    roles = [role for role, on in (("admin", admin), ("moderator", moderator)) if on]
    suffix = f" ({', '.join(roles)})" if roles else ""
    click.echo(f"Created user {account.nickname}{suffix}: {account.ap_id}")
    if generated:
        click.echo(f"Password: {password}")


def account_state(account: Account) -> str:
    if not account.is_active:
        return "deactivated"
    if not account.is_confirmed:
        return "unconfirmed"
    if not account.is_approved:
        return "awaiting approval"
    return "active"


@user.command("list")
@pass_state
def user_list(state: CliState) -> None:
    """List local users."""
    from rich.console import Console
    from rich.table import Table

    settings = state.settings()

    async def work() -> list[Account]:
        async with open_session(settings) as session:
            # Service actors (the relay actor) are not users.
            query = (
                select(Account)
                .where(Account.local.is_(True), Account.invisible.is_(False))
                .order_by(Account.id)
            )
            return list((await session.scalars(query)).all())

    accounts = run(settings, work)
    if not accounts:
        click.echo("No local users yet.")
        return
    table = Table(title=f"{len(accounts)} local user{'s' if len(accounts) != 1 else ''}")
    for column in ("id", "nickname", "email", "role", "state", "locked", "created"):
        table.add_column(column, overflow="fold")
    for account in accounts:
        role = "admin" if account.is_admin else ("moderator" if account.is_moderator else "")
        if account.is_admin and account.is_moderator:
            role = "admin, moderator"
        table.add_row(
            str(account.id),
            account.nickname,
            account.email or "",
            role,
            account_state(account),
            "yes" if account.locked else "no",
            account.created_at.strftime("%Y-%m-%d"),
        )
    console = Console(width=None if sys.stdout.isatty() else 160, highlight=False)
    console.print(table)


SETTABLE = {
    "admin": "is_admin",
    "moderator": "is_moderator",
    "locked": "locked",
    "confirmed": "is_confirmed",
    "approved": "is_approved",
}


@user.command("set")
@click.argument("nickname")
@click.option("--admin/--no-admin", default=None, help="Grant or revoke admin rights.")
@click.option("--moderator/--no-moderator", default=None, help="Grant or revoke moderation.")
@click.option("--locked/--no-locked", default=None, help="Require follow approval or not.")
@click.option("--confirmed/--no-confirmed", default=None, help="Mark the email (un)confirmed.")
@click.option("--approved/--no-approved", default=None, help="Approve a pending registration.")
@pass_state
def user_set(state: CliState, nickname: str, **flags: bool | None) -> None:
    """Change a local user's roles and flags; shows the result."""
    changes = {SETTABLE[name]: value for name, value in flags.items() if value is not None}
    if not changes:
        raise CliError(
            "nothing to change: give at least one of "
            + ", ".join(f"--{name}/--no-{name}" for name in SETTABLE)
        )
    settings = state.settings()

    async def work() -> Account:
        async with open_session(settings) as session:
            account = await local_user(session, nickname)
            # Approving and confirming mail the user (services/accounts/approval.py and
            # confirmation.py); approval first, so a confirmation then announces no wait.
            if changes.get("is_approved"):
                await approve_account(session, settings, account)
            if changes.get("is_confirmed"):
                await confirm_account(session, settings, account)
            for attribute, value in changes.items():
                setattr(account, attribute, value)
            await session.commit()
            return account

    account = run(settings, work)
    summary = ", ".join(
        f"{name}={'yes' if getattr(account, attribute) else 'no'}"
        for name, attribute in SETTABLE.items()
    )
    click.echo(f"{account.nickname}: {summary}")


@user.command("reset-password")
@click.argument("nickname")
@click.option("--password", help="The new password (default: a generated one, printed once).")
@pass_state
def user_reset_password(state: CliState, nickname: str, password: str | None) -> None:
    """Set a new password and end the user's sessions."""
    settings = state.settings()
    generated = password is None
    password = generate_password() if generated else password

    async def work() -> tuple[Account, int]:
        async with open_session(settings) as session:
            account = await local_user(session, nickname)
            check_password(password)
            account.password_hash = hash_password(password)
            ended = await end_sessions(session, account)
            await session.commit()
            return account, ended

    account, ended = run(settings, work)
    click.echo(f"Password of {account.nickname} changed; {ended} session(s) ended.")
    if generated:
        click.echo(f"Password: {password}")


def _set_active(state: CliState, nickname: str, active: bool) -> None:
    settings = state.settings()

    async def work() -> tuple[Account, bool, int]:
        async with open_session(settings) as session:
            account = await local_user(session, nickname)
            changed = account.is_active != active
            account.is_active = active
            ended = 0 if active else await end_sessions(session, account)
            await session.commit()
            return account, changed, ended

    account, changed, ended = run(settings, work)
    word = "activated" if active else "deactivated"
    if not changed:
        click.echo(f"{account.nickname} was already {word}.")
    elif active:
        click.echo(f"Activated {account.nickname}.")
    else:
        click.echo(f"Deactivated {account.nickname}; {ended} session(s) ended.")


@user.command("deactivate")
@click.argument("nickname")
@pass_state
def user_deactivate(state: CliState, nickname: str) -> None:
    """Stop a user from logging in and end their sessions now (reversible)."""
    _set_active(state, nickname, False)


@user.command("activate")
@click.argument("nickname")
@pass_state
def user_activate(state: CliState, nickname: str) -> None:
    """Let a deactivated user log in again."""
    _set_active(state, nickname, True)


@user.command("delete")
@click.argument("nickname")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def user_delete(state: CliState, nickname: str, yes: bool) -> None:
    """Delete a local user and everything that belongs to them (irreversible).

    The nickname is never given out again (nor the account's URL). Without --yes it asks
    first; with no terminal to ask on, it stops without deleting.
    """
    settings = state.settings()

    async def find() -> Account:
        async with open_session(settings) as session:
            return await local_user(session, nickname)

    account = run(settings, find)
    question = f"Delete {account.nickname} ({account.email or 'no email'}) and all their data?"
    try:
        confirmed = yes or click.confirm(question)
    except click.Abort:  # no answer: end of input or Ctrl-C
        confirmed = False
    if not confirmed:
        raise CliError(f"{account.nickname} was not deleted (answer y, or pass --yes)")

    async def work() -> None:
        async with open_session(settings) as session:
            try:
                await delete_local_account(session, settings, account)
                await session.commit()
            except IntegrityError as exc:
                await session.rollback()
                raise CliError(
                    f"cannot delete {account.nickname}: other records still refer to it "
                    f"({exc.orig})"
                ) from exc

    run(settings, work)
    click.echo(f"Deleted {account.nickname}. The nickname will never be given out again.")


def _retag(state: CliState, nickname: str, tags: tuple[str, ...], add: bool) -> None:
    """Add or remove ``tags`` (Pleroma's ``mix pleroma.user tag/untag``); the admin API's
    PUT/DELETE /users/tag do the same with a moderation log entry."""
    wanted = [t.strip() for t in tags]
    if not all(wanted):
        raise CliError("a tag cannot be blank")
    settings = state.settings()

    async def work() -> Account:
        async with open_session(settings) as session:
            account = await local_user(session, nickname)
            current = list(account.tags or [])
            if add:
                account.tags = current + [t for t in dict.fromkeys(wanted) if t not in current]
            else:
                account.tags = [t for t in current if t not in wanted]
            await session.commit()
            return account

    account = run(settings, work)
    click.echo(f"Tags of {account.nickname}: {', '.join(account.tags or []) or '(none)'}")


@user.command("tag")
@click.argument("nickname")
@click.argument("tags", nargs=-1, required=True)
@pass_state
def user_tag(state: CliState, nickname: str, tags: tuple[str, ...]) -> None:
    """Add TAGS to a local user (e.g. mrf_tag:media-force-nsfw for the TagPolicy)."""
    _retag(state, nickname, tags, True)


@user.command("untag")
@click.argument("nickname")
@click.argument("tags", nargs=-1, required=True)
@pass_state
def user_untag(state: CliState, nickname: str, tags: tuple[str, ...]) -> None:
    """Remove TAGS from a local user."""
    _retag(state, nickname, tags, False)


# -- settings -------------------------------------------------------------------------------


@main.command("config")
@pass_state
def show_config(state: CliState) -> None:
    """Show the effective settings (secrets hidden)."""
    settings = state.settings()
    for item in fields(Settings):
        value = getattr(settings, item.name)
        if item.name == "secret_key" and value:
            value = "(set)"
        elif item.name == "database_url" and value:
            value = describe_database(settings)
        elif isinstance(value, list):
            value = ", ".join(value)
        elif isinstance(value, dict):
            value = json.dumps(value)
        click.echo(f"{item.name} = {value}")
    click.echo(f"# effective database: {describe_database(settings)}")
    if state.config_path:
        click.echo(f"# config file: {state.config_path}")


if __name__ == "__main__":
    main()


# Command groups kept in modules of their own register on `main` when imported.
from pyleroma import (  # noqa: E402, F401
    cli_announcements,
    cli_backup,
    cli_config,
    cli_emoji,
    cli_frontend,
    cli_invite,
    cli_mail,
    cli_relay,
    cli_server,
)
