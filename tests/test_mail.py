"""The mailer: a queued mail reaches a real SMTP server as plain text and HTML; a refused
address ends the job, an unreachable server retries it; nothing is queued with mail off."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.jobs.runner import JobRunner
from pyleroma.models import Job
from pyleroma.services.mail.outbox import MAIL_JOB, queue_mail
from tests.mail_server import html_of, mailer_settings, text_of


@pytest.fixture
def settings_overrides(smtp_inbox):
    return {**mailer_settings(smtp_inbox), "instance_name": "Tea & <Cake>"}


async def _queue(app, to, template="test", values=None):
    async with app.state.sessionmaker() as session:
        job_id = await queue_mail(
            session, app.state.settings, to=to, template=template, values=values or {}
        )
        await session.commit()
    return job_id


async def _jobs(app):
    async with app.state.sessionmaker() as session:
        return (await session.scalars(select(Job).where(Job.kind == MAIL_JOB))).all()


async def test_a_queued_mail_arrives_as_text_and_html(app, smtp_inbox):
    assert await _queue(app, "someone@example.org") is not None
    assert smtp_inbox.messages == []  # queued, not sent, until the job runs
    await JobRunner(app.state.sessionmaker, app.state.settings).drain()

    [message] = smtp_inbox.messages
    assert message["To"] == "someone@example.org"
    assert message["From"].addresses[0].addr_spec == "admin@pyleroma.test"
    assert message["From"].addresses[0].display_name == "Tea & <Cake>"
    assert message["Subject"] == "Test mail from Tea & <Cake>"
    assert "the mailer settings work" in text_of(message)
    html = html_of(message)
    assert "Tea &amp; &lt;Cake&gt;" in html and "<Cake>" not in html
    assert smtp_inbox.envelopes == [("admin@pyleroma.test", ["someone@example.org"])]
    [job] = await _jobs(app)
    assert job.state == "completed"


async def test_a_refused_address_ends_the_job_without_retrying(app, smtp_inbox):
    smtp_inbox.refused.add("nobody@example.org")
    await _queue(app, "nobody@example.org")
    await JobRunner(app.state.sessionmaker, app.state.settings).drain()
    [job] = await _jobs(app)
    assert (job.state, job.attempt) == ("discarded", 1)
    assert smtp_inbox.messages == []


async def test_an_unreachable_server_is_retried(app, smtp_inbox):
    smtp_inbox.controller.stop()
    await _queue(app, "someone@example.org")
    await JobRunner(app.state.sessionmaker, app.state.settings).drain()
    [job] = await _jobs(app)
    assert job.state == "available" and job.attempt == 1 and job.last_error


@pytest.mark.parametrize("settings_overrides", [{"mailer_enabled": False}])
async def test_nothing_is_queued_with_the_mailer_off(app):
    assert await _queue(app, "someone@example.org") is None
    assert await _jobs(app) == []
