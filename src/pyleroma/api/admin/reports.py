"""Admin API, reports and report notes (under /api/v1/pleroma/admin and /api/pleroma/admin).

Pleroma's ReportController (privilege ``reports_manage_reports``, which moderators hold;
``admin:read:reports`` for reads, ``admin:write:reports`` for changes) and its last
``grouped_reports``. Reports render as Pleroma's ReportView (api/admin/render_moderation.py);
the rules live in services/moderation/admin_reports.py and report_notes.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.admin.deps import require_admin
from pyleroma.api.admin.render_moderation import report_groups_to_api, reports_to_api
from pyleroma.api.deps import AuthContext, get_session, get_settings
from pyleroma.api.openapi import (
    ANY_OBJECT,
    DATETIME,
    INT,
    STR,
    api_doc,
    arr,
    enum,
    nullable,
    obj,
    param,
    ref,
)
from pyleroma.api.openapi.declare import JSON
from pyleroma.api.params import Params, get_params
from pyleroma.api.responses import json_response
from pyleroma.errors import BadRequest
from pyleroma.models.report import REPORT_STATES
from pyleroma.services.moderation import admin_reports, report_notes
from pyleroma.settings import Settings

admin_router = APIRouter(tags=["Admin: reports and report notes"])

READ = ("admin:read:reports",)
WRITE = ("admin:write:reports",)
PRIVILEGE = "reports_manage_reports"
NOTE = obj(
    {
        "id": STR,
        "user_id": nullable(STR),
        "content": STR,
        "created_at": DATETIME,
        "user": ANY_OBJECT,
    }
)
REPORT = obj(
    {
        "id": STR,
        "state": enum(*REPORT_STATES),
        "account": ANY_OBJECT,
        "actor": ANY_OBJECT,
        "content": STR,
        "created_at": DATETIME,
        "statuses": arr(ref("Status")),
        "notes": arr(NOTE),
        "rules": arr(ANY_OBJECT),
    }
)
NO_CONTENT = {204: {"description": "No Content"}}
UPDATE_ERRORS = {
    400: {
        "description": "The reports that could not be changed (then none is), or a bad body",
        "content": {
            JSON: {
                "schema": {
                    "anyOf": [
                        arr(obj({"id": nullable(STR), "error": STR})),
                        ref("Error"),
                    ]
                }
            }
        },
    }
}


@admin_router.get(
    "/reports",
    **api_doc(
        query=[
            param("state", enum(*REPORT_STATES), "Only reports in this state"),
            param("rule_id", STR, "Only reports citing this rule (none do here)"),
            param("page", INT, "Page (from 1)"),
            param("page_size", INT, "Reports per page (default 50, at most 500)"),
            param("limit", INT, "page_size's other name"),
        ],
        response=obj({"total": INT, "reports": arr(REPORT)}),
        errors=(400, 401, 403, 422),
    ),
)
async def list_reports(
    auth: AuthContext = Depends(require_admin(PRIVILEGE, *READ)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Newest first; ``total`` counts every match."""
    state = params.str("state") or None
    if state is not None and state not in REPORT_STATES:
        raise BadRequest(f"{state} - Invalid value for enum.")
    page = params.int("page", 1, min=1)
    limit = params.int("limit", 50, min=1, max=500, clamp=True)
    page_size = params.int("page_size", limit, min=1, max=500, clamp=True)
    if params.str("rule_id"):
        return {"total": 0, "reports": []}  # no report here cites a rule
    reports, total = await admin_reports.list_reports(
        session, state=state, page=page, page_size=page_size
    )
    page_data = await admin_reports.load_page(session, reports)
    return {"total": total, "reports": await reports_to_api(session, settings, page_data)}


@admin_router.get(
    "/grouped_reports",
    **api_doc(
        response=obj(
            {
                "reports": arr(
                    obj(
                        {
                            "date": DATETIME,
                            "account": ANY_OBJECT,
                            "status": ANY_OBJECT,
                            "actors": arr(ANY_OBJECT),
                            "reports": arr(REPORT),
                        }
                    )
                )
            }
        ),
        errors=(401, 403),
    ),
)
async def grouped_reports(
    auth: AuthContext = Depends(require_admin(PRIVILEGE, *READ)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Reports grouped by the status they name (Pleroma removed the route in 2.0; its last
    shape), the latest report's group first."""
    groups, page = await admin_reports.grouped_reports(session)
    return {"reports": await report_groups_to_api(session, settings, groups, page)}


@admin_router.get("/reports/{report_id}", **api_doc(response=REPORT, errors=(401, 403, 404)))
async def show_report(
    report_id: str,
    auth: AuthContext = Depends(require_admin(PRIVILEGE, *READ)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    report = await admin_reports.get_report(session, report_id)
    page = await admin_reports.load_page(session, [report])
    return (await reports_to_api(session, settings, page))[0]


@admin_router.patch(
    "/reports",
    **api_doc(
        body=[
            param(
                "reports",
                arr(obj({"id": STR, "state": enum(*REPORT_STATES)})),
                "Each report and its new state",
                required=True,
            )
        ],
        example={"reports": [{"id": "1", "state": "resolved"}]},
        status=204,
        errors=(401, 403),
        responses={**NO_CONTENT, **UPDATE_ERRORS},
    ),
)
async def update_reports(
    auth: AuthContext = Depends(require_admin(PRIVILEGE, *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    """204 when every report took its state (each logged ``report_update``); else 400 with
    ``[{"id", "error"}]`` for the bad items and nothing changed."""
    if not params.has("reports"):
        raise BadRequest("Missing field: reports.")
    items = params.list("reports")
    errors = await admin_reports.update_states(session, auth.user, items)
    if errors:
        await session.rollback()
        return json_response(errors, status=400)
    await session.commit()
    return Response(status_code=204)


@admin_router.post(
    "/reports/{report_id}/notes",
    **api_doc(
        body=[param("content", STR, "The note", required=True)],
        status=204,
        errors=(401, 403, 404, 422),
        responses=NO_CONTENT,
    ),
)
async def create_note(
    report_id: str,
    auth: AuthContext = Depends(require_admin(PRIVILEGE, *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    """Add a note (logged ``report_note``); 204."""
    content = params.str("content")
    report = await admin_reports.get_report(session, report_id)
    await report_notes.add_note(session, auth.user, report, content)
    await session.commit()
    return Response(status_code=204)


NOTE_DELETION = api_doc(status=204, errors=(401, 403, 404), responses=NO_CONTENT)


@admin_router.delete("/reports/{report_id}/notes/{note_id}", **NOTE_DELETION)
async def delete_note(
    report_id: str,
    note_id: str,
    auth: AuthContext = Depends(require_admin(PRIVILEGE, *WRITE)),
    session: AsyncSession = Depends(get_session),
):
    """Delete a note of the report (logged ``report_note_delete``); 204."""
    report = await admin_reports.get_report(session, report_id)
    await report_notes.delete_note(session, auth.user, report, note_id)
    await session.commit()
    return Response(status_code=204)


@admin_router.post("/reports/{report_id}/notes/{note_id}", **NOTE_DELETION)
async def delete_note_by_post(
    report_id: str,
    note_id: str,
    auth: AuthContext = Depends(require_admin(PRIVILEGE, *WRITE)),
    session: AsyncSession = Depends(get_session),
):
    """The same deletion as ``POST``, as the admin API document lists it (Pleroma routes
    only ``DELETE``)."""
    return await delete_note(report_id, note_id, auth, session)
