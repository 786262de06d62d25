"""Admin API: ``GET /moderation_log`` (Pleroma's filters start_date, end_date, user_id,
search, page, page_size; answer ``{"items": [...], "total": n}``)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.admin.deps import require_admin
from pyleroma.api.deps import AuthContext, get_session
from pyleroma.api.openapi import ANY_OBJECT, INT, STR, api_doc, arr, obj, param
from pyleroma.api.params import Params, get_params
from pyleroma.db.ids import parse_id
from pyleroma.errors import Unprocessable
from pyleroma.services.moderation import moderation_log

admin_router = APIRouter(tags=["Admin: moderation log"])


def _date(params: Params, name: str) -> dt.datetime | None:
    value = params.str(name)
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Unprocessable(f"{name}: must be an ISO 8601 date and time") from exc
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


@admin_router.get(
    "/moderation_log",
    **api_doc(
        query=[
            param("start_date", STR, "ISO 8601, inclusive"),
            param("end_date", STR, "ISO 8601, inclusive"),
            param("user_id", STR, "The actor's id"),
            param("search", STR, "Words of the message"),
            param("page", INT, "Page (from 1)"),
            param("page_size", INT, "Entries per page (50)"),
        ],
        response=obj({"items": arr(ANY_OBJECT), "total": INT}),
        errors=(401, 403, 422),
    ),
)
async def list_log(
    auth: AuthContext = Depends(require_admin("moderation_log_read", "admin:read")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    user_id = params.str("user_id")
    actor_id = parse_id(user_id) if user_id else None
    if user_id and actor_id is None:
        raise Unprocessable("user_id: must be an id")
    entries, total = await moderation_log.list_entries(
        session,
        page=params.int("page", 1, min=1),
        page_size=params.int("page_size", 50, min=1, max=500, clamp=True),
        start=_date(params, "start_date"),
        end=_date(params, "end_date"),
        actor_id=actor_id,
        search=params.str("search"),
    )
    return {"items": [moderation_log.render_entry(e) for e in entries], "total": total}
