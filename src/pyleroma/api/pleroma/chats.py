"""Pleroma's chats (under both /api/v1/pleroma and /api/pleroma, and the v2 list):

- ``POST /chats/by-account-id/:id``: the chat with that account, made when there is none.
- ``GET /chats``: every chat, last updated first (``with_muted`` to see muted accounts'),
  no paging (Pleroma's v1); ``GET /api/v2/pleroma/chats``: the same list paged
  (max_id / since_id / min_id / limit, Link header).
- ``GET /chats/:id``; ``GET /chats/:id/messages``: newest first, paged with a Link header.
- ``POST /chats/:id/messages``: ``content`` and/or ``media_id`` (one upload); the
  ``Idempotency-Key`` header is shown back as the message's ``idempotency_key``.
- ``DELETE /chats/:id/messages/:message_id``: one's own message is deleted for everyone,
  someone else's only leaves one's chat (as Pleroma).
- ``POST /chats/:id/read`` (``last_read_id``): the chat, with everything up to it read;
  ``POST /chats/:id/messages/:message_id/read``: that message, read.

Scopes are Pleroma's: ``read:chats`` to read, ``write:chats`` to write (``read`` and
``write`` cover them). Errors are Pleroma's: someone else's or an unknown chat is 404
"Record not found"; a message without content or media 400 ``no_content``, over
``chat_limit`` 400 ``content_too_long``; a recipient who blocks the sender, is blocked
by it or takes no chat messages 403; a message that cannot be deleted 400
``could_not_delete``. Entities: api/pleroma/render_chats.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, require_user
from pyleroma.api.openapi import (
    BOOL,
    DATETIME,
    ID,
    INT,
    STR,
    api_doc,
    arr,
    nullable,
    obj,
    param,
    ref,
)
from pyleroma.api.openapi.parameters import PAGE, WITH_MUTED
from pyleroma.api.openapi.types import component
from pyleroma.api.pagination import link_header, read_page
from pyleroma.api.params import Params, get_params
from pyleroma.api.pleroma.render_chats import chats_to_api, message_to_api, messages_to_api
from pyleroma.api.responses import json_response
from pyleroma.db.ids import parse_id
from pyleroma.errors import BadRequest
from pyleroma.models import MediaAttachment
from pyleroma.services import chats
from pyleroma.settings import Settings

pleroma_router = APIRouter(tags=["Chats"])
# GET /api/v2/pleroma/chats has no /api/pleroma twin (Pleroma's router neither).
router = APIRouter(tags=["Chats"])

READ = ("read:chats",)
WRITE = ("write:chats",)

CHAT_MESSAGE = component(
    "ChatMessage",
    obj(
        {
            "id": ID,
            "account_id": ID,
            "chat_id": ID,
            "content": nullable(STR),
            "created_at": DATETIME,
            "emojis": arr(ref("Emoji")),
            "attachment": nullable(ref("MediaAttachment")),
            "card": nullable(obj()),
            "unread": BOOL,
        },
        optional={"idempotency_key": STR},
    ),
)
CHAT = component(
    "Chat",
    obj(
        {
            "id": ID,
            "account": ref("Account"),
            "unread": INT,
            "last_message": nullable(CHAT_MESSAGE),
            "updated_at": DATETIME,
        }
    ),
)


async def _one_chat(session: AsyncSession, settings: Settings, chat) -> dict:
    return (await chats_to_api(session, settings, [chat]))[0]


@pleroma_router.post(
    "/chats/by-account-id/{account_id}",
    summary="Get or create the chat with an account",
    **api_doc(response=CHAT, errors=(400, 401, 403, 404)),
)
async def open_chat(
    account_id: str,
    auth: AuthContext = Depends(require_user(*WRITE)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    chat = await chats.open_chat(session, auth.user, parse_id(account_id))
    return await _one_chat(session, settings, chat)


@pleroma_router.get(
    "/chats",
    summary="The chats of the user, last updated first",
    **api_doc(query=[WITH_MUTED], response=arr(CHAT), errors=(401, 403)),
)
async def list_chats(
    auth: AuthContext = Depends(require_user(*READ)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    found = await chats.list_chats(
        session, auth.user, with_muted=bool(params.bool("with_muted", False))
    )
    return await chats_to_api(session, settings, found)


@router.get(
    "/api/v2/pleroma/chats",
    summary="The chats of the user, last updated first, paged",
    **api_doc(query=[WITH_MUTED, *PAGE], response=arr(CHAT), paged=True, errors=(401, 403)),
)
async def list_chats_paged(
    request: Request,
    auth: AuthContext = Depends(require_user(*READ)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    page = read_page(params)
    found = await chats.list_chats(
        session, auth.user, with_muted=bool(params.bool("with_muted", False)), page=page
    )
    data = await chats_to_api(session, settings, found)
    return json_response(data, headers=link_header(request, [c.id for c in found], page))


@pleroma_router.get(
    "/chats/{chat_id}", summary="One chat", **api_doc(response=CHAT, errors=(401, 403, 404))
)
async def show_chat(
    chat_id: str,
    auth: AuthContext = Depends(require_user(*READ)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    chat = await chats.owned_chat(session, auth.user, parse_id(chat_id))
    return await _one_chat(session, settings, chat)


@pleroma_router.get(
    "/chats/{chat_id}/messages",
    summary="The messages of a chat, newest first",
    **api_doc(query=PAGE, response=arr(CHAT_MESSAGE), paged=True, errors=(401, 403, 404)),
)
async def chat_messages(
    chat_id: str,
    request: Request,
    auth: AuthContext = Depends(require_user(*READ)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    page = read_page(params)
    chat = await chats.owned_chat(session, auth.user, parse_id(chat_id))
    references = await chats.messages_page(session, chat, page)
    data = await messages_to_api(session, settings, references)
    return json_response(data, headers=link_header(request, [r.id for r in references], page))


def _media_id(params: Params) -> int | None:
    raw = params.raw("media_id")
    if raw is None or raw == "":
        return None
    media_id = parse_id(raw)
    if media_id is None:
        raise BadRequest("media_id: must be an id")
    return media_id


@pleroma_router.post(
    "/chats/{chat_id}/messages",
    summary="Post a message to a chat",
    **api_doc(
        body=[
            param("content", STR, "The text (optional with media_id)"),
            param("media_id", STR, "The id of one of your uploads"),
        ],
        response=CHAT_MESSAGE,
        errors=(400, 401, 403, 404, 422),
    ),
)
async def post_message(
    chat_id: str,
    request: Request,
    auth: AuthContext = Depends(require_user(*WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    reference = await chats.post_to_chat(
        session,
        settings,
        auth.user,
        parse_id(chat_id),
        params.str("content"),
        media_id=_media_id(params),
        idempotency_key=request.headers.get("idempotency-key"),
    )
    return (await messages_to_api(session, settings, [reference]))[0]


@pleroma_router.delete(
    "/chats/{chat_id}/messages/{message_id}",
    summary="Delete a message (one's own for everyone, another's from one's chat)",
    **api_doc(response=CHAT_MESSAGE, errors=(400, 401, 403)),
)
async def delete_message(
    chat_id: str,
    message_id: str,
    auth: AuthContext = Depends(require_user(*WRITE)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    media = None
    reference, message = await chats.delete_from_chat(
        session, settings, auth.user, parse_id(chat_id), parse_id(message_id)
    )
    if message.media_attachment_id is not None:
        media = await session.get(MediaAttachment, message.media_attachment_id)
    return message_to_api(settings, reference, message, media)


@pleroma_router.post(
    "/chats/{chat_id}/read",
    summary="Mark the messages of a chat read, up to last_read_id",
    **api_doc(
        body=[param("last_read_id", STR, "The newest message read", required=True)],
        response=CHAT,
        errors=(400, 401, 403, 404),
    ),
)
async def mark_chat_read(
    chat_id: str,
    auth: AuthContext = Depends(require_user(*WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    raw = params.raw("last_read_id")
    last_read_id = parse_id(raw)
    if last_read_id is None:
        raise BadRequest(
            "last_read_id: can't be blank" if raw in (None, "") else "last_read_id: must be an id"
        )
    chat = await chats.mark_chat_read(session, auth.user, parse_id(chat_id), last_read_id)
    return await _one_chat(session, settings, chat)


@pleroma_router.post(
    "/chats/{chat_id}/messages/{message_id}/read",
    summary="Mark one message read",
    **api_doc(response=CHAT_MESSAGE, errors=(401, 403, 404)),
)
async def mark_message_read(
    chat_id: str,
    message_id: str,
    auth: AuthContext = Depends(require_user(*WRITE)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    reference = await chats.mark_message_read(
        session, auth.user, parse_id(chat_id), parse_id(message_id)
    )
    return (await messages_to_api(session, settings, [reference]))[0]
