"""A remote account's pinned posts read from its featured collection when the actor is
fetched (federation/featured.py), from a real HTTP server on loopback."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.federation.featured import FEATURED_JOB
from pyleroma.jobs.runner import JobRunner
from pyleroma.models import Job, Status, StatusPin
from tests.federation.remote_server import RemoteServer, fixture
from tests.federation.test_fetch_resolve import fetch_actor, resolve

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"


@pytest.fixture
def settings_overrides() -> dict:
    return {"allow_private_fetch": True, "federation_timeout_seconds": 3.0}


@pytest.fixture
async def masto(remote_server):
    return await remote_server("127.0.0.2")


def _note(server: RemoteServer, number: int, author: str = "alice") -> dict:
    create = fixture("mastodon/create_note_public.json", {"https://mastodon.example": server.base})
    note = {**create["object"], "@context": AS_CONTEXT}
    note["id"] = f"{server.base}/users/{author}/statuses/{number}"
    note["url"] = f"{server.base}/@{author}/{number}"
    note["attributedTo"] = f"{server.base}/users/{author}"
    note["content"] = f"<p>post {number}</p>"
    server.json(note["id"].removeprefix(server.base), note)
    return note


def _collection(server: RemoteServer, items: list) -> None:
    server.json(
        "/users/alice/collections/featured",
        {
            "@context": AS_CONTEXT,
            "id": f"{server.base}/users/alice/collections/featured",
            "type": "OrderedCollection",
            "totalItems": len(items),
            "orderedItems": items,
        },
    )


async def _pinned_uris(db, account_id) -> list[str]:
    async with db() as session:
        rows = await session.scalars(
            select(Status.uri)
            .join(StatusPin, StatusPin.status_id == Status.id)
            .where(StatusPin.account_id == account_id)
            .order_by(Status.uri)
        )
        return list(rows)


async def test_pinned_posts_are_read_when_the_actor_is_fetched(app, db, masto):
    settings = app.state.settings
    alice = masto.actor(
        fixture("mastodon/actor_person.json", {"https://mastodon.example": masto.base})
    )
    masto.actor(
        fixture(
            "mastodon/actor_person.json",
            {"https://mastodon.example": masto.base, "alice": "bob"},
        )
    )
    one, two = _note(masto, 1), _note(masto, 2)
    bobs = _note(masto, 3, author="bob")
    _collection(
        masto,
        [one, two["id"], bobs["id"], "https://elsewhere.example/users/alice/statuses/4", 42],
    )
    account = await resolve(db, settings, alice["id"])
    async with db() as session:
        [job] = await session.scalars(select(Job).where(Job.kind == FEATURED_JOB))
    assert job.args == {"account_id": account.id}
    await JobRunner(app.state.sessionmaker, settings).drain()
    # Bob's post and the other host's are not alice's pins.
    assert await _pinned_uris(db, account.id) == sorted([one["id"], two["id"]])

    # Fetched again later: the pins follow the collection.
    _collection(masto, [two["id"]])
    await fetch_actor(db, settings, alice["id"], refresh=True)
    await JobRunner(app.state.sessionmaker, settings).drain()
    assert await _pinned_uris(db, account.id) == [two["id"]]

    # A collection that cannot be read changes nothing.
    masto.status("/users/alice/collections/featured", 500)
    await fetch_actor(db, settings, alice["id"], refresh=True)
    await JobRunner(app.state.sessionmaker, settings).drain()
    assert await _pinned_uris(db, account.id) == [two["id"]]
