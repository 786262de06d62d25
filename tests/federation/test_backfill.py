"""Backfill of remote profiles and threads (federation/backfill.py) against servers that play
Mastodon-like remotes on loopback, hostile shapes included: what is stored, what is not,
and that every walk stays within its bounds."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pyleroma.activities.context import PipelineContext
from pyleroma.db.ids import new_id
from pyleroma.federation.backfill_triggers import ACCOUNT_JOB, HOLD_JOB, THREAD_JOB
from pyleroma.federation.fetch_posts import get_or_fetch_post
from pyleroma.jobs.runner import JobRunner
from pyleroma.models import Job, Notification, Status
from tests.federation.remote_server import RemoteServer
from tests.federation.test_fetch_resolve import masto_actor, resolve

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def old(number: int) -> str:
    """A publication time in 2023, later for a larger number."""
    return f"2023-05-01T{10 + number // 60:02d}:{number % 60:02d}:00Z"


@pytest.fixture
def settings_overrides() -> dict:
    return {
        "allow_private_fetch": True,
        "federation_timeout_seconds": 3.0,
        "backfill_host_interval_seconds": 0.0,
        "backfill_outbox_posts": 3,
    }


@pytest.fixture
async def masto(remote_server):
    return await remote_server("127.0.0.2")


@pytest.fixture
async def other(remote_server):
    return await remote_server("127.0.0.3")


def note(
    server: RemoteServer,
    number: int,
    author: str = "bob",
    *,
    published: str | None = None,
    in_reply_to: str | None = None,
    replies=None,
    cc: list[str] | None = None,
    tag: list | None = None,
    serve: bool = True,
) -> dict:
    doc = {
        "@context": AS_CONTEXT,
        "id": f"{server.base}/users/{author}/statuses/{number}",
        "type": "Note",
        "attributedTo": f"{server.base}/users/{author}",
        "to": [PUBLIC],
        "cc": cc or [f"{server.base}/users/{author}/followers"],
        "content": f"<p>post {number} by {author}</p>",
        "published": published or old(number),
        "inReplyTo": in_reply_to,
        "tag": tag or [],
    }
    if replies is not None:
        doc["replies"] = replies
    if serve:
        server.json(doc["id"].removeprefix(server.base), doc)
    return doc


def create(doc: dict) -> dict:
    body = {k: v for k, v in doc.items() if k != "@context"}
    return {
        "id": f"{doc['id']}/activity",
        "type": "Create",
        "actor": doc["attributedTo"],
        "object": body,
    }


def serve_collection(server: RemoteServer, path: str, first) -> None:
    server.json(
        path,
        {
            "@context": AS_CONTEXT,
            "id": server.base + path,
            "type": "OrderedCollection",
            "first": first,
        },
    )


def serve_page(server: RemoteServer, path: str, items: list, next_url: str | None = None) -> str:
    """A page at ``path`` (its own route: RemoteServer routes by path without query)."""
    doc = {
        "@context": AS_CONTEXT,
        "id": server.base + path,
        "type": "OrderedCollectionPage",
        "orderedItems": items,
    }
    if next_url is not None:
        doc["next"] = next_url
    server.json(path, doc)
    return server.base + path


async def bob_account(db, settings, masto: RemoteServer, nick: str = "bob"):
    actor = masto.actor(masto_actor(masto, nick))
    return await resolve(db, settings, actor["id"])


async def drain(app) -> None:
    await JobRunner(app.state.sessionmaker, app.state.settings).drain()


async def jobs(db, kind: str) -> list[Job]:
    async with db() as session:
        return list(await session.scalars(select(Job).where(Job.kind == kind)))


async def uris(db, host: str | None = None) -> set[str]:
    async with db() as session:
        rows = await session.scalars(select(Status.uri).where(Status.local.is_(False)))
        return {uri for uri in rows if host is None or host in uri}


def fetched(server: RemoteServer, fragment: str) -> int:
    return sum(1 for path in server.paths_seen() if fragment in path)


# --- profiles ----------------------------------------------------------------------------


async def test_a_remote_profile_opened_by_a_local_user_gets_its_newest_posts(
    app, db, client, factory, masto, other
):
    settings = app.state.settings
    settings.backfill_outbox_posts = 4
    alice = await factory.user("alice")
    bob = await bob_account(db, settings, masto)
    await drain(app)  # the actor's own jobs (pins: none served, nodeinfo)
    mentioning_alice = note(
        masto,
        6,
        cc=[f"{settings.base_url}/users/alice"],
        tag=[{"type": "Mention", "href": f"{settings.base_url}/users/alice", "name": "@alice"}],
    )
    newest = [mentioning_alice, note(masto, 5), note(masto, 4), note(masto, 3)]
    carols = note(masto, 9, author="carol")
    masto.actor(masto_actor(masto, "carol"))
    elsewhere = note(other, 7)
    impostor = note(masto, 8, author="carol")  # listed as bob's, written by carol
    impostor_create = create(impostor)
    impostor_create["actor"] = bob.ap_id
    second = serve_page(masto, "/users/bob/outbox-2", [create(n) for n in newest[2:]])
    announce = {
        "id": f"{masto.base}/users/bob/statuses/99/activity",
        "type": "Announce",
        "actor": bob.ap_id,
        "object": carols["id"],
    }
    first = serve_page(
        masto,
        "/users/bob/outbox-1",
        [announce, create(elsewhere), impostor_create, create(newest[0]), newest[1]["id"]],
        next_url=second,
    )
    serve_collection(masto, "/users/bob/outbox", first)

    # Anonymous readers never start a backfill.
    assert (await client.get(f"/api/v1/accounts/{bob.id}")).status_code == 200
    assert (await client.get(f"/api/v1/accounts/{bob.id}/statuses")).status_code == 200
    assert await jobs(db, ACCOUNT_JOB) == []

    response = await client.get(f"/api/v1/accounts/{bob.id}", headers=alice.headers)
    assert response.status_code == 200
    [job] = await jobs(db, ACCOUNT_JOB)
    assert job.args == {"account_id": bob.id}
    await drain(app)

    # The newest four items that are posts on bob's host (carol's, listed as bob's, is
    # refused), not the boost, not the other host's post, not the fifth.
    stored = await uris(db)
    assert stored == {newest[0]["id"], newest[1]["id"], newest[2]["id"]}
    # Old posts are stored silently (no mention notification) with ids of their own date.
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Notification)) == 0
        ids = list(await session.scalars(select(Status.id).where(Status.local.is_(False))))
    assert max(ids) < new_id() - (1 << 40)
    response = await client.get(f"/api/v1/accounts/{bob.id}/statuses", headers=alice.headers)
    assert [s["uri"] for s in response.json()] == [n["id"] for n in newest[:3]]

    # Once per interval: the key is held, opening the profile again adds nothing.
    [hold] = await jobs(db, HOLD_JOB)
    assert hold.state == "available" and hold.unique_key.endswith(f":{bob.id}")
    app.state.backfill_recent.clear()
    await client.get(f"/api/v1/accounts/{bob.id}/statuses", headers=alice.headers)
    assert len(await jobs(db, ACCOUNT_JOB)) == 1
    assert fetched(masto, "/outbox") == 3


async def test_a_looping_or_huge_outbox_is_read_within_bounds(app, db, client, factory, masto):
    settings = app.state.settings
    alice = await factory.user("alice")
    bob = await bob_account(db, settings, masto)
    await drain(app)
    # A page whose next is itself, full of ids that all 404; then a chain of empty pages.
    loop = f"{masto.base}/users/bob/outbox-loop"
    items = [f"{masto.base}/users/bob/statuses/{n}" for n in range(5000)]
    serve_page(masto, "/users/bob/outbox-loop", items, next_url=loop)
    serve_collection(masto, "/users/bob/outbox", loop)
    await client.get(f"/api/v1/accounts/{bob.id}", headers=alice.headers)
    await drain(app)
    assert fetched(masto, "/outbox-loop") == 1
    assert fetched(masto, "/users/bob/statuses/") == settings.backfill_outbox_posts
    assert await uris(db) == set()

    # Empty pages chained forever: at most PAGES_PER_COLLECTION pages are read.
    from pyleroma.federation.backfill import PAGES_PER_COLLECTION

    for n in range(50):
        serve_page(
            masto, f"/users/bob/empty-{n}", [], next_url=f"{masto.base}/users/bob/empty-{n + 1}"
        )
    serve_collection(masto, "/users/bob/outbox", f"{masto.base}/users/bob/empty-0")
    async with db() as session:  # the hold ends early for this test
        for job in await session.scalars(select(Job).where(Job.kind == HOLD_JOB)):
            job.unique_key = None
            job.state = "completed"
        await session.commit()
    app.state.backfill_recent.clear()
    await client.get(f"/api/v1/accounts/{bob.id}", headers=alice.headers)
    await drain(app)
    assert fetched(masto, "/empty-") <= PAGES_PER_COLLECTION


async def test_following_a_remote_account_backfills_it(app, db, client, factory, masto):
    settings = app.state.settings
    alice = await factory.user("alice")
    bob = await bob_account(db, settings, masto)
    one = note(masto, 1)
    serve_collection(masto, "/users/bob/outbox", serve_page(masto, "/users/bob/o1", [create(one)]))
    response = await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers)
    assert response.status_code == 200, response.text
    assert len(await jobs(db, ACCOUNT_JOB)) == 1
    await drain(app)
    assert await uris(db) == {one["id"]}


# --- threads -------------------------------------------------------------------------------


def replies_of(server: RemoteServer, number: int, items: list, *, next_url=None, author="bob"):
    """Mastodon's shape: the collection (at its id) embeds its first page."""
    base = f"{server.base}/users/{author}/statuses/{number}/replies"
    first = {"type": "CollectionPage", "partOf": base, "items": items}
    if next_url:
        first["next"] = next_url
    server.json(
        base.removeprefix(server.base),
        {
            "@context": AS_CONTEXT,
            "id": base,
            "type": "Collection",
            "first": first,
        },
    )
    return {"id": base, "type": "Collection", "first": first}


