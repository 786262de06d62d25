"""Unattached media is purged a day later (media.purge_unattached), and only then."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from pyleroma.db.base import utcnow
from pyleroma.models import Job, MediaAttachment
from pyleroma.services.media.media_cleanup import PURGE_JOB
from tests import media_samples as samples
from tests.api.test_media import attachment_files, stored, upload
from tests.api.test_status_edit_delete import run_due_purges


async def purge_jobs(db) -> list[Job]:
    async with db() as session:
        return list((await session.execute(select(Job).where(Job.kind == PURGE_JOB))).scalars())


async def test_upload_never_attached_is_purged_after_the_ttl(client, factory, app, db):
    user = await factory.user("alice")
    response = await upload(client, user, samples.png_bytes(), name="a.png")
    media = response.json()
    jobs = await purge_jobs(db)
    assert [j.args for j in jobs] == [{"media_id": int(media["id"])}]
    wait = jobs[0].scheduled_at - utcnow()
    assert dt.timedelta(hours=23) < wait <= dt.timedelta(hours=24)
    assert stored(app, media["url"]).exists()

    assert await run_due_purges(app) == 1
    async with db() as session:
        assert await session.get(MediaAttachment, int(media["id"])) is None
    assert attachment_files(app) == []
    missing = await client.get(f"/api/v1/media/{media['id']}", headers=user.headers)
    assert missing.status_code == 404


async def test_attached_media_survives_its_purge_job(client, factory, app):
    user = await factory.user("alice")
    media = (await upload(client, user, samples.png_bytes(), name="a.png")).json()
    posted = await client.post(
        "/api/v1/statuses",
        headers=user.headers,
        data={"status": "with a picture", "media_ids[]": [media["id"]]},
    )
    assert posted.status_code == 200
    assert await run_due_purges(app) == 1
    status = await client.get(f"/api/v1/statuses/{posted.json()['id']}", headers=user.headers)
    assert [m["id"] for m in status.json()["media_attachments"]] == [media["id"]]
    assert stored(app, media["url"]).exists()


async def test_media_waiting_for_a_scheduled_status_is_kept(client, factory, app, db):
    user = await factory.user("alice")
    media = (await upload(client, user, samples.png_bytes(), name="a.png")).json()
    at = (utcnow() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    scheduled = await client.post(
        "/api/v1/statuses",
        headers=user.headers,
        data={"status": "later", "media_ids[]": [media["id"]], "scheduled_at": at},
    )
    assert scheduled.status_code == 200, scheduled.text
    assert await run_due_purges(app) == 1
    async with db() as session:
        assert await session.get(MediaAttachment, int(media["id"])) is not None
    (retry,) = [j for j in await purge_jobs(db) if j.state == "available"]
    assert retry.scheduled_at > utcnow() + dt.timedelta(days=3)
    assert stored(app, media["url"]).exists()
