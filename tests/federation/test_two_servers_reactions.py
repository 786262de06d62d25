"""Emoji reactions between two pyleroma servers on loopback: a reaction made on one (through
the service, and through the client API routes) arrives on the other as a reaction with its
notification, a custom emoji with its image (named ``shortcode@host`` there, which its users
join), and its Undo removes both."""

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
    # (the two EmojiReacts are delivered side by side: they may arrive in either order)
    assert sorted(await _reactions_on(b, original_id), key=repr) == sorted(
        [(alice_id, "🐌", None), (alice_id, "blobcat", blobcat)], key=repr
    )
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


async def _api(server: Server, method: str, user, status_id, emoji: str, path=None) -> dict:
    path = path or "/api/v1/pleroma/statuses/{id}/reactions/{emoji}"
    response = await server.http.request(
        method, path.format(id=status_id, emoji=emoji), headers=user.headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def _names(status: dict) -> list[tuple]:
    return [(r["name"], r["count"], r["me"]) for r in status["pleroma"]["emoji_reactions"]]


async def test_reactions_through_the_client_api_on_both_servers(servers):
    """alice (on a) reacts through Pleroma's and Akkoma's routes to bob's post (on b); bob
    sees them on his post, joins her custom emoji by ``blobcat@host``, and alice sees his
    reaction come back; each Undo goes across too."""
    a, b = servers
    install_packs(a.app)
    alice = await a.user("alice")
    bob = await b.user("bob")
    await _follow(a, alice, b, "bob")
    posted = await b.post("/api/v1/statuses", bob, status="react here", visibility="public")
    assert posted.status_code == 200, posted.text
    await settle(a, b)
    [entry] = await _home(a, alice)
    copy_id, original_id = entry["id"], posted.json()["id"]

    await _api(a, "PUT", alice, copy_id, "\u2764")
    mine = await _api(
        a, "PUT", alice, copy_id, ":blobcat:", "/api/v1/statuses/{id}/emoji_reactions/{emoji}"
    )
    assert _names(mine) == [("\u2764\ufe0f", 1, True), ("blobcat", 1, True)]
    await settle(a, b)

    shown = (await b.get(f"/api/v1/statuses/{original_id}", bob)).json()
    remote_blobcat = f"blobcat@{a.domain}"
    assert _names(shown) == [("\u2764\ufe0f", 1, False), (remote_blobcat, 1, False)]
    assert shown["emoji_reactions"][1]["url"] == f"{a.base_url}/emoji/blobs/blobcat.png"
    listed = (await b.get(f"/api/v1/pleroma/statuses/{original_id}/reactions", bob)).json()
    assert [[acct["acct"] for acct in r["accounts"]] for r in listed] == [
        [a.handle("alice")],
        [a.handle("alice")],
    ]

    joined = await _api(b, "PUT", bob, original_id, remote_blobcat)
    assert _names(joined)[1] == (remote_blobcat, 2, True)
    await settle(a, b)
    seen = (await a.get(f"/api/v1/statuses/{copy_id}", alice)).json()
    assert _names(seen) == [("\u2764\ufe0f", 1, True), ("blobcat", 2, True)]

    await _api(a, "DELETE", alice, copy_id, "\u2764\ufe0f")
    await _api(b, "DELETE", bob, original_id, remote_blobcat)
    await settle(a, b)
    assert _names((await b.get(f"/api/v1/statuses/{original_id}", bob)).json()) == [
        (remote_blobcat, 1, False)
    ]
    assert _names((await a.get(f"/api/v1/statuses/{copy_id}", alice)).json()) == [
        ("blobcat", 1, True)
    ]
