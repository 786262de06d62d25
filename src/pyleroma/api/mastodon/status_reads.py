"""Reading, editing and deleting statuses: /api/v1/statuses/:id and what hangs off it.

Scopes follow Pleroma's StatusController: reads (show, index, context, history, source) are
open to anonymous viewers and need ``read:statuses`` from a token; the audience lists need
``read:accounts``; edit and delete need ``write:statuses``. A status the viewer may not see
is 404 everywhere, exactly like one that does not exist.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.backfill import BackfillTrigger, backfill_trigger
from pyleroma.api.deps import AuthContext, get_session, get_settings, optional_user, require_user
from pyleroma.api.mastodon.render_accounts import account_to_api, accounts_to_api
from pyleroma.api.mastodon.render_emojis import emojis_to_api
from pyleroma.api.mastodon.render_statuses import media_to_api, status_to_api, statuses_to_api
from pyleroma.api.openapi import BOOL, INT, STR, api_doc, arr, nullable, obj, param, ref
from pyleroma.api.openapi.parameters import PAGE
from pyleroma.api.pagination import link_header, read_page
from pyleroma.api.params import Params, get_params
from pyleroma.api.responses import json_response
from pyleroma.db.ids import parse_id
from pyleroma.errors import Forbidden, NotFound, Unprocessable
from pyleroma.models import Account
from pyleroma.services.filters.filters import filter_statuses
from pyleroma.services.statuses import status_reads, threads
from pyleroma.services.statuses.status_access import get_visible_status, read_visible_status
from pyleroma.services.statuses.status_delete import get_deletable_status, remove_status
from pyleroma.services.statuses.status_edit import StatusChanges, edit_status, load_history
from pyleroma.settings import Settings
from pyleroma.urls import masto_datetime

router = APIRouter(tags=["Statuses"])

read_statuses = optional_user("read:statuses")
read_accounts = optional_user("read:accounts")
write_statuses = require_user("write:statuses")

POLL_EDIT = obj(
    {"options": arr(STR), "expires_in": INT},
    optional={"multiple": BOOL, "hide_totals": BOOL},
)


def _viewer(auth: AuthContext | None) -> Account | None:
    return auth.account if auth is not None else None


@router.get(
    "/api/v1/statuses",
    **api_doc(
        query=[param("id", arr(STR)), param("ids", arr(STR), "Pleroma's name for id")],
        response=arr(ref("Status")),
    ),
)
async def list_statuses(
    auth: AuthContext | None = Depends(read_statuses),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Several statuses by id (Mastodon's ``id[]``, Pleroma's ``ids[]``), in the order asked."""
    viewer = _viewer(auth)
    raw = params.str_list("id") + params.str_list("ids")
    statuses = await status_reads.get_statuses(session, viewer, raw)
    return await statuses_to_api(session, settings, statuses, viewer)


