"""Pleroma's ``pleroma:chat_update`` stream event: a chat changed (a message came or went).

The ``chat_update`` event (activities/handlers/chats.py ``chat_update_event``) names the
chat's owner, the chat and the message to show as its ``last_message`` (the one that came,
as Pleroma sends it, even if a later one is stored by the time it is rendered). The payload
is the Chat entity (api/pleroma/render_chats.py), sent to the owner's ``user`` and
``user:pleroma_chat`` sockets.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pyleroma.api.pleroma.render_chats import chats_to_api
from pyleroma.models import Chat
from pyleroma.settings import Settings
from pyleroma.streaming.connections import Registry

STREAMS = ("user", "user:pleroma_chat")


async def dispatch_chat_update(
    registry: Registry,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    event: dict,
    message,
    to_json,
) -> None:
    """Send the rendered chat of ``event`` to its owner's sockets (``message`` and
    ``to_json`` are the dispatcher's frame builders)."""
    owner_id = event.get("account_id")
    deliveries = [
        ((name, owner_id), conn)
        for name in STREAMS
        for conn in registry.subscribers(name, owner_id)
    ]
    if not deliveries:
        return
    async with sessionmaker() as session:
        chat = await session.get(Chat, event.get("chat_id"))
        if chat is None or chat.account_id != owner_id:
            return
        last = {chat.id: event["reference_id"]} if event.get("reference_id") else None
        rendered = await chats_to_api(session, settings, [chat], last)
    if not rendered:
        return
    payload = to_json(rendered[0])
    for topic, conn in deliveries:
        conn.send(message(topic, "pleroma:chat_update", payload))
