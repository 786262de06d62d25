"""Actions on a status: reblog, favourite, bookmark, pin, mute (and their undos).

Every action first finds the status as the actor may see it (a status they can't see is a
404, whatever the action), applies to the boosted original when given a boost's id (as
Mastodon and Pleroma do), and answers with the status as the actor now sees it (favourited,
bookmarked, pinned, muted...). Scopes are Pleroma's: reblogs ``write:statuses``, favourites
``write:favourites``, bookmarks ``write:bookmarks``, pins ``write:accounts``, thread mutes
``write:mutes``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, require_user
from pyleroma.api.mastodon.render_statuses import status_to_api
from pyleroma.api.openapi import INT, STR, api_doc, enum, param, ref
from pyleroma.api.params import Params, get_params
from pyleroma.models import Account, Status
from pyleroma.services.statuses import bookmark_folders, favourites, pins, reblogs, thread_mutes
from pyleroma.services.statuses.status_access import get_visible_status, resolve_original
from pyleroma.settings import Settings

router = APIRouter(tags=["Status actions"])

REBLOG_SCOPES = ("write:statuses",)
FAVOURITE_SCOPES = ("write:favourites",)
BOOKMARK_SCOPES = ("write:bookmarks",)
PIN_SCOPES = ("write:accounts",)
MUTE_SCOPES = ("write:mutes",)


async def _target(session: AsyncSession, viewer: Account, status_id: str) -> tuple[Status, Status]:
    """(the status asked for, the original the action applies to); 404 when not visible."""
    requested = await get_visible_status(session, viewer, status_id)
    return requested, await resolve_original(session, requested)


async def _render(
    session: AsyncSession, settings: Settings, status: Status, viewer: Account
) -> dict:
    """The status re-read after the action committed (counters moved in SQL)."""
    fresh = await session.get(Status, status.id, populate_existing=True)
    if fresh.reblog_of_id is not None:
        await session.get(Status, fresh.reblog_of_id, populate_existing=True)
    return await status_to_api(session, settings, fresh, viewer)


@router.post(
    "/api/v1/statuses/{status_id}/reblog",
    **api_doc(
        body=[param("visibility", enum(*reblogs.REBLOG_VISIBILITIES))],
        response=ref("Status"),
        errors=(404, 422),
    ),
)
async def reblog_status(
    status_id: str,
    auth: AuthContext = Depends(require_user(*REBLOG_SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Boost a status; answers the reblog (which wraps the original). Boosting twice is
    harmless and answers the same reblog."""
    visibility = params.str("visibility")
    _, original = await _target(session, auth.user, status_id)
    reblog = await reblogs.reblog(session, settings, auth.user, original, visibility)
    return await _render(session, settings, reblog, auth.user)


@router.post(
    "/api/v1/statuses/{status_id}/unreblog", **api_doc(response=ref("Status"), errors=(404,))
)
async def unreblog_status(
    status_id: str,
    auth: AuthContext = Depends(require_user(*REBLOG_SCOPES)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Take a boost back; answers the original (the reblog is gone)."""
    _, original = await _target(session, auth.user, status_id)
    await reblogs.unreblog(session, settings, auth.user, original)
    return await _render(session, settings, original, auth.user)


@router.post(
    "/api/v1/statuses/{status_id}/favourite", **api_doc(response=ref("Status"), errors=(404,))
)
async def favourite_status(
    status_id: str,
    auth: AuthContext = Depends(require_user(*FAVOURITE_SCOPES)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    requested, original = await _target(session, auth.user, status_id)
    await favourites.favourite(session, settings, auth.user, original)
    return await _render(session, settings, requested, auth.user)


@router.post(
    "/api/v1/statuses/{status_id}/unfavourite", **api_doc(response=ref("Status"), errors=(404,))
)
async def unfavourite_status(
    status_id: str,
    auth: AuthContext = Depends(require_user(*FAVOURITE_SCOPES)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    requested, original = await _target(session, auth.user, status_id)
    await favourites.unfavourite(session, settings, auth.user, original)
    return await _render(session, settings, requested, auth.user)


@router.post(
    "/api/v1/statuses/{status_id}/bookmark",
    **api_doc(
        body=[param("folder_id", STR, "File it in this bookmark folder of yours (Pleroma)")],
        response=ref("Status"),
        errors=(404,),
    ),
)
async def bookmark_status(
    status_id: str,
    auth: AuthContext = Depends(require_user(*BOOKMARK_SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    requested, original = await _target(session, auth.user, status_id)
    folder_id = await bookmark_folders.folder_for_bookmark(
        session, auth.user, params.str("folder_id")
    )
    await favourites.bookmark(session, auth.user, original, folder_id)
    return await _render(session, settings, requested, auth.user)


@router.post(
    "/api/v1/statuses/{status_id}/unbookmark", **api_doc(response=ref("Status"), errors=(404,))
)
async def unbookmark_status(
    status_id: str,
    auth: AuthContext = Depends(require_user(*BOOKMARK_SCOPES)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    requested, original = await _target(session, auth.user, status_id)
    await favourites.unbookmark(session, auth.user, original)
    return await _render(session, settings, requested, auth.user)


@router.post("/api/v1/statuses/{status_id}/pin", **api_doc(response=ref("Status"), errors=(404,)))
async def pin_status(
    status_id: str,
    auth: AuthContext = Depends(require_user(*PIN_SCOPES)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Pin one's own public, unlisted or local status to the profile."""
    _, original = await _target(session, auth.user, status_id)
    await pins.pin(session, settings, auth.user, original)
    return await _render(session, settings, original, auth.user)


@router.post("/api/v1/statuses/{status_id}/unpin", **api_doc(response=ref("Status"), errors=(404,)))
async def unpin_status(
    status_id: str,
    auth: AuthContext = Depends(require_user(*PIN_SCOPES)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    _, original = await _target(session, auth.user, status_id)
    await pins.unpin(session, settings, auth.user, original)
    return await _render(session, settings, original, auth.user)


@router.post(
    "/api/v1/statuses/{status_id}/mute",
    **api_doc(
        body=[param("expires_in", INT, "Seconds; 0 or absent is for ever")],
        response=ref("Status"),
        errors=(404, 422),
    ),
)
async def mute_thread(
    status_id: str,
    auth: AuthContext = Depends(require_user(*MUTE_SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Mute the status's thread: no more notifications from it (``expires_in`` seconds, or
    forever when 0 or absent)."""
    expires_in = params.int("expires_in", 0)
    requested, original = await _target(session, auth.user, status_id)
    await thread_mutes.mute_thread(session, auth.user, original, expires_in)
    return await _render(session, settings, requested, auth.user)


@router.post(
    "/api/v1/statuses/{status_id}/unmute", **api_doc(response=ref("Status"), errors=(404,))
)
async def unmute_thread(
    status_id: str,
    auth: AuthContext = Depends(require_user(*MUTE_SCOPES)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    requested, original = await _target(session, auth.user, status_id)
    await thread_mutes.unmute_thread(session, auth.user, original)
    return await _render(session, settings, requested, auth.user)
