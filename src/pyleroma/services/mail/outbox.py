"""Queueing mail: ``queue_mail`` renders a message and adds a "mail.send" job to the
caller's transaction, so a mail goes out only if what it announces was committed, and is
retried until the SMTP server takes it (jobs/mail_jobs.py).

The job's arguments hold the rendered message, links included; completed mail jobs are
pruned with the other jobs (job_completed_retention_seconds), which is no longer than a
reset link lives by default.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.jobs.queue import enqueue
from pyleroma.services.mail.messages import render
from pyleroma.settings import Settings

log = logging.getLogger("pyleroma.mail")

MAIL_JOB = "mail.send"
MAIL_QUEUE = "mail"


async def queue_mail(
    session: AsyncSession, settings: Settings, *, to: str, template: str, values: dict
) -> int | None:
    """Queue mail ``template`` to ``to``; the caller commits. With the mailer off nothing
    is queued and None is returned (callers decide what a missing mail means)."""
    if not settings.mailer_enabled:
        log.debug("mailer off: %s mail not sent", template)
        return None
    mail = render(settings, template, to, values)
    return await enqueue(session, MAIL_JOB, mail.as_args(), queue=MAIL_QUEUE)
