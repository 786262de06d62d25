"""Admin API, ConfigDB, need_reboot, restart (under /api/v1/pleroma/admin and /api/pleroma/admin).

Pleroma's ConfigController and AdminAPIController routes: admins only, ``admin:read`` to
read, ``admin:write`` to save and restart. With ``configurable_from_database`` off, GET and
POST /config and GET /restart answer 400 with Pleroma's message; the descriptions and
need_reboot answer whatever it says. Not logged: Pleroma's moderation log has no entry for
settings. See docs/api/admin_config.md.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.admin.deps import require_admin
from pyleroma.api.deps import AuthContext, get_session
from pyleroma.api.openapi import ANY_OBJECT, BOOL, STR, api_doc, arr, obj, param
from pyleroma.api.params import Params, get_params
from pyleroma.services.instance import config_db
from pyleroma.services.instance.config_descriptions import descriptions
from pyleroma.services.instance.config_runtime import runtime_for
from pyleroma.services.moderation.moderation_log import log_action

admin_router = APIRouter(tags=["Admin: ConfigDB, need_reboot, restart"])

READ = ("admin:read",)
WRITE = ("admin:write",)
CONFIG = obj({"group": STR, "key": STR, "value": {}, "db": arr(STR)})
CONFIGS = obj({"configs": arr(CONFIG), "need_reboot": BOOL})


@admin_router.get(
    "/config",
    **api_doc(
        query=[param("only_db", BOOL, "Only the settings saved in the database")],
        response=CONFIGS,
        errors=(400, 401, 403),
    ),
)
async def show_config(
    request: Request,
    auth: AuthContext = Depends(require_admin(None, *READ)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    runtime = runtime_for(request.app)
    config_db.check_enabled(runtime.settings)
    saved = await config_db.saved_values(session)
    only_db = params.bool("only_db", False)
    return {
        "configs": config_db.list_configs(runtime.base, saved, only_db=only_db),
        "need_reboot": config_db.need_reboot(runtime.settings, runtime.effective(saved)),
    }


@admin_router.post(
    "/config",
    **api_doc(
        body=[
            param(
                "configs",
                arr(
                    obj(
                        {"group": STR, "key": STR, "value": {}, "delete": BOOL, "subkeys": arr(STR)}
                    )
                ),
                "Settings to save ({group, key, value}) or delete ({group, key, delete: true, "
                "subkeys})",
                required=True,
            )
        ],
        response=CONFIGS,
        errors=(400, 401, 403),
    ),
)
async def update_config(
    request: Request,
    auth: AuthContext = Depends(require_admin(None, *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    runtime = runtime_for(request.app)
    config_db.check_enabled(runtime.settings)
    before = await config_db.saved_values(session)
    result = config_db.apply_items(runtime.base, before, params.raw("configs"))
    await config_db.store(session, result)
    changed = config_db.changed_keys(result)
    if changed:  # key names only: values may hold secrets (the mailer's password)
        await log_action(session, auth.user, "config_update", keys=changed)
    await session.commit()
    runtime.apply_saved(result)
    return {
        "configs": result.configs,
        "need_reboot": config_db.need_reboot(runtime.settings, result.settings),
    }


@admin_router.get(
    "/config/descriptions",
    **api_doc(response=arr(ANY_OBJECT), errors=(401, 403)),
)
async def config_descriptions(auth: AuthContext = Depends(require_admin(None, *READ))):
    return descriptions()


@admin_router.get(
    "/need_reboot",
    **api_doc(response=obj({"need_reboot": BOOL}), errors=(401, 403)),
)
async def show_need_reboot(
    request: Request, auth: AuthContext = Depends(require_admin(None, *READ))
):
    return {"need_reboot": await runtime_for(request.app).need_reboot()}


@admin_router.get("/restart", **api_doc(response=None, errors=(400, 401, 403)))
async def restart(request: Request, auth: AuthContext = Depends(require_admin(None, *WRITE))):
    runtime = runtime_for(request.app)
    config_db.check_enabled(runtime.settings)
    await runtime.restart()
    return {}
