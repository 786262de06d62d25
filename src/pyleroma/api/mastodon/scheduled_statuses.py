"""Scheduled statuses: GET /api/v1/scheduled_statuses[/:id], PUT and DELETE /:id.

Scopes as Pleroma's ScheduledActivityController: ``read:statuses`` to read,
``write:statuses`` to reschedule or delete. Another account's scheduled status is 404, like
a missing one. The ScheduledStatus entity (``scheduled_status_to_api``) is also what
``POST /api/v1/statuses`` answers when it schedules.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, require_user
from pyleroma.api.mastodon.render_statuses import media_to_api
from pyleroma.api.openapi import DATETIME, api_doc, arr, param, ref
from pyleroma.api.openapi.parameters import PAGE
from pyleroma.api.pagination import link_header, read_page
from pyleroma.api.params import Params, get_params
from pyleroma.api.responses import json_response
from pyleroma.models import MediaAttachment, ScheduledStatus
from pyleroma.services.statuses import scheduled as scheduled_service
from pyleroma.settings import Settings
from pyleroma.urls import masto_datetime

router = APIRouter(tags=["Scheduled statuses"])

read_statuses = require_user("read:statuses")
write_statuses = require_user("write:statuses")


def scheduled_status_to_api(
    settings: Settings, scheduled: ScheduledStatus, media: dict[int, MediaAttachment]
) -> dict:
    """Pleroma's ScheduledStatus entity; ``media`` holds the rows its media ids refer to."""
    params = scheduled.params or {}
    attachments = [media[int(i)] for i in scheduled.media_ids or [] if int(i) in media]
    return {
        "id": str(scheduled.id),
        "scheduled_at": masto_datetime(scheduled.scheduled_at),
        "params": {
            "text": params.get("status"),
            "sensitive": params.get("sensitive"),
            "spoiler_text": params.get("spoiler_text"),
            "visibility": params.get("visibility"),
            "scheduled_at": masto_datetime(scheduled.scheduled_at),
            "poll": params.get("poll"),
            "in_reply_to_id": params.get("in_reply_to_id"),
            "expires_in": params.get("expires_in"),
            "media_ids": params.get("media_ids"),
            "language": params.get("language"),
        },
        "media_attachments": [media_to_api(settings, m) for m in attachments],
    }


async def render_scheduled(
    session: AsyncSession, settings: Settings, scheduled: list[ScheduledStatus]
) -> list[dict]:
    media = await scheduled_service.media_for(session, scheduled)
    return [scheduled_status_to_api(settings, s, media) for s in scheduled]


@router.get(
    "/api/v1/scheduled_statuses",
    **api_doc(query=PAGE, response=arr(ref("ScheduledStatus")), paged=True),
)
async def list_scheduled_statuses(
    request: Request,
    auth: AuthContext = Depends(read_statuses),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    page = read_page(params)
    rows = await scheduled_service.list_scheduled(session, auth.user, page)
    return json_response(
        await render_scheduled(session, settings, rows),
        headers=link_header(request, [s.id for s in rows], page),
    )


@router.get(
    "/api/v1/scheduled_statuses/{scheduled_id}",
    **api_doc(response=ref("ScheduledStatus"), errors=(404,)),
)
async def show_scheduled_status(
    scheduled_id: str,
    auth: AuthContext = Depends(read_statuses),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    scheduled = await scheduled_service.get_own_scheduled(session, auth.user, scheduled_id)
    return (await render_scheduled(session, settings, [scheduled]))[0]


@router.put(
    "/api/v1/scheduled_statuses/{scheduled_id}",
    **api_doc(
        body=[
            param(
                "scheduled_at",
                DATETIME,
                "ISO 8601, at least 5 minutes ahead",
                required=True,
                example="2099-06-01T12:00:00.000Z",
            )
        ],
        response=ref("ScheduledStatus"),
        errors=(404, 422),
    ),
)
async def update_scheduled_status(
    scheduled_id: str,
    auth: AuthContext = Depends(write_statuses),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Move the scheduled time (Pleroma and Mastodon allow nothing else to change)."""
    scheduled_at = scheduled_service.parse_scheduled_at(params.raw("scheduled_at"))
    scheduled = await scheduled_service.reschedule(
        session, settings, auth.user, scheduled_id, scheduled_at
    )
    return (await render_scheduled(session, settings, [scheduled]))[0]


@router.delete(
    "/api/v1/scheduled_statuses/{scheduled_id}",
    **api_doc(response=ref("ScheduledStatus"), errors=(404,)),
)
async def delete_scheduled_status(
    scheduled_id: str,
    auth: AuthContext = Depends(write_statuses),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Cancel it; answers the deleted entity, as Pleroma does (Mastodon answers ``{}``)."""
    media = await scheduled_service.media_for(
        session, [await scheduled_service.get_own_scheduled(session, auth.user, scheduled_id)]
    )
    scheduled = await scheduled_service.cancel(session, auth.user, scheduled_id)
    return scheduled_status_to_api(settings, scheduled, media)
