"""Shared helpers for the tests of Mastodon's admin API (api/mastodon/admin_*.py)."""

from __future__ import annotations

from sqlalchemy import select

from pyleroma.db.ids import new_id
from pyleroma.models import Account, ModerationLog

LOG = "/api/pleroma/admin/moderation_log"


async def log_entries(client, staff) -> list[dict]:
    """The moderation log as the Pleroma admin API shows it, newest first."""
    response = await client.get(LOG, headers=staff.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def log_messages(client, staff) -> list[str]:
    return [item["message"] for item in await log_entries(client, staff)]


async def log_count(db) -> int:
    async with db() as session:
        return len((await session.scalars(select(ModerationLog.id))).all())


async def pleroma_user(client, staff, ident) -> dict | None:
    """The account as Pleroma's admin API shows it (None: it is not there)."""
    response = await client.get(f"/api/pleroma/admin/users/{ident}", headers=staff.headers)
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    return response.json()


async def stored(db, account_id) -> Account | None:
    async with db() as session:
        return await session.get(Account, int(account_id))


async def report(client, reporter, target_id, **fields) -> dict:
    """A report filed through the Mastodon API, as a user files it."""
    body = {"account_id": str(target_id), **fields}
    response = await client.post("/api/v1/reports", json=body, headers=reporter.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def remote_account(db, username: str, domain: str, **fields) -> Account:
    """A remote account as federation stores it (nick@domain, local=False)."""
    nickname = f"{username}@{domain}"
    values = {
        "fields": [],
        "also_known_as": [],
        "tags": [],
        "settings_store": {},
        "ap_id": f"https://{domain}/users/{username}",
        **fields,
    }
    async with db() as session:
        account = Account(
            id=new_id(),
            nickname=nickname,
            nickname_key=nickname.lower(),
            domain=domain,
            local=False,
            **values,
        )
        session.add(account)
        await session.commit()
        return account
