"""Concurrent writers never fail with "database is locked" (SQLite) or lose updates.

Each request runs in its own connection (aiosqlite: a thread each), so this is real
concurrency at the database: transactions that read, then write, while others commit.
"""

import asyncio


async def test_concurrent_posts_and_favourites_all_succeed(client, factory, db):
    users = [await factory.user() for _ in range(6)]
    target = await factory.status(users[0].account, "favourite me")

    async def post(user, n):
        return await client.post(
            "/api/v1/statuses", headers=user.headers, data={"status": f"post {n} #load"}
        )

    async def favourite(user):
        return await client.post(f"/api/v1/statuses/{target.id}/favourite", headers=user.headers)

    responses = await asyncio.gather(
        *[post(u, n) for n in range(4) for u in users], *[favourite(u) for u in users]
    )
    assert [r.status_code for r in responses] == [200] * len(responses), [
        r.text for r in responses if r.status_code != 200
    ]
    status = (await client.get(f"/api/v1/statuses/{target.id}", headers=users[0].headers)).json()
    assert status["favourites_count"] == len(users)
    me = (await client.get("/api/v1/accounts/verify_credentials", headers=users[1].headers)).json()
    assert me["statuses_count"] == 4
