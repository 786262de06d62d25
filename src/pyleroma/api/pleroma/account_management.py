"""Pleroma's account self-management (under both /api/v1/pleroma and /api/pleroma):

- ``POST /disable_account`` (``password``): the account is deactivated, its sessions end;
- ``POST /delete_account`` (``password``, in the body or, as Pleroma still accepts, the
  query): deactivated at once, then deleted by a job (content, then the account, whose
  nickname is never issued again; a Delete of the actor is federated);
- ``PUT /notification_settings`` (``block_from_strangers``, ``hide_notification_contents``,
  booleans).

All answer ``{"status": "success"}``. Errors are ``{"error": ...}``: a wrong or missing
password is 403 "Invalid password." (Pleroma answers it with a 200; clients read the
``error`` key either way), a value that is not a boolean 422. Scope ``write:accounts``.
The rules live in services/accounts/account_management.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, require_user
from pyleroma.api.openapi import BOOL, STR, api_doc, obj, param
from pyleroma.api.params import Params, get_params
from pyleroma.services.accounts import account_management

pleroma_router = APIRouter(tags=["Account management"])

SCOPES = ("write:accounts",)
SUCCESS = {"status": "success"}
PASSWORD = param("password", STR, "The account's password", required=True)
STATUS = obj({"status": STR})


@pleroma_router.post(
    "/disable_account", **api_doc(body=[PASSWORD], response=STATUS, errors=(401, 403, 422))
)
async def disable_account(
    auth: AuthContext = Depends(require_user(*SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    account_management.check_password(auth.user, params.str("password"))
    await account_management.disable_account(session, auth.user)
    return SUCCESS


@pleroma_router.post(
    "/delete_account", **api_doc(body=[PASSWORD], response=STATUS, errors=(401, 403, 422))
)
async def delete_account(
    auth: AuthContext = Depends(require_user(*SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    account_management.check_password(auth.user, params.str("password"))
    await account_management.request_deletion(session, auth.user)
    return SUCCESS


@pleroma_router.put(
    "/notification_settings",
    **api_doc(
        body=[
            param("block_from_strangers", BOOL, "No notifications from accounts you don't follow"),
            param("hide_notification_contents", BOOL, "Web push without the status text"),
        ],
        response=STATUS,
        errors=(401, 403, 422),
    ),
)
async def update_notification_settings(
    auth: AuthContext = Depends(require_user(*SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    await account_management.update_notification_settings(session, auth.user, params)
    return SUCCESS
