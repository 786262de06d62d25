"""Chats between two pyleroma servers on loopback, driven through Pleroma's chat API only:
alice on A writes to bob on B (text and an attachment), bob reads it in his chat and
answers, alice finds the answer unread; her deleted message leaves bob's chat; bob's
block and his turning chats off (a profile Update carrying acceptsChatMessages) stop
what she sends next."""

from __future__ import annotations

from tests.federation.servers import Server, settle
from tests.federation.test_two_servers import _follow, _resolve
from tests.media_samples import png_bytes

V1 = "/api/v1/pleroma"


async def _chats(server: Server, user) -> list[dict]:
    response = await server.get(f"{V1}/chats", user)
    assert response.status_code == 200, response.text
    return response.json()


async def _messages(server: Server, user, chat_id) -> list[dict]:
    response = await server.get(f"{V1}/chats/{chat_id}/messages", user)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_chat_across_servers(servers):
    a, b = servers
    alice = await a.user("alice")
    bob = await b.user("bob")
    bob_on_a = await _resolve(a, alice, b.handle("bob"))
    assert bob_on_a["pleroma"]["accepts_chat_messages"] is True

    opened = await a.post(f"{V1}/chats/by-account-id/{bob_on_a['id']}", alice)
    assert opened.status_code == 200, opened.text
    chat_id = opened.json()["id"]
    upload = await a.http.post(
        "/api/v1/media", files={"file": ("cat.png", png_bytes(), "image/png")},
        headers=alice.headers,
    )  # fmt: skip
    assert upload.status_code == 200, upload.text
    first = await a.post(
        f"{V1}/chats/{chat_id}/messages", alice, content="hi bob, see https://example.com"
    )
    assert first.status_code == 200, first.text
    pic = await a.post(f"{V1}/chats/{chat_id}/messages", alice, media_id=upload.json()["id"])
    assert pic.status_code == 200, pic.text
    await settle(a, b)

    [bob_chat] = await _chats(b, bob)
    assert bob_chat["account"]["acct"] == a.handle("alice")
    assert bob_chat["unread"] == 2
    received = await _messages(b, bob, bob_chat["id"])
    assert [m["unread"] for m in received] == [True, True]
    # The two deliveries may arrive in either order; each message is found by what it holds.
    [text] = [m for m in received if m["content"]]
    [picture] = [m for m in received if m["attachment"]]
    assert text["content"].startswith("hi bob")
    assert 'href="https://example.com"' in text["content"]
    assert picture["content"] is None
    assert picture["attachment"]["type"] == "image"
    assert picture["attachment"]["remote_url"].startswith(a.base_url)
    assert picture["account_id"] == bob_chat["account"]["id"]
    notifications = await b.get(
        "/api/v1/notifications", bob, **{"include_types[]": "pleroma:chat_mention"}
    )
    assert [n["chat_message"]["id"] for n in notifications.json()] == [m["id"] for m in received]

    # bob reads and answers in the same chat.
    read = await b.post(f"{V1}/chats/{bob_chat['id']}/read", bob, last_read_id=received[0]["id"])
    assert read.status_code == 200 and read.json()["unread"] == 0
    answer = await b.post(f"{V1}/chats/{bob_chat['id']}/messages", bob, content="hello alice")
    assert answer.status_code == 200, answer.text
    await settle(a, b)
    [alice_chat] = await _chats(a, alice)
    assert alice_chat["id"] == chat_id and alice_chat["unread"] == 1
    assert alice_chat["last_message"]["content"] == "hello alice"
    assert alice_chat["last_message"]["account_id"] == bob_on_a["id"]
    assert len(await _messages(a, alice, chat_id)) == 3

    # alice takes her first message back: it leaves bob's chat too.
    deleted = await a.http.delete(
        f"{V1}/chats/{chat_id}/messages/{first.json()['id']}", headers=alice.headers
    )
    assert deleted.status_code == 200, deleted.text
    await settle(a, b)
    left = await _messages(b, bob, bob_chat["id"])
    assert [m["content"] for m in left] == ["hello alice", None]
    assert len(await _messages(a, alice, chat_id)) == 2


async def test_blocks_and_closed_chats_across_servers(servers):
    a, b = servers
    alice = await a.user("alice")
    bob = await b.user("bob")
    carol = await b.user("carol")
    bob_on_a = await _resolve(a, alice, b.handle("bob"))
    carol_on_a = await _follow(a, alice, b, "carol")  # her profile Updates reach A
    alice_on_b = await _resolve(b, bob, a.handle("alice"))

    # carol turns chats off: her profile Update tells A, which then refuses to send.
    changed = await b.http.patch(
        "/api/v1/accounts/update_credentials", json={"accepts_chat_messages": False},
        headers=carol.headers,
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    await settle(a, b)
    shown = await a.get(f"/api/v1/accounts/{carol_on_a['id']}", alice)
    assert shown.json()["pleroma"]["accepts_chat_messages"] is False
    to_carol = await a.post(f"{V1}/chats/by-account-id/{carol_on_a['id']}", alice)
    refused = await a.post(f"{V1}/chats/{to_carol.json()['id']}/messages", alice, content="hi")
    assert refused.status_code == 403
    assert refused.json() == {"error": "the recipient does not accept chat messages"}

    # bob blocks alice: nothing she sends reaches his chats.
    to_bob = await a.post(f"{V1}/chats/by-account-id/{bob_on_a['id']}", alice)
    chat_id = to_bob.json()["id"]
    blocked = await b.post(f"/api/v1/accounts/{alice_on_b['id']}/block", bob)
    assert blocked.status_code == 200
    await settle(a, b)
    attempt = await a.post(f"{V1}/chats/{chat_id}/messages", alice, content="let me in")
    # A knows of the block (the Block was delivered to alice) and refuses at once.
    assert attempt.status_code == 403
    assert attempt.json() == {"error": "the sender is blocked by the recipient"}
    await settle(a, b)
    assert await _chats(b, bob) == []
    assert await _chats(b, carol) == []
    unblocked = await b.post(f"/api/v1/accounts/{alice_on_b['id']}/unblock", bob)
    assert unblocked.status_code == 200
    await settle(a, b)
    assert await _chats(b, bob) == []  # the refused message was never stored
