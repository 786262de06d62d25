"""Registering a local account through the API (POST /api/v1/accounts), as Pleroma does.

The registration mode (``settings.registrations``) decides who may register:
``open`` anyone; ``approval`` anyone, but the account waits for a moderator and a reason is
required; ``invite`` only with a usable invite token, whose use is counted; ``closed`` no one.
With ``account_activation_required`` the email is required and the account starts
unconfirmed. An account that may log in at once gets a token for the registering app, with
the app's scopes less the admin ones; otherwise Pleroma's ``identifier``/``message`` pair says
what the user must wait for.

Everything is validated before anything is written, and the account, the invite's use count
and the token are committed together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.errors import Forbidden
from pyleroma.models import Account, InviteToken, OAuthApp
from pyleroma.services.accounts import captcha
from pyleroma.services.accounts.accounts import (
    AccountError,
    check_available,
    check_email,
    check_nickname,
    check_password,
    create_local_account,
)
from pyleroma.services.accounts.approval import queue_approval_pending
from pyleroma.services.accounts.confirmation import send_confirmation
from pyleroma.services.oauth import oauth
from pyleroma.services.text.emoji import refresh_account_emojis
from pyleroma.services.text.formatting import format_plain_text
from pyleroma.settings import Settings

CONFIRMATION_PENDING = (
    "missing_confirmed_email",
    "You have been registered. Please check your email for further instructions.",
)
APPROVAL_PENDING = (
    "awaiting_approval",
    "You have been registered. You'll be able to log in once your account is approved.",
)


@dataclass
class RegistrationRequest:
    """The registration parameters, read (as strings or None) by the router."""

    username: str | None
    password: str | None
    email: str | None
    agreement: bool | None
    reason: str | None = None
    invite_token: str | None = None
    display_name: str | None = None
    bio: str | None = None
    # The captcha (services/accounts/captcha.py), checked when captcha_enabled.
    captcha_token: str | None = None
    captcha_answer_data: str | None = None
    captcha_solution: str | None = None


@dataclass
class Registered:
    """The outcome: a token when the account may log in now, else why it may not."""

    account: Account
    issued: oauth.IssuedToken | None
    identifier: str | None = None
    message: str | None = None


def check_registrations_open(settings: Settings) -> None:
    if settings.registrations == "closed":
        raise Forbidden("Registrations are closed")


def check_request(settings: Settings, request: RegistrationRequest) -> None:
    """The checks that need no database, in the order a user fixes a form."""
    for name in ("username", "password"):
        if getattr(request, name) is None:
            raise AccountError(f"Missing field: {name}")
    if request.agreement is None:
        raise AccountError("Missing field: agreement")
    if not request.agreement:
        raise AccountError("Agreement must be accepted")
    check_nickname(settings, request.username)
    if settings.account_activation_required and request.email is None:
        raise AccountError("Missing parameter: email")
    check_email(request.email, required=settings.account_activation_required)
    check_password(request.password)
    reason = (request.reason or "").strip()
    if settings.registrations == "approval" and not reason:
        raise AccountError("Reason can't be blank: this server reviews registrations")
    if len(reason) > settings.registration_reason_length:
        raise AccountError(
            f"Reason is too long (maximum is {settings.registration_reason_length} characters)"
        )
    if request.display_name and len(request.display_name) > settings.max_display_name_length:
        raise AccountError(
            f"Display name is too long (maximum is {settings.max_display_name_length} characters)"
        )
    if request.bio and len(request.bio) > settings.max_account_note_length:
        raise AccountError(
            f"Bio is too long (maximum is {settings.max_account_note_length} characters)"
        )
    if settings.registrations == "invite" and not request.invite_token:
        raise AccountError("Invalid token")


async def check_invite(session: AsyncSession, settings: Settings, token: str) -> InviteToken:
    """The invite behind ``token`` if it can still be used (Pleroma's messages)."""
    invite = (
        await session.execute(select(InviteToken).where(InviteToken.token == token))
    ).scalar_one_or_none()
    if invite is None:
        raise AccountError("Invalid token")
    if not invite.is_usable(dt.datetime.now(dt.UTC).date()):
        raise AccountError("Expired token")
    return invite


async def use_invite(session: AsyncSession, invite: InviteToken) -> None:
    """Count one use, in one conditional UPDATE so two registrations racing for the last
    use cannot both win. A one-time invite (no use cap, no expiry) is used up at once."""
    one_time = invite.max_use is None and invite.expires_at is None
    if one_time:
        used = True
    elif invite.max_use is not None:
        used = case((InviteToken.uses + 1 >= InviteToken.max_use, True), else_=False)
    else:
        used = False
    result = await session.execute(
        update(InviteToken)
        .where(
            InviteToken.id == invite.id,
            InviteToken.used.is_(False),
            or_(InviteToken.max_use.is_(None), InviteToken.uses < InviteToken.max_use),
        )
        .values(uses=InviteToken.uses + 1, used=used)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise AccountError("Expired token")


async def _taken_error(
    session: AsyncSession, request: RegistrationRequest, email: str | None
) -> Exception:
    """After a unique-constraint race, the message the loser should see."""
    await session.rollback()
    try:
        await check_available(session, request.username or "", email)
    except AccountError as exc:
        return exc
    return AccountError("Username has already been taken")


async def register(
    session: AsyncSession,
    settings: Settings,
    app: OAuthApp,
    request: RegistrationRequest,
) -> Registered:
    check_registrations_open(settings)
    check_request(settings, request)
    await captcha.check_captcha(
        session,
        settings,
        app,
        request.captcha_token,
        request.captcha_answer_data,
        request.captcha_solution,
    )
    # The token's scopes are the app's less admin ones; an app with nothing else is refused
    # now rather than after the account exists.
    oauth.grant_scopes(app, None, None)
    invite = None
    if settings.registrations == "invite":
        invite = await check_invite(session, settings, request.invite_token or "")
    email = check_email(request.email, required=settings.account_activation_required)
    confirmed = not settings.account_activation_required
    approved = settings.registrations != "approval"
    try:
        account = await create_local_account(
            session,
            settings,
            request.username,
            email,
            request.password,
            email_required=settings.account_activation_required,
            display_name=request.display_name or None,
            is_confirmed=confirmed,
            is_approved=approved,
            registration_reason=(request.reason or "").strip() or None,
            invite_id=invite.id if invite else None,
        )
    except IntegrityError:
        raise await _taken_error(session, request, email) from None
    if request.bio:
        account.note_source = request.bio
        account.note_html = (await format_plain_text(session, settings, request.bio)).html
        refresh_account_emojis(settings, account)
    if invite is not None:
        await use_invite(session, invite)
    try:
        if not confirmed:
            # The approval mails follow the confirmation (services/accounts/confirmation.py).
            await send_confirmation(session, settings, account)
            await session.commit()
            return Registered(account, None, *CONFIRMATION_PENDING)
        if not approved:
            await queue_approval_pending(session, settings, account)
            await session.commit()
            return Registered(account, None, *APPROVAL_PENDING)
        issued = await oauth.issue_token(session, settings, app, account, None)
    except IntegrityError:
        raise await _taken_error(session, request, email) from None
    return Registered(account, issued)
