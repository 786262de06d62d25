"""Shared helpers for the admin API tests: staff accounts with and without admin scopes."""

from __future__ import annotations

from tests.factories import USER_SCOPES

PREFIXES = ("/api/v1/pleroma/admin", "/api/pleroma/admin")
ADMIN_SCOPES = [*USER_SCOPES, "admin"]


async def admin(factory, nickname="boss"):
    return await factory.user(nickname, is_admin=True, scopes=ADMIN_SCOPES)


async def moderator(factory, nickname="modr"):
    return await factory.user(nickname, is_moderator=True, scopes=ADMIN_SCOPES)


async def log_messages(client, staff) -> list[str]:
    response = await client.get("/api/pleroma/admin/moderation_log", headers=staff.headers)
    assert response.status_code == 200, response.text
    return [item["message"] for item in response.json()["items"]]
