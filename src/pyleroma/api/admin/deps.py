"""Access to the admin API, checked in Pleroma's order: a logged-in user (401), the role
(``admin_only`` routes: "User is not an admin."; the others: the privilege of
policy/permissions.py, "User isn't privileged."), then the token's admin scopes (403
"Insufficient permissions: ..."): a staff member's token without admin scopes is refused,
as Pleroma enforces ``enforce_oauth_admin_scope_usage`` by default.
"""

from __future__ import annotations

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, _check_scopes, authenticate, get_session
from pyleroma.errors import Forbidden, Unauthorized
from pyleroma.policy.permissions import is_admin, is_privileged

NOT_ADMIN = "User is not an admin."
NOT_PRIVILEGED = "User isn't privileged."


def require_admin(privilege: str | None, *scopes: str):
    """Dependency: a staff member with ``privilege`` (None: admins only) whose token has
    one of ``scopes``."""

    async def dependency(
        request: Request, session: AsyncSession = Depends(get_session)
    ) -> AuthContext:
        context = await authenticate(request, session)
        if context is None or context.account is None:
            raise Unauthorized(
                "Missing access token"
                if context is None
                else "This method requires an authenticated user"
            )
        if privilege is None:
            if not is_admin(context.account):
                raise Forbidden(NOT_ADMIN)
        elif not is_privileged(context.account, privilege):
            raise Forbidden(NOT_PRIVILEGED)
        _check_scopes(context, scopes)
        return context

    dependency.required_scopes = scopes  # read by the OpenAPI document (api/openapi)
    dependency.auth_kind = "user"
    return dependency
