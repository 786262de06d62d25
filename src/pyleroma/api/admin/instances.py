"""Admin API, instances (under /api/v1/pleroma/admin and /api/pleroma/admin): an instance's
statuses, deleting a remote instance's accounts and content, and the status counts.

Pleroma's InstanceController and ``AdminAPIController.stats``:
- ``GET /instances/:instance/statuses``: ``messages_read``, ``admin:read:statuses``;
  ``{"total", "activities": [...]}``, statuses as the admin StatusView renders them;
- ``DELETE /instances/:instance``: ``instances_delete``, ``admin:write:accounts`` or
  ``admin:write:statuses``; answers the instance's name (a JSON string) and does the work
  in a job (services/instance/instance_purge.py), logged ``instance_delete`` (Pleroma
  logs nothing for it);
- ``GET /stats``: ``statistics_read``, ``admin:read``; ``{"status_visibility": {...}}``,
  of one instance with ``instance``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.admin.deps import require_admin
from pyleroma.api.admin.render_moderation import admin_statuses_to_api
from pyleroma.api.admin.statuses import LISTING, STATUS, page_params
from pyleroma.api.deps import AuthContext, get_session, get_settings
from pyleroma.api.openapi import INT, STR, api_doc, arr, obj, param
from pyleroma.api.params import Params, get_params
from pyleroma.errors import Unprocessable
from pyleroma.services.instance import instance_purge
from pyleroma.services.moderation import admin_statuses
from pyleroma.settings import Settings

admin_router = APIRouter(tags=["Admin: instances: statuses, deletion, stats"])


@admin_router.get(
    "/instances/{instance}/statuses",
    **api_doc(
        query=LISTING,
        response=obj({"total": INT, "activities": arr(STATUS)}),
        errors=(401, 403, 422),
    ),
)
async def instance_statuses(
    instance: str,
    auth: AuthContext = Depends(require_admin("messages_read", "admin:read:statuses")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The statuses of the instance's accounts, newest first (our own domain: the local
    ones); an instance we know nothing of has none."""
    page, page_size = page_params(params)
    statuses, total = await admin_statuses.list_statuses(
        session,
        settings,
        godmode=params.bool("godmode", False),
        local_only=False,
        with_reblogs=params.bool("with_reblogs", False),
        page=page,
        page_size=page_size,
        instance=instance,
        with_total=True,
    )
    return {
        "total": total,
        "activities": await admin_statuses_to_api(session, settings, statuses),
    }


@admin_router.delete("/instances/{instance}", **api_doc(response=STR, errors=(401, 403, 422)))
async def delete_instance(
    instance: str,
    auth: AuthContext = Depends(
        require_admin("instances_delete", "admin:write:accounts", "admin:write:statuses")
    ),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Deactivate the instance's accounts now and remove them with their content in a job;
    answers the instance. Our own domain is refused (422): its accounts are local."""
    host = instance_purge.normalize_host(instance)
    if not host:
        raise Unprocessable("instance: can't be blank")
    if host == settings.domain.lower():
        raise Unprocessable("instance: is this instance")
    await instance_purge.start_purge(session, auth.user, host)
    await session.commit()
    return host


@admin_router.get(
    "/stats",
    **api_doc(
        query=[param("instance", STR, "Only this instance's statuses")],
        response=obj(
            {
                "status_visibility": obj(
                    {"public": INT, "unlisted": INT, "private": INT, "direct": INT}
                )
            }
        ),
        errors=(401, 403),
    ),
)
async def stats(
    auth: AuthContext = Depends(require_admin("statistics_read", "admin:read")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Posts (not reblogs) by visibility."""
    instance = params.str("instance") or None
    counts = await admin_statuses.visibility_counts(session, settings, instance)
    return {"status_visibility": counts}
