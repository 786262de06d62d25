"""Admin API, instance rules (under /api/v1/pleroma/admin and /api/pleroma/admin), as
Pleroma's RuleController: list, create (``text``, ``hint``, ``priority``), change, delete.

Admins only (Pleroma's ``require_admin`` scope), scopes ``admin:read`` / ``admin:write``.
Pleroma writes no moderation log entry for rules; we log each change (``rule_create``,
``rule_update``, ``rule_delete``) in its transaction. The rules are what
``GET /api/v1/instance/rules`` and ``/api/v1/instance`` show (services/instance/rules.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.admin.deps import require_admin
from pyleroma.api.deps import AuthContext, get_session
from pyleroma.api.openapi import ID, INT, STR, api_doc, arr, obj, param
from pyleroma.api.params import Params, get_params
from pyleroma.services.instance import rules as service

admin_router = APIRouter(tags=["Admin: instance rules"])

RULE = obj({"id": ID, "priority": INT, "text": STR, "hint": STR})


def _body(text_required: bool) -> list:
    return [
        param("text", STR, "The rule", required=text_required),
        param("hint", STR, "An explanation shown with it"),
        param("priority", INT, "Lower comes first (0)"),
    ]


def _fields(params: Params) -> dict:
    return {
        "text": params.str("text", max_length=service.MAX_TEXT),
        "hint": params.str("hint", max_length=service.MAX_HINT),
        "priority": params.int("priority", min=service.PRIORITY_MIN, max=service.PRIORITY_MAX),
    }


@admin_router.get(
    "/rules",
    summary="The instance's rules, by priority",
    **api_doc(response=arr(RULE), errors=(401, 403)),
)
async def list_rules(
    auth: AuthContext = Depends(require_admin(None, "admin:read")),
    session: AsyncSession = Depends(get_session),
):
    return [service.render_rule(rule) for rule in await service.list_rules(session)]


@admin_router.post(
    "/rules",
    summary="Add a rule",
    **api_doc(body=_body(True), response=RULE, errors=(401, 403, 422)),
)
async def create_rule(
    auth: AuthContext = Depends(require_admin(None, "admin:write")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    rule = await service.create_rule(session, auth.user, **_fields(params))
    await session.commit()
    return service.render_rule(rule)


@admin_router.patch(
    "/rules/{rule_id}",
    summary="Change a rule (fields left out are kept)",
    **api_doc(body=_body(False), response=RULE, errors=(401, 403, 404, 422)),
)
async def update_rule(
    rule_id: str,
    auth: AuthContext = Depends(require_admin(None, "admin:write")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    rule = await service.update_rule(session, auth.user, rule_id, **_fields(params))
    await session.commit()
    return service.render_rule(rule)


@admin_router.delete("/rules/{rule_id}", summary="Delete a rule", **api_doc(errors=(401, 403, 404)))
async def delete_rule(
    rule_id: str,
    auth: AuthContext = Depends(require_admin(None, "admin:write")),
    session: AsyncSession = Depends(get_session),
):
    await service.delete_rule(session, auth.user, rule_id)
    await session.commit()
    return {}
