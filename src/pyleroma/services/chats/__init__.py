"""Chats (Pleroma's ChatMessage): one chat per local account and counterpart, the messages
in it (models/chat.py). Sending and deleting are in messages.py, what an owner reads and
marks read in reads.py; the Pleroma chat API (api/pleroma/chats.py) calls these."""

from pyleroma.services.chats.messages import (
    check_chat_message,
    delete_from_chat,
    post_chat_message,
    post_to_chat,
)
from pyleroma.services.chats.reads import (
    chat_between,
    list_chats,
    mark_chat_read,
    mark_message_read,
    messages_page,
    open_chat,
    owned_chat,
    unread_count,
)

__all__ = [
    "chat_between",
    "check_chat_message",
    "delete_from_chat",
    "list_chats",
    "mark_chat_read",
    "mark_message_read",
    "messages_page",
    "open_chat",
    "owned_chat",
    "post_chat_message",
    "post_to_chat",
    "unread_count",
]
