"""GET /api/v1/directory: discoverable, listed accounts, by activity or age."""

from __future__ import annotations

import datetime as dt

import pytest

from pyleroma.db.base import utcnow


def _names(response):
    assert response.status_code == 200, response.text
    return [a["username"] for a in response.json()]


async def _people(factory):
    now = utcnow()
    old = await factory.account("old", discoverable=True, last_status_at=now - dt.timedelta(days=3))
    recent = await factory.account("recent", discoverable=True, last_status_at=now)
    silent = await factory.account("silent", discoverable=True)
    await factory.account("shy", discoverable=False, last_status_at=now)
    await factory.account("gone", discoverable=True, is_active=False, last_status_at=now)
    await factory.account("pending", discoverable=True, is_approved=False)
    return old, recent, silent


async def test_active_order_puts_recent_posters_first(client, factory):
    await _people(factory)
    assert _names(await client.get("/api/v1/directory")) == ["recent", "old", "silent"]
    assert _names(await client.get("/api/v1/directory?order=active&local=true")) == [
        "recent",
        "old",
        "silent",
    ]


async def test_new_order_is_newest_account_first(client, factory):
    await _people(factory)
    assert _names(await client.get("/api/v1/directory?order=new")) == ["silent", "recent", "old"]


async def test_offset_and_limit(client, factory):
    await _people(factory)
    assert _names(await client.get("/api/v1/directory?limit=1&offset=1")) == ["old"]
    assert _names(await client.get("/api/v1/directory?limit=1000")) == ["recent", "old", "silent"]


async def test_viewer_self_blocks_and_mutes_are_left_out(client, factory):
    await _people(factory)
    viewer = await factory.user("viewer", discoverable=True)
    blocked = await factory.user("blocked", discoverable=True)
    muted = await factory.user("muted", discoverable=True)
    for path in (f"/api/v1/accounts/{blocked.id}/block", f"/api/v1/accounts/{muted.id}/mute"):
        assert (await client.post(path, headers=viewer.headers)).status_code == 200
    names = _names(await client.get("/api/v1/directory?order=new", headers=viewer.headers))
    assert names == ["silent", "recent", "old"]
    # Anonymous readers see everyone discoverable.
    names = _names(await client.get("/api/v1/directory?order=new"))
    assert names == ["muted", "blocked", "viewer", "silent", "recent", "old"]


@pytest.mark.parametrize(
    "query, word",
    [("order=popular", "order"), ("limit=x", "limit"), ("offset=-1", "offset")],
)
async def test_bad_parameters(client, query, word):
    response = await client.get(f"/api/v1/directory?{query}")
    assert response.status_code == 422
    assert word in response.json()["error"]


async def test_an_invalid_token_is_refused(client):
    response = await client.get("/api/v1/directory", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401


class TestRestricted:
    @pytest.fixture
    def settings_overrides(self):
        return {"restrict_unauthenticated_profiles": True}

    async def test_anonymous_is_refused_when_profiles_are_restricted(self, client, factory):
        await _people(factory)
        response = await client.get("/api/v1/directory")
        assert response.status_code == 401
        viewer = await factory.user("viewer")
        assert _names(await client.get("/api/v1/directory", headers=viewer.headers)) == [
            "recent",
            "old",
            "silent",
        ]
