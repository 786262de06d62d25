"""Akkoma's front end settings profiles (/api/v1/akkoma/frontend_settings) and the
translation languages akkoma-fe asks for: what akkoma-fe reads at start and writes after
each change of a setting."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.models import FrontendSettingProfile
from pyleroma.services.accounts import frontend_settings

BASE = "/api/v1/akkoma/frontend_settings"
DEFAULT = f"{BASE}/pleroma-fe/default"


async def _stored(db, account_id) -> list[tuple]:
    async with db() as session:
        rows = await session.execute(
            select(
                FrontendSettingProfile.frontend_name,
                FrontendSettingProfile.profile_name,
                FrontendSettingProfile.version,
                FrontendSettingProfile.settings,
            )
            .where(FrontendSettingProfile.account_id == account_id)
            .order_by(FrontendSettingProfile.profile_name)
        )
        return [tuple(row) for row in rows]


async def test_a_profile_is_made_read_and_written_version_by_version(client, factory, db):
    alice = await factory.user("alice")
    assert (await client.get(f"{BASE}/pleroma-fe", headers=alice.headers)).json() == []
    missing = await client.get(DEFAULT, headers=alice.headers)
    assert (missing.status_code, missing.json()) == (404, {"error": "Not found"})

    first = {"theme": "redmond", "nested": {"hideNsfw": True}}
    made = await client.put(DEFAULT, json={"settings": first, "version": 1}, headers=alice.headers)
    assert (made.status_code, made.json()) == (200, first)
    shown = await client.get(DEFAULT, headers=alice.headers)
    assert shown.json() == {"settings": first, "version": 1}

    stale = await client.put(DEFAULT, json={"settings": {}, "version": 1}, headers=alice.headers)
    assert (stale.status_code, stale.json()) == (422, {"error": frontend_settings.VERSION_ERROR})
    skipped = await client.put(DEFAULT, json={"settings": {}, "version": 3}, headers=alice.headers)
    assert skipped.status_code == 422
    second = {"theme": "dark"}
    written = await client.put(
        DEFAULT, json={"settings": second, "version": 2}, headers=alice.headers
    )
    assert (written.status_code, written.json()) == (200, second)
    assert await _stored(db, alice.account.id) == [("pleroma-fe", "default", 2, second)]
    listed = await client.get(f"{BASE}/pleroma-fe", headers=alice.headers)
    assert listed.json() == [{"name": "default", "version": 2}]

    deleted = await client.delete(DEFAULT, headers=alice.headers)
    assert (deleted.status_code, deleted.json()) == (200, {"deleted": "ok"})
    assert await _stored(db, alice.account.id) == []
    assert (await client.delete(DEFAULT, headers=alice.headers)).status_code == 404


async def test_profiles_are_the_accounts_own(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    settings = {"theme": "mine"}
    await client.put(DEFAULT, json={"settings": settings, "version": 5}, headers=alice.headers)
    assert (await client.get(DEFAULT, headers=bob.headers)).status_code == 404
    assert (await client.get(f"{BASE}/pleroma-fe", headers=bob.headers)).json() == []
    assert (await client.delete(DEFAULT, headers=bob.headers)).status_code == 404
    ours = await client.put(DEFAULT, json={"settings": {}, "version": 1}, headers=bob.headers)
    assert ours.status_code == 200
    assert await _stored(db, alice.account.id) == [("pleroma-fe", "default", 5, settings)]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"settings": [], "version": 1}, "settings: must be an object"),
        ({"settings": "x", "version": 1}, "settings: must be an object"),
        ({"version": 1}, "settings: must be an object"),
        ({"settings": {}, "version": 0}, "version: must be an integer greater than 0"),
        ({"settings": {}, "version": "1"}, "version: must be an integer greater than 0"),
        ({"settings": {}, "version": True}, "version: must be an integer greater than 0"),
        ({"settings": {}}, "version: must be an integer greater than 0"),
        (
            {"settings": {"x": "y" * frontend_settings.MAX_SETTINGS_CHARS}, "version": 1},
            "settings: is too long",
        ),
    ],
)
async def test_bad_writes_are_refused_and_store_nothing(client, factory, db, body, error):
    alice = await factory.user("alice")
    response = await client.put(DEFAULT, json=body, headers=alice.headers)
    assert (response.status_code, response.json()) == (422, {"error": error})
    assert await _stored(db, alice.account.id) == []


async def test_names_and_the_number_of_profiles_are_bounded(client, factory, db, monkeypatch):
    alice = await factory.user("alice")
    long = "x" * (frontend_settings.NAME_MAX + 1)
    for path in (f"{BASE}/pleroma-fe/{long}", f"{BASE}/{long}/default"):
        response = await client.put(
            path, json={"settings": {}, "version": 1}, headers=alice.headers
        )
        assert response.status_code == 422, path
    monkeypatch.setattr(frontend_settings, "MAX_PROFILES", 2)
    for name in ("one", "two"):
        made = await client.put(
            f"{BASE}/pleroma-fe/{name}", json={"settings": {}, "version": 1}, headers=alice.headers
        )
        assert made.status_code == 200
    third = await client.put(
        f"{BASE}/pleroma-fe/three", json={"settings": {}, "version": 1}, headers=alice.headers
    )
    assert third.status_code == 422 and "at most 2 profiles" in third.json()["error"]
    other = await client.put(
        f"{BASE}/other-fe/one", json={"settings": {}, "version": 1}, headers=alice.headers
    )
    assert other.status_code == 200  # the bound is per front end
    assert len(await _stored(db, alice.account.id)) == 3


async def test_tokens_and_scopes(client, factory):
    alice = await factory.user("alice")
    for method, path in (
        ("GET", f"{BASE}/pleroma-fe"),
        ("GET", DEFAULT),
        ("PUT", DEFAULT),
        ("DELETE", DEFAULT),
    ):
        anonymous = await client.request(method, path, json={"settings": {}, "version": 1})
        assert anonymous.status_code == 401, (method, path)
    reader = await factory.token(alice.account, ["read:accounts"])
    refused = await client.put(
        DEFAULT, json={"settings": {}, "version": 1}, headers={"Authorization": f"Bearer {reader}"}
    )
    assert refused.status_code == 403
    writer = await factory.token(alice.account, ["write:accounts"])
    refused = await client.get(DEFAULT, headers={"Authorization": f"Bearer {writer}"})
    assert refused.status_code == 403


async def test_translation_offers_no_languages(client, factory):
    """Nothing is translated here: Akkoma's answer with translation off."""
    alice = await factory.user("alice")
    url = "/api/v1/akkoma/translation/languages"
    assert (await client.get(url)).json() == {}
    assert (await client.get(url, headers=alice.headers)).json() == {}