@router.get("/api/v1/statuses/{status_id}", **api_doc(response=ref("Status"), errors=(404,)))
async def show_status(
    status_id: str,
    auth: AuthContext | None = Depends(read_statuses),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    viewer = _viewer(auth)
    status = await read_visible_status(session, viewer, status_id)
    return await status_to_api(session, settings, status, viewer)


@router.delete("/api/v1/statuses/{status_id}", **api_doc(response=ref("Status"), errors=(404,)))
async def destroy_status(
    status_id: str,
    auth: AuthContext = Depends(write_statuses),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Delete one's own status (staff: anyone's); answers it with ``text`` for redraft."""
    status = await get_deletable_status(session, auth.user, status_id)
    rendered = await status_to_api(session, settings, status, auth.user, with_source=True)
    await remove_status(session, settings, status)
    await session.commit()
    return rendered


def _media_ids(params: Params) -> list[int] | None:
    if not params.has("media_ids"):
        return None
    ids = []
    for raw in params.str_list("media_ids"):
        if raw == "":
            continue  # a form can only say "no media" as media_ids[]=
        ident = parse_id(raw)
        if ident is None:
            raise Unprocessable("Invalid media id")
        ids.append(ident)
    return ids


def read_changes(params: Params) -> StatusChanges:
    """The edit request's fields; absent ones are None (kept), see services.status_edit."""
    attributes = params.list("media_attributes")
    return StatusChanges(
        text=params.str("status"),
        content_type=params.str("content_type"),
        spoiler_text=params.str("spoiler_text"),
        sensitive=params.bool("sensitive"),
        language=params.str("language", max_length=16),
        media_ids=_media_ids(params),
        media_attributes=attributes,
        poll_given=params.has("poll"),
        poll=None if params.raw("poll") in (None, "") else params.raw("poll"),
    )


@router.put(
    "/api/v1/statuses/{status_id}",
    **api_doc(
        body=[
            param("status", STR),
            param("content_type", STR),
            param("spoiler_text", STR),
            param("sensitive", BOOL),
            param("language", STR),
            param("media_ids", arr(STR)),
            param(
                "media_attributes",
                arr(obj({"id": STR}, optional={"description": STR, "focus": STR})),
            ),
            param("poll", nullable(POLL_EDIT), "A new poll; null or empty removes it"),
        ],
        response=ref("Status"),
        errors=(403, 404, 422),
    ),
)
async def update_status(
    status_id: str,
    auth: AuthContext = Depends(write_statuses),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Edit one's own status; others' are 403 (404 when not even visible), as Pleroma."""
    changes = read_changes(params)
    status = await get_visible_status(session, auth.user, status_id, for_update=True)
    if status.reblog_of_id is not None:
        raise NotFound("Record not found")
    if status.account_id != auth.user.id:
        raise Forbidden("Access denied")
    status = await edit_status(session, settings, status, auth.user, changes)
    await session.commit()
    return await status_to_api(session, settings, status, auth.user)


@router.get(
    "/api/v1/statuses/{status_id}/history",
    **api_doc(response=arr(ref("StatusEdit")), errors=(404,)),
)
async def status_history(
    status_id: str,
    auth: AuthContext | None = Depends(read_statuses),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Every version of the status, oldest first, the current one last (Mastodon's order)."""
    viewer = _viewer(auth)
    status = await status_reads.get_thread_status(session, viewer, status_id)
    author = await session.get(Account, status.account_id)
    if author is None:
        raise NotFound("Record not found")
    versions = await load_history(session, status)
    account = account_to_api(settings, author, viewer)
    return [
        {
            "content": version.content,
            "spoiler_text": version.spoiler_text,
            "sensitive": version.sensitive,
            "created_at": masto_datetime(version.created_at),
            "account": account,
            "media_attachments": [media_to_api(settings, m) for m in version.media],
            "emojis": emojis_to_api(version.emojis),
            "poll": {"options": [{"title": t} for t in version.poll_options]}
            if version.poll_options is not None
            else None,
        }
        for version in versions
    ]


@router.get(
    "/api/v1/statuses/{status_id}/source",
    **api_doc(response=ref("StatusSource"), errors=(404,)),
)
async def status_source(
    status_id: str,
    auth: AuthContext | None = Depends(read_statuses),
    session: AsyncSession = Depends(get_session),
):
    """The text as typed, for editing; whoever may see the status may read it (Pleroma)."""
    status = await status_reads.get_thread_status(session, _viewer(auth), status_id)
    return {
        "id": str(status.id),
        "text": status.source,
        "spoiler_text": status.spoiler_text,
        "content_type": status.content_type,
    }


@router.get(
    "/api/v1/statuses/{status_id}/context",
    **api_doc(response=ref("Context"), errors=(404,)),
)
async def status_context(
    status_id: str,
    auth: AuthContext | None = Depends(read_statuses),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
    backfill: BackfillTrigger = Depends(backfill_trigger),
):
    viewer = _viewer(auth)
    status = await status_reads.get_thread_status(session, viewer, status_id)
    thread = await threads.load_thread(session, status, viewer)
    # Remote posts in the thread: ancestors and replies fetched after the answer.
    backfill.thread(viewer, status, thread.ancestors + thread.descendants)
    rendered = await statuses_to_api(
        session, settings, thread.ancestors + thread.descendants, viewer
    )
    rendered = await filter_statuses(
        session, viewer.id if viewer is not None else None, "thread", rendered
    )
    above = {str(s.id) for s in thread.ancestors}
    return {
        "ancestors": [item for item in rendered if item["id"] in above],
        "descendants": [item for item in rendered if item["id"] not in above],
    }


async def _audience(request, status_id, auth, params, session, settings, lister):
    viewer = _viewer(auth)
    status = await status_reads.get_thread_status(session, viewer, status_id)
    page = read_page(params)
    rows = await lister(session, viewer, status, page)
    data = await accounts_to_api(session, settings, [account for account, _ in rows], viewer)
    return json_response(data, headers=link_header(request, [key for _, key in rows], page))


@router.get(
    "/api/v1/statuses/{status_id}/favourited_by",
    **api_doc(query=PAGE, response=arr(ref("Account")), paged=True, errors=(404,)),
)
async def status_favourited_by(
    request: Request,
    status_id: str,
    auth: AuthContext | None = Depends(read_accounts),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Who favourited the status, newest first, paginated by favourite id."""
    return await _audience(
        request, status_id, auth, params, session, settings, status_reads.favourited_by
    )


@router.get(
    "/api/v1/statuses/{status_id}/reblogged_by",
    **api_doc(query=PAGE, response=arr(ref("Account")), paged=True, errors=(404,)),
)
async def status_reblogged_by(
    request: Request,
    status_id: str,
    auth: AuthContext | None = Depends(read_accounts),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Who reblogged the status, newest first, paginated by reblog id."""
    return await _audience(
        request, status_id, auth, params, session, settings, status_reads.reblogged_by
    )
