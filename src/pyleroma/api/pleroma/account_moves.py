"""Pleroma's account aliases and move (under both /api/v1/pleroma and /api/pleroma):

- ``GET /aliases``: ``{"aliases": [nickname, ...]}``; ``PUT /aliases`` and ``DELETE
  /aliases`` (``alias``, a nickname such as ``foo@example.org``): ``{"status": "success"}``.
- ``POST /move_account`` (``password``, ``target_account``): the account moves to the
  target, which must list it among its aliases; the Move goes to every follower and local
  followers who allow it follow the target at once (services/accounts/move.py).

Errors are ``{"error": ...}`` with a 4xx (Pleroma answers some of them with a 200; clients
read the ``error`` key either way): a wrong password is 403 "Invalid password.", an alias or
target that cannot be found 404, a target that does not list the account 422.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, require_user
from pyleroma.api.openapi import STR, api_doc, arr, obj, param
from pyleroma.api.params import Params, get_params
from pyleroma.errors import Forbidden, Unprocessable
from pyleroma.services.accounts import aliases, move
from pyleroma.services.oauth.secrets import verify_password
from pyleroma.settings import Settings

pleroma_router = APIRouter(tags=["Account aliases and moves"])

READ_SCOPES = ("read:accounts",)
WRITE_SCOPES = ("write:accounts",)
SUCCESS = {"status": "success"}
ALIAS = param("alias", STR, "The alias's nickname, e.g. foo@example.org", required=True)


def _required(params: Params, name: str) -> str:
    value = params.str(name)
    if value is None or not value.strip():
        raise Unprocessable(f"{name}: can't be blank")
    return value


@pleroma_router.get("/aliases", **api_doc(response=obj({"aliases": arr(STR)}), errors=(401, 403)))
async def list_aliases(
    auth: AuthContext = Depends(require_user(*READ_SCOPES)),
    session: AsyncSession = Depends(get_session),
):
    return {"aliases": await aliases.list_aliases(session, auth.user)}


@pleroma_router.put(
    "/aliases",
    **api_doc(body=[ALIAS], response=obj({"status": STR}), errors=(401, 403, 404, 422)),
)
async def add_alias(
    auth: AuthContext = Depends(require_user(*WRITE_SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    await aliases.add_alias(session, settings, auth.user, _required(params, "alias"))
    return SUCCESS


@pleroma_router.delete(
    "/aliases",
    **api_doc(body=[ALIAS], response=obj({"status": STR}), errors=(401, 403, 404, 422)),
)
async def delete_alias(
    auth: AuthContext = Depends(require_user(*WRITE_SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    await aliases.delete_alias(session, settings, auth.user, _required(params, "alias"))
    return SUCCESS


@pleroma_router.post(
    "/move_account",
    **api_doc(
        body=[
            param("password", STR, "The account's password", required=True),
            param("target_account", STR, "The target's nickname, e.g. foo@example.org",
                  required=True),
        ],
        response=obj({"status": STR}),
        errors=(400, 401, 403, 404, 422),
    ),
)  # fmt: skip
async def move_account(
    auth: AuthContext = Depends(require_user(*WRITE_SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    password = params.str("password") or ""
    if not verify_password(auth.user.password_hash, password):
        raise Forbidden("Invalid password.")
    await move.move_account(session, settings, auth.user, _required(params, "target_account"))
    return SUCCESS
