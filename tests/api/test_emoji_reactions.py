"""Emoji reactions through the client API: Pleroma's routes under both prefixes and Akkoma's
``/api/v1/statuses/:id/emoji_reactions/:emoji``, the Status's ``emoji_reactions``, the
reaction lists, and the accounts a viewer is not shown (blocked, muted, deactivated)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.db.ids import new_id
from pyleroma.models import Account, Notification, StatusReaction
from pyleroma.services.accounts.account_deletion import delete_local_account
from tests.api.emoji_helpers import install_packs
from tests.api.relationship_helpers import remote_account, set_fields
from tests.api.timeline_helpers import drain
from tests.statement_counter import counting_statements
from tests.streaming.conftest import stream_server  # noqa: F401  (fixture)
from tests.streaming.helpers import open_socket, settle

SNAIL, HEART, HEART_BARE = "\U0001f40c", "\u2764\ufe0f", "\u2764"
FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # a ZWJ sequence
THUMBS_MEDIUM = "\U0001f44d\U0001f3fd"  # with a skin tone
WRITE_PATHS = (
    "/api/v1/pleroma/statuses/{id}/reactions/{emoji}",
    "/api/pleroma/statuses/{id}/reactions/{emoji}",
    "/api/v1/statuses/{id}/emoji_reactions/{emoji}",
)
PREFIXES = ("/api/v1/pleroma", "/api/pleroma")
BLOBCAT_PATH = "/emoji/blobs/blobcat.png"
REMOTE_BLOBCAT = "https://remote.example/emoji/blobcat.png"


async def _post(client, user, text="react to me", **body) -> dict:
    response = await client.post(
        "/api/v1/statuses", json={"status": text, **body}, headers=user.headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def _put(client, user, status_id, emoji, path=WRITE_PATHS[0], expect=200):
    response = await client.put(path.format(id=status_id, emoji=emoji), headers=user.headers)
    assert response.status_code == expect, response.text
    return response.json()


async def _delete(client, user, status_id, emoji, path=WRITE_PATHS[0], expect=200):
    response = await client.delete(path.format(id=status_id, emoji=emoji), headers=user.headers)
    assert response.status_code == expect, response.text
    return response.json()


async def _shown(client, status_id, user=None, **params) -> list[dict]:
    headers = user.headers if user else {}
    response = await client.get(f"/api/v1/statuses/{status_id}", headers=headers, params=params)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["emoji_reactions"] == data["pleroma"]["emoji_reactions"]
    return data["pleroma"]["emoji_reactions"]


async def _listed(client, status_id, user=None, emoji=None, prefix=PREFIXES[0], **params):
    path = f"{prefix}/statuses/{status_id}/reactions" + (f"/{emoji}" if emoji else "")
    response = await client.get(path, headers=user.headers if user else {}, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def _rows(db, status_id) -> list[tuple]:
    async with db() as session:
        rows = await session.execute(
            select(StatusReaction.account_id, StatusReaction.emoji, StatusReaction.emoji_url)
            .where(StatusReaction.status_id == int(status_id))
            .order_by(StatusReaction.id)
        )
        return [tuple(row) for row in rows]


def _summary(entries: list[dict]) -> list[tuple]:
    return [(e["name"], e["count"], e["me"]) for e in entries]


@pytest.mark.parametrize("path", WRITE_PATHS)
async def test_react_and_unreact_answer_the_status(client, factory, db, path):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    posted = await _post(client, alice)

    reacted = await _put(client, bob, posted["id"], SNAIL, path)
    assert reacted["id"] == posted["id"]
    entry = {"name": SNAIL, "count": 1, "me": True, "url": None, "account_ids": [bob.id]}
    assert reacted["pleroma"]["emoji_reactions"] == reacted["emoji_reactions"] == [entry]
    assert await _rows(db, posted["id"]) == [(bob.account.id, SNAIL, None)]
    # Twice is harmless: still one reaction.
    await _put(client, bob, posted["id"], SNAIL, path)
    assert await _rows(db, posted["id"]) == [(bob.account.id, SNAIL, None)]
    assert _summary(await _shown(client, posted["id"], alice)) == [(SNAIL, 1, False)]
    assert _summary(await _shown(client, posted["id"])) == [(SNAIL, 1, False)]

    undone = await _delete(client, bob, posted["id"], SNAIL, path)
    assert undone["id"] == posted["id"]
    assert undone["emoji_reactions"] == undone["pleroma"]["emoji_reactions"] == []
    assert await _rows(db, posted["id"]) == []
    assert await _shown(client, posted["id"], alice) == []


async def test_unicode_forms_ZWJ_sequences_and_skin_tones(client, factory, db):
    alice, bob, carol = [await factory.user(n) for n in ("alice", "bob", "carol")]
    posted = await _post(client, alice)
    await _put(client, bob, posted["id"], HEART_BARE)
    await _put(client, carol, posted["id"], HEART)
    await _put(client, bob, posted["id"], FAMILY)
    reacted = await _put(client, carol, posted["id"], THUMBS_MEDIUM)
    # "❤" and "❤️" are one reaction, stored qualified; entries in the order first used.
    assert _summary(reacted["emoji_reactions"]) == [
        (HEART, 2, True),
        (FAMILY, 1, False),
        (THUMBS_MEDIUM, 1, True),
    ]
    assert reacted["emoji_reactions"][0]["account_ids"] == [bob.id, carol.id]
    assert {row[1] for row in await _rows(db, posted["id"])} == {HEART, FAMILY, THUMBS_MEDIUM}
    # Taken back by either spelling.
    undone = await _delete(client, bob, posted["id"], HEART)
    assert _summary(undone["emoji_reactions"])[0] == (HEART, 1, False)
    undone = await _delete(client, carol, posted["id"], HEART_BARE)
    assert [e["name"] for e in undone["emoji_reactions"]] == [FAMILY, THUMBS_MEDIUM]


@pytest.mark.parametrize(
    "emoji",
    ["a", "\U0001f44d\U0001f44d", "hi\U0001f40c", ":nope:", "bad code!", "blobcat@remote.example"],
)
async def test_what_is_not_an_emoji_is_refused(client, factory, db, app, emoji):
    install_packs(app)
    alice = await factory.user("alice")
    posted = await _post(client, alice)
    for path in WRITE_PATHS:
        refused = await _put(client, alice, posted["id"], emoji, path, expect=400)
        assert isinstance(refused["error"], str) and refused["error"]
    assert await _rows(db, posted["id"]) == []


async def test_unreacting_without_a_reaction_is_a_400(client, factory):
    alice = await factory.user("alice")
    posted = await _post(client, alice)
    refused = await _delete(client, alice, posted["id"], SNAIL, expect=400)
    assert refused == {"error": "Could not remove reaction emoji"}
    refused = await _delete(client, alice, posted["id"], "zz", expect=400)
    assert "error" in refused


async def test_auth_scopes_and_missing_statuses(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    reader = await factory.user("reader", scopes=["read:statuses"])
    writer = await factory.user("writer", scopes=["write:statuses"])
    posted = await _post(client, alice)
    secret = await _post(client, alice, "followers only", visibility="private")
    for path in WRITE_PATHS:
        url = path.format(id=posted["id"], emoji=SNAIL)
        assert (await client.put(url)).status_code == 401
        assert (await client.delete(url)).status_code == 401
        assert (await client.put(url, headers=reader.headers)).status_code == 403
        missing = path.format(id="12345", emoji=SNAIL)
        assert (await client.put(missing, headers=bob.headers)).json() == {
            "error": "Record not found"
        }
        hidden = await client.put(path.format(id=secret["id"], emoji=SNAIL), headers=bob.headers)
        assert hidden.status_code == 404
        junk = await client.put(path.format(id="abc", emoji=SNAIL), headers=bob.headers)
        assert junk.status_code == 404
    assert await _rows(db, posted["id"]) == [] and await _rows(db, secret["id"]) == []
    # Reading: anonymous readers of a public post, not of a private one; a token needs
    # read:statuses.
    await _put(client, writer, posted["id"], SNAIL)
    for prefix in PREFIXES:
        assert _summary(await _listed(client, posted["id"], prefix=prefix)) == [(SNAIL, 1, False)]
        base = f"{prefix}/statuses"
        assert (await client.get(f"{base}/{secret['id']}/reactions")).status_code == 404
        denied = await client.get(f"{base}/{secret['id']}/reactions", headers=bob.headers)
        assert denied.status_code == 404 and "error" in denied.json()
        assert (await client.get(f"{base}/999/reactions/{SNAIL}")).status_code == 404
        wrong = await client.get(f"{base}/{posted['id']}/reactions", headers=writer.headers)
        assert wrong.status_code == 403
        bad = await client.get(f"{base}/{posted['id']}/reactions/not an emoji")
        assert bad.status_code == 400 and "error" in bad.json()


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_reaction_lists_with_accounts(client, factory, prefix):
    alice, bob, carol = [await factory.user(n) for n in ("alice", "bob", "carol")]
    posted = await _post(client, alice)
    await _put(client, bob, posted["id"], SNAIL)
    await _put(client, carol, posted["id"], HEART_BARE)
    await _put(client, carol, posted["id"], SNAIL)

    listed = await _listed(client, posted["id"], carol, prefix=prefix)
    assert _summary(listed) == [(SNAIL, 2, True), (HEART, 1, True)]
    assert [[a["acct"] for a in e["accounts"]] for e in listed] == [["bob", "carol"], ["carol"]]
    assert listed[0]["accounts"][0]["id"] == bob.id and listed[0]["url"] is None
    assert set(listed[0]) == {"name", "count", "me", "url", "accounts"}
    one = await _listed(client, posted["id"], bob, emoji=HEART_BARE, prefix=prefix)
    assert _summary(one) == [(HEART, 1, False)]
    assert await _listed(client, posted["id"], bob, emoji="\U0001f600", prefix=prefix) == []
    # A boost's id lists its original's reactions.
    boost = await client.post(f"/api/v1/statuses/{posted['id']}/reblog", headers=bob.headers)
    via_boost = await _listed(client, boost.json()["id"], prefix=prefix)
    assert _summary(via_boost) == [(SNAIL, 2, False), (HEART, 1, False)]


async def test_custom_emoji_of_this_instance(client, factory, db, app):
    install_packs(app)
    alice, bob, carol = [await factory.user(n) for n in ("alice", "bob", "carol")]
    posted = await _post(client, alice)
    await _put(client, bob, posted["id"], ":blobcat:")
    reacted = await _put(client, carol, posted["id"], "blobcat", WRITE_PATHS[2])
    url = f"{app.state.settings.base_url}{BLOBCAT_PATH}"
    assert reacted["emoji_reactions"] == [
        {"name": "blobcat", "count": 2, "me": True, "url": url, "account_ids": [bob.id, carol.id]}
    ]
    assert await _rows(db, posted["id"]) == [
        (bob.account.id, "blobcat", url),
        (carol.account.id, "blobcat", url),
    ]
    listed = await _listed(client, posted["id"], emoji=":blobcat:")
    assert [(e["name"], e["url"], e["count"]) for e in listed] == [("blobcat", url, 2)]
    # The author's notification names the emoji as Pleroma does.
    notes = (await client.get("/api/v1/notifications", headers=alice.headers)).json()
    reactions = [n for n in notes if n["type"] == "pleroma:emoji_reaction"]
    assert [(n["emoji"], n["emoji_url"], n["account"]["acct"]) for n in reactions] == [
        (":blobcat:", url, "carol"),
        (":blobcat:", url, "bob"),
    ]
    assert all(n["status"]["id"] == posted["id"] for n in reactions)
    await _delete(client, bob, posted["id"], ":blobcat:")
    async with db() as session:
        left = await session.scalars(
            select(Notification.type).where(Notification.account_id == alice.account.id)
        )
        assert list(left) == ["pleroma:emoji_reaction"]


async def test_remote_custom_emoji_already_on_the_status(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    posted = await _post(client, alice)
    remote = await remote_account(db, "carol", "remote.example")
    async with db() as session:
        session.add(
            StatusReaction(
                id=new_id(),
                account_id=remote.id,
                status_id=int(posted["id"]),
                emoji="blobcat",
                emoji_url=REMOTE_BLOBCAT,
                activity_id="https://remote.example/activities/1",
            )
        )
        await session.commit()
    shown = await _shown(client, posted["id"], bob)
    assert shown == [
        {
            "name": "blobcat@remote.example",
            "count": 1,
            "me": False,
            "url": REMOTE_BLOBCAT,
            "account_ids": [str(remote.id)],
        }
    ]
    joined = await _put(client, bob, posted["id"], "blobcat@remote.example")
    assert _summary(joined["emoji_reactions"]) == [("blobcat@remote.example", 2, True)]
    assert (bob.account.id, "blobcat", REMOTE_BLOBCAT) in await _rows(db, posted["id"])
    # Another host's blobcat is not on the post: nothing to join.
    await _put(client, alice, posted["id"], "blobcat@elsewhere.example", expect=400)
    listed = await _listed(client, posted["id"], emoji="blobcat@remote.example")
    assert [a["acct"] for a in listed[0]["accounts"]] == ["carol@remote.example", "bob"]
    undone = await _delete(client, bob, posted["id"], "blobcat@remote.example")
    assert _summary(undone["emoji_reactions"]) == [("blobcat@remote.example", 1, False)]


async def test_blocked_muted_and_deactivated_reactors_are_hidden(client, factory, db):
    alice, bob, carol, dave = [await factory.user(n) for n in ("alice", "bob", "carol", "dave")]
    posted = await _post(client, alice)
    for user in (bob, carol, dave):
        await _put(client, user, posted["id"], SNAIL)
    await _put(client, carol, posted["id"], HEART)
    # Warm the caches first: what follows must not be served stale.
    assert _summary(await _shown(client, posted["id"], alice)) == [
        (SNAIL, 3, False),
        (HEART, 1, False),
    ]

    blocked = await client.post(f"/api/v1/accounts/{carol.id}/block", headers=alice.headers)
    assert blocked.status_code == 200
    muted = await client.post(f"/api/v1/accounts/{bob.id}/mute", headers=alice.headers)
    assert muted.status_code == 200
    shown = await _shown(client, posted["id"], alice)
    assert shown == [
        {"name": SNAIL, "count": 1, "me": False, "url": None, "account_ids": [dave.id]}
    ]
    assert _summary(await _listed(client, posted["id"], alice)) == [(SNAIL, 1, False)]
    # with_muted shows the muted account's reaction, never the blocked one's.
    with_muted = await _listed(client, posted["id"], alice, with_muted="true")
    assert [[a["acct"] for a in e["accounts"]] for e in with_muted] == [["bob", "dave"]]
    # Others still see everything.
    assert _summary(await _shown(client, posted["id"], dave)) == [
        (SNAIL, 3, True),
        (HEART, 1, False),
    ]

    await set_fields(db, dave.account.id, is_active=False)
    assert _summary(await _shown(client, posted["id"])) == [(SNAIL, 2, False), (HEART, 1, False)]
    assert await _shown(client, posted["id"], alice) == []
    assert [[a["acct"] for a in e["accounts"]] for e in await _listed(client, posted["id"])] == [
        ["bob", "carol"],
        ["carol"],
    ]


async def test_a_deleted_accounts_reactions_go_from_cached_statuses(client, factory, db, app):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    posted = await _post(client, alice)
    await _put(client, bob, posted["id"], SNAIL)
    assert _summary(await _shown(client, posted["id"])) == [(SNAIL, 1, False)]
    async with db() as session:
        account = await session.get(Account, bob.account.id)
        await delete_local_account(session, app.state.settings, account)
        await session.commit()
    assert await _shown(client, posted["id"]) == []
    assert await _rows(db, posted["id"]) == []


async def test_a_page_reads_reactions_in_a_constant_number_of_statements(client, factory, app):
    alice, bob = await factory.user("alice"), await factory.user("bob")

    async def measure(count: int) -> list[int]:
        for i in range(count):
            posted = await _post(client, alice, f"post {i}")
            await _put(client, bob, posted["id"], SNAIL)
            await _put(client, alice, posted["id"], HEART)
        await drain(app)
        counts = []
        for _ in range(2):
            with counting_statements(app.state.engine) as statements:
                response = await client.get(
                    "/api/v1/timelines/public", headers=bob.headers, params={"limit": count}
                )
            page = response.json()
            assert len(page) == count
            assert all(
                _summary(s["emoji_reactions"]) == [(SNAIL, 1, True), (HEART, 1, False)]
                for s in page
            )
            counts.append(len(statements))
        return counts

    app.state.entity_cache.forget_all()
    small = await measure(2)
    app.state.entity_cache.forget_all()
    big = await measure(8)
    assert small == big, (small, big)


async def test_a_reaction_streams_its_notification(stream_server, client, factory, app):  # noqa: F811
    alice, bob = await factory.user("alice"), await factory.user("bob")
    posted = await _post(client, alice)
    await settle(app)
    socket = await open_socket(stream_server, alice.token, stream="user:notification")
    try:
        await _put(client, bob, posted["id"], HEART_BARE)
        message = await socket.next()
        assert message["event"] == "notification", message
        payload = message["payload"]
        assert (payload["type"], payload["emoji"], payload["emoji_url"]) == (
            "pleroma:emoji_reaction",
            HEART,
            None,
        )
        assert payload["account"]["id"] == bob.id and payload["status"]["id"] == posted["id"]
        assert _summary(payload["status"]["emoji_reactions"]) == [(HEART, 1, False)]
        stored = await client.get(f"/api/v1/notifications/{payload['id']}", headers=alice.headers)
        assert stored.json() == payload
    finally:
        await socket.close()
