"""Pleroma's two-factor authentication settings (under both /api/v1/pleroma and
/api/pleroma), as its TwoFactorAuthenticationController:

- ``GET /accounts/mfa`` (``read:security``): ``{"settings": {"enabled", "totp"}}``;
- ``GET /accounts/mfa/setup/totp``: a new pending secret, ``{"key", "provisioning_uri"}``;
- ``POST /accounts/mfa/confirm/totp`` (``password``, ``code``): ``{}``, MFA on;
- ``DELETE /accounts/mfa/totp`` (``password``): ``{}``, MFA off;
- ``GET /accounts/mfa/backup_codes``: ``{"codes": [...]}``, replacing the earlier ones.

The writes need ``write:security`` (``read``/``write`` cover both). A wrong password, a
wrong code or a state that does not allow the change is a 422 ``{"error"}`` with Pleroma's
message; a method other than ``totp`` is a 400 as in Pleroma. The login side (the
password grant's ``mfa_required``, the challenge, the HTML form's second step) is in
api/oauth/mfa_challenge.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, require_user
from pyleroma.api.openapi import BOOL, STR, api_doc, arr, obj, param
from pyleroma.api.params import Params, get_params
from pyleroma.errors import BadRequest
from pyleroma.services.accounts import mfa
from pyleroma.settings import Settings

pleroma_router = APIRouter(tags=["Two-factor authentication"])

READ_SCOPES = ("read:security",)
WRITE_SCOPES = ("write:security",)
METHOD = param("method", STR, "The MFA method: totp")
PASSWORD = param("password", STR, "The account's password", required=True)


def _method(method: str, message: str) -> None:
    if method not in mfa.METHODS:
        raise BadRequest(message)


def _required(params: Params, name: str, max_length: int | None = None) -> str:
    value = params.str(name, max_length=max_length)
    if value is None or value == "":
        raise BadRequest(f"{name}: can't be blank")
    return value


@pleroma_router.get(
    "/accounts/mfa",
    **api_doc(response=obj({"settings": obj({"enabled": BOOL, "totp": BOOL})}), errors=(401, 403)),
)
async def mfa_settings(auth: AuthContext = Depends(require_user(*READ_SCOPES))):
    """Whether MFA is on, and by which methods."""
    return {"settings": mfa.settings_of(auth.user)}


@pleroma_router.get(
    "/accounts/mfa/setup/{method}",
    **api_doc(
        path=[METHOD],
        response=obj({"key": STR, "provisioning_uri": STR}),
        errors=(400, 401, 403, 422),
    ),
)
async def setup(
    method: str,
    auth: AuthContext = Depends(require_user(*WRITE_SCOPES)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """A new TOTP secret (base32) and its otpauth:// URI for the authenticator app; MFA
    goes on only when a code of it is confirmed."""
    _method(method, "undefined method")
    secret = await mfa.setup_totp(session, settings, auth.user)
    return {"key": secret, "provisioning_uri": mfa.provisioning_uri(settings, auth.user, secret)}


@pleroma_router.post(
    "/accounts/mfa/confirm/{method}",
    **api_doc(
        path=[METHOD],
        body=[PASSWORD, param("code", STR, "A code from the authenticator app", required=True)],
        errors=(400, 401, 403, 422),
    ),
)
async def confirm(
    method: str,
    auth: AuthContext = Depends(require_user(*WRITE_SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Turn MFA on with the password and a code of the secret set up before."""
    _method(method, "undefined mfa method")
    password, code = _required(params, "password"), _required(params, "code", mfa.MAX_CODE_LENGTH)
    await mfa.confirm_totp(session, settings, auth.user, password, code)
    return {}


@pleroma_router.delete(
    "/accounts/mfa/{method}",
    **api_doc(
        path=[param("method", STR, "totp (or mfa: every method; TOTP is the only one)")],
        body=[PASSWORD],
        errors=(400, 401, 403, 422),
    ),
)
async def disable(
    method: str,
    auth: AuthContext = Depends(require_user(*WRITE_SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    """Turn MFA off; the backup codes go with it."""
    if method != "mfa":
        _method(method, "undefined mfa method")
    await mfa.disable(session, auth.user, _required(params, "password"))
    return {}


@pleroma_router.get(
    "/accounts/mfa/backup_codes",
    **api_doc(response=obj({"codes": arr(STR)}), errors=(401, 403)),
)
async def backup_codes(
    auth: AuthContext = Depends(require_user(*WRITE_SCOPES)),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """New one-use backup codes, shown this once; the earlier ones stop working."""
    return {"codes": await mfa.generate_backup_codes(session, settings, auth.user)}
