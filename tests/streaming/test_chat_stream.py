"""Pleroma's ``pleroma:chat_update``: each local participant's ``user`` (and
``user:pleroma_chat``) socket gets the Chat entity when a message comes or goes, with the
message that came as ``last_message``; nobody else hears of it."""

from __future__ import annotations

from tests.api.chat_helpers import V1, open_chat, send
from tests.streaming.helpers import marker, open_socket, refused


async def _next(socket, event: str) -> dict:
    message = await socket.next()
    assert message["event"] == event, message
    return message


async def test_both_sides_hear_of_a_message(stream_server, client, factory, app):
    alice, bob, carol = [await factory.user(n) for n in ("alice", "bob", "carol")]
    bob_socket = await open_socket(stream_server, bob.token, stream="user:pleroma_chat")
    alice_socket = await open_socket(stream_server, alice.token, stream="user")
    carol_socket = await open_socket(stream_server, carol.token, stream="user")
    chat = await open_chat(client, alice, bob)
    sent = await send(client, alice, chat["id"], "ping")

    message = await _next(bob_socket, "pleroma:chat_update")
    assert message["stream"] == ["user:pleroma_chat"]
    [bob_chat] = (await client.get(f"{V1}/chats", headers=bob.headers)).json()
    assert message["payload"] == bob_chat
    assert message["payload"]["unread"] == 1
    assert message["payload"]["last_message"]["content"] == "ping"

    mine = await _next(alice_socket, "pleroma:chat_update")
    assert mine["stream"] == ["user"]
    assert mine["payload"]["id"] == chat["id"]
    assert mine["payload"]["last_message"] == sent
    # bob's own user socket gets the notification and the update; carol nothing.
    await marker(app, carol.account.id)
    assert (await carol_socket.next())["event"] == "filters_changed"

    # A deleted message: both chats are told again, without it.
    response = await client.delete(
        f"{V1}/chats/{chat['id']}/messages/{sent['id']}", headers=alice.headers
    )
    assert response.status_code == 200
    gone = await _next(bob_socket, "pleroma:chat_update")
    assert gone["payload"]["last_message"] is None and gone["payload"]["unread"] == 0
    for socket in (alice_socket, bob_socket, carol_socket):
        await socket.close()


async def test_the_chat_stream_needs_read_chats(stream_server, factory):
    alice = await factory.user("alice")
    token = await factory.token(alice.account, ["read:statuses"])
    assert await refused(stream_server, token, stream="user:pleroma_chat") == 401
    allowed = await factory.token(alice.account, ["read:chats"])
    socket = await open_socket(stream_server, allowed, stream="user:pleroma_chat")
    await socket.close()
