"""Scrobbles, chats and events between two pyleroma servers on loopback, driven through
the services (their client API routes come with the Pleroma API): a Listen reaches the
followers, chat messages go both ways into each side's chat, and a Join of a restricted
event waits for the organiser, whose Accept reaches the participant; a Leave undoes it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from pyleroma.federation.from_as_note import status_by_uri
from pyleroma.models import (
    Account,
    Chat,
    ChatMessage,
    ChatMessageReference,
    Event,
    EventParticipation,
    Notification,
    Scrobble,
    Status,
)
from pyleroma.services import chats
from pyleroma.services.statuses import events, scrobbles
from pyleroma.services.statuses.posting import StatusDraft
from tests.federation.servers import Server, settle
from tests.federation.test_two_servers import _follow, _resolve


async def _account(server: Server, account_id) -> Account:
    async with server.app.state.sessionmaker() as session:
        return await session.get(Account, int(account_id))


async def _rows(server: Server, stmt) -> list[tuple]:
    async with server.app.state.sessionmaker() as session:
        return [tuple(row) for row in await session.execute(stmt)]


async def test_a_scrobble_reaches_the_followers(servers):
    a, b = servers
    alice = await a.user("alice")
    bob = await b.user("bob")
    alice_on_b = await _follow(b, bob, a, "alice")

    async with a.app.state.sessionmaker() as session:
        actor = await session.get(Account, alice.account.id)
        await scrobbles.scrobble(
            session, a.app.state.settings, actor, title="Metropolis", artist="Jeff Mills",
            length=240000,
        )  # fmt: skip
    await settle(a, b)
    assert await _rows(
        b,
        select(Scrobble.account_id, Scrobble.title, Scrobble.artist, Scrobble.length).where(
            Scrobble.visibility == "public"
        ),
    ) == [(int(alice_on_b["id"]), "Metropolis", "Jeff Mills", 240000)]


async def test_chat_messages_go_both_ways(servers):
    a, b = servers
    alice = await a.user("alice")
    bob = await b.user("bob")
    bob_on_a = await _resolve(a, alice, b.handle("bob"))

    async with a.app.state.sessionmaker() as session:
        sender = await session.get(Account, alice.account.id)
        recipient = await session.get(Account, int(bob_on_a["id"]))
        await chats.post_chat_message(session, a.app.state.settings, sender, recipient, "hi bob")
    await settle(a, b)

    references = (
        select(
            Chat.account_id,
            ChatMessage.account_id,
            ChatMessage.content,
            ChatMessageReference.unread,
        )
        .join(Chat, Chat.id == ChatMessageReference.chat_id)
        .join(ChatMessage, ChatMessage.id == ChatMessageReference.message_id)
        .order_by(ChatMessageReference.id)
    )
    [(owner, sender_id, content, unread)] = await _rows(b, references)
    assert (owner, content, unread) == (bob.account.id, "hi bob", True)
    assert await _rows(b, select(Notification.type, Notification.account_id)) == [
        ("pleroma:chat_mention", bob.account.id)
    ]

    # bob answers the account the message came from.
    async with b.app.state.sessionmaker() as session:
        sender = await session.get(Account, bob.account.id)
        recipient = await session.get(Account, sender_id)
        await chats.post_chat_message(session, b.app.state.settings, sender, recipient, "hi alice")
    await settle(a, b)
    rows = await _rows(a, references)
    assert [(owner, content, unread) for owner, _, content, unread in rows] == [
        (alice.account.id, "hi bob", False),
        (alice.account.id, "hi alice", True),
    ]
    assert await _rows(a, select(Chat.account_id, Chat.recipient_id)) == [
        (alice.account.id, int(bob_on_a["id"]))
    ]


async def test_joining_a_restricted_event_across_servers(servers):
    a, b = servers
    alice = await a.user("alice")
    bob = await b.user("bob")
    await _follow(b, bob, a, "alice")
    start = dt.datetime(2030, 6, 1, 18, 0)

    async with a.app.state.sessionmaker() as session:
        organiser = await session.get(Account, alice.account.id)
        local_event = await events.create_event(
            session, a.app.state.settings, organiser, StatusDraft(text="Bring your own jam"),
            name="Jam session", start_time=start, join_mode="restricted",
            location={"name": "Community Garden"},
        )  # fmt: skip
    await settle(a, b)

    async with b.app.state.sessionmaker() as session:
        copy = await status_by_uri(session, local_event.uri)
        assert copy is not None
        event = await session.get(Event, copy.id)
        assert (event.name, event.start_time, event.join_mode) == (
            "Jam session",
            start,
            "restricted",
        )
        assert event.location["name"] == "Community Garden"
        participant = await session.get(Account, bob.account.id)
        await events.join_event(session, b.app.state.settings, participant, copy, "me too")
    await settle(a, b)

    state = select(EventParticipation.account_id, EventParticipation.state)
    [(bob_id_on_a, pending)] = await _rows(
        a, state.where(EventParticipation.status_id == local_event.id)
    )
    assert pending == "pending"
    assert await _rows(
        a,
        select(Notification.type).where(
            Notification.account_id == alice.account.id, Notification.type != "follow"
        ),
    ) == [("pleroma:participation_request",)]

    async with a.app.state.sessionmaker() as session:
        organiser = await session.get(Account, alice.account.id)
        status = await session.get(Status, local_event.id)
        joiner = await session.get(Account, bob_id_on_a)
        await events.authorize_participation(
            session, a.app.state.settings, organiser, status, joiner
        )
    await settle(a, b)
    assert await _rows(b, state) == [(bob.account.id, "accepted")]
    assert await _rows(
        b, select(Notification.type).where(Notification.account_id == bob.account.id)
    ) == [("pleroma:participation_accepted",)]
    assert (await _rows(a, select(Event.participants_count)))[0] == (1,)

    # bob leaves: gone on both sides.
    async with b.app.state.sessionmaker() as session:
        participant = await session.get(Account, bob.account.id)
        copy = await status_by_uri(session, local_event.uri)
        await events.leave_event(session, b.app.state.settings, participant, copy)
    await settle(a, b)
    assert await _rows(b, state) == []
    assert await _rows(a, state) == []
    assert (await _rows(a, select(Event.participants_count)))[0] == (0,)
