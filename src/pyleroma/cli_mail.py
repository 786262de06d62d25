"""`pyleroma mail test --to ADDRESS`: check the mailer settings by sending a mail now.

The test mail (template ``test``) goes straight to the SMTP server, not through a job, so
the command says at once whether the server took it, or the server's (or the
connection's) error, and exits 1 on failure. With ``mailer_enabled`` off it says so and
sends nothing (exit 1). The database is not touched.
"""

from __future__ import annotations

import asyncio

import click

from pyleroma.cli import CliError, CliState, main, pass_state
from pyleroma.services.accounts.accounts import AccountError, check_email
from pyleroma.services.mail.messages import render, sender, to_email_message
from pyleroma.services.mail.smtp import MailRefused, MailUnavailable, send_message


@main.group()
def mail() -> None:
    """Check the mailer (mailer_* settings)."""


@mail.command("test")
@click.option("--to", "to", required=True, help="The address to send the test mail to.")
@pass_state
def mail_test(state: CliState, to: str) -> None:
    """Send a test mail to ADDRESS now and report what the SMTP server answered."""
    settings = state.settings()
    if not settings.mailer_enabled:
        raise CliError(
            "the mailer is off (mailer_enabled = false): nothing was sent; see docs/mail.md"
        )
    try:
        address = check_email(to.strip(), required=True)
    except AccountError as exc:
        raise CliError(f"--to: {exc.message}") from exc
    message = render(settings, "test", address, {})
    try:
        email = to_email_message(settings, message)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    server = f"{settings.mailer_host}:{settings.mailer_effective_port} ({settings.mailer_tls})"
    try:
        asyncio.run(send_message(settings, email))
    except (MailRefused, MailUnavailable) as exc:
        raise CliError(f"the test mail to {address} was not sent via {server}: {exc}") from exc
    click.echo(f"Sent a test mail from {sender(settings)} to {address} via {server}.")
