"""The instance's VAPID key pair: made once and shared, or configured (docs/api/push.md)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from pyleroma.models import InstanceSecret
from pyleroma.services.notifications import vapid
from pyleroma.settings import Settings, SettingsError
from tests.api.push_helpers import subscribe

# A pair made once for these tests (base64url, as Pleroma's mix web_push.gen.keypair).
PRIVATE = vapid.generate_private_key()
PUBLIC = vapid.public_key_of(PRIVATE)


async def _secret_rows(db) -> int:
    async with db() as session:
        return await session.scalar(select(func.count()).select_from(InstanceSecret))


async def test_key_is_made_once_and_kept(client, db):
    assert await _secret_rows(db) == 0
    first = (await client.get("/api/v1/instance")).json()["pleroma"]["vapid_public_key"]
    second = (await client.get("/api/v2/instance")).json()["configuration"]["vapid"]
    assert second == {"public_key": first}
    assert await _secret_rows(db) == 1
    async with db() as session:
        stored = await session.get(InstanceSecret, vapid.SECRET_NAME)
    assert vapid.public_key_of(stored.value) == first
    assert len(vapid.b64url_decode(stored.value)) == 32


async def test_concurrent_first_uses_agree_on_one_key(app, db):
    settings = app.state.settings

    async def one():
        async with db() as session:
            return await vapid.get_keys(session, settings)

    keys = await asyncio.gather(*(one() for _ in range(5)))
    assert len({k.public_key for k in keys}) == 1
    assert await _secret_rows(db) == 1


@pytest.mark.parametrize("settings_overrides", [{"vapid_private_key": PRIVATE}])
async def test_configured_private_key_is_used(client, factory, db):
    instance = (await client.get("/api/v1/instance")).json()
    assert instance["pleroma"]["vapid_public_key"] == PUBLIC
    alice = await factory.user("alice")
    _, data = await subscribe(client, alice, "https://push.example/p")
    assert data["server_key"] == PUBLIC
    assert await _secret_rows(db) == 0


def test_configured_pair_is_checked():
    Settings(vapid_public_key=PUBLIC, vapid_private_key=PRIVATE).validate()
    Settings(vapid_public_key=PUBLIC + "=", vapid_private_key=PRIVATE).validate()
    with pytest.raises(SettingsError, match="vapid_private_key is not"):
        Settings(vapid_public_key=PUBLIC).validate()
    with pytest.raises(SettingsError, match="does not belong"):
        other = vapid.public_key_of(vapid.generate_private_key())
        Settings(vapid_public_key=other, vapid_private_key=PRIVATE).validate()
    with pytest.raises(SettingsError, match="not a base64url P-256"):
        Settings(vapid_private_key="short").validate()
