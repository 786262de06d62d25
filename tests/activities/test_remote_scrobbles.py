"""Scrobbles: Pleroma's Listen of an Audio through the receive path (stored, refused), and
ours through the service (services/statuses/scrobbles.py): the row and the Listen our
followers get."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.errors import BadRequest
from pyleroma.federation.receive import Refused
from pyleroma.models import Scrobble, Status
from pyleroma.services.statuses import scrobbles
from tests.activities.pleroma_dialect_helpers import (
    clear_deliveries,
    deliveries,
    dialect_author,
    load_dialect,
)
from tests.activities.test_remote_posts import count, receive
from tests.api.relationship_helpers import remote_account
from tests.api.status_read_helpers import follow
from tests.conftest import BASE_URL

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
BOB = "https://pleroma.remote.test/users/bob"


async def _scrobbles(db) -> list[tuple]:
    async with db() as session:
        rows = await session.execute(
            select(
                Scrobble.account_id,
                Scrobble.title,
                Scrobble.artist,
                Scrobble.album,
                Scrobble.length,
                Scrobble.external_link,
                Scrobble.visibility,
                Scrobble.activity_id,
            ).order_by(Scrobble.id)
        )
        return [tuple(row) for row in rows]


async def test_a_pleroma_listen_is_a_scrobble(app, db):
    bob = await dialect_author(db, "pleroma")
    raw = load_dialect("pleroma", "listen")
    result = await receive(app, bob, raw)
    assert isinstance(result, Scrobble)
    assert await _scrobbles(db) == [
        (
            bob.id,
            "lain radio episode 1",
            "lain",
            "lain radio",
            180000,
            "https://www.last.fm/music/lain/_/lain+radio+episode+1",
            "public",
            raw["id"],
        )
    ]
    assert result.object_id == raw["object"]["id"]
    assert result.created_at.isoformat().startswith("2025-05-02T18:20:11")
    assert await count(db, Status) == 0  # a scrobble is no post
    assert await deliveries(db) == []  # nor is a remote one sent on
    # Delivered again: still one.
    assert await receive(app, bob, raw) is None
    assert len(await _scrobbles(db)) == 1


async def test_a_listen_to_the_followers_is_followers_only(app, db):
    bob = await dialect_author(db, "pleroma")
    raw = load_dialect("pleroma", "listen")
    raw["to"], raw["cc"] = [f"{BOB}/followers"], []
    raw["object"]["title"] = "<b>bold</b> &amp; loud"
    raw["object"]["url"] = raw["object"].pop("externalLink")  # before Pleroma 2.6
    await receive(app, bob, raw)
    [row] = await _scrobbles(db)
    assert row[1] == "bold & loud"  # stored plain, as Pleroma renders it
    assert row[5] == "https://www.last.fm/music/lain/_/lain+radio+episode+1"
    assert row[6] == "private"


@pytest.mark.parametrize(
    "change",
    [
        {"attributedTo": "https://pleroma.remote.test/users/mallory"},
        {"id": "https://elsewhere.remote.test/objects/1"},
        {"title": "   "},
    ],
)
async def test_bad_listens_are_refused_with_nothing_stored(app, db, change):
    bob = await dialect_author(db, "pleroma")
    raw = load_dialect("pleroma", "listen")
    raw["object"].update(change)
    with pytest.raises(Refused):
        await receive(app, bob, raw)
    assert await _scrobbles(db) == []


async def test_a_listen_of_something_else_names_nothing(app, db):
    bob = await dialect_author(db, "pleroma")
    raw = load_dialect("pleroma", "listen")
    raw["object"]["type"] = "Video"
    assert await receive(app, bob, raw) is None
    assert await _scrobbles(db) == []


async def test_our_scrobble_goes_to_the_followers_in_pleromas_shape(app, factory, db):
    zoe = await factory.user("zoe")
    fan = await remote_account(db, "fan", "fans.remote.test", inbox="https://fans.remote.test/in")
    await follow(db, fan, zoe.account)
    async with db() as session:
        row = await scrobbles.scrobble(
            session,
            app.state.settings,
            zoe.account,
            title="Metropolis",
            artist="Jeff Mills",
            album=None,
            length=240000,
            external_link="https://example.com/metropolis",
        )
    assert row.activity_id == f"{BASE_URL}/activities/{row.id}"
    assert (row.title, row.artist, row.length, row.visibility) == (
        "Metropolis",
        "Jeff Mills",
        240000,
        "public",
    )
    [job] = await deliveries(db)
    assert job["inbox"] == "https://fans.remote.test/in"
    assert job["actor_id"] == zoe.account.id
    listen = job["activity"]
    assert listen["type"] == "Listen"
    assert listen["id"] == row.activity_id
    assert listen["actor"] == zoe.account.ap_id
    assert listen["to"] == [PUBLIC]
    assert listen["cc"] == [f"{zoe.account.ap_id}/followers"]
    audio = listen["object"]
    assert audio["type"] == "Audio"
    assert audio["id"] == f"{BASE_URL}/objects/{row.id}"
    assert (audio["title"], audio["artist"], audio["length"]) == (
        "Metropolis",
        "Jeff Mills",
        240000,
    )
    assert audio["externalLink"] == "https://example.com/metropolis"
    assert "album" not in audio
    assert audio["to"] == listen["to"] and audio["cc"] == listen["cc"]

    # Unlisted: the other way round; direct: nowhere.
    await clear_deliveries(db)
    async with db() as session:
        await scrobbles.scrobble(
            session, app.state.settings, zoe.account, title="x", visibility="unlisted"
        )
    [job] = await deliveries(db)
    assert (job["activity"]["to"], job["activity"]["cc"]) == (
        [f"{zoe.account.ap_id}/followers"],
        [PUBLIC],
    )
    await clear_deliveries(db)
    async with db() as session:
        await scrobbles.scrobble(
            session, app.state.settings, zoe.account, title="y", visibility="direct"
        )
    assert await deliveries(db) == []
    async with db() as session:
        listed = await scrobbles.recent_scrobbles(session, zoe.account.id)
    assert [s.title for s in listed] == ["x", "Metropolis"]  # newest first, no direct one


@pytest.mark.parametrize(
    "params",
    [
        {"title": ""},
        {"title": "x", "length": -1},
        {"title": "x", "external_link": "javascript:alert(1)"},
        {"title": "x", "visibility": "everyone"},
        {"title": "x" * 1025},
    ],
)
async def test_bad_scrobbles_are_refused(app, factory, db, params):
    zoe = await factory.user("zoe")
    async with db() as session:
        with pytest.raises(BadRequest):
            await scrobbles.scrobble(session, app.state.settings, zoe.account, **params)
    assert await _scrobbles(db) == []
