"""Admin API, emoji (under /api/v1/pleroma/admin and /api/pleroma/admin): ``POST
/reload_emoji`` rereads the custom emoji packs, for files an admin put in the emoji
directory by hand (Pleroma's ``AdminAPIController.reload_emoji``; privilege
``emoji_manage_emoji``, scope ``admin:write``).

Every process of the instance rereads the packs at its next lookup, this one at once
(services/emoji_packs/reload.py, shared with ``pyleroma emoji reload``). Pleroma logs no
reload; we log ``emoji_reload`` once the packs were marked changed (a reload that failed
leaves no entry).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.admin.deps import require_admin
from pyleroma.api.deps import AuthContext, get_session, get_settings
from pyleroma.api.openapi import STR, api_doc
from pyleroma.services.emoji_packs.reload import reload_emoji as reload_packs
from pyleroma.services.moderation.moderation_log import log_action
from pyleroma.settings import Settings

admin_router = APIRouter(tags=["Admin: emoji"])


@admin_router.post("/reload_emoji", **api_doc(response=STR, errors=(401, 403, 503)))
async def reload_emoji(
    auth: AuthContext = Depends(require_admin("emoji_manage_emoji", "admin:write")),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Answers ``"ok"``, as Pleroma."""
    await reload_packs(settings)
    await log_action(session, auth.user, "emoji_reload")
    await session.commit()
    return "ok"
