"""Access-table rows for api/admin/chats.py."""

from __future__ import annotations

from sqlalchemy import select

from pyleroma.models import Account, ChatMessageReference
from pyleroma.services.chats import chat_between, post_chat_message
from tests.api.admin.access_table import Route


async def _chat(factory, app) -> dict:
    """Two fresh accounts and a message between them: the sender's chat and its reference."""
    sender, recipient = await factory.account(), await factory.account()
    async with app.state.sessionmaker() as session:
        sender = await session.get(Account, sender.id)
        recipient = await session.get(Account, recipient.id)
        await post_chat_message(session, app.state.settings, sender, recipient, "hi")
        chat = await chat_between(session, sender.id, recipient.id)
        reference = await session.scalar(
            select(ChatMessageReference.id).where(ChatMessageReference.chat_id == chat.id)
        )
        return {"chat": str(chat.id), "message": str(reference), "owner": sender.nickname}


ROUTES = [
    Route("GET", "/users/{owner}/chats", setup=_chat),
    Route("GET", "/chats/{chat}", setup=_chat),
    Route("GET", "/chats/{chat}/messages", setup=_chat),
    Route("DELETE", "/chats/{chat}/messages/{message}", moderator=True, setup=_chat),
]
