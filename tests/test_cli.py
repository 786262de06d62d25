"""The ``pyleroma`` command line: every command's success and its errors, on a fresh database.

Each test gets a new data dir (and, on PostgreSQL, a new empty database), because the CLI
runs the migrations itself.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import fields
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from pyleroma.cli import main
from pyleroma.db.base import utcnow
from pyleroma.db.engine import make_engine, make_sessionmaker
from pyleroma.db.ids import new_id
from pyleroma.models import Account, Block, Follow, OAuthApp, OAuthAuthorization, OAuthToken
from pyleroma.services.oauth.secrets import verify_password
from pyleroma.settings import Settings
from tests.scratch_db import scratch_database

# Every setting's variable is cleared so the developer's own environment cannot leak in.
CLEARED_ENV = {f"PYLEROMA_{f.name.upper()}": None for f in fields(Settings)}


class Cli:
    """Runs the CLI in-process against one data dir and database."""

    def __init__(self, data_dir: Path, database_url: str):
        self.settings = Settings(data_dir=data_dir, database_url=database_url)
        self.env = {
            **CLEARED_ENV,
            "PYLEROMA_CONFIG": None,
            "PYLEROMA_DATA_DIR": str(data_dir),
            "PYLEROMA_DATABASE_URL": database_url,
            "PYLEROMA_ARGON2_TIME_COST": "1",
            "PYLEROMA_ARGON2_MEMORY_COST": "1024",
        }

    def __call__(self, *args: str, input: str | None = None, **env: str) -> Result:
        runner = CliRunner()
        return runner.invoke(
            main, list(args), env={**self.env, **env}, input=input, catch_exceptions=False
        )

    def ok(self, *args: str, **kwargs) -> str:
        result = self(*args, **kwargs)
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return result.stdout

    def fails(self, *args: str, **kwargs) -> str:
        result = self(*args, **kwargs)
        assert result.exit_code != 0, result.stdout
        assert "Traceback" not in result.output
        return result.stderr

    def query(self, work):
        async def go():
            engine = make_engine(self.settings.effective_database_url)
            try:
                async with make_sessionmaker(engine)() as session:
                    result = await work(session)
                    await session.commit()
                    return result
            finally:
                await engine.dispose()

        return asyncio.run(go())

    def account(self, nickname: str) -> Account | None:
        query = select(Account).where(Account.nickname_key == nickname.lower())
        return self.query(lambda s: s.scalar(query))

    def count(self, model) -> int:
        return self.query(lambda s: s.scalar(select(func.count()).select_from(model)))

    def login_token(self, account: Account) -> None:
        """An OAuth app, token and pending code for the account, as a logged-in client has."""

        async def work(session):
            app = OAuthApp(
                id=new_id(),
                name="client",
                redirect_uris="urn:ietf:wg:oauth:2.0:oob",
                scopes=["read"],
                client_id=f"id{new_id()}",
                client_secret="secret",
            )
            session.add(app)
            await session.flush()
            valid = utcnow().replace(year=utcnow().year + 1)
            session.add(
                OAuthToken(
                    id=new_id(),
                    token_digest=f"t{new_id()}",
                    app_id=app.id,
                    account_id=account.id,
                    scopes=["read"],
                    valid_until=valid,
                )
            )
            session.add(
                OAuthAuthorization(
                    id=new_id(),
                    code_digest=f"c{new_id()}",
                    app_id=app.id,
                    account_id=account.id,
                    scopes=["read"],
                    redirect_uri="urn:ietf:wg:oauth:2.0:oob",
                    valid_until=valid,
                )
            )

        self.query(work)

    def tokens_of(self, account: Account) -> int:
        query = select(func.count()).where(OAuthToken.account_id == account.id)
        codes = select(func.count()).where(OAuthAuthorization.account_id == account.id)
        return self.query(lambda s: s.scalar(query)) + self.query(lambda s: s.scalar(codes))


@pytest.fixture
def database_url():
    with scratch_database("cli") as url:
        yield url


@pytest.fixture
def fresh(tmp_path, database_url) -> Cli:
    """A CLI on a data dir that does not exist yet and a database with no tables."""
    return Cli(tmp_path / "data", database_url)


@pytest.fixture
def cli(fresh) -> Cli:
    fresh.ok("migrate")
    return fresh


def test_version_and_help():
    runner = CliRunner()
    assert "pyleroma, version" in runner.invoke(main, ["--version"]).stdout
    help_text = runner.invoke(main, ["user", "--help"]).stdout
    for command in ("new", "list", "set", "reset-password", "deactivate", "activate", "delete"):
        assert command in help_text


# -- migrate -------------------------------------------------------------------------------


def test_migrate_creates_the_data_dir_and_schema_then_is_a_no_op(fresh):
    assert not fresh.settings.data_dir.exists()

    out = fresh.ok("migrate")

    assert "Applied migration 0001: initial" in out
    assert fresh.settings.data_dir.is_dir()
    if fresh.settings.is_sqlite:
        assert "Created a new SQLite database" in out
        assert fresh.settings.database_file.exists()
    assert fresh.count(Account) == 0
    again = fresh.ok("migrate")
    assert "up to date" in again and "Applied" not in again


def test_migrate_reports_an_unreachable_database(tmp_path):
    cli = Cli(tmp_path / "data", "postgresql+asyncpg://someone:hunter22@127.0.0.1:1/nothing")

    err = cli.fails("migrate")

    assert "Error: database postgresql+asyncpg://someone:***@127.0.0.1:1/nothing" in err
    assert "hunter22" not in err


def test_user_commands_refuse_an_unmigrated_database(fresh):
    for args in (
        ["user", "list"],
        ["user", "new", "alice", "alice@example.com"],
        ["user", "deactivate", "alice"],
        ["worker"],
    ):
        assert "run `pyleroma migrate`" in fresh.fails(*args)
    if fresh.settings.is_sqlite:
        assert not fresh.settings.database_file.exists()


# -- configuration -------------------------------------------------------------------------


def test_config_file_from_option_and_environment_applies_to_commands(cli, tmp_path):
    config = tmp_path / "pyleroma.toml"
    config.write_text('base_url = "https://social.example"\n[instance]\nname = "Example"\n')

    cli.ok("--config", str(config), "user", "new", "alice", "alice@example.com")
    assert cli.account("alice").ap_id == "https://social.example/users/alice"

    cli.ok("user", "new", "bob", "bob@example.com", PYLEROMA_CONFIG=str(config))
    assert cli.account("bob").ap_id == "https://social.example/users/bob"

    shown = cli.ok("--config", str(config), "config")
    assert "instance_name = Example" in shown and "secret_key = \n" in shown


def test_config_command_hides_secrets(cli):
    shown = cli.ok(
        "config",
        PYLEROMA_SECRET_KEY="very-secret",
        PYLEROMA_DATABASE_URL="postgresql+asyncpg://u:pw@127.0.0.1:5432/db",
    )
    assert "very-secret" not in shown and "secret_key = (set)" in shown
    assert ":pw@" not in shown and "u:***@127.0.0.1" in shown


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "config file not found"),
        ("this is = = not toml", "not valid TOML"),
        ("no_such_setting = 1\n", "unknown setting 'no_such_setting'"),
        ("port = 'many'\n", "port: expected an integer"),
        ('registrations = "sometimes"\n', "registrations must be one of"),
    ],
)
def test_bad_configuration_is_a_clear_error(cli, tmp_path, content, message):
    config = tmp_path / "bad.toml"
    if content is not None:
        config.write_text(content)

    err = cli.fails("--config", str(config), "user", "list")

    assert err.startswith("Error: bad configuration:") and message in err


def test_bad_environment_value_is_a_clear_error(cli):
    err = cli.fails("user", "list", PYLEROMA_BASE_URL="ftp://nope")
    assert "base_url must be an http(s) URL" in err


# -- user new / list -----------------------------------------------------------------------


def test_user_new_generates_and_prints_a_password(cli):
    out = cli.ok("user", "new", "alice", "Alice@Example.com", "--admin")

    password = out.split("Password: ", 1)[1].strip()
    assert "Created user alice (admin)" in out and len(password) >= 12
    account = cli.account("alice")
    assert account.local and account.is_admin and not account.is_moderator
    assert account.is_confirmed and account.is_approved and account.is_active
    assert account.email == "Alice@example.com"
    assert verify_password(account.password_hash, password)


def test_user_new_with_password_name_and_moderator(cli):
    out = cli.ok(
        "user", "new", "bob", "bob@example.com", "--password", "long enough pw",
        "--moderator", "--name", "Bobby",
    )  # fmt: skip

    assert "Password:" not in out and "(moderator)" in out
    account = cli.account("bob")
    assert account.is_moderator and not account.is_admin and account.display_name == "Bobby"
    assert verify_password(account.password_hash, "long enough pw")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ALICE", "other@example.com"], "Username has already been taken"),
        (["carol", "ALICE@example.com"], "Email has already been taken"),
        (["carol", "not-an-email"], "Email has invalid format"),
        (["ca rol", "carol@example.com"], "Username has invalid format"),
        (["x" * 65, "carol@example.com"], "Username is too long: 65 characters"),
        (["carol", "carol@example.com", "--password", "short"], "Password is too short"),
    ],
)
def test_user_new_rejects_bad_input_and_stores_nothing(cli, args, message):
    cli.ok("user", "new", "alice", "alice@example.com")

    err = cli.fails("user", "new", *args)

    assert err.startswith("Error: ") and message in err
    assert cli.count(Account) == 1


def test_user_new_may_take_a_reserved_nickname_and_a_local_address(cli):
    """The owner creates ``admin`` (reserved against strangers) at ``admin@localhost``."""
    assert "reserved nickname" in cli.ok("user", "new", "--help")

    out = cli.ok("user", "new", "admin", "admin@localhost", "--admin")

    assert "Created user admin (admin)" in out
    account = cli.account("admin")
    assert account.is_admin and account.email == "admin@localhost"


def test_user_list_shows_local_users_with_role_and_state(cli):
    assert "No local users yet." in cli.ok("user", "list")
    cli.ok("user", "new", "alice", "alice@example.com", "--admin")
    cli.ok("user", "new", "bob", "bob@example.com", "--moderator")
    cli.ok("user", "new", "carol", "carol@example.com")
    cli.ok("user", "deactivate", "carol")

    out = cli.ok("user", "list")

    assert "3 local users" in out
    lines = {line.split()[3]: line for line in out.splitlines() if "@example.com" in line}
    assert "admin" in lines["alice"] and "active" in lines["alice"]
    assert "moderator" in lines["bob"]
    assert "deactivated" in lines["carol"]


# -- user set ------------------------------------------------------------------------------


def test_user_set_changes_only_the_given_flags(cli):
    cli.ok("user", "new", "alice", "alice@example.com")

    out = cli.ok("user", "set", "alice", "--admin", "--locked", "--moderator")
    assert "admin=yes, moderator=yes, locked=yes" in out
    cli.ok("user", "set", "@alice", "--no-moderator")

    account = cli.account("alice")
    assert account.is_admin and account.locked and not account.is_moderator


def test_user_set_confirmed_and_approved(cli):
    cli.ok("user", "new", "alice", "alice@example.com")
    cli.ok("user", "set", "alice", "--no-confirmed", "--no-approved")
    assert not cli.account("alice").is_confirmed and not cli.account("alice").is_approved
    assert "unconfirmed" in cli.ok("user", "list")

    cli.ok("user", "set", "alice", "--confirmed", "--approved")

    account = cli.account("alice")
    assert account.is_confirmed and account.is_approved and account.confirmation_token is None


def test_user_set_errors(cli):
    cli.ok("user", "new", "alice", "alice@example.com")

    assert "nothing to change" in cli.fails("user", "set", "alice")
    assert "no local user 'nobody'" in cli.fails("user", "set", "nobody", "--admin")
    assert not cli.account("alice").is_admin


# -- user reset-password / deactivate / activate -------------------------------------------


def test_reset_password_generates_one_and_ends_sessions(cli):
    cli.ok("user", "new", "alice", "alice@example.com", "--password", "old password")
    cli.login_token(cli.account("alice"))

    out = cli.ok("user", "reset-password", "alice")

    password = out.split("Password: ", 1)[1].strip()
    account = cli.account("alice")
    assert verify_password(account.password_hash, password)
    assert not verify_password(account.password_hash, "old password")
    assert "1 session(s) ended" in out and cli.tokens_of(account) == 0


def test_reset_password_with_given_password(cli):
    cli.ok("user", "new", "alice", "alice@example.com")

    out = cli.ok("user", "reset-password", "alice", "--password", "brand new password")

    assert "Password:" not in out
    assert verify_password(cli.account("alice").password_hash, "brand new password")


def test_reset_password_errors_leave_the_password_alone(cli):
    cli.ok("user", "new", "alice", "alice@example.com", "--password", "old password")

    assert "Password is too short" in cli.fails(
        "user", "reset-password", "alice", "--password", "short"
    )
    assert "no local user 'bob'" in cli.fails("user", "reset-password", "bob")
    assert verify_password(cli.account("alice").password_hash, "old password")


def test_deactivate_ends_sessions_at_once_and_activate_restores(cli):
    cli.ok("user", "new", "alice", "alice@example.com")
    cli.ok("user", "new", "bob", "bob@example.com")
    cli.login_token(cli.account("alice"))
    cli.login_token(cli.account("bob"))

    out = cli.ok("user", "deactivate", "alice")

    assert "Deactivated alice; 1 session(s) ended." in out
    alice = cli.account("alice")
    assert not alice.is_active and cli.tokens_of(alice) == 0
    assert cli.tokens_of(cli.account("bob")) == 2  # other users keep theirs
    assert "already deactivated" in cli.ok("user", "deactivate", "alice")

    assert "Activated alice." in cli.ok("user", "activate", "alice")
    assert cli.account("alice").is_active
    assert "already activated" in cli.ok("user", "activate", "alice")


def test_deactivate_and_activate_unknown_user(cli):
    assert "no local user 'ghost'" in cli.fails("user", "deactivate", "ghost")
    assert "no local user 'ghost'" in cli.fails("user", "activate", "ghost")


# -- user delete ---------------------------------------------------------------------------


def test_delete_asks_and_keeps_the_user_unless_confirmed(cli):
    cli.ok("user", "new", "alice", "alice@example.com")

    assert "not deleted" in cli.fails("user", "delete", "alice", input="n\n")
    assert "not deleted" in cli.fails("user", "delete", "alice", input="")  # no terminal
    assert cli.account("alice") is not None


def test_delete_removes_the_account_and_what_belongs_to_it(cli):
    cli.ok("user", "new", "alice", "alice@example.com")
    cli.ok("user", "new", "bob", "bob@example.com")
    alice, bob = cli.account("alice"), cli.account("bob")
    cli.login_token(alice)

    async def relate(session):
        session.add(Follow(id=new_id(), follower_id=alice.id, followed_id=bob.id))
        session.add(Follow(id=new_id(), follower_id=bob.id, followed_id=alice.id))
        session.add(Block(id=new_id(), account_id=bob.id, target_id=alice.id))

    cli.query(relate)

    out = cli.ok("user", "delete", "alice", input="y\n")

    assert "Deleted alice." in out
    assert cli.account("alice") is None and cli.account("bob") is not None
    assert cli.count(Follow) == 0 and cli.count(Block) == 0
    assert cli.tokens_of(alice) == 0 and cli.count(OAuthApp) == 1


def test_delete_with_yes_and_unknown_user(cli):
    cli.ok("user", "new", "alice", "alice@example.com")

    assert "Deleted alice." in cli.ok("user", "delete", "--yes", "alice")
    assert "no local user 'alice'" in cli.fails("user", "delete", "-y", "alice")


def test_a_deleted_users_nickname_is_never_issued_again(cli):
    cli.ok("user", "new", "alice", "alice@example.com")

    out = cli.ok("user", "delete", "--yes", "alice")

    for nickname in ("alice", "ALICE"):
        error = cli.fails("user", "new", nickname, "new@example.com")
        assert "Username belonged to a deleted account and cannot be used again" in error
    assert cli.account("alice") is None
    assert "never be given out again" in out
    assert "Created user bob" in cli.ok("user", "new", "bob", "alice@example.com")


# -- serve ---------------------------------------------------------------------------------


def test_serve_rejects_bad_options(cli):
    result = cli("serve", "--port", "70000")
    assert result.exit_code == 2 and "70000" in result.stderr
    assert "log_level must be one of" in cli.fails("serve", PYLEROMA_LOG_LEVEL="chatty")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pyleroma_command() -> list[str]:
    script = Path(sys.executable).parent / "pyleroma"
    return [str(script)] if script.exists() else [sys.executable, "-m", "pyleroma.cli"]


def _start(args: list[str], data_dir: Path, database_url: str, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYLEROMA_")}
    env.update(PYLEROMA_DATA_DIR=str(data_dir), PYLEROMA_DATABASE_URL=database_url)
    with log.open("wb") as out:
        return subprocess.Popen(
            [*_pyleroma_command(), *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_serve_runs_a_real_server_on_a_fresh_data_dir(tmp_path, database_url):
    data_dir = tmp_path / "fresh"
    port = _free_port()
    log = tmp_path / "serve.log"
    process = _start(["serve", "--port", str(port)], data_dir, database_url, log)
    try:
        deadline = time.monotonic() + 60
        response = None
        while time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/openapi", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert response is not None and response.status_code == 200, log.read_text()
        assert response.json()["info"]["title"] == "pyleroma"
        instance = httpx.get(f"http://127.0.0.1:{port}/api/v1/instance", timeout=5)
        if instance.status_code == 200:
            assert instance.json()["uri"] == f"127.0.0.1:{port}"
    finally:
        _stop(process)
    output = log.read_text()
    # uvicorn shuts down gracefully, then re-raises the signal it caught.
    assert process.returncode in (0, -signal.SIGTERM), output
    assert "Application shutdown complete" in output
    assert "Applied migration 0001: initial" in output
    assert "user new NICKNAME EMAIL --admin" in output
    assert data_dir.is_dir()


def test_worker_runs_until_sigterm(cli, tmp_path):
    log = tmp_path / "worker.log"
    process = _start(
        ["worker", "--concurrency", "2"], cli.settings.data_dir, cli.settings.database_url, log
    )
    try:
        deadline = time.monotonic() + 60
        while "stop with SIGTERM" not in log.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            time.sleep(0.1)
        assert "2 job(s) at once, queues: all" in log.read_text()
    finally:
        _stop(process)
    assert process.returncode == 0, log.read_text()
    assert "Worker stopped." in log.read_text()
