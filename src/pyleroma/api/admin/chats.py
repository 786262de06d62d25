"""Admin API, chat moderation (under /api/v1/pleroma/admin and /api/pleroma/admin), as
Pleroma's admin ChatController and ``list_user_chats``:

- ``GET /users/:nickname/chats``: every chat of the account (nickname or id), last
  updated first;
- ``GET /chats/:id``: one chat, as Pleroma's admin ChatView: the Pleroma chat entity with
  ``sender`` (the chat's owner) and ``receiver`` (the counterpart) instead of ``account``;
- ``GET /chats/:id/messages``: its messages, newest first, paged (max_id / since_id /
  min_id / limit, Link header), as the owner sees them;
- ``DELETE /chats/:id/messages/:message_id``: delete the message for everyone; the message
  as it was. Logged as ``chat_message_delete`` (``subject_id``).

Privileges ``messages_read`` (reads) and ``messages_delete`` (moderators have it), scopes
``admin:read:chats`` / ``admin:write:chats``. Errors are Pleroma's: an unknown account or
chat is 404, a message the chat does not show 400 ``could_not_delete``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.admin.deps import require_admin
from pyleroma.api.deps import AuthContext, get_session, get_settings
from pyleroma.api.mastodon.render_accounts import accounts_to_api
from pyleroma.api.openapi import DATETIME, ID, INT, api_doc, arr, nullable, obj, ref
from pyleroma.api.openapi.parameters import PAGE
from pyleroma.api.pagination import link_header, read_page
from pyleroma.api.params import Params, get_params
from pyleroma.api.pleroma.chats import CHAT_MESSAGE
from pyleroma.api.pleroma.render_chats import chats_to_api, message_to_api, messages_to_api
from pyleroma.api.responses import json_response
from pyleroma.errors import NotFound
from pyleroma.models import Account
from pyleroma.services.accounts import admin_users
from pyleroma.services.chats import admin_chats, messages_page
from pyleroma.settings import Settings

admin_router = APIRouter(tags=["Admin: chats"])

READ = ("admin:read:chats",)
WRITE = ("admin:write:chats",)
ADMIN_CHAT = obj(
    {
        "id": ID,
        "sender": ref("Account"),
        "receiver": ref("Account"),
        "unread": INT,
        "last_message": nullable(CHAT_MESSAGE),
        "updated_at": DATETIME,
    }
)


async def _admin_chats(session: AsyncSession, settings: Settings, chats: list) -> list[dict]:
    """Pleroma's admin ChatView: ``account`` becomes ``receiver``, the owner ``sender``."""
    rendered = await chats_to_api(session, settings, chats)
    owner_ids = {chat.account_id for chat in chats}
    owners = list(await session.scalars(select(Account).where(Account.id.in_(owner_ids))))
    rendered_owners = await accounts_to_api(session, settings, owners, None)
    by_owner = {a.id: data for a, data in zip(owners, rendered_owners, strict=True)}
    owner_of = {str(chat.id): chat.account_id for chat in chats}
    result = []
    for data in rendered:
        sender = by_owner.get(owner_of[data["id"]])
        if sender is None:
            continue
        result.append(
            {
                "id": data["id"],
                "sender": sender,
                "receiver": data["account"],
                "unread": data["unread"],
                "last_message": data["last_message"],
                "updated_at": data["updated_at"],
            }
        )
    return result


@admin_router.get(
    "/users/{nickname}/chats",
    summary="Every chat of an account, last updated first",
    **api_doc(response=arr(ADMIN_CHAT), errors=(401, 403, 404)),
)
async def user_chats(
    nickname: str,
    auth: AuthContext = Depends(require_admin("messages_read", *READ)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    account = await admin_users.get_user(session, nickname)
    return await _admin_chats(session, settings, await admin_chats.chats_of(session, account))


@admin_router.get(
    "/chats/{chat_id}",
    summary="One chat, with its owner (sender) and counterpart (receiver)",
    **api_doc(response=ADMIN_CHAT, errors=(401, 403, 404)),
)
async def show_chat(
    chat_id: str,
    auth: AuthContext = Depends(require_admin("messages_read", *READ)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    chat = await admin_chats.get_chat(session, chat_id)
    rendered = await _admin_chats(session, settings, [chat])
    if not rendered:  # an account of the chat is gone
        raise NotFound("Not found")
    return rendered[0]


@admin_router.get(
    "/chats/{chat_id}/messages",
    summary="The messages of a chat, newest first",
    **api_doc(query=PAGE, response=arr(CHAT_MESSAGE), paged=True, errors=(401, 403, 404)),
)
async def chat_messages(
    chat_id: str,
    request: Request,
    auth: AuthContext = Depends(require_admin("messages_read", *READ)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    page = read_page(params)
    chat = await admin_chats.get_chat(session, chat_id, "not found")
    references = await messages_page(session, chat, page)
    data = await messages_to_api(session, settings, references)
    return json_response(data, headers=link_header(request, [r.id for r in references], page))


@admin_router.delete(
    "/chats/{chat_id}/messages/{message_id}",
    summary="Delete a chat message for everyone",
    **api_doc(response=CHAT_MESSAGE, errors=(400, 401, 403)),
)
async def delete_message(
    chat_id: str,
    message_id: str,
    auth: AuthContext = Depends(require_admin("messages_delete", *WRITE)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    reference, message, media = await admin_chats.delete_message(
        session, settings, auth.user, chat_id, message_id
    )
    return message_to_api(settings, reference, message, media)
