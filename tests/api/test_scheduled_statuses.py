"""Scheduled statuses: POST /api/v1/statuses with scheduled_at, GET/PUT/DELETE
/api/v1/scheduled_statuses[/:id], and publishing by the job runner (also after a restart)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from pyleroma.db.base import utcnow
from pyleroma.main import create_app
from pyleroma.models import Job, MediaAttachment, Poll, ScheduledStatus, Status
from tests.api.posting_helpers import count, drain, in_minutes, jobs, media, post

PUBLISH = "status.publish_scheduled"


async def _schedule(client, user, minutes=60, **body):
    response = await post(client, user, scheduled_at=in_minutes(minutes), **body)
    assert response.status_code == 200, response.text
    return response.json()


async def _move_to_past(db, scheduled_id) -> None:
    """Pretend the scheduled time has come: the row and its job are due now."""
    past = utcnow() - dt.timedelta(seconds=5)
    async with db() as session:
        await session.execute(
            update(ScheduledStatus)
            .where(ScheduledStatus.id == int(scheduled_id))
            .values(scheduled_at=past)
        )
        await session.execute(update(Job).where(Job.kind == PUBLISH).values(scheduled_at=past))
        await session.commit()


async def test_scheduling_stores_a_scheduled_status_and_its_job(client, factory, db):
    alice = await factory.user("alice")
    item = await media(db, alice.account)
    scheduled_at = utcnow().replace(microsecond=0) + dt.timedelta(hours=2)

    response = await post(
        client,
        alice,
        status="later",
        scheduled_at=scheduled_at.isoformat() + "Z",
        visibility="unlisted",
        sensitive="false",
        spoiler_text="cw",
        media_ids=[str(item)],
        poll={"options": ["a", "b"], "expires_in": 3600},
        expires_in=7200,
    )

    assert response.status_code == 200
    data = response.json()
    assert data["scheduled_at"] == scheduled_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert data["params"] == {
        "text": "later",
        "sensitive": False,
        "spoiler_text": "cw",
        "visibility": "unlisted",
        "scheduled_at": data["scheduled_at"],
        "poll": {
            "options": ["a", "b"],
            "expires_in": 3600,
            "multiple": False,
            "hide_totals": False,
        },
        "in_reply_to_id": None,
        "expires_in": 7200,
        "media_ids": [str(item)],
        "language": None,
    }
    assert [m["id"] for m in data["media_attachments"]] == [str(item)]
    assert await count(db, Status) == 0
    assert await count(db, Poll) == 0
    [job] = await jobs(db, PUBLISH)
    assert job.args == {"scheduled_status_id": int(data["id"])}
    assert job.scheduled_at == scheduled_at
    assert job.unique_key == f"{PUBLISH}:{data['id']}"
    async with db() as session:
        assert (await session.get(MediaAttachment, item)).status_id is None


async def test_scheduled_at_less_than_five_minutes_ahead_posts_at_once(client, factory, db):
    alice = await factory.user("alice")

    soon = await post(client, alice, status="now", scheduled_at=in_minutes(4.9))
    past = await post(client, alice, status="now too", scheduled_at=in_minutes(-60))
    empty = await post(client, alice, status="and now", scheduled_at=None)

    for response in (soon, past, empty):
        assert response.status_code == 200
        assert "content" in response.json()
    assert await count(db, ScheduledStatus) == 0
    assert await count(db, Status) == 3


async def test_invalid_scheduled_at_and_invalid_drafts_are_422(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    bobs = await media(db, bob.account)

    bad_time = await post(client, alice, status="x", scheduled_at="tomorrow")
    blank = await post(client, alice, status=" ", scheduled_at=in_minutes(60))
    foreign_media = await post(
        client, alice, status="x", scheduled_at=in_minutes(60), media_ids=[str(bobs)]
    )
    bad_poll = await post(
        client,
        alice,
        status="x",
        scheduled_at=in_minutes(60),
        poll={"options": ["a"], "expires_in": 60},
    )
    too_soon_expiry = await post(
        client, alice, status="x", scheduled_at=in_minutes(60), expires_in=300
    )

    assert bad_time.status_code == 422
    assert "scheduled_at" in bad_time.json()["error"]
    assert blank.json() == {"error": "Cannot post an empty status without attachments"}
    assert foreign_media.json() == {"error": "You can only attach your own media"}
    assert bad_poll.json() == {"error": "Poll must contain at least 2 options"}
    assert too_soon_expiry.json() == {"error": "Expiry date is too soon"}
    for response in (blank, foreign_media, bad_poll, too_soon_expiry):
        assert response.status_code == 422
    assert await count(db, ScheduledStatus) == 0
    assert await jobs(db, PUBLISH) == []


@pytest.mark.parametrize(
    "settings_overrides",
    [{"scheduled_statuses_daily_limit": 2, "scheduled_statuses_total_limit": 3}],
)
async def test_daily_and_total_limits(client, factory, db):
    alice = await factory.user("alice")
    today = utcnow() + dt.timedelta(minutes=10)
    tomorrow = utcnow() + dt.timedelta(hours=36)

    for _ in range(2):
        assert (
            await post(client, alice, status="x", scheduled_at=today.isoformat())
        ).status_code == 200
    daily = await post(client, alice, status="x", scheduled_at=today.isoformat())
    assert (
        await post(client, alice, status="x", scheduled_at=tomorrow.isoformat())
    ).status_code == 200
    total = await post(
        client, alice, status="x", scheduled_at=(tomorrow + dt.timedelta(days=2)).isoformat()
    )

    assert daily.status_code == total.status_code == 422
    assert daily.json() == {"error": "daily limit exceeded"}
    assert total.json() == {"error": "total limit exceeded"}
    assert await count(db, ScheduledStatus) == 3


async def test_idempotency_key_returns_the_same_scheduled_status(client, factory, db):
    alice = await factory.user("alice")
    when = in_minutes(60)

    first = await post(client, alice, status="x", scheduled_at=when, idempotency_key="k")
    again = await post(client, alice, status="x", scheduled_at=when, idempotency_key="k")

    assert first.json()["id"] == again.json()["id"]
    assert "params" in again.json()
    assert await count(db, ScheduledStatus) == 1


async def test_list_is_paginated_newest_first_with_link(client, factory):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    ids = [(await _schedule(client, alice, 60 + i, status=f"s{i}"))["id"] for i in range(4)]
    await _schedule(client, bob, status="not alice's")

    page = await client.get("/api/v1/scheduled_statuses?limit=2", headers=alice.headers)
    since = await client.get(
        f"/api/v1/scheduled_statuses?limit=2&min_id={ids[0]}", headers=alice.headers
    )

    assert [s["id"] for s in page.json()] == [ids[3], ids[2]]
    assert f"max_id={ids[2]}" in page.headers["link"]
    assert f"min_id={ids[3]}" in page.headers["link"]
    assert [s["id"] for s in since.json()] == [ids[2], ids[1]]
    everything = await client.get("/api/v1/scheduled_statuses", headers=bob.headers)
    assert [s["params"]["text"] for s in everything.json()] == ["not alice's"]


async def test_show_one(client, factory):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    data = await _schedule(client, alice, status="mine")

    mine = await client.get(f"/api/v1/scheduled_statuses/{data['id']}", headers=alice.headers)
    theirs = await client.get(f"/api/v1/scheduled_statuses/{data['id']}", headers=bob.headers)
    missing = await client.get("/api/v1/scheduled_statuses/404", headers=alice.headers)
    junk = await client.get("/api/v1/scheduled_statuses/junk", headers=alice.headers)

    assert mine.json() == data
    for response in (theirs, missing, junk):
        assert response.status_code == 404
        assert response.json() == {"error": "Record not found"}


async def test_reschedule_moves_the_job(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    data = await _schedule(client, alice, status="x")
    new_time = utcnow().replace(microsecond=0) + dt.timedelta(hours=5)
    url = f"/api/v1/scheduled_statuses/{data['id']}"

    response = await client.put(
        url, headers=alice.headers, json={"scheduled_at": new_time.isoformat() + "Z"}
    )

    assert response.status_code == 200
    assert response.json()["scheduled_at"] == new_time.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    [job] = await jobs(db, PUBLISH)
    assert job.scheduled_at == new_time
    async with db() as session:
        assert (await session.get(ScheduledStatus, int(data["id"]))).scheduled_at == new_time

    too_soon = await client.put(url, headers=alice.headers, json={"scheduled_at": in_minutes(2)})
    missing = await client.put(url, headers=alice.headers, json={})
    malformed = await client.put(url, headers=alice.headers, json={"scheduled_at": "soon"})
    theirs = await client.put(url, headers=bob.headers, json={"scheduled_at": in_minutes(90)})
    assert too_soon.status_code == 422
    assert too_soon.json() == {"error": "scheduled_at must be at least 5 minutes from now"}
    assert missing.status_code == malformed.status_code == 422
    assert theirs.status_code == 404
    [job] = await jobs(db, PUBLISH)
    assert job.scheduled_at == new_time


async def test_delete_cancels_the_job(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    data = await _schedule(client, alice, status="never")
    url = f"/api/v1/scheduled_statuses/{data['id']}"

    theirs = await client.delete(url, headers=bob.headers)
    deleted = await client.delete(url, headers=alice.headers)
    again = await client.delete(url, headers=alice.headers)

    assert theirs.status_code == 404
    assert deleted.status_code == 200
    assert deleted.json()["id"] == data["id"]
    assert again.status_code == 404
    assert await count(db, ScheduledStatus) == 0
    assert await jobs(db, PUBLISH) == []


async def test_scopes(client, factory):
    alice = await factory.user("alice")
    data = await _schedule(client, alice, status="x")
    url = f"/api/v1/scheduled_statuses/{data['id']}"
    write_only = {"Authorization": f"Bearer {await factory.token(alice.account, ['write'])}"}
    read_only = {"Authorization": f"Bearer {await factory.token(alice.account, ['read'])}"}
    body = {"scheduled_at": in_minutes(90)}

    assert (await client.get("/api/v1/scheduled_statuses")).status_code == 401
    assert (await client.get(url)).status_code == 401
    assert (await client.put(url, json=body)).status_code == 401
    assert (await client.delete(url)).status_code == 401
    assert (await client.get("/api/v1/scheduled_statuses", headers=write_only)).status_code == 403
    assert (await client.get(url, headers=write_only)).status_code == 403
    assert (await client.put(url, headers=read_only, json=body)).status_code == 403
    assert (await client.delete(url, headers=read_only)).status_code == 403
    assert (await client.get(url, headers=read_only)).status_code == 200


async def test_due_scheduled_status_is_posted_by_the_job_runner(client, factory, db, app):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    parent = await factory.status(bob.account, "root")
    item = await media(db, alice.account)
    data = await _schedule(
        client,
        alice,
        status="@bob scheduled reply #later",
        in_reply_to_id=str(parent.id),
        media_ids=[str(item)],
        poll={"options": ["yes", "no"], "expires_in": 600},
        visibility="unlisted",
    )
    await drain(app)
    assert await count(db, Status, Status.account_id == alice.account.id) == 0  # not yet

    await _move_to_past(db, data["id"])
    await drain(app)

    async with db() as session:
        status = await session.scalar(select(Status).where(Status.account_id == alice.account.id))
        attached = await session.get(MediaAttachment, item)
    assert status is not None
    assert status.source == "@bob scheduled reply #later"
    assert status.visibility == "unlisted"
    assert status.in_reply_to_id == parent.id
    assert status.application_id is not None
    assert status.has_poll and status.has_media
    assert attached.status_id == status.id
    assert await count(db, ScheduledStatus) == 0
    assert len(await jobs(db, "poll.end")) == 1
    rendered = await client.get(f"/api/v1/statuses/{status.id}", headers=alice.headers)
    assert rendered.json()["application"]["name"] == "Test App"
    # The job is finished: running the runner again posts nothing more.
    await drain(app)
    assert await count(db, Status, Status.account_id == alice.account.id) == 1


async def test_scheduled_status_survives_a_restart(client, factory, db, app):
    alice = await factory.user("alice")
    data = await _schedule(client, alice, status="after the restart")
    await _move_to_past(db, data["id"])

    # A new server process: a new app, engine and runner on the same database.
    restarted = create_app(app.state.settings)
    try:
        ran = await drain(restarted)
    finally:
        await restarted.state.engine.dispose()

    assert ran >= 1
    async with db() as session:
        status = await session.scalar(select(Status).where(Status.account_id == alice.account.id))
    assert status.source == "after the restart"
    assert await count(db, ScheduledStatus) == 0


async def test_scheduled_status_whose_parent_is_gone_is_dropped(client, factory, db, app):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    parent = await factory.status(bob.account, "root")
    data = await _schedule(client, alice, status="reply", in_reply_to_id=str(parent.id))
    assert (
        await client.delete(f"/api/v1/statuses/{parent.id}", headers=bob.headers)
    ).status_code == 200

    await _move_to_past(db, data["id"])
    await drain(app)

    assert await count(db, Status) == 0
    assert await count(db, ScheduledStatus) == 0
    async with db() as session:
        states = (await session.execute(select(Job.state).where(Job.kind == PUBLISH))).scalars()
        assert list(states) == ["completed"]
