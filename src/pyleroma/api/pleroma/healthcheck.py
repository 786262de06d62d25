"""GET /api/v1/pleroma/healthcheck (and /api/pleroma/healthcheck): for load balancers.

200 with the report when the database answers, 503 with it when not; 503 with ``{}`` when
the admin switched the endpoint off (``[instance] healthcheck = false``), as Pleroma does.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from pyleroma.api.deps import get_settings
from pyleroma.api.openapi import api_doc, ref
from pyleroma.api.responses import json_response
from pyleroma.services.instance.health import health_report
from pyleroma.settings import Settings

pleroma_router = APIRouter(tags=["healthcheck"])


@pleroma_router.get(
    "/healthcheck",
    summary="Database and pool health",
    **api_doc(
        response=ref("Healthcheck"),
        responses={
            503: {
                "description": "The database does not answer, or the endpoint is off ({})",
                "content": {
                    "application/json": {"schema": {"anyOf": [ref("Healthcheck"), ref("Empty")]}}
                },
            }
        },
    ),
)
async def healthcheck(request: Request, settings: Settings = Depends(get_settings)):
    if not settings.instance_healthcheck:
        return json_response({}, status=503)
    report = await health_report(request.app.state.engine)
    return json_response(report, status=200 if report["healthy"] else 503)
