"""Pleroma's account mail and password routes (under both /api/v1/pleroma and /api/pleroma):

- ``POST /accounts/confirmation_resend`` (``email``, or ``nickname``): a new confirmation
  link to an account that awaits one; 204 whatever the address, so it tells nobody which
  are known (Pleroma answers an unknown one with an error).
- ``GET /password_reset/:token``: the reset form (Pleroma's ``data[...]`` fields), or a
  404 page for a link that is unknown, used or expired.
- ``POST /password_reset`` (``data[token]``, ``data[password]``,
  ``data[password_confirmation]``; flat names too): sets the password, ends every session,
  and shows "Password changed!"; a password that will not do shows the form again (422).
- ``POST /change_email`` (``password``, ``email``; ``write:accounts``): changes the address,
  after a confirmation mail to it when the mailer is on (services/accounts/email_change.py).
- ``POST /change_password`` (``password``, ``new_password``, ``new_password_confirmation``;
  ``write:accounts``): sets the password and ends every session, this one too, as Pleroma.

JSON answers are Pleroma's ``{"status": "success"}`` and ``{"error": ...}`` with its
messages, with a 4xx status where Pleroma answers some errors 200 (clients read ``error``):
a wrong password is 403 "Invalid password.", an unacceptable new value 422.
The mail-causing routes are rate-limited per IP and per address (api/mail_limits.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from pyleroma.api.account_links import HTML_ERROR, LOGIN_FIELDS, NO_CONTENT, mail_login
from pyleroma.api.account_pages import notice_page, reset_form_page
from pyleroma.api.csrf import cross_site_reason
from pyleroma.api.deps import AuthContext, get_session, get_settings, require_user
from pyleroma.api.errors import http_status
from pyleroma.api.mail_limits import check_mail_rate
from pyleroma.api.openapi import STR, api_doc, obj, param
from pyleroma.api.params import Params, get_params
from pyleroma.errors import DomainError
from pyleroma.services.accounts import confirmation, email_change, password_reset, passwords
from pyleroma.settings import Settings

pleroma_router = APIRouter(tags=["Account mail and passwords"])

WRITE_SCOPES = ("write:accounts",)
SUCCESS = {"status": "success"}
RESET_FIELDS = ("token", "password", "password_confirmation")


@pleroma_router.post(
    "/accounts/confirmation_resend",
    **api_doc(body=LOGIN_FIELDS, status=204, errors=(422, 429), responses=NO_CONTENT),
)
async def confirmation_resend(
    request: Request,
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Mail a new confirmation link to an account that awaits confirmation."""
    login = mail_login(params)
    check_mail_rate(request, login)
    await confirmation.resend_confirmation(session, settings, login)
    return Response(status_code=204)


@pleroma_router.get(
    "/password_reset/{token}",
    **api_doc(
        path=[param("token", STR, "The reset link's secret")],
        response=STR,
        media_type="text/html",
        responses={"4XX": HTML_ERROR},
    ),
)
async def password_reset_form(
    token: str,
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The password reset form a reset link opens."""
    try:
        _, account = await password_reset.find_reset_token(session, token)
    except DomainError as exc:
        return notice_page(settings, "Invalid Token", exc.message, http_status(exc), error=True)
    return reset_form_page(settings, account.nickname, token)


def _reset_fields(params: Params) -> dict:
    """Pleroma's form posts ``data[...]``; flat names are read too (``data`` wins)."""
    fields = {name: params.raw(name) for name in RESET_FIELDS}
    nested = params.raw("data")
    if isinstance(nested, dict):
        fields.update({name: nested[name] for name in RESET_FIELDS if name in nested})
    return fields


@pleroma_router.post(
    "/password_reset",
    **api_doc(
        body=[
            param("data", obj(optional={name: STR for name in RESET_FIELDS}),
                  "The form's fields: data[token], data[password], data[password_confirmation]"),
            param("token", STR, "Flat form of data[token]"),
            param("password", STR, "Flat form of data[password]"),
            param("password_confirmation", STR, "Flat form of data[password_confirmation]"),
        ],
        response=STR,
        media_type="text/html",
        responses={"4XX": HTML_ERROR},
    ),
)  # fmt: skip
async def password_reset_submit(
    request: Request,
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Set a new password through a reset link's form."""
    reason = cross_site_reason(request, settings.base_url)
    if reason is not None:
        message = f"Cross-site request refused: {reason}"
        return notice_page(settings, "Password reset failed", message, 403, error=True)
    fields = _reset_fields(params)
    token = fields["token"]
    try:
        await password_reset.reset_password(
            session, token, fields["password"], fields["password_confirmation"]
        )
    except passwords.PasswordError as exc:
        _, account = await password_reset.find_reset_token(session, token)
        return reset_form_page(settings, account.nickname, token, exc.message, http_status(exc))
    except DomainError as exc:
        return notice_page(
            settings, "Password reset failed", exc.message, http_status(exc), error=True
        )
    return notice_page(
        settings, "Password changed!", "Your new password is set; log in with it again."
    )


@pleroma_router.post(
    "/change_email",
    **api_doc(
        body=[
            param("password", STR, "The account's password", required=True),
            param("email", STR, "The new address", required=True),
        ],
        response=obj({"status": STR}),
        errors=(401, 403, 422, 429),
    ),
)
async def change_email(
    request: Request,
    auth: AuthContext = Depends(require_user(*WRITE_SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Change the account's email address (after a confirmation mail with the mailer on)."""
    password, email = params.str("password"), params.str("email")
    check_mail_rate(request, email)
    await email_change.change_email(session, settings, auth.user, password, email)
    return SUCCESS


@pleroma_router.post(
    "/change_password",
    **api_doc(
        body=[
            param("password", STR, "The current password", required=True),
            param("new_password", STR, "The new password", required=True),
            param("new_password_confirmation", STR, "The new password again", required=True),
        ],
        response=obj({"status": STR}),
        errors=(401, 403, 422),
    ),
)
async def change_password(
    auth: AuthContext = Depends(require_user(*WRITE_SCOPES)),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    """Change the account's password; every session of the account ends."""
    await passwords.change_password(
        session,
        auth.user,
        params.str("password"),
        params.str("new_password"),
        params.str("new_password_confirmation"),
    )
    return SUCCESS
