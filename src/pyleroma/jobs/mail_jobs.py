"""Job kind "mail.send" ``{"to", "subject", "text", "html"}``: one mail, as queued by
services/mail/outbox.py. An SMTP server that cannot be reached, or answers a 4xx, is tried
again with backoff; one that refuses the message for good (a 5xx: no such mailbox, relay
denied) ends the job, logged without the message's contents (reset links are secrets).
"""

from __future__ import annotations

import logging

from pyleroma.jobs.registry import DiscardJob, JobContext, RetryJob, register
from pyleroma.services.mail.messages import Mail, to_email_message
from pyleroma.services.mail.outbox import MAIL_JOB, MAIL_QUEUE
from pyleroma.services.mail.smtp import MailRefused, MailUnavailable, send_message

log = logging.getLogger("pyleroma.mail")

MAIL_MAX_ATTEMPTS = 8


@register(MAIL_JOB, queue=MAIL_QUEUE, max_attempts=MAIL_MAX_ATTEMPTS)
async def send(ctx: JobContext) -> None:
    try:
        mail = Mail.from_args(ctx.args)
    except KeyError as exc:
        raise DiscardJob(f"mail.send needs {exc.args[0]}") from exc
    if not ctx.settings.mailer_enabled:
        raise DiscardJob("the mailer was switched off before the mail was sent")
    try:
        message = to_email_message(ctx.settings, mail)
    except ValueError as exc:  # a sender the admin must fix first
        raise DiscardJob(str(exc)) from exc
    try:
        await send_message(ctx.settings, message)
    except MailRefused as exc:
        log.warning("mail %r refused: %s", mail.subject, exc)
        raise DiscardJob(str(exc)) from exc
    except MailUnavailable as exc:
        log.info("mail %r not sent yet: %s", mail.subject, exc)
        raise RetryJob(str(exc)) from exc
