"""Trends: hashtags and statuses from the last week of local public activity."""

from __future__ import annotations

import calendar
import datetime as dt

from sqlalchemy import update

from pyleroma.db.base import utcnow
from pyleroma.models import Status


def _day_start(days_ago: int) -> str:
    now = utcnow()
    day = now.replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=days_ago)
    return str(calendar.timegm(day.timetuple()))


async def _backdate(db, status, days: int):
    async with db() as session:
        await session.execute(
            update(Status)
            .where(Status.id == status.id)
            .values(created_at=utcnow() - dt.timedelta(days=days))
        )
        await session.commit()


async def test_tags_ranked_by_accounts_with_daily_history(client, factory, db):
    alice, bob, carol = [await factory.account(n) for n in ("alice", "bob", "carol")]
    for author in (alice, bob, carol):
        await factory.status(author, "#Python is nice")
    await factory.status(alice, "more #rust")
    await factory.status(alice, "and #rust again")
    await factory.status(bob, "#rust too")
    old = await factory.status(alice, "old #python news")
    await _backdate(db, old, 2)
    stale = await factory.status(carol, "ancient #cobol")
    await _backdate(db, stale, 10)
    await factory.status(carol, "secret #hidden", visibility="private")
    await factory.status(carol, "quiet #unlisted", visibility="unlisted")

    for path in ("/api/v1/trends", "/api/v1/trends/tags"):
        response = await client.get(path)
        assert response.status_code == 200, response.text
        tags = response.json()
        assert [t["name"] for t in tags] == ["python", "rust"]
    python, rust = tags
    assert python["url"] == "http://pyleroma.test/tag/python"
    assert "following" not in python
    assert len(python["history"]) == 7
    assert python["history"][0] == {"day": _day_start(0), "uses": "3", "accounts": "3"}
    assert python["history"][2] == {"day": _day_start(2), "uses": "1", "accounts": "1"}
    assert python["history"][1]["uses"] == "0"
    assert rust["history"][0] == {"day": _day_start(0), "uses": "3", "accounts": "2"}
    assert [h["day"] for h in rust["history"]] == [_day_start(n) for n in range(7)]

    response = await client.get("/api/v1/trends/tags?limit=1&offset=1")
    assert [t["name"] for t in response.json()] == ["rust"]


async def test_tags_say_whether_the_viewer_follows_them(client, factory):
    viewer = await factory.user("viewer")
    await factory.status(viewer.account, "#cats")
    response = await client.get("/api/v1/trends/tags", headers=viewer.headers)
    assert response.json()[0]["following"] is False


async def test_statuses_ranked_by_favourites_and_reblogs(client, factory):
    author = await factory.account("author")
    fans = [await factory.user(f"fan{n}") for n in range(3)]
    quiet = await factory.status(author, "nobody cares")
    liked = await factory.status(author, "a little liked")
    loved = await factory.status(author, "very loved")
    private = await factory.status(author, "for followers", visibility="private")
    for fan in fans:
        await client.post(f"/api/v1/statuses/{loved.id}/favourite", headers=fan.headers)
    await client.post(f"/api/v1/statuses/{loved.id}/reblog", headers=fans[0].headers)
    await client.post(f"/api/v1/statuses/{liked.id}/favourite", headers=fans[0].headers)
    await client.post(f"/api/v1/statuses/{private.id}/favourite", headers=fans[0].headers)

    response = await client.get("/api/v1/trends/statuses")
    assert response.status_code == 200, response.text
    body = response.json()
    assert [s["id"] for s in body] == [str(loved.id), str(liked.id)]
    assert body[0]["favourites_count"] == 3 and body[0]["reblogs_count"] == 1
    assert str(quiet.id) not in [s["id"] for s in body]

    # Rendered for the viewer, without accounts it blocks.
    viewer = fans[0]
    response = await client.get("/api/v1/trends/statuses", headers=viewer.headers)
    assert response.json()[0]["favourited"] is True and response.json()[0]["reblogged"] is True
    await client.post(f"/api/v1/accounts/{author.id}/block", headers=fans[1].headers)
    response = await client.get("/api/v1/trends/statuses", headers=fans[1].headers)
    assert response.json() == []

    response = await client.get("/api/v1/trends/statuses?limit=1&offset=1")
    assert [s["id"] for s in response.json()] == [str(liked.id)]


async def test_links_are_empty(client):
    response = await client.get("/api/v1/trends/links")
    assert response.status_code == 200 and response.json() == []


async def test_bad_parameters(client):
    for path in ("/api/v1/trends/tags", "/api/v1/trends/statuses", "/api/v1/trends/links"):
        response = await client.get(f"{path}?limit=lots")
        assert response.status_code == 422 and "limit" in response.json()["error"]
        response = await client.get(f"{path}?offset=-3")
        assert response.status_code == 422 and "offset" in response.json()["error"]
    response = await client.get("/api/v1/trends", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
