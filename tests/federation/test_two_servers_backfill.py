"""Backfill between real pyleroma servers on loopback: a profile nobody here follows, and a
thread whose replies came from a third server, completed when a local user opens them;
and the ``replies`` collection our own posts serve, which makes the second possible."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from pyleroma.federation.backfill_triggers import ACCOUNT_JOB, THREAD_JOB
from pyleroma.models import Job
from tests.conftest import _create_pg_database
from tests.federation.servers import Server, settle, start_server, stop_server
from tests.federation.test_two_servers import _follow, _resolve


async def _jobs(server: Server, kind: str) -> list[Job]:
    async with server.app.state.sessionmaker() as session:
        return list(await session.scalars(select(Job).where(Job.kind == kind)))


async def _wait_for_job(server: Server, kind: str, count: int = 1) -> None:
    """The trigger writes its job just after the answer: wait until it is there."""
    for _ in range(100):
        if len(await _jobs(server, kind)) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {kind} job on {server.domain}")


async def _post(server: Server, user, text: str, **fields) -> dict:
    response = await server.post("/api/v1/statuses", user, status=text, **fields)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_profile_and_a_thread_are_completed_when_opened(servers, tmp_path, pg_database):
    a, b = servers
    url = ""
    if pg_database:
        url = f"{pg_database}_fed2"
        await _create_pg_database(url)
    c = await start_server("127.0.0.4", tmp_path / "server2", url)
    try:
        for server in (a, b, c):
            server.app.state.settings.backfill_host_interval_seconds = 0.0
            server.app.state.settings.backfill_outbox_posts = 3
        alice = await a.user("alice")
        bob = await b.user("bob")
        carol = await b.user("carol")
        dave = await c.user("dave")

        posts = [await _post(b, bob, f"bob's post {n}") for n in range(5)]
        pinned = posts[0]
        assert (await b.post(f"/api/v1/statuses/{pinned['id']}/pin", bob)).status_code == 200
        await _post(b, bob, "followers only", visibility="private")
        thread = posts[-1]
        # carol answers on b; dave answers from c (b gets it: he follows bob) and carol
        # answers dave; none of this ever reaches a.
        await _follow(c, dave, b, "bob")
        await settle(b, c)
        await _post(b, carol, "carol's answer", in_reply_to_id=thread["id"])
        bobs_post_on_c = await _resolve_status(c, dave, thread["uri"])
        daves = await _post(c, dave, "dave's answer", in_reply_to_id=bobs_post_on_c["id"])
        await settle(b, c)
        daves_on_b = await _resolve_status(b, carol, daves["uri"])
        await _post(b, carol, "carol answers dave", in_reply_to_id=daves_on_b["id"])
        await settle(a, b, c)

        # alice finds bob (nobody on a follows him): his profile is empty.
        bob_on_a = await _resolve(a, alice, b.handle("bob"))
        await settle(a, b)
        anonymous = await a.get(f"/api/v1/accounts/{bob_on_a['id']}/statuses")
        assert anonymous.status_code == 200
        await settle(a, b)
        assert await _jobs(a, ACCOUNT_JOB) == []

        opened = await a.get(f"/api/v1/accounts/{bob_on_a['id']}", alice)
        assert opened.status_code == 200
        await _wait_for_job(a, ACCOUNT_JOB)
        await settle(a, b)
        statuses = await a.get(f"/api/v1/accounts/{bob_on_a['id']}/statuses", alice)
        got = [s["uri"] for s in statuses.json()]
        # The newest three public posts, and the pinned one (older than those).
        assert got[:3] == [p["uri"] for p in reversed(posts[-3:])]
        assert set(got) == {p["uri"] for p in posts[-3:]} | {pinned["uri"]}
        pins = await a.get(f"/api/v1/accounts/{bob_on_a['id']}/statuses", alice, pinned="true")
        assert [s["uri"] for s in pins.json()] == [pinned["uri"]]

        # alice opens the thread: the answers from b and c appear.
        [thread_on_a] = [s for s in statuses.json() if s["uri"] == thread["uri"]]
        context = f"/api/v1/statuses/{thread_on_a['id']}/context"
        assert (await a.get(context)).json()["descendants"] == []
        await settle(a, b, c)
        assert await _jobs(a, THREAD_JOB) == []
        assert (await a.get(context, alice)).json()["descendants"] == []
        await _wait_for_job(a, THREAD_JOB)
        await settle(a, b, c)
        descendants = (await a.get(context, alice)).json()["descendants"]
        texts = sorted(s["content"] for s in descendants)
        assert len(texts) == 3, texts
        assert any("dave's answer" in t for t in texts)
        assert any("carol answers dave" in t for t in texts)
        assert {s["account"]["acct"] for s in descendants} == {
            b.handle("carol"),
            c.handle("dave"),
        }
        # Nothing about it told alice anything.
        notifications = await a.get("/api/v1/notifications", alice)
        assert notifications.json() == []
    finally:
        await stop_server(c)


async def _resolve_status(server: Server, user, uri: str) -> dict:
    response = await server.get("/api/v2/search", user, q=uri, resolve="true")
    assert response.status_code == 200, response.text
    [status] = response.json()["statuses"]
    return status


async def test_our_posts_serve_their_replies_collection(servers):
    a, b = servers
    alice = await a.user("alice")
    bob = await b.user("bob")
    await _follow(a, alice, b, "bob")
    post = await _post(b, bob, "hello")
    await settle(a, b)
    [on_a] = (await a.get("/api/v1/timelines/home", alice)).json()
    answer = await _post(a, alice, "hi", in_reply_to_id=on_a["id"], visibility="public")
    await _post(b, bob, "secret", in_reply_to_id=post["id"], visibility="private")
    mine = await _post(b, bob, "me again", in_reply_to_id=post["id"], visibility="unlisted")
    await settle(a, b)

    headers = {"Accept": "application/activity+json"}
    note = (await b.http.get(post["uri"].removeprefix(b.base_url), headers=headers)).json()
    assert note["replies"]["id"] == f"{post['uri']}/replies"
    collection = await b.http.get(note["replies"]["id"].removeprefix(b.base_url))
    assert collection.status_code == 200
    assert collection.headers["content-type"].startswith("application/activity+json")
    body = collection.json()
    assert body["type"] == "Collection"
    # Remote and local replies, public and unlisted; never the followers-only one.
    assert body["first"]["items"] == [answer["uri"], mine["uri"]]
    assert "next" not in body["first"]
    page = await b.http.get(note["replies"]["first"].removeprefix(b.base_url))
    assert page.json()["items"] == [answer["uri"], mine["uri"]]
    # A followers-only post, an unknown one: no collection.
    secret = await _post(b, bob, "only followers", visibility="private")
    for status_id in (secret["id"], "1", "nope"):
        assert (await b.http.get(f"/objects/{status_id}/replies")).status_code == 404
