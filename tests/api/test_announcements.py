"""Announcements: the active window, read (dismissed) state, reactions, and every refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from pyleroma.db.base import utcnow
from pyleroma.errors import Unprocessable
from pyleroma.models import Announcement, AnnouncementDismissal, AnnouncementReaction
from pyleroma.services.instance.announcements import check_reaction_name, create_announcement

URL = "/api/v1/announcements"


async def _create(app, content="<p>Hello</p>", **kwargs) -> Announcement:
    async with app.state.sessionmaker() as session:
        return await create_announcement(session, content, **kwargs)


async def _count(db, model, *where) -> int:
    async with db() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def test_lists_active_announcements_with_the_entity_shape(client, factory, app):
    alice = await factory.user("alice")
    now = utcnow()
    current = await _create(
        app,
        "<p>Maintenance <script>x()</script>tonight</p>",
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=1),
        all_day=True,
    )
    open_ended = await _create(app, "<p>Welcome</p>")
    await _create(app, "<p>Later</p>", starts_at=now + dt.timedelta(days=1))
    await _create(
        app, "<p>Over</p>", starts_at=now - dt.timedelta(days=2), ends_at=now - dt.timedelta(days=1)
    )

    response = await client.get(URL, headers=alice.headers)

    assert response.status_code == 200
    data = response.json()
    assert [a["id"] for a in data] == [str(current.id), str(open_ended.id)]
    first = data[0]
    assert first["content"] == "<p>Maintenance tonight</p>"
    assert first["all_day"] is True
    assert first["starts_at"].endswith("Z") and first["ends_at"].endswith("Z")
    assert first["published_at"].endswith("Z") and first["updated_at"].endswith("Z")
    assert first["read"] is False
    for key in ("mentions", "statuses", "tags", "emojis", "reactions"):
        assert first[key] == []
    assert data[1]["starts_at"] is None and data[1]["ends_at"] is None


async def test_listing_is_open_and_a_user_token_of_any_scope_adds_its_marks(client, factory, app):
    """As Pleroma: Pleroma-FE lists the announcements before anyone logs in."""
    made = (await _create(app)).id
    alice = await factory.account("alice")
    anonymous = await client.get(URL)
    assert anonymous.status_code == 200 and len(anonymous.json()) == 1
    assert anonymous.json()[0]["read"] is False
    app_token = await factory.token(None, ["read"])
    assert (await client.get(URL, headers=_bearer(app_token))).json() == anonymous.json()
    bad = await client.get(URL, headers=_bearer("not-a-token"))
    assert bad.status_code == 401
    any_scope = await factory.token(alice, ["write:statuses", "write:accounts"])
    dismissed = await client.post(f"{URL}/{made}/dismiss", headers=_bearer(any_scope))
    assert dismissed.status_code == 200
    response = await client.get(URL, headers=_bearer(any_scope))
    assert response.status_code == 200 and response.json()[0]["read"] is True


async def test_dismiss_marks_read_for_that_user_only(client, factory, app, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    announcement = await _create(app)
    path = f"{URL}/{announcement.id}/dismiss"

    response = await client.post(path, headers=alice.headers)
    assert response.status_code == 200 and response.json() == {}
    again = await client.post(path, headers=alice.headers)
    assert again.status_code == 200

    assert await _count(db, AnnouncementDismissal) == 1
    assert (await client.get(URL, headers=alice.headers)).json()[0]["read"] is True
    assert (await client.get(URL, headers=bob.headers)).json()[0]["read"] is False


async def test_dismiss_errors(client, factory, app, db):
    alice = await factory.user("alice")
    announcement = await _create(app)
    path = f"{URL}/{announcement.id}/dismiss"
    assert (await client.post(path)).status_code == 401
    read_only = await factory.token(alice.account, ["read", "write:statuses"])
    assert (await client.post(path, headers=_bearer(read_only))).status_code == 403
    for bad in ("999999", "nope"):
        missing = await client.post(f"{URL}/{bad}/dismiss", headers=alice.headers)
        assert missing.status_code == 404 and missing.json() == {"error": "Record not found"}
    assert await _count(db, AnnouncementDismissal) == 0


async def test_reactions_count_and_me(client, factory, app, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    announcement = await _create(app)
    base = f"{URL}/{announcement.id}/reactions"

    for user, emoji in ((alice, "👍"), (bob, "👍"), (bob, "🎉"), (alice, "👍")):
        response = await client.put(f"{base}/{emoji}", headers=user.headers)
        assert response.status_code == 200 and response.json() == {}

    assert await _count(db, AnnouncementReaction) == 3
    as_alice = (await client.get(URL, headers=alice.headers)).json()[0]["reactions"]
    assert as_alice == [
        {"name": "👍", "count": 2, "me": True},
        {"name": "🎉", "count": 1, "me": False},
    ]

    removed = await client.delete(f"{base}/👍", headers=bob.headers)
    assert removed.status_code == 200
    as_bob = (await client.get(URL, headers=bob.headers)).json()[0]["reactions"]
    assert as_bob == [
        {"name": "👍", "count": 1, "me": False},
        {"name": "🎉", "count": 1, "me": True},
    ]
    gone = await client.delete(f"{base}/👍", headers=bob.headers)
    assert gone.status_code == 404
    assert await _count(db, AnnouncementReaction) == 2


async def test_reaction_errors(client, factory, app, db):
    alice = await factory.user("alice")
    announcement = await _create(app)
    future = await _create(app, starts_at=utcnow() + dt.timedelta(days=1))
    base = f"{URL}/{announcement.id}/reactions"

    assert (await client.put(f"{base}/👍")).status_code == 401
    assert (await client.delete(f"{base}/👍")).status_code == 401
    wrong = await factory.token(alice.account, ["read", "write:accounts"])
    assert (await client.put(f"{base}/👍", headers=_bearer(wrong))).status_code == 403
    assert (await client.delete(f"{base}/👍", headers=_bearer(wrong))).status_code == 403
    narrow = await factory.token(alice.account, ["write:favourites"])
    assert (await client.put(f"{base}/👍", headers=_bearer(narrow))).status_code == 200

    for bad in ("blobcat", ":blobcat:", "%20", "👍 hi"):
        response = await client.put(f"{base}/{bad}", headers=alice.headers)
        assert response.status_code == 422, bad
        assert "name" in response.json()["error"]
    for missing_id in ("999999", "nope", str(future.id)):
        response = await client.put(f"{URL}/{missing_id}/reactions/👍", headers=alice.headers)
        assert response.status_code == 404, missing_id
        response = await client.delete(f"{URL}/{missing_id}/reactions/👍", headers=alice.headers)
        assert response.status_code == 404, missing_id
    assert await _count(db, AnnouncementReaction) == 1


@pytest.mark.parametrize("name", ["👍", "❤️", "👍🏽", "👨‍👩‍👧", "1️⃣", "🇫🇷", "©"])
def test_unicode_emoji_are_valid_reaction_names(name):
    assert check_reaction_name(name) == name


@pytest.mark.parametrize("name", ["", "a", "abc", ":x:", "1", "#", "👍a", "👍" * 40, "<b>"])
def test_other_reaction_names_are_refused(name):
    with pytest.raises(Unprocessable):
        check_reaction_name(name)


async def test_create_announcement_validates_and_stores(app, db):
    now = utcnow()
    with pytest.raises(Unprocessable):
        await _create(app, "<script>only()</script>")
    with pytest.raises(Unprocessable):
        await _create(app, "x", starts_at=now, ends_at=now - dt.timedelta(hours=1))
    aware = dt.datetime(2030, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    created = await _create(app, "<p>hi</p>", starts_at=aware)
    async with db() as session:
        stored = await session.get(Announcement, created.id)
    assert stored.starts_at == dt.datetime(2030, 1, 1, 10)
    assert stored.content == "<p>hi</p>" and stored.all_day is False
    assert await _count(db, Announcement) == 1
