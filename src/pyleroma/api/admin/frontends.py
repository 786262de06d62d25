"""Admin API, frontends (under /api/v1/pleroma/admin and /api/pleroma/admin), as Pleroma's
FrontendController:

- ``GET /frontends``: the known front ends and the installed ones, each with ``name``,
  ``git``, ``build_url``, ``ref``, ``build_dir``, ``installed``, ``installed_refs``;
- ``POST /frontends/install`` (``name``; ``ref``, ``file`` (a zip on this server),
  ``build_url``, ``build_dir``): install the build, then answer the list as above.

Admins only, scopes ``admin:read`` / ``admin:write``. Pleroma logs nothing here; we log an
install (``frontend_install``) once the build is in place, and commit that entry then.
The installer (checks, download, safe unpacking): services/instance/frontends.py.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.admin.deps import require_admin
from pyleroma.api.deps import AuthContext, get_session, get_settings
from pyleroma.api.openapi import BOOL, STR, api_doc, arr, nullable, obj, param
from pyleroma.api.params import Params, get_params
from pyleroma.services.instance import frontends as service
from pyleroma.settings import Settings

admin_router = APIRouter(tags=["Admin: frontends"])

FRONTEND = obj(
    {
        "name": STR,
        "git": nullable(STR),
        "build_url": nullable(STR),
        "ref": nullable(STR),
        "build_dir": nullable(STR),
        "installed": BOOL,
        "installed_refs": arr(STR),
    }
)


@admin_router.get(
    "/frontends",
    summary="The known and the installed front ends",
    **api_doc(response=arr(FRONTEND), errors=(401, 403)),
)
async def list_frontends(
    auth: AuthContext = Depends(require_admin(None, "admin:read")),
    settings: Settings = Depends(get_settings),
):
    return await asyncio.to_thread(service.list_frontends, settings)


@admin_router.post(
    "/frontends/install",
    summary="Install a front end build (a zip archive: a file on the server or a URL)",
    **api_doc(
        body=[
            param("name", STR, "The front end (a known one fills in the rest)", required=True),
            param("ref", STR, "The version (the folder it is installed in)"),
            param("file", STR, "The path of a zip archive on the server"),
            param("build_url", STR, "Where to download the zip archive (${ref}: the ref)"),
            param("build_dir", STR, "The archive's folder holding the build (dist)"),
        ],
        response=arr(FRONTEND),
        errors=(400, 401, 403, 413, 422),
    ),
)
async def install_frontend(
    auth: AuthContext = Depends(require_admin(None, "admin:write")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    request = service.check_install(
        params.raw("name"),
        ref=params.raw("ref"),
        file=params.raw("file"),
        build_url=params.raw("build_url"),
        build_dir=params.raw("build_dir"),
    )
    await service.install_for(session, settings, auth.user, request)
    await session.commit()
    return await asyncio.to_thread(service.list_frontends, settings)