async def store(app, uri: str) -> Status:
    async with app.state.sessionmaker() as session:
        status = await get_or_fetch_post(PipelineContext(session, app.state.settings), uri, depth=1)
        await session.commit()
        return status


async def test_opening_a_thread_fetches_the_replies_we_never_received(
    app, db, client, factory, masto, other
):
    settings = app.state.settings
    alice = await factory.user("alice")
    await bob_account(db, settings, masto)
    masto.actor(masto_actor(masto, "carol"))
    other.actor(masto_actor(other, "dave"))
    root_id = f"{masto.base}/users/bob/statuses/1"
    # carol answers on bob's server, dave from another one, dave's answer gets one too.
    carols = note(masto, 2, "carol", in_reply_to=root_id)
    daves_reply_id = f"{other.base}/users/dave/statuses/3"
    deeper = note(masto, 4, "carol", in_reply_to=daves_reply_id)
    daves = note(
        other,
        3,
        "dave",
        in_reply_to=root_id,
        replies=replies_of(other, 3, [deeper["id"]], author="dave"),
    )
    unrelated = note(other, 5, "dave")  # listed, but answers nothing of this thread
    page_two = serve_page(
        masto,
        "/users/bob/statuses/1/replies-2",
        [daves["id"], unrelated["id"]],
        next_url=f"{masto.base}/users/bob/statuses/1/replies-2",  # a loop
    )
    root = note(masto, 1, replies=replies_of(masto, 1, [carols["id"]], next_url=page_two))
    await store(app, root["id"])
    [stored_root] = [s for s in await _statuses(db) if s.uri == root["id"]]

    context = f"/api/v1/statuses/{stored_root.id}/context"
    assert (await client.get(context)).status_code == 200
    assert await jobs(db, THREAD_JOB) == []  # anonymous: nothing
    assert (await client.get(context, headers=alice.headers)).json()["descendants"] == []
    assert len(await jobs(db, THREAD_JOB)) == 1
    await drain(app)

    response = await client.get(context, headers=alice.headers)
    got = {s["uri"] for s in response.json()["descendants"]}
    assert got == {carols["id"], daves["id"], deeper["id"]}
    assert unrelated["id"] not in await uris(db)
    assert fetched(masto, "/replies-2") == 1
    # Once per interval.
    app.state.backfill_recent.clear()
    await client.get(context, headers=alice.headers)
    assert len(await jobs(db, THREAD_JOB)) == 1


