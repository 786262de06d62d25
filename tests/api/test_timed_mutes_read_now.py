"""A timed mute ends when it says, on every read built once (services/timelines/prepared_pages.py).

Those statements are built at the first request of their shape and kept for the life of the
process; the time that decides whether a mute still runs must be bound per request, not the
time the statement was built (which would keep every later timed mute alive forever).
"""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import update

from pyleroma.db.base import utcnow
from pyleroma.models import Mute
from tests.api.timeline_helpers import drain, follow, users


async def _ids(client, user, path) -> list[str]:
    response = await client.get(path, headers=user.headers)
    assert response.status_code == 200, response.text
    return [s["id"] for s in response.json()]


async def test_a_timed_mute_ends_on_timelines_and_threads_built_before_it(client, factory, db, app):
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    await follow(client, alice, bob)
    await follow(client, alice, carol)
    root = await client.post("/api/v1/statuses", json={"status": "root"}, headers=carol.headers)
    post = await client.post(
        "/api/v1/statuses",
        json={"status": "a reply", "in_reply_to_id": root.json()["id"]},
        headers=bob.headers,
    )
    post_id = post.json()["id"]
    boost = await client.post(f"/api/v1/statuses/{post_id}/reblog", headers=carol.headers)
    assert boost.status_code == 200
    await drain(app)
    reads = [
        "/api/v1/timelines/home",
        "/api/v1/timelines/public?local=true",
        f"/api/v1/accounts/{carol.id}/statuses",
    ]
    # Build every statement now, before the mute exists.
    for path in reads:
        assert await _ids(client, alice, path)
    context = f"/api/v1/statuses/{root.json()['id']}/context"
    assert (await client.get(context, headers=alice.headers)).status_code == 200

    # A mute written straight to the table (the API's mute also purges home entries, which
    # would hide the post for another reason): running for an hour, then ended.
    await asyncio.sleep(0.3)
    async with db() as session:
        session.add(
            Mute(
                account_id=int(alice.id),
                target_id=int(bob.id),
                expires_at=utcnow() + dt.timedelta(hours=1),
            )
        )
        await session.commit()
    for path in reads:
        shown = await _ids(client, alice, path)
        assert post_id not in shown, path
        assert boost.json()["id"] not in shown, path
    descendants = (await client.get(context, headers=alice.headers)).json()["descendants"]
    assert post_id not in [s["id"] for s in descendants]

    # The mute ended just now: after the statements were built.
    ended = utcnow() - dt.timedelta(milliseconds=100)
    async with db() as session:
        await session.execute(
            update(Mute).where(Mute.account_id == int(alice.id)).values(expires_at=ended)
        )
        await session.commit()
    await asyncio.sleep(0.2)
    assert post_id in await _ids(client, alice, reads[0])
    assert post_id in await _ids(client, alice, reads[1])
    assert boost.json()["id"] in await _ids(client, alice, reads[2])
    descendants = (await client.get(context, headers=alice.headers)).json()["descendants"]
    assert post_id in [s["id"] for s in descendants]
