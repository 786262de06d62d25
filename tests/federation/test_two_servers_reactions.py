"""Emoji reactions between two pyleroma servers on loopback: a reaction made on one (through
the service: the client API routes come with the Pleroma API) arrives on the other as a
reaction with its notification, a custom emoji with its image, and its Undo removes both."""

from __future__ import annotations

from sqlalchemy import select

from pyleroma.models import Account, Status, StatusReaction
from pyleroma.services.statuses import reactions
from tests.api.emoji_helpers import install_packs
from tests.federation.servers import Server, settle
from tests.federation.test_two_servers import _follow, _home, _notifications


async def _reactions_on(server: Server, status_id: int) -> list[tuple]:
    async with server.app.state.sessionmaker() as session:
        rows = await session.execute(
            select(StatusReaction.account_id, StatusReaction.emoji, StatusReaction.emoji_url)
            .where(StatusReaction.status_id == status_id)
            .order_by(StatusReaction.id)
        )
        return [tuple(row) for row in rows]


async def _react(server: Server, user, status_id: int, emoji: str, *, undo: bool = False):
    async with server.app.state.sessionmaker() as session:
        actor = await session.get(Account, user.account.id)
        status = await session.get(Status, status_id)
        verb = reactions.unreact if undo else reactions.react
        await verb(session, server.app.state.settings, actor, status, emoji)


async def test_a_reaction_and_its_undo_cross_servers(servers):
    a, b = servers
    install_packs(a.app)
    alice = await a.user("alice")
    bob = await b.user("bob")
    await _follow(a, alice, b, "bob")

    posted = await b.post("/api/v1/statuses", bob, status="react to this", visibility="public")
    assert posted.status_code == 200, posted.text
    await settle(a, b)
    [entry] = await _home(a, alice)
    copy_id, original_id = int(entry["id"]), int(posted.json()["id"])

    await _react(a, alice, copy_id, "🐌")
    await _react(a, alice, copy_id, "blobcat")
    await settle(a, b)

    alice_on_b = await b.get("/api/v1/accounts/lookup", bob, acct=a.handle("alice"))
    alice_id = int(alice_on_b.json()["id"])
    blobcat = f"{a.base_url}/emoji/blobs/blobcat.png"
    assert await _reactions_on(b, original_id) == [
        (alice_id, "🐌", None),
        (alice_id, "blobcat", blobcat),
    ]
    notes = [n for n in await _notifications(b, bob) if n["type"] == "pleroma:emoji_reaction"]
    assert [(n["emoji"], n["emoji_url"]) for n in notes] == [(":blobcat:", blobcat), ("🐌", None)]
    assert all(n["account"]["acct"] == a.handle("alice") for n in notes)
    assert all(n["status"]["id"] == str(original_id) for n in notes)

    # alice takes the snail back: it goes on both sides, with its notification only.
    await _react(a, alice, copy_id, "🐌", undo=True)
    await settle(a, b)
    assert await _reactions_on(a, copy_id) == [(alice.account.id, "blobcat", blobcat)]
    assert await _reactions_on(b, original_id) == [(alice_id, "blobcat", blobcat)]
    notes = [n for n in await _notifications(b, bob) if n["type"] == "pleroma:emoji_reaction"]
    assert [n["emoji"] for n in notes] == [":blobcat:"]

    # bob joins alice's custom reaction on his own post: it goes to his followers (alice),
    # with the image from alice's server; his Undo takes it away there too.
    await _react(b, bob, original_id, f"blobcat@{a.domain}")
    await settle(a, b)
    bob_id = int(entry["account"]["id"])
    assert (bob.account.id, "blobcat", blobcat) in await _reactions_on(b, original_id)
    assert (bob_id, "blobcat", blobcat) in await _reactions_on(a, copy_id)
    await _react(b, bob, original_id, "blobcat", undo=True)
    await settle(a, b)
    assert await _reactions_on(b, original_id) == [(alice_id, "blobcat", blobcat)]
    assert await _reactions_on(a, copy_id) == [(alice.account.id, "blobcat", blobcat)]
