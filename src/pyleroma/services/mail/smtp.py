"""Sending one message over SMTP with the mailer_* settings (aiosmtplib).

``mailer_tls``: "none" never upgrades (a local relay), "starttls" requires the upgrade
(refusing to send credentials or mail in the clear when the server cannot), "tls" speaks
TLS from the first byte. Credentials are used only when a username is set, and never logged.
"""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from pyleroma.settings import Settings


class MailRefused(Exception):
    """The SMTP server refused the message for good (a 5xx): retrying will not help."""


class MailUnavailable(Exception):
    """The SMTP server could not be reached or answered a temporary error: try later."""


async def send_message(settings: Settings, message: EmailMessage) -> None:
    tls = settings.mailer_tls
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.mailer_host,
            port=settings.mailer_effective_port,
            username=settings.mailer_username or None,
            password=settings.mailer_password or None,
            use_tls=tls == "tls",
            start_tls=tls == "starttls",
            timeout=settings.mailer_timeout_seconds,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [refusal.code for refusal in exc.recipients]
        if codes and all(500 <= code < 600 for code in codes):
            raise MailRefused(f"SMTP {codes[0]}: recipient refused") from exc
        raise MailUnavailable(f"SMTP {codes[0] if codes else '?'}: recipient deferred") from exc
    except aiosmtplib.SMTPResponseException as exc:
        if 500 <= exc.code < 600:
            raise MailRefused(f"SMTP {exc.code}: {exc.message}") from exc
        raise MailUnavailable(f"SMTP {exc.code}: {exc.message}") from exc
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise MailUnavailable(f"{type(exc).__name__}: {exc}") from exc
