"""Direct conversations: Mastodon's /api/v1/conversations and Pleroma's extensions.

Scopes as Pleroma: reading needs ``read:statuses``; marking read, leaving and changing the
recipients need ``write:conversations``. A conversation id is the viewer's participation
id; anyone else's is a 404 ("Unknown conversation id"). Lists carry Link headers whose
``max_id``/``min_id`` are participation ids (statuses pages: status ids).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, require_user
from pyleroma.api.mastodon.render_conversations import conversation_to_api, conversations_to_api
from pyleroma.api.mastodon.render_statuses import statuses_to_api
from pyleroma.api.openapi import STR, api_doc, arr, param, ref
from pyleroma.api.openapi.parameters import PAGE
from pyleroma.api.pagination import link_header, read_page
from pyleroma.api.params import Params, get_params
from pyleroma.api.responses import json_response
from pyleroma.errors import Unprocessable
from pyleroma.services.timelines import conversations
from pyleroma.settings import Settings

router = APIRouter(tags=["Conversations"])
pleroma_router = APIRouter(tags=["Conversations"])

READ = "read:statuses"
WRITE = "write:conversations"


@router.get(
    "/api/v1/conversations",
    **api_doc(
        query=[*PAGE, param("recipients", arr(STR), "Only with these accounts")],
        response=arr(ref("Conversation")),
        paged=True,
    ),
)
async def index(
    request: Request,
    auth: AuthContext = Depends(require_user(READ)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The viewer's conversations, most recently active first; ``recipients[]`` filters."""
    page = read_page(params)
    recipient_ids = conversations.parse_account_ids(params.str_list("recipients"), "recipients")
    participations = await conversations.list_participations(
        session, auth.user, page, recipient_ids
    )
    data = await conversations_to_api(session, settings, participations, auth.user)
    headers = link_header(request, [p.id for p in participations], page)
    return json_response(data, headers=headers)


@router.post(
    "/api/v1/conversations/{participation_id}/read",
    **api_doc(response=ref("Conversation"), errors=(404,)),
)
async def mark_read(
    participation_id: str,
    auth: AuthContext = Depends(require_user(WRITE)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Mark one conversation read; answers the conversation."""
    participation = await conversations.get_participation(session, auth.user, participation_id)
    await conversations.mark_read(session, participation)
    return await conversation_to_api(session, settings, participation, auth.user)


@router.delete("/api/v1/conversations/{participation_id}", **api_doc(errors=(404,)))
async def delete(
    participation_id: str,
    auth: AuthContext = Depends(require_user(WRITE)),
    session: AsyncSession = Depends(get_session),
):
    """Leave the conversation (the statuses stay; a new direct post brings it back)."""
    participation = await conversations.get_participation(session, auth.user, participation_id)
    await conversations.delete_participation(session, participation)
    return {}


@pleroma_router.post(
    "/conversations/read", **api_doc(response=arr(ref("Conversation")), paged=True)
)
async def mark_all_read(
    request: Request,
    auth: AuthContext = Depends(require_user(WRITE)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Mark every conversation read; returns the ones that were unread."""
    participations = await conversations.mark_all_read(session, auth.user)
    data = await conversations_to_api(session, settings, participations, auth.user)
    page = read_page(Params({}))
    headers = link_header(request, [p.id for p in participations], page)
    return json_response(data, headers=headers)


@pleroma_router.get(
    "/conversations/{participation_id}", **api_doc(response=ref("Conversation"), errors=(404,))
)
async def show(
    participation_id: str,
    auth: AuthContext = Depends(require_user(READ)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """One conversation, with ``pleroma.recipients`` (Pleroma)."""
    participation = await conversations.get_participation(session, auth.user, participation_id)
    return await conversation_to_api(session, settings, participation, auth.user)


@pleroma_router.get(
    "/conversations/{participation_id}/statuses",
    **api_doc(query=PAGE, response=arr(ref("Status")), paged=True, errors=(404,)),
)
async def statuses(
    request: Request,
    participation_id: str,
    auth: AuthContext = Depends(require_user(READ)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The conversation's posts the viewer may see, newest first, paged like a timeline."""
    participation = await conversations.get_participation(session, auth.user, participation_id)
    page = read_page(params)
    rows = await conversations.thread_statuses(session, auth.user, participation, page)
    data = await statuses_to_api(session, settings, rows, auth.user)
    return json_response(data, headers=link_header(request, [s.id for s in rows], page))


@pleroma_router.patch(
    "/conversations/{participation_id}",
    **api_doc(
        body=[param("recipients", arr(STR), "Account ids", required=True)],
        response=ref("Conversation"),
        errors=(404, 422),
    ),
)
async def update(
    participation_id: str,
    auth: AuthContext = Depends(require_user(WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Replace the recipients of replies to this conversation (the owner always stays)."""
    participation = await conversations.get_participation(session, auth.user, participation_id)
    if not params.has("recipients"):
        raise Unprocessable("recipients: is required")
    account_ids = conversations.parse_account_ids(params.str_list("recipients"), "recipients")
    await conversations.set_recipients(session, participation, account_ids)
    return await conversation_to_api(session, settings, participation, auth.user)
