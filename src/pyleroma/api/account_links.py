"""Where mailed links lead, and the password reset request (outside the Pleroma prefixes):

- ``GET /api/account/confirm_email/:user_id/:token`` (Pleroma's path): confirms a new
  account's address, once. Pleroma redirects to ``/`` (its front end); we have no page
  there, so a short page says what happened and links to the instance.
- ``GET /api/account/confirm_email_change/:user_id/:token`` (ours; Pleroma changes the
  address at once): makes a pending address change (services/accounts/email_change.py).
- ``POST /auth/password`` (``email`` or ``nickname``), as Pleroma-FE, Mastodon's web client
  and Soapbox call it: mails a reset link; 204 whatever the address, so it tells nobody
  which addresses are known. Rate-limited per IP and per address (api/mail_limits.py).

A link that is not valid (used, replaced, expired, wrong) is a 404 page saying so.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from pyleroma.api.account_pages import notice_page
from pyleroma.api.deps import get_session, get_settings
from pyleroma.api.errors import http_status
from pyleroma.api.mail_limits import check_mail_rate
from pyleroma.api.openapi import STR, api_doc, param, ref
from pyleroma.api.params import Params, get_params
from pyleroma.errors import DomainError, Unprocessable
from pyleroma.services.accounts import confirmation, email_change, password_reset
from pyleroma.settings import Settings

router = APIRouter(tags=["Account mail"])

HTML_ERROR = {
    "description": "Not valid: a page saying why (a malformed request: {error})",
    "content": {"text/html": {"schema": STR}, "application/json": {"schema": ref("Error")}},
}
LINK_PATH = [
    param("user_id", STR, "The account's id"),
    param("token", STR, "The secret the mail carried"),
]
NO_CONTENT = {204: {"description": "No Content (whether or not a mail was sent)"}}
LOGIN_FIELDS = [
    param("email", STR, "The account's email address (or its nickname)"),
    param("nickname", STR, "The account's nickname, when no email is given"),
]


def mail_login(params: Params) -> str:
    """The ``email`` (or ``nickname``) a mail-causing request names; 422 when neither."""
    value = params.str("email") or params.str("nickname")
    if value is None or not value.strip():
        raise Unprocessable("Missing parameter: email")
    return value.strip()


@router.get(
    "/api/account/confirm_email/{user_id}/{token}",
    **api_doc(path=LINK_PATH, response=STR, media_type="text/html",
              responses={"4XX": HTML_ERROR}),
)  # fmt: skip
async def confirm_email(
    user_id: str,
    token: str,
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Confirm a new account's email address (the link of the confirmation mail)."""
    try:
        account = await confirmation.confirm_by_link(session, settings, user_id, token)
    except DomainError as exc:
        return notice_page(settings, "Confirmation failed", exc.message, http_status(exc), True)
    if account.is_approved:
        message = f"The email address of @{account.nickname} is confirmed: you can log in now."
    else:
        message = (
            f"The email address of @{account.nickname} is confirmed. Your account now awaits "
            "approval by the staff; you will get a mail once it is approved."
        )
    return notice_page(settings, "Email confirmed", message)


@router.get(
    "/api/account/confirm_email_change/{user_id}/{token}",
    **api_doc(path=LINK_PATH, response=STR, media_type="text/html",
              responses={"4XX": HTML_ERROR}),
)  # fmt: skip
async def confirm_email_change(
    user_id: str,
    token: str,
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Make a pending email address change (the link mailed to the new address)."""
    try:
        account = await email_change.confirm_email_change(session, settings, user_id, token)
    except DomainError as exc:
        return notice_page(
            settings, "Email change failed", exc.message, http_status(exc), error=True
        )
    return notice_page(
        settings,
        "Email changed",
        f"The email address of @{account.nickname} is now {account.email}.",
    )


@router.post(
    "/auth/password",
    **api_doc(body=LOGIN_FIELDS, status=204, errors=(422, 429), responses=NO_CONTENT),
)
async def request_password_reset(
    request: Request,
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Mail a password reset link to the account an email (or nickname) names."""
    login = mail_login(params)
    check_mail_rate(request, login)
    await password_reset.request_password_reset(session, settings, login)
    return Response(status_code=204)
