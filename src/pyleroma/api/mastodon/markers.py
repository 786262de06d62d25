"""GET/POST /api/v1/markers: where the user stopped reading home and notifications.

Scopes as Pleroma's MarkerController: ``read:statuses`` to read, ``write:statuses`` to save.
Validation, the upsert and the unread counter live in ``services/timelines/markers.py``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, require_user
from pyleroma.api.openapi import STR, api_doc, arr, enum, obj, param, ref
from pyleroma.api.params import Params, get_params
from pyleroma.models import Account, Marker
from pyleroma.models.marker import MARKER_TIMELINES
from pyleroma.services.timelines import markers as marker_service
from pyleroma.urls import masto_datetime

router = APIRouter(tags=["Markers"])

READ = require_user("read:statuses")
WRITE = require_user("write:statuses")


async def markers_to_api(session: AsyncSession, account: Account, markers: list[Marker]) -> dict:
    """Mastodon's Marker hash keyed by timeline, each with Pleroma's ``unread_count``."""
    counts = await marker_service.unread_counts(session, account, markers)
    return {
        marker.timeline: {
            "last_read_id": marker.last_read_id,
            "version": marker.version,
            "updated_at": masto_datetime(marker.updated_at),
            "pleroma": {"unread_count": counts[marker.timeline]},
        }
        for marker in markers
    }


@router.get(
    "/api/v1/markers",
    summary="Saved timeline positions",
    **api_doc(query=[param("timeline", arr(enum(*MARKER_TIMELINES)))], response=ref("Markers")),
)
async def index(
    auth: AuthContext = Depends(READ),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    """Only the timelines asked for (``timeline[]``) that have a saved marker; none: ``{}``."""
    found = await marker_service.get_markers(session, auth.user, params.str_list("timeline"))
    return await markers_to_api(session, auth.user, found)


@router.post(
    "/api/v1/markers",
    summary="Save timeline positions",
    **api_doc(
        body=[
            param("home", obj({"last_read_id": STR}), "home[last_read_id]"),
            param("notifications", obj({"last_read_id": STR}), "notifications[last_read_id]"),
        ],
        example={"home": {"last_read_id": "1"}, "notifications": {"last_read_id": "1"}},
        response=ref("Markers"),
        errors=(422,),
    ),
)
async def upsert(
    auth: AuthContext = Depends(WRITE),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    """Save ``home[last_read_id]`` and/or ``notifications[last_read_id]``; answers the
    markers saved."""
    updates = marker_service.check_updates(params.data)
    saved = await marker_service.save_markers(session, auth.user, updates)
    return await markers_to_api(session, auth.user, saved)