async def _statuses(db) -> list[Status]:
    async with db() as session:
        return list(await session.scalars(select(Status)))


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "allow_private_fetch": True,
            "federation_timeout_seconds": 3.0,
            "backfill_host_interval_seconds": 0.0,
            "backfill_thread_max_depth": 2,
            "backfill_thread_max_posts": 3,
        }
    ],
)
async def test_thread_walks_stop_at_their_depth_and_count(app, db, client, factory, masto):
    settings = app.state.settings
    alice = await factory.user("alice")
    await bob_account(db, settings, masto)
    # A chain of five posts up from the leaf: only two ancestors are fetched.
    chain = [note(masto, 10)]
    for n in range(11, 15):
        chain.append(note(masto, n, in_reply_to=chain[-1]["id"]))
    leaf = await store(app, chain[-1]["id"])
    await client.get(f"/api/v1/statuses/{leaf.id}/context", headers=alice.headers)
    await drain(app)
    assert await uris(db) == {c["id"] for c in chain[-3:]}

    # A collection of twenty replies: at most three posts fetched.
    replies = [
        note(masto, 100 + n, in_reply_to=f"{masto.base}/users/bob/statuses/20") for n in range(20)
    ]
    root = note(masto, 20, replies=replies_of(masto, 20, [r["id"] for r in replies]))
    stored = await store(app, root["id"])
    before = fetched(masto, "/statuses/1")
    await client.get(f"/api/v1/statuses/{stored.id}/context", headers=alice.headers)
    await drain(app)
    assert fetched(masto, "/statuses/1") - before == 3
    assert len({r["id"] for r in replies} & await uris(db)) == 3


async def test_host_rate_limit_defers_a_second_burst(app, db, client, factory, masto):
    settings = app.state.settings
    settings.backfill_host_interval_seconds = 30.0
    alice = await factory.user("alice")
    bob = await bob_account(db, settings, masto)
    carol = await bob_account(db, settings, masto, "carol")
    serve_collection(masto, "/users/bob/outbox", serve_page(masto, "/users/bob/o", []))
    serve_collection(masto, "/users/carol/outbox", serve_page(masto, "/users/carol/o", []))
    await drain(app)
    await client.get(f"/api/v1/accounts/{bob.id}", headers=alice.headers)
    await client.get(f"/api/v1/accounts/{carol.id}", headers=alice.headers)
    await drain(app)
    states = sorted(job.state for job in await jobs(db, ACCOUNT_JOB))
    # One ran; the other waits for the host (available again later, no attempt used).
    assert states == ["available", "completed"]
    [waiting] = [job for job in await jobs(db, ACCOUNT_JOB) if job.state == "available"]
    assert waiting.attempt == 0
