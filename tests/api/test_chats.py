"""Pleroma's chats (both prefixes, and the v2 list): opening a chat by account id, the
lists (v1 whole, v2 paged, muted and blocked accounts left out), one chat, its messages
paged with Link headers, and the read marks. Sending and deleting: test_chat_messages.py."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from pyleroma.models import Account, Chat, ChatMessageReference
from tests.api.chat_helpers import (
    CHAT_FIELDS,
    MESSAGE_FIELDS,
    PREFIXES,
    V1,
    block,
    chat_rows,
    chat_with,
    mute,
    open_chat,
    send,
)
from tests.api.relationship_helpers import next_link, prev_link


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_opening_a_chat_makes_it_once(client, factory, db, prefix):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    chat = await open_chat(client, alice, bob, prefix)
    assert set(chat) == CHAT_FIELDS
    assert chat["account"]["id"] == bob.id and chat["account"]["acct"] == "bob"
    assert chat["unread"] == 0 and chat["last_message"] is None
    assert chat["updated_at"].endswith("Z")
    again = await open_chat(client, alice, bob, prefix)
    assert again["id"] == chat["id"]
    assert await chat_rows(db) == [(alice.account.id, bob.account.id)]
    shown = await client.get(f"{prefix}/chats/{chat['id']}", headers=alice.headers)
    assert shown.status_code == 200 and shown.json() == chat


async def test_opening_a_chat_refused(client, factory, db):
    alice, bob, carol = [await factory.user(n) for n in ("alice", "bob", "carol")]
    path = f"{V1}/chats/by-account-id/{bob.id}"
    assert (await client.post(path)).status_code == 401
    reader = await factory.token(alice.account, ["read"])
    denied = await client.post(path, headers={"Authorization": f"Bearer {reader}"})
    assert denied.status_code == 403 and "error" in denied.json()
    for missing in ("999999", "nope"):
        gone = await client.post(f"{V1}/chats/by-account-id/{missing}", headers=alice.headers)
        assert gone.status_code == 404 and gone.json() == {"error": "Record not found"}
    itself = await client.post(f"{V1}/chats/by-account-id/{alice.id}", headers=alice.headers)
    assert itself.status_code == 400 and "error" in itself.json()
    # A block either way: no chat.
    await block(client, bob, alice)
    blocked = await client.post(path, headers=alice.headers)
    assert blocked.status_code == 403 and "error" in blocked.json()
    await block(client, alice, carol)
    blocking = await client.post(f"{V1}/chats/by-account-id/{carol.id}", headers=alice.headers)
    assert blocking.status_code == 403
    # A deactivated account has no chat either.
    async with db() as session:
        await session.execute(
            update(Account).where(Account.id == carol.account.id).values(is_active=False)
        )
        await session.commit()
    dave = await factory.user("dave")
    off = await client.post(f"{V1}/chats/by-account-id/{carol.id}", headers=dave.headers)
    assert off.status_code == 404
    assert await chat_rows(db) == []


async def test_someone_elses_chat_is_not_found(client, factory):
    alice, bob, carol = [await factory.user(n) for n in ("alice", "bob", "carol")]
    chat, _ = await chat_with(client, alice, bob, "hi")
    for path in (f"/chats/{chat['id']}", f"/chats/{chat['id']}/messages", "/chats/12345"):
        response = await client.get(f"{V1}{path}", headers=carol.headers)
        assert response.status_code == 404 and response.json() == {"error": "Record not found"}
    assert (await client.get(f"{V1}/chats/{chat['id']}")).status_code == 401
    token = await factory.token(alice.account, ["write"])
    denied = await client.get(
        f"{V1}/chats/{chat['id']}", headers={"Authorization": f"Bearer {token}"}
    )
    assert denied.status_code == 403
    scoped = await factory.token(alice.account, ["read:chats"])
    allowed = await client.get(
        f"{V1}/chats/{chat['id']}", headers={"Authorization": f"Bearer {scoped}"}
    )
    assert allowed.status_code == 200


async def _age(db, chat_id, minutes: int) -> None:
    """Move a chat's updated_at back (chats order by it)."""
    import datetime as dt

    async with db() as session:
        chat = await session.get(Chat, int(chat_id))
        chat.updated_at = chat.updated_at - dt.timedelta(minutes=minutes)
        await session.commit()


