"""Admin API announcements: create, list (limit/offset), show, change, delete, each checked
through the Mastodon ``GET /api/v1/announcements`` users see and the stored rows."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.models import Announcement, AnnouncementDismissal
from tests.api.admin.helpers import PREFIXES, admin

ENTITY_KEYS = {
    "id", "content", "starts_at", "ends_at", "all_day", "published_at", "updated_at",
    "mentions", "statuses", "tags", "emojis", "reactions", "pleroma",
}  # fmt: skip


async def _visible(client, user) -> list[dict]:
    response = await client.get("/api/v1/announcements", headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _count(db) -> int:
    async with db() as session:
        return await session.scalar(select(func.count()).select_from(Announcement))


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_create_show_and_users_see_it(client, factory, db, prefix):
    boss = await admin(factory)
    user = await factory.user("reader")
    now = utcnow().replace(microsecond=0)
    body = {
        "content": "Maintenance tonight\nsee https://status.example/x <b>",
        "starts_at": (now - dt.timedelta(minutes=5)).isoformat() + "Z",
        "ends_at": (now + dt.timedelta(hours=2)).replace(tzinfo=dt.UTC).isoformat(),
        "all_day": True,
    }
    response = await client.post(f"{prefix}/announcements", json=body, headers=boss.headers)
    assert response.status_code == 200, response.text
    created = response.json()
    assert set(created) == ENTITY_KEYS
    assert created["content"] == (
        'Maintenance tonight<br/>see <a href="https://status.example/x" rel="ugc">'
        "https://status.example/x</a> &lt;b&gt;"
    )
    assert created["pleroma"] == {"raw_content": body["content"]}
    assert created["all_day"] is True and created["reactions"] == []
    assert created["starts_at"].startswith((now - dt.timedelta(minutes=5)).isoformat())

    shown = await client.get(f"{prefix}/announcements/{created['id']}", headers=boss.headers)
    assert shown.status_code == 200 and shown.json() == created

    [seen] = await _visible(client, user)
    assert seen["id"] == created["id"] and seen["content"] == created["content"]
    assert seen["all_day"] is True and seen["read"] is False
    async with db() as session:
        row = await session.get(Announcement, int(created["id"]))
        assert row.starts_at == now - dt.timedelta(minutes=5)
        assert row.ends_at == now + dt.timedelta(hours=2)


async def test_create_refuses_bad_input_and_stores_nothing(client, factory, db):
    boss = await admin(factory)
    url = "/api/pleroma/admin/announcements"
    for body, status, error in [
        ({}, 422, "content: can't be blank"),
        ({"content": "   "}, 422, "content: can't be blank"),
        ({"content": "x", "starts_at": "tomorrow"}, 400, "starts_at: must be an ISO 8601"),
        ({"content": "x", "ends_at": "0001-01-01T00:00:00+01:00"}, 400, "ends_at: must be"),
        (
            {"content": "x", "starts_at": "2030-01-02", "ends_at": "2030-01-01"},
            422,
            "ends_at: must be after starts_at",
        ),
        ({"content": "x", "all_day": "maybe"}, 422, "all_day"),
    ]:
        response = await client.post(url, json=body, headers=boss.headers)
        assert response.status_code == status, (body, response.text)
        assert response.json()["error"].startswith(error), response.text
    assert await _count(db) == 0


async def _insert(db, count: int) -> list[str]:
    ids = []
    async with db() as session:
        for i in range(count):
            row = Announcement(id=new_id(), content=f"<p>n{i}</p>")
            session.add(row)
            ids.append(str(row.id))
        await session.commit()
    return ids


async def test_list_pages_with_limit_and_offset(client, factory, db):
    boss = await admin(factory)
    ids = await _insert(db, 21)
    url = "/api/v1/pleroma/admin/announcements"

    async def listed(**query):
        response = await client.get(url, params=query, headers=boss.headers)
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()]

    assert await listed() == ids[:20]
    assert await listed(limit=5, offset=7) == ids[7:12]
    assert await listed(offset=21) == []
    for query in ({"limit": 0}, {"limit": -1}, {"offset": -1}, {"limit": "x"}):
        bad = await client.get(url, params=query, headers=boss.headers)
        assert bad.status_code == 400 and "error" in bad.json(), query


async def test_list_holds_inactive_ones_the_mastodon_list_leaves_out(client, factory):
    boss = await admin(factory)
    user = await factory.user("reader")
    future = {"content": "later", "starts_at": "2999-01-01T00:00:00Z"}
    made = await client.post(
        "/api/v1/pleroma/admin/announcements", json=future, headers=boss.headers
    )
    assert made.status_code == 200, made.text
    listed = await client.get("/api/v1/pleroma/admin/announcements", headers=boss.headers)
    assert [a["id"] for a in listed.json()] == [made.json()["id"]]
    assert await _visible(client, user) == []


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_change_keeps_what_is_left_out_and_shows_at_once(client, factory, prefix):
    boss = await admin(factory)
    user = await factory.user("reader")
    made = await client.post(
        f"{prefix}/announcements",
        json={"content": "first", "all_day": True, "starts_at": "2999-01-01T00:00:00Z"},
        headers=boss.headers,
    )
    announcement_id = made.json()["id"]
    assert await _visible(client, user) == []
    url = f"{prefix}/announcements/{announcement_id}"

    opened = await client.patch(url, json={"starts_at": None}, headers=boss.headers)
    assert opened.status_code == 200, opened.text
    assert opened.json()["starts_at"] is None
    assert opened.json()["content"] == "first" and opened.json()["all_day"] is True
    assert [a["content"] for a in await _visible(client, user)] == ["first"]

    edited = await client.patch(url, json={"content": "second"}, headers=boss.headers)
    assert edited.json()["content"] == "second" and edited.json()["all_day"] is True
    assert edited.json()["pleroma"]["raw_content"] == "second"
    assert [a["content"] for a in await _visible(client, user)] == ["second"]

    form = await client.patch(url, data={"all_day": "false", "ends_at": ""}, headers=boss.headers)
    assert form.status_code == 200, form.text
    assert form.json()["all_day"] is False and form.json()["ends_at"] is None

    closed = await client.patch(
        url, json={"ends_at": "2000-01-01T00:00:00+02:00"}, headers=boss.headers
    )
    assert closed.json()["ends_at"] == "1999-12-31T22:00:00.000Z"
    assert await _visible(client, user) == []


async def test_change_refuses_bad_input_and_unknown_ids(client, factory, db):
    boss = await admin(factory)
    [announcement_id] = await _insert(db, 1)
    url = f"/api/pleroma/admin/announcements/{announcement_id}"
    for body, status in [
        ({"content": ""}, 422),
        ({"starts_at": "soon"}, 400),
        ({"starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z"}, 422),
    ]:
        response = await client.patch(url, json=body, headers=boss.headers)
        assert response.status_code == status, (body, response.text)
    async with db() as session:
        row = await session.get(Announcement, int(announcement_id))
        assert (row.content, row.starts_at, row.ends_at) == ("<p>n0</p>", None, None)
    for missing in (f"{announcement_id}0", "nope"):
        for method in ("GET", "PATCH", "DELETE"):
            response = await client.request(
                method, f"/api/pleroma/admin/announcements/{missing}", json={}, headers=boss.headers
            )
            assert (response.status_code, response.json()) == (404, {"error": "Not found"})


async def test_delete_removes_it_with_its_dismissals(client, factory, db):
    boss = await admin(factory)
    user = await factory.user("reader")
    [announcement_id] = await _insert(db, 1)
    dismissed = await client.post(
        f"/api/v1/announcements/{announcement_id}/dismiss", headers=user.headers
    )
    assert dismissed.status_code == 200, dismissed.text
    url = f"/api/v1/pleroma/admin/announcements/{announcement_id}"
    response = await client.delete(url, headers=boss.headers)
    assert (response.status_code, response.json()) == (200, {})
    assert await _visible(client, user) == []
    assert await _count(db) == 0
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(AnnouncementDismissal)) == 0
    again = await client.delete(url, headers=boss.headers)
    assert again.status_code == 404
