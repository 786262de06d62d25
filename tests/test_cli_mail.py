"""`pyleroma mail test --to ADDRESS` at a real SMTP server (sent now, not through a job),
and the mails `pyleroma user set --approved/--confirmed` queue, sent by the job runner."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from pyleroma.db.engine import make_engine, make_sessionmaker
from pyleroma.jobs.runner import JobRunner
from pyleroma.models import Account, Job
from pyleroma.settings import Settings
from tests.mail_server import html_of, text_of
from tests.test_cli import cli, database_url, fresh  # noqa: F401  (fixtures)


def _mailer_env(inbox) -> dict:
    return {
        "PYLEROMA_MAILER_ENABLED": "true",
        "PYLEROMA_MAILER_HOST": "127.0.0.1",
        "PYLEROMA_MAILER_PORT": str(inbox.port),
        "PYLEROMA_MAILER_TLS": "none",
        "PYLEROMA_MAILER_FROM": "admin@pyleroma.test",
        "PYLEROMA_INSTANCE_NAME": "Cofe & Tea",
    }


def test_mail_test_sends_the_test_mail_now(fresh, smtp_inbox):  # noqa: F811
    out = fresh.ok("mail", "test", "--to", "someone@example.org", **_mailer_env(smtp_inbox))
    assert out.strip() == (
        "Sent a test mail from admin@pyleroma.test to someone@example.org via "
        f"127.0.0.1:{smtp_inbox.port} (none)."
    )
    [message] = smtp_inbox.messages  # already there: no job, no worker
    assert message["To"] == "someone@example.org"
    assert message["Subject"] == "Test mail from Cofe & Tea"
    assert "the mailer settings work" in text_of(message)
    assert "Cofe &amp; Tea" in html_of(message)
    assert smtp_inbox.envelopes == [("admin@pyleroma.test", ["someone@example.org"])]


def test_mail_test_reports_the_smtp_error(fresh, smtp_inbox):  # noqa: F811
    smtp_inbox.refused.add("nobody@example.org")
    err = fresh.fails("mail", "test", "--to", "nobody@example.org", **_mailer_env(smtp_inbox))
    assert "Error: the test mail to nobody@example.org was not sent" in err
    assert "SMTP 550" in err
    assert smtp_inbox.messages == []

    smtp_inbox.controller.stop()
    down = fresh.fails("mail", "test", "--to", "someone@example.org", **_mailer_env(smtp_inbox))
    assert f"via 127.0.0.1:{smtp_inbox.port} (none)" in down and "Connect" in down


def test_mail_test_refuses_with_the_mailer_off_or_a_bad_address(fresh, smtp_inbox):  # noqa: F811
    off = fresh("mail", "test", "--to", "someone@example.org")
    assert off.exit_code == 1
    assert "the mailer is off (mailer_enabled = false): nothing was sent" in off.stderr
    bad = fresh.fails("mail", "test", "--to", "not-an-address", **_mailer_env(smtp_inbox))
    assert "--to: Email has invalid format" in bad
    missing = fresh("mail", "test", **_mailer_env(smtp_inbox))
    assert missing.exit_code == 2 and "Missing option '--to'" in missing.stderr
    assert smtp_inbox.messages == []


def _send_queued(cli, inbox) -> list:  # noqa: F811
    """Run the CLI database's jobs, as a running server or `pyleroma worker` would."""
    settings = Settings(
        data_dir=cli.settings.data_dir,
        database_url=cli.settings.database_url,
        mailer_enabled=True,
        mailer_host="127.0.0.1",
        mailer_port=inbox.port,
        mailer_tls="none",
    ).validate()

    async def go():
        engine = make_engine(settings.effective_database_url)
        try:
            await JobRunner(make_sessionmaker(engine), settings).drain()
        finally:
            await engine.dispose()

    asyncio.run(go())
    return inbox.messages


async def _set(session, **flags):
    account = (await session.execute(select(Account))).scalar_one()
    for name, value in flags.items():
        setattr(account, name, value)


async def _mail_jobs(session) -> list[str]:
    jobs = (await session.execute(select(Job).where(Job.kind == "mail.send"))).scalars()
    return [job.args["to"] for job in jobs]


def test_user_set_approved_mails_the_user_once(cli, smtp_inbox):  # noqa: F811
    env = _mailer_env(smtp_inbox)
    cli.ok("user", "new", "lain", "lain@example.org", "--password", "x" * 10)
    cli.query(lambda s: _set(s, is_approved=False))
    assert "approved=yes" in cli.ok("user", "set", "lain", "--approved", **env)
    assert "approved=yes" in cli.ok("user", "set", "lain", "--approved", **env)  # no-op
    assert cli.query(_mail_jobs) == ["lain@example.org"]
    [message] = _send_queued(cli, smtp_inbox)
    assert message["Subject"] == "Your account on Cofe & Tea was approved"
    assert "Hello @lain" in text_of(message)


def test_user_set_confirmed_then_approved_mails_the_waiting_then_the_approval(
    cli,  # noqa: F811
    smtp_inbox,
):
    env = _mailer_env(smtp_inbox)
    cli.ok("user", "new", "boss", "boss@example.org", "--password", "x" * 10, "--admin")
    cli.ok("user", "new", "lain", "lain@example.org", "--password", "x" * 10)

    async def pending(session):
        account = (
            await session.execute(select(Account).where(Account.nickname == "lain"))
        ).scalar_one()
        account.is_approved = False
        account.is_confirmed = False

    cli.query(pending)
    assert "confirmed=yes" in cli.ok("user", "set", "lain", "--confirmed", **env)
    assert sorted(cli.query(_mail_jobs)) == ["boss@example.org", "lain@example.org"]
    cli.ok("user", "set", "lain", "--approved", **env)
    messages = _send_queued(cli, smtp_inbox)
    subjects = sorted(str(m["Subject"]) for m in messages)
    assert subjects == [
        "New account awaiting approval on Cofe & Tea: @lain",
        "Your account on Cofe & Tea is awaiting approval",
        "Your account on Cofe & Tea was approved",
    ]
    # Without the mailer nothing is queued, and --no-approved still works.
    cli.ok("user", "set", "lain", "--no-approved")
    cli.ok("user", "set", "lain", "--approved")
    assert len(cli.query(_mail_jobs)) == 3
