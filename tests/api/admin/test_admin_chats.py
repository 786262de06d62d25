"""Admin API chat moderation: an account's chats, one chat, its messages (paged), deleting a
message for everyone; checked through the participants' own chat API, the stored rows, the
queued federation and the moderation log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.models import Chat, ChatMessage, ChatMessageReference, Job
from tests.api.admin.helpers import PREFIXES, admin, log_messages, moderator
from tests.api.chat_helpers import MESSAGE_FIELDS, block, chat_with, open_chat, send
from tests.api.relationship_helpers import remote_account

V1 = PREFIXES[0]
ADMIN_CHAT_FIELDS = {"id", "sender", "receiver", "unread", "last_message", "updated_at"}


async def _messages(client, user, chat_id) -> list[dict]:
    response = await client.get(f"/api/v1/pleroma/chats/{chat_id}/messages", headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_an_accounts_chats_last_updated_first(client, factory, prefix):
    boss = await admin(factory)
    alice, bob, carol = [await factory.user(n) for n in ("alice", "bob", "carol")]
    with_bob, _ = await chat_with(client, alice, bob, "hi bob")
    with_carol, _ = await chat_with(client, alice, carol, "hi carol")
    await block(client, alice, carol)  # the owner's own list hides it; staff see it
    response = await client.get(f"{prefix}/users/alice/chats", headers=boss.headers)
    assert response.status_code == 200, response.text
    chats = response.json()
    assert [c["id"] for c in chats] == [with_carol["id"], with_bob["id"]]
    assert set(chats[0]) == ADMIN_CHAT_FIELDS
    assert chats[0]["sender"]["username"] == "alice"
    assert chats[0]["receiver"]["username"] == "carol"
    assert chats[0]["last_message"]["content"] == "hi carol"
    # bob's side was made when the message arrived; by id as well as by nickname
    by_id = await client.get(f"{prefix}/users/{bob.id}/chats", headers=boss.headers)
    assert by_id.status_code == 200, by_id.text
    [bobs] = by_id.json()
    assert bobs["sender"]["username"] == "bob" and bobs["receiver"]["username"] == "alice"
    assert bobs["unread"] == 1 and bobs["last_message"]["content"] == "hi bob"
    missing = await client.get(f"{prefix}/users/nobody/chats", headers=boss.headers)
    assert (missing.status_code, missing.json()) == (404, {"error": "Not found"})


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_one_chat(client, factory, prefix):
    boss = await admin(factory)
    alice, bob = await factory.user("alice"), await factory.user("bob")
    chat, [message] = await chat_with(client, alice, bob, "hey")
    response = await client.get(f"{prefix}/chats/{chat['id']}", headers=boss.headers)
    assert response.status_code == 200, response.text
    shown = response.json()
    assert set(shown) == ADMIN_CHAT_FIELDS and "account" not in shown
    assert shown["id"] == chat["id"] and shown["receiver"] == chat["account"]
    assert shown["sender"]["id"] == alice.id and shown["last_message"] == message
    for missing in (str(int(chat["id"]) + 1), "some_id"):
        response = await client.get(f"{prefix}/chats/{missing}", headers=boss.headers)
        assert (response.status_code, response.json()) == (404, {"error": "Not found"})


async def test_messages_are_paged_newest_first(client, factory):
    boss = await admin(factory)
    alice, bob, carol = [await factory.user(n) for n in ("alice", "bob", "carol")]
    chat, sent = await chat_with(client, alice, bob, *[f"m{i}" for i in range(30)])
    await chat_with(client, alice, carol, "elsewhere")
    url = f"{V1}/chats/{chat['id']}/messages"
    first = await client.get(url, headers=boss.headers)
    assert first.status_code == 200, first.text
    page = first.json()
    assert [m["content"] for m in page] == [f"m{i}" for i in range(29, 9, -1)]
    assert all(set(m) >= MESSAGE_FIELDS and m["chat_id"] == chat["id"] for m in page)
    assert 'rel="next"' in first.headers["link"]
    rest = await client.get(url, params={"max_id": page[-1]["id"]}, headers=boss.headers)
    assert [m["content"] for m in rest.json()] == [f"m{i}" for i in range(9, -1, -1)]
    assert page + rest.json() == await _messages(client, alice, chat["id"]) + rest.json()
    missing = await client.get(f"{V1}/chats/1/messages", headers=boss.headers)
    assert (missing.status_code, missing.json()) == (404, {"error": "not found"})


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_delete_removes_the_message_for_everyone_and_logs(client, factory, db, prefix):
    boss = await admin(factory)
    alice, bob = await factory.user("alice"), await factory.user("bob")
    chat, [keep, gone] = await chat_with(client, alice, bob, "keep", "Hello darkness")
    bobs_chat = await open_chat(client, bob, alice)
    assert len(await _messages(client, bob, bobs_chat["id"])) == 2
    async with db() as session:
        message_id = await session.scalar(
            select(ChatMessageReference.message_id).where(
                ChatMessageReference.id == int(gone["id"])
            )
        )

    url = f"{prefix}/chats/{chat['id']}/messages/{gone['id']}"
    response = await client.delete(url, headers=boss.headers)
    assert response.status_code == 200, response.text
    assert response.json()["id"] == gone["id"]
    assert response.json()["content"] == "Hello darkness"
    assert [m["id"] for m in await _messages(client, alice, chat["id"])] == [keep["id"]]
    assert [m["content"] for m in await _messages(client, bob, bobs_chat["id"])] == ["keep"]
    async with db() as session:
        assert await session.get(ChatMessage, message_id) is None
    assert await log_messages(client, boss) == [f"@boss deleted chat message #{message_id}"]

    again = await client.delete(url, headers=boss.headers)
    assert (again.status_code, again.json()) == (400, {"error": "could_not_delete"})
    assert len(await log_messages(client, boss)) == 1


async def test_moderators_delete_and_wrong_pairs_are_refused(client, factory):
    mod = await moderator(factory)
    boss = await admin(factory)
    alice, bob = await factory.user("alice"), await factory.user("bob")
    chat, [message] = await chat_with(client, alice, bob, "spam")
    other, [elsewhere] = await chat_with(client, bob, alice, "reply")
    for chat_id, message_id in (
        (other["id"], message["id"]),  # a message the chat does not show
        (chat["id"], "123"),
        ("x", message["id"]),
    ):
        response = await client.delete(
            f"{V1}/chats/{chat_id}/messages/{message_id}", headers=mod.headers
        )
        assert (response.status_code, response.json()) == (400, {"error": "could_not_delete"})
    assert len(await _messages(client, alice, chat["id"])) == 2
    reads = await client.get(f"{V1}/chats/{chat['id']}", headers=mod.headers)
    assert (reads.status_code, reads.json()) == (403, {"error": "User isn't privileged."})
    response = await client.delete(
        f"{V1}/chats/{chat['id']}/messages/{message['id']}", headers=mod.headers
    )
    assert response.status_code == 200, response.text
    assert [m["content"] for m in await _messages(client, alice, chat["id"])] == ["reply"]
    assert len(await log_messages(client, boss)) == 1


async def test_deleting_ones_own_message_is_not_logged(client, factory):
    boss = await admin(factory)
    bob = await factory.user("bob")
    chat, [message] = await chat_with(client, boss, bob, "oops")
    response = await client.delete(
        f"{V1}/chats/{chat['id']}/messages/{message['id']}", headers=boss.headers
    )
    assert response.status_code == 200, response.text
    assert await _messages(client, boss, chat["id"]) == []
    assert await log_messages(client, boss) == []


async def _delete_jobs(db) -> list[dict]:
    async with db() as session:
        jobs = await session.scalars(select(Job).where(Job.kind == "federation.deliver"))
        return [j.args for j in jobs if j.args["activity"].get("type") == "Delete"]


async def test_a_local_authors_message_to_a_remote_account_is_deleted_there_too(
    client, factory, db
):
    boss = await admin(factory)
    alice = await factory.user("alice")
    bob = await remote_account(
        db, "bob", "remote.example", inbox="https://remote.example/users/bob/inbox"
    )
    chat = await open_chat(client, alice, bob)
    message = await send(client, alice, chat["id"], "to a remote")
    response = await client.delete(
        f"{V1}/chats/{chat['id']}/messages/{message['id']}", headers=boss.headers
    )
    assert response.status_code == 200, response.text
    [job] = await _delete_jobs(db)
    assert job["inbox"] == "https://remote.example/users/bob/inbox"
    assert str(job["actor_id"]) == alice.id
    assert job["activity"]["actor"] == alice.account.ap_id
    assert job["activity"]["to"] == [bob.ap_id]


async def test_a_remote_authors_message_is_only_removed_here(client, factory, db):
    boss = await admin(factory)
    alice = await factory.user("alice")
    bob = await remote_account(db, "bob", "remote.example")
    async with db() as session:
        chat = Chat(id=new_id(), account_id=alice.account.id, recipient_id=bob.id)
        message = ChatMessage(
            id=new_id(),
            ap_id="https://remote.example/objects/1",
            account_id=bob.id,
            recipient_id=alice.account.id,
            content="from afar",
            local=False,
            created_at=utcnow(),
        )
        session.add_all([chat, message])
        await session.flush()
        reference = ChatMessageReference(id=new_id(), chat_id=chat.id, message_id=message.id)
        session.add(reference)
        await session.commit()
    assert [m["content"] for m in await _messages(client, alice, chat.id)] == ["from afar"]
    response = await client.delete(
        f"{V1}/chats/{chat.id}/messages/{reference.id}", headers=boss.headers
    )
    assert response.status_code == 200, response.text
    assert await _messages(client, alice, chat.id) == []
    assert await _delete_jobs(db) == []
    assert await log_messages(client, boss) == [f"@boss deleted chat message #{message.id}"]
