"""Notification routes: Mastodon's /api/v1/notifications and Pleroma's notifications/read.

Scopes as Pleroma's NotificationController: ``read:notifications`` to list and show,
``write:notifications`` for everything that changes them. The rules for what is listed live
in ``services/notifications/notifications.py``; the entity in ``render_notifications.py``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, require_user
from pyleroma.api.full_pages import fill_page
from pyleroma.api.mastodon.render_notifications import notification_to_api, notifications_to_api
from pyleroma.api.openapi import STR, api_doc, arr, param, ref
from pyleroma.api.openapi.parameters import ID_PARAM, IDS, PAGE, WITH_MUTED
from pyleroma.api.pagination import link_header, read_page
from pyleroma.api.params import Params, get_params
from pyleroma.api.responses import json_response
from pyleroma.db.ids import parse_id
from pyleroma.db.paging import Page
from pyleroma.errors import NotFound, Unprocessable
from pyleroma.services.filters.filters import filter_notifications, load_active_filters
from pyleroma.services.notifications import notifications
from pyleroma.settings import Settings

router = APIRouter(tags=["Notifications"])
pleroma_router = APIRouter(tags=["Notifications"])

READ = require_user("read:notifications")
WRITE = require_user("write:notifications")


def _ids(params: Params, name: str) -> list[int]:
    """A list of notification ids; a malformed one is a 422 (unknown ones are ignored)."""
    ids = []
    for raw in params.str_list(name):
        parsed = parse_id(raw)
        if parsed is None:
            raise Unprocessable(f"{name}: {raw!r} is not an id")
        ids.append(parsed)
    return ids


TYPES = arr(STR)


@router.get(
    "/api/v1/notifications",
    **api_doc(
        query=[
            *PAGE,
            param("types", TYPES, "Only these types (unknown ones match nothing)"),
            param("include_types", TYPES, "Pleroma's name for types"),
            param("exclude_types", TYPES),
            param("exclude_visibilities", arr(STR), "Not about statuses of these visibilities"),
            param("account_id", STR, "Only from this account"),
            WITH_MUTED,
        ],
        response=arr(ref("Notification")),
        paged=True,
    ),
)
async def index(
    request: Request,
    auth: AuthContext = Depends(READ),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The viewer's notifications, newest first, with Link headers to the next pages."""
    page = read_page(params)
    filters = notifications.build_filter(
        types=params.str_list("types"),
        include_types=params.str_list("include_types"),
        exclude_types=params.str_list("exclude_types"),
        exclude_visibilities=params.str_list("exclude_visibilities"),
        account_id=await notifications.resolve_account_filter(session, params.str("account_id")),
        with_muted=params.bool("with_muted", False),
    )
    active = await load_active_filters(session, auth.user.id, "notifications")

    async def fetch(batch: Page) -> list:
        return await notifications.list_notifications(session, auth.user, filters, batch)

    async def present(rows: list) -> list[dict]:
        data = await notifications_to_api(session, settings, rows, auth.user)
        return filter_notifications(data, active)

    # hide filters may leave notifications out: read on until the page is full
    filled = await fill_page(page, fetch, present, _notification_key, read_on=active.hides)
    return json_response(filled.items, headers=link_header(request, filled.keys, page))


def _notification_key(row: tuple) -> int:
    return row[0].id


@router.post("/api/v1/notifications/clear", **api_doc())
async def clear(
    auth: AuthContext = Depends(WRITE),
    session: AsyncSession = Depends(get_session),
):
    await notifications.clear(session, auth.user)
    return {}


@router.post(
    "/api/v1/notifications/dismiss",
    **api_doc(body=[param("id", STR, required=True)], errors=(404, 422)),
)
async def dismiss_by_param(
    auth: AuthContext = Depends(WRITE),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    """The older form of dismiss with ``id`` in the body, which Pleroma still accepts."""
    notification_id = params.str("id")
    if not notification_id:
        raise Unprocessable("id: is required")
    await notifications.dismiss(session, auth.user, notification_id)
    return {}


@router.delete(
    "/api/v1/notifications/destroy_multiple",
    **api_doc(
        query=[param("ids", IDS, "Notification ids")],
        body=[param("ids", IDS, "Notification ids")],
        errors=(422,),
    ),
)
async def destroy_multiple(
    auth: AuthContext = Depends(WRITE),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    """Delete the listed notifications of the viewer's; foreign or unknown ids are ignored."""
    if not params.list("ids"):
        raise Unprocessable("ids: is required")
    await notifications.destroy_multiple(session, auth.user, _ids(params, "ids"))
    return {}


@router.get(
    "/api/v1/notifications/{notification_id}",
    **api_doc(response=ref("Notification"), errors=(404,)),
)
async def show(
    notification_id: str,
    auth: AuthContext = Depends(READ),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    notification, sender = await notifications.get_notification(session, auth.user, notification_id)
    data = await notification_to_api(session, settings, notification, sender, auth.user)
    if data is None:
        raise NotFound("Record not found")
    return data


@router.post("/api/v1/notifications/{notification_id}/dismiss", **api_doc(errors=(404,)))
async def dismiss(
    notification_id: str,
    auth: AuthContext = Depends(WRITE),
    session: AsyncSession = Depends(get_session),
):
    await notifications.dismiss(session, auth.user, notification_id)
    return {}


@pleroma_router.post(
    "/notifications/read",
    **api_doc(
        body=[
            param("id", ID_PARAM, "One notification"),
            param("max_id", ID_PARAM, "Every notification up to this one"),
        ],
        response={"anyOf": [ref("Notification"), arr(ref("Notification"))]},
        errors=(404, 422),
    ),
)
async def mark_as_read(
    auth: AuthContext = Depends(WRITE),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Mark one notification (``id``) or all up to ``max_id`` seen; ``id`` wins if both.

    Answers the notification, or the list of those marked (at most 80), as Pleroma.
    """
    raw_id = params.str("id")
    raw_max = params.str("max_id")
    if raw_id:
        if parse_id(raw_id) is None:
            raise Unprocessable("id: must be an id")
        notification, sender = await notifications.read_one(session, auth.user, raw_id)
        rendered = await notifications_to_api(
            session, settings, [(notification, sender)], auth.user
        )
        if not rendered:
            raise NotFound("Record not found")
        return rendered[0]
    if raw_max:
        max_id = parse_id(raw_max)
        if max_id is None:
            raise Unprocessable("max_id: must be an id")
        rows = await notifications.read_up_to(session, auth.user, max_id)
        return await notifications_to_api(session, settings, rows, auth.user)
    raise Unprocessable("id or max_id is required")