async def test_the_v1_list_is_every_chat_last_updated_first(client, factory, db):
    alice = await factory.user("alice")
    others = [await factory.user(n) for n in ("bob", "carol", "dave")]
    chats = [await open_chat(client, alice, other) for other in others]
    for minutes, chat in zip((30, 20, 10), chats, strict=True):
        await _age(db, chat["id"], minutes)
    # bob writes: his chat comes first, with the message and one unread.
    bob_side = await open_chat(client, others[0], alice)
    sent = await send(client, others[0], bob_side["id"], "hello alice")
    for prefix in PREFIXES:
        listed = await client.get(f"{prefix}/chats", headers=alice.headers)
        assert listed.status_code == 200
        assert "link" not in listed.headers
        data = listed.json()
        assert [c["id"] for c in data] == [chats[0]["id"], chats[2]["id"], chats[1]["id"]]
        first = data[0]
        assert set(first) == CHAT_FIELDS and first["unread"] == 1
        assert set(first["last_message"]) == MESSAGE_FIELDS
        assert first["last_message"]["content"] == "hello alice"
        assert first["last_message"]["account_id"] == others[0].id
        assert first["last_message"]["chat_id"] == chats[0]["id"]
        assert first["last_message"]["id"] != sent["id"]  # alice's own reference
    assert (await client.get(f"{V1}/chats")).status_code == 401


async def test_lists_leave_out_blocked_muted_and_gone_accounts(client, factory, db):
    alice = await factory.user("alice")
    bob, carol, dave = [await factory.user(n) for n in ("bob", "carol", "dave")]
    kept = await open_chat(client, alice, bob)
    muted = await open_chat(client, alice, carol)
    blocked = await open_chat(client, alice, dave)
    await mute(client, alice, carol)
    await block(client, alice, dave)
    for path in (f"{V1}/chats", "/api/v2/pleroma/chats"):
        listed = await client.get(path, headers=alice.headers)
        assert [c["id"] for c in listed.json()] == [kept["id"]]
        with_muted = await client.get(path, params={"with_muted": "true"}, headers=alice.headers)
        assert sorted(c["id"] for c in with_muted.json()) == sorted([kept["id"], muted["id"]])
    async with db() as session:
        await session.execute(
            update(Account).where(Account.id == bob.account.id).values(is_active=False)
        )
        await session.commit()
    listed = await client.get(f"{V1}/chats", headers=alice.headers)
    assert listed.json() == []
    # The rows stay: unblocking shows the chat again.
    assert len(await chat_rows(db)) == 3
    response = await client.post(f"/api/v1/accounts/{dave.id}/unblock", headers=alice.headers)
    assert response.status_code == 200
    listed = await client.get(f"{V1}/chats", headers=alice.headers)
    assert [c["id"] for c in listed.json()] == [blocked["id"]]


