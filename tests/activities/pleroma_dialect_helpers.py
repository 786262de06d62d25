"""Shared by the tests of scrobbles, chats and events: fixtures of Pleroma, the pl fork,
Mobilizon and Gancio moved to test hosts, their authors, and the delivery jobs queued."""

from __future__ import annotations

import json

from sqlalchemy import select

from pyleroma.federation.delivery import DELIVER_JOB
from pyleroma.models import Account, Job
from tests.activities.test_remote_posts import FIXTURES, HOSTS
from tests.api.relationship_helpers import remote_account

EXTRA_HOSTS = {
    f"https://{name}.example": f"https://{name}.remote.test"
    for name in ("pl", "mobilizon", "gancio")
}
# software -> (nickname, host, actor path)
DIALECT_AUTHORS = {
    "pleroma": ("bob", "pleroma.remote.test", "/users/bob"),
    "pl": ("kasia", "pl.remote.test", "/users/kasia"),
    "mobilizon": ("tcit", "mobilizon.remote.test", "/@tcit"),
    "gancio": ("events", "gancio.remote.test", "/federation/u/events"),
}


def load_dialect(software: str, name: str) -> dict:
    text = (FIXTURES / software / f"{name}.json").read_text()
    for old, new in {**HOSTS, **EXTRA_HOSTS}.items():
        text = text.replace(old, new)
    return json.loads(text)


async def dialect_author(db, software: str) -> Account:
    nickname, host, path = DIALECT_AUTHORS[software]
    ap_id = f"https://{host}{path}"
    return await remote_account(
        db,
        nickname,
        host,
        ap_id=ap_id,
        followers_url=f"{ap_id}/followers",
        url=ap_id,
        inbox=f"{ap_id}/inbox",
    )


async def deliveries(db) -> list[dict]:
    async with db() as session:
        jobs = await session.scalars(select(Job).where(Job.kind == DELIVER_JOB).order_by(Job.id))
        return [job.args for job in jobs]


async def clear_deliveries(db) -> None:
    async with db() as session:
        for job in await session.scalars(select(Job).where(Job.kind == DELIVER_JOB)):
            await session.delete(job)
        await session.commit()
