"""GET /moderation_log: entries newest first, Pleroma's data and message, its filters."""

from __future__ import annotations

import datetime as dt

import pytest

from pyleroma.models import ModerationLog
from tests.api.admin.helpers import PREFIXES, admin


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_moderation_log_filters(client, factory, db, prefix):
    boss = await admin(factory)
    other = await admin(factory, "other")
    await factory.account("bob")
    await client.patch(
        f"{prefix}/users/deactivate", json={"nicknames": ["bob"]}, headers=boss.headers
    )
    await client.put(
        f"{prefix}/users/tag", json={"nicknames": ["bob"], "tags": ["t"]}, headers=other.headers
    )
    async with db() as session:  # an old entry, for the date filters
        session.add(
            ModerationLog(
                actor_id=boss.account.id,
                data={"action": "old"},
                message="@boss old",
                created_at=dt.datetime(2020, 1, 1),
            )
        )
        await session.commit()
    url = f"{prefix}/moderation_log"

    async def get(**query):
        response = await client.get(url, params=query, headers=boss.headers)
        assert response.status_code == 200, response.text
        return response.json()

    everything = await get()
    assert everything["total"] == 3
    newest = everything["items"][0]
    assert newest["message"] == "@other added tags: t to users: @bob"
    assert newest["data"]["actor"] == {"id": other.id, "nickname": "other", "type": "user"}
    assert newest["data"]["action"] == "tag" and isinstance(newest["time"], int)
    second = everything["items"][1]["data"]
    assert second["subject"] == [
        {"id": second["subject"][0]["id"], "nickname": "bob", "type": "user"}
    ]

    assert [i["message"] for i in (await get(user_id=boss.id))["items"]] == [
        "@boss deactivated users: @bob",
        "@boss old",
    ]
    assert (await get(search="TAGS"))["total"] == 1
    assert (await get(start_date="2021-01-01T00:00:00"))["total"] == 2
    assert [i["message"] for i in (await get(end_date="2021-01-01T00:00:00"))["items"]] == [
        "@boss old"
    ]
    paged = await get(page=2, page_size=2)
    assert paged["total"] == 3 and len(paged["items"]) == 1

    bad = await client.get(url, params={"start_date": "yesterday"}, headers=boss.headers)
    assert bad.status_code == 422 and "error" in bad.json()
    bad_id = await client.get(url, params={"user_id": "abc"}, headers=boss.headers)
    assert bad_id.status_code == 422