async def test_the_v2_list_is_paged_by_last_update(client, factory, db):
    alice = await factory.user("alice")
    others = [await factory.user(f"user{i}") for i in range(5)]
    chats = [await open_chat(client, alice, other) for other in others]
    for minutes, chat in zip((50, 40, 30, 20, 10), chats, strict=True):
        await _age(db, chat["id"], minutes)
    newest_first = [c["id"] for c in reversed(chats)]
    first = await client.get("/api/v2/pleroma/chats", params={"limit": 2}, headers=alice.headers)
    assert first.status_code == 200
    assert [c["id"] for c in first.json()] == newest_first[:2]
    assert prev_link(first).endswith(f"min_id={newest_first[0]}")
    # The oldest chat gets a message: it moves to the front, and the pages stay whole.
    oldest_side = await open_chat(client, others[0], alice)
    await send(client, others[0], oldest_side["id"], "up we go")
    second = await client.get(next_link(first), headers=alice.headers)
    assert [c["id"] for c in second.json()] == newest_first[2:4]
    third = await client.get(next_link(second), headers=alice.headers)
    assert [c["id"] for c in third.json()] == []
    newer = await client.get(prev_link(first), headers=alice.headers)
    assert [c["id"] for c in newer.json()] == [chats[0]["id"]]
    # A cursor that is none of alice's chats gives nothing past it.
    bob_side = await client.get(
        "/api/v2/pleroma/chats", params={"max_id": oldest_side["id"]}, headers=alice.headers
    )
    assert bob_side.json() == []
    bad = await client.get("/api/v2/pleroma/chats?max_id=abc", headers=alice.headers)
    assert bad.status_code == 422 and "error" in bad.json()
    assert (await client.get("/api/v2/pleroma/chats")).status_code == 401
    assert (await client.get("/api/pleroma/v2/chats", headers=alice.headers)).status_code == 404


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_messages_are_paged_newest_first(client, factory, prefix):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    chat, sent = await chat_with(client, alice, bob, *[f"message {i}" for i in range(5)])
    path = f"{prefix}/chats/{chat['id']}/messages"
    everything = await client.get(path, headers=alice.headers)
    assert [m["content"] for m in everything.json()] == [f"message {i}" for i in range(4, -1, -1)]
    assert [m["id"] for m in everything.json()] == [m["id"] for m in reversed(sent)]
    page = await client.get(path, params={"limit": 2}, headers=alice.headers)
    assert [m["content"] for m in page.json()] == ["message 4", "message 3"]
    assert page.json()[0] == {**sent[4]}
    nxt = await client.get(next_link(page), headers=alice.headers)
    assert [m["content"] for m in nxt.json()] == ["message 2", "message 1"]
    assert f"{prefix}/chats/{chat['id']}/messages?" in next_link(page)
    up = await client.get(path, params={"min_id": sent[0]["id"], "limit": 2}, headers=alice.headers)
    assert [m["content"] for m in up.json()] == ["message 2", "message 1"]
    since = await client.get(path, params={"since_id": sent[3]["id"]}, headers=alice.headers)
    assert [m["content"] for m in since.json()] == ["message 4"]
    bad = await client.get(path, params={"max_id": "x"}, headers=alice.headers)
    assert bad.status_code == 422


async def test_reading_marks_messages_read(client, factory, db):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    bob_chat, _ = await chat_with(client, bob, alice, "one", "two", "three")
    chat = await open_chat(client, alice, bob)
    assert chat["unread"] == 3
    messages = (await client.get(f"{V1}/chats/{chat['id']}/messages", headers=alice.headers)).json()
    assert [m["unread"] for m in messages] == [True, True, True]

    read = await client.post(
        f"{V1}/chats/{chat['id']}/read", json={"last_read_id": messages[1]["id"]},
        headers=alice.headers,
    )  # fmt: skip
    assert read.status_code == 200
    assert set(read.json()) == CHAT_FIELDS and read.json()["unread"] == 1
    async with db() as session:
        unread = await session.scalars(
            select(ChatMessageReference.id).where(
                ChatMessageReference.chat_id == int(chat["id"]),
                ChatMessageReference.unread.is_(True),
            )
        )
        assert [str(i) for i in unread] == [messages[0]["id"]]

    one = await client.post(
        f"/api/pleroma/chats/{chat['id']}/messages/{messages[0]['id']}/read",
        headers=alice.headers,
    )
    assert one.status_code == 200
    assert set(one.json()) == MESSAGE_FIELDS and one.json()["unread"] is False
    assert (await open_chat(client, alice, bob))["unread"] == 0
    # bob's own side was never unread
    assert (await client.get(f"{V1}/chats/{bob_chat['id']}", headers=bob.headers)).json()[
        "unread"
    ] == 0


async def test_reading_refused(client, factory):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    chat, [sent] = await chat_with(client, alice, bob, "hi")
    path = f"{V1}/chats/{chat['id']}/read"
    missing = await client.post(path, json={}, headers=alice.headers)
    assert missing.status_code == 400 and "last_read_id" in missing.json()["error"]
    bad = await client.post(path, json={"last_read_id": "abc"}, headers=alice.headers)
    assert bad.status_code == 400 and "error" in bad.json()
    others = await client.post(path, json={"last_read_id": sent["id"]}, headers=bob.headers)
    assert others.status_code == 404
    assert (await client.post(path, json={"last_read_id": sent["id"]})).status_code == 401
    reader = await factory.token(alice.account, ["read"])
    denied = await client.post(
        path, json={"last_read_id": sent["id"]}, headers={"Authorization": f"Bearer {reader}"}
    )
    assert denied.status_code == 403
    one = f"{V1}/chats/{chat['id']}/messages/{sent['id']}/read"
    assert (await client.post(one, headers=bob.headers)).status_code == 404
    wrong = await client.post(f"{V1}/chats/{chat['id']}/messages/1/read", headers=alice.headers)
    assert wrong.status_code == 404
