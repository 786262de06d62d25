"""Admin API, announcements (under /api/v1/pleroma/admin and /api/pleroma/admin), as
Pleroma's AnnouncementController: list (``limit``, ``offset``), show, create, change, delete.

Privilege ``announcements_manage_announcements`` (admins by default), scopes ``admin:read``
and ``admin:write``. Pleroma writes no moderation log entry for announcements; we log each
change (``announcement_create``, ``_update``, ``_delete``) in its transaction.
The rules of the content and times: services/instance/admin_announcements.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.admin.deps import require_admin
from pyleroma.api.deps import AuthContext, get_session, get_settings
from pyleroma.api.openapi import ANY_OBJECT, BOOL, INT, STR, api_doc, arr, nullable, param
from pyleroma.api.params import Params, get_params
from pyleroma.errors import BadRequest, Unprocessable
from pyleroma.services.instance import admin_announcements as service
from pyleroma.settings import Settings

admin_router = APIRouter(tags=["Admin: announcements"])

PRIVILEGE = "announcements_manage_announcements"
DEFAULT_LIMIT = 20
MAX_LIMIT = 500
TIME = nullable({"type": "string", "format": "date-time"})


def _body(content_required: bool) -> list:
    return [
        param("content", STR, "The text (plain text; links are made)", required=content_required),
        param("starts_at", TIME, "Shown from (ISO 8601; null: at once)"),
        param("ends_at", TIME, "Shown until (ISO 8601; null: until deleted)"),
        param("all_day", BOOL, "Clients show dates only"),
    ]


def _changes(params: Params) -> dict:
    """The FIELDS the request gives, checked (a time sent as null or "" clears it)."""
    changes: dict = {}
    if params.has("content"):
        changes["content"] = params.str("content", max_length=service.MAX_CONTENT)
    for name in ("starts_at", "ends_at"):
        if params.has(name):
            changes[name] = service.parse_time(params.raw(name), name)
    if params.has("all_day"):
        changes["all_day"] = params.bool("all_day")
    return changes


def _bounded(params: Params, name: str, default: int, minimum: int) -> int:
    """Pleroma answers 400 for a limit under 1 or a negative offset."""
    value = params.raw(name)
    if value is None or value == "":
        return default
    try:
        number = params.int(name, default)
    except Unprocessable as exc:
        raise BadRequest(exc.message) from None
    if number < minimum:
        raise BadRequest(f"{name}: must be at least {minimum}")
    return number


@admin_router.get(
    "/announcements",
    summary="Every announcement, oldest first (not only the active ones)",
    **api_doc(
        query=[
            param("limit", INT, f"Announcements per page ({DEFAULT_LIMIT}, at most {MAX_LIMIT})"),
            param("offset", INT, "Announcements skipped"),
        ],
        response=arr(ANY_OBJECT),
        errors=(400, 401, 403),
    ),
)
async def list_announcements(
    auth: AuthContext = Depends(require_admin(PRIVILEGE, "admin:read")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    limit = min(_bounded(params, "limit", DEFAULT_LIMIT, 1), MAX_LIMIT)
    offset = min(_bounded(params, "offset", 0, 0), 2**31 - 1)
    found = await service.list_page(session, limit, offset)
    return await service.render_admin(session, found)


@admin_router.get(
    "/announcements/{announcement_id}",
    summary="One announcement",
    **api_doc(response=ANY_OBJECT, errors=(401, 403, 404)),
)
async def show_announcement(
    announcement_id: str,
    auth: AuthContext = Depends(require_admin(PRIVILEGE, "admin:read")),
    session: AsyncSession = Depends(get_session),
):
    found = await service.get_announcement(session, announcement_id)
    return (await service.render_admin(session, [found]))[0]


@admin_router.post(
    "/announcements",
    summary="Publish an announcement",
    **api_doc(body=_body(True), response=ANY_OBJECT, errors=(400, 401, 403, 422)),
)
async def create_announcement(
    auth: AuthContext = Depends(require_admin(PRIVILEGE, "admin:write")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    created = await service.create_announcement(session, settings, auth.user, _changes(params))
    await session.commit()
    return (await service.render_admin(session, [created]))[0]


@admin_router.patch(
    "/announcements/{announcement_id}",
    summary="Change an announcement (fields left out are kept)",
    **api_doc(body=_body(False), response=ANY_OBJECT, errors=(400, 401, 403, 404, 422)),
)
async def change_announcement(
    announcement_id: str,
    auth: AuthContext = Depends(require_admin(PRIVILEGE, "admin:write")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    changed = await service.update_announcement(
        session, settings, auth.user, announcement_id, _changes(params)
    )
    await session.commit()
    return (await service.render_admin(session, [changed]))[0]


@admin_router.delete(
    "/announcements/{announcement_id}",
    summary="Delete an announcement",
    **api_doc(errors=(401, 403, 404)),
)
async def delete_announcement(
    announcement_id: str,
    auth: AuthContext = Depends(require_admin(PRIVILEGE, "admin:write")),
    session: AsyncSession = Depends(get_session),
):
    await service.delete_announcement(session, auth.user, announcement_id)
    await session.commit()
    return {}
