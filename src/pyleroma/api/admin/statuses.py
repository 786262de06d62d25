"""Admin API, statuses (under /api/v1/pleroma/admin and /api/pleroma/admin): list every
status staff may look at, show one, change its visibility or sensitive flag, delete it.

Pleroma's StatusController: reads need ``messages_read`` and ``admin:read:statuses``,
changes ``messages_delete`` (moderators hold it) and ``admin:write:statuses``. Statuses
render as the Mastodon entity with the author as the admin account view
(api/admin/render_moderation.py); the PUT answer is the plain Mastodon entity, as Pleroma's.
The rules live in services/moderation/admin_statuses.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.admin.deps import require_admin
from pyleroma.api.admin.render_moderation import admin_statuses_to_api
from pyleroma.api.deps import AuthContext, get_session, get_settings
from pyleroma.api.mastodon.render_statuses import status_to_api
from pyleroma.api.openapi import BOOL, INT, api_doc, arr, enum, param, ref
from pyleroma.api.params import Params, get_params
from pyleroma.services.moderation import admin_statuses
from pyleroma.settings import Settings

admin_router = APIRouter(tags=["Admin: statuses"])

READ = ("admin:read:statuses",)
WRITE = ("admin:write:statuses",)
STATUS = ref("Status")
LISTING = [
    param("godmode", BOOL, "Private, direct and local-only statuses too (default false)"),
    param("with_reblogs", BOOL, "Reblogs too (default false)"),
    param("page", INT, "Page (from 1)"),
    param("page_size", INT, "Statuses per page (default 50, at most 500)"),
]


def page_params(params: Params) -> tuple[int, int]:
    """``page`` (from 1) and ``page_size`` (50 by default, at most 500), as Pleroma's."""
    page = params.int("page", 1, min=1)
    page_size = params.int("page_size", 50, min=1, max=500, clamp=True)
    return page, page_size


@admin_router.get(
    "/statuses",
    **api_doc(
        query=[param("local_only", BOOL, "Local statuses only (default false)"), *LISTING],
        response=arr(STATUS),
        errors=(401, 403, 422),
    ),
)
async def list_statuses(
    auth: AuthContext = Depends(require_admin("messages_read", *READ)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Newest first; a list, as Pleroma answers."""
    page, page_size = page_params(params)
    statuses, _ = await admin_statuses.list_statuses(
        session,
        settings,
        godmode=params.bool("godmode", False),
        local_only=params.bool("local_only", False),
        with_reblogs=params.bool("with_reblogs", False),
        page=page,
        page_size=page_size,
    )
    return await admin_statuses_to_api(session, settings, statuses)


@admin_router.get("/statuses/{status_id}", **api_doc(response=STATUS, errors=(401, 403, 404)))
async def show_status(
    status_id: str,
    auth: AuthContext = Depends(require_admin("messages_read", *READ)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Any status, whatever its visibility; 404 ``Not found``."""
    status = await admin_statuses.get_status(session, status_id)
    return (await admin_statuses_to_api(session, settings, [status]))[0]


@admin_router.put(
    "/statuses/{status_id}",
    **api_doc(
        body=[
            param("sensitive", BOOL, "Mark the status (and its media) sensitive"),
            param("visibility", enum(*admin_statuses.SETTABLE), "The new visibility"),
        ],
        example={"visibility": "unlisted", "sensitive": True},
        response=STATUS,
        errors=(400, 401, 403, 404),
    ),
)
async def update_status(
    status_id: str,
    auth: AuthContext = Depends(require_admin("messages_delete", *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Store the change (logged ``status_update``); answers the Mastodon Status entity."""
    sensitive = admin_statuses.check_sensitive(params.raw("sensitive"))
    visibility = admin_statuses.check_visibility(params.raw("visibility"))
    status = await admin_statuses.get_status(session, status_id, lock=True)
    await admin_statuses.update_status(
        session, auth.user, status, sensitive=sensitive, visibility=visibility
    )
    await session.commit()
    return await status_to_api(session, settings, status, None)


@admin_router.delete("/statuses/{status_id}", **api_doc(errors=(401, 403, 404)))
async def delete_status(
    status_id: str,
    auth: AuthContext = Depends(require_admin("messages_delete", *WRITE)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The author's deletion (a federated Delete for a local post), logged
    ``status_delete``; answers ``{}``."""
    await admin_statuses.delete_status(session, settings, auth.user, status_id)
    await session.commit()
    return {}
