"""Admin API, invites (under /api/v1/pleroma/admin and /api/pleroma/admin): make, list and
revoke registration invites, and mail one (Pleroma's ``InviteController``; privilege
``users_manage_invites``). The work is services/accounts/invites.py's, shared with the
``pyleroma invite`` CLI. Pleroma logs none of these in the moderation log; we log making,
revoking and mailing an invite (by id, never its token) in the change's transaction.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from pyleroma.api.admin.deps import require_admin
from pyleroma.api.deps import AuthContext, get_session, get_settings
from pyleroma.api.openapi import BOOL, INT, STR, api_doc, arr, enum, nullable, obj, param
from pyleroma.api.params import Params, get_params
from pyleroma.errors import Unprocessable
from pyleroma.services.accounts import invites
from pyleroma.settings import Settings

admin_router = APIRouter(tags=["Admin: invites"])

PRIVILEGE = "users_manage_invites"
READ = ("admin:read:invites",)
WRITE = ("admin:write:invites",)
INVITE = obj(
    {
        "id": STR,
        "token": STR,
        "used": BOOL,
        "expires_at": nullable(STR),
        "uses": INT,
        "max_use": nullable(INT),
        "invite_type": enum("one_time", "reusable", "date_limited", "reusable_date_limited"),
    }
)
NO_CONTENT = {204: {"description": "No Content: the invitation mail is queued"}}


@admin_router.post(
    "/users/invite_token",
    **api_doc(
        body=[
            param("max_use", INT, "How many registrations it allows (default: one)"),
            param("expires_at", STR, "The last day it works, e.g. 2030-04-07"),
        ],
        response=INVITE,
        errors=(401, 403, 422),
    ),
)
async def create_invite(
    auth: AuthContext = Depends(require_admin(PRIVILEGE, *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    max_use = params.int("max_use", min=1, max=2**31 - 1)
    expires_at = invites.parse_expiry(params.str("expires_at"))
    invite = await invites.create_invite(
        session, max_use=max_use, expires_at=expires_at, actor=auth.user
    )
    await session.commit()
    return invites.render_invite(invite)


@admin_router.get(
    "/users/invites", **api_doc(response=obj({"invites": arr(INVITE)}), errors=(401, 403))
)
async def list_invites(
    auth: AuthContext = Depends(require_admin(PRIVILEGE, *READ)),
    session: AsyncSession = Depends(get_session),
):
    return {"invites": [invites.render_invite(i) for i in await invites.list_invites(session)]}


@admin_router.post(
    "/users/revoke_invite",
    **api_doc(
        body=[param("token", STR, "The invite's token", required=True)],
        response=INVITE,
        errors=(401, 403, 404, 422),
    ),
)
async def revoke_invite(
    auth: AuthContext = Depends(require_admin(PRIVILEGE, *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    token = params.str("token", max_length=256)
    if not token:
        raise Unprocessable("token: can't be blank")
    invite = await invites.revoke_invite(session, token, actor=auth.user)
    await session.commit()
    return invites.render_invite(invite)


@admin_router.post(
    "/users/email_invite",
    **api_doc(
        body=[
            param("email", STR, "Where the invitation goes", required=True),
            param("name", STR, "The invitee's name, for the greeting"),
        ],
        status=204,
        errors=(400, 401, 403, 422),
        responses=NO_CONTENT,
    ),
)
async def email_invite(
    auth: AuthContext = Depends(require_admin(PRIVILEGE, *WRITE)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """A one-time invite mailed with the registration link. Pleroma's 400s when
    registrations are open or invites off, and when there is no mailer."""
    await invites.email_invite(
        session,
        settings,
        auth.user,
        params.str("email", max_length=320),
        params.str("name", max_length=1000),
    )
    await session.commit()
    return Response(status_code=204)
