"""Admin API: the users list's ``actor_types[]`` (AdminFE's filter) and Pleroma's rule that
invisible accounts (the relay actor) are never listed."""

from __future__ import annotations

from tests.api.admin.helpers import admin
from tests.api.relationship_helpers import remote_account


async def test_actor_types_and_invisible_accounts(client, factory, db):
    boss = await admin(factory)
    await factory.account("bot", actor_type="Service")
    await factory.account("hidden", actor_type="Application", invisible=True)
    await remote_account(db, "relay", "relay.example", actor_type="Application")
    url = "/api/pleroma/admin/users"

    async def nicknames(query: str = "") -> list[str]:
        response = await client.get(f"{url}?page=1&filters={query}", headers=boss.headers)
        assert response.status_code == 200, response.text
        return [u["nickname"] for u in response.json()["users"]]

    assert await nicknames() == ["boss", "bot", "relay@relay.example"]
    assert await nicknames("&actor_types[]=Person&actor_types[]=Service") == ["boss", "bot"]
    assert await nicknames("&actor_types[]=Application") == ["relay@relay.example"]
    assert await nicknames("local&actor_types[]=Application") == []
    counted = await client.get(f"{url}?actor_types[]=Service", headers=boss.headers)
    assert counted.json()["count"] == 1
