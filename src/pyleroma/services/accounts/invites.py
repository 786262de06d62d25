"""Registration invites (Pleroma's ``UserInviteToken``): made by staff through the admin API
or the ``pyleroma invite`` CLI, taken by registration in the ``invite`` mode
(services/accounts/registration.py counts their uses).

An invite's kind is not stored: it follows from its limits, as Pleroma assigns it when the
invite is made: ``one_time`` (no limit: used up by one registration), ``reusable``
(``max_use`` registrations), ``date_limited`` (any number until ``expires_at``, that day
included) and ``reusable_date_limited`` (both). Revoking marks an invite used, so the
accounts made with it keep their link to it.

Mailing an invite (``email_invite``) makes a one-time invite and queues the mail with the
registration link in the same transaction: if the mail cannot be queued, no invite is left.

When a staff member acts (``actor``; the CLI has none), the moderation log entry is added in
the same transaction (``invite_create``, ``invite_revoke``, ``invite_email``; Pleroma logs
none of them). The entry names the invite by id and kind: its token is a credential, the
log is readable by every admin and kept for ever.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.ids import new_id
from pyleroma.errors import BadRequest, NotFound, Unprocessable
from pyleroma.models import Account, InviteToken
from pyleroma.services.accounts.accounts import check_email
from pyleroma.services.mail.outbox import queue_mail
from pyleroma.services.moderation.moderation_log import log_action
from pyleroma.services.oauth.secrets import new_secret
from pyleroma.settings import Settings

INVITE_TEMPLATE = "user_invitation"
# Pleroma's texts (InviteController.email), with the setting that does it here.
REGISTRATIONS_OPEN = (
    "To send invites you need to set the `registrations_open` option to false "
    '(here: registrations = "invite").'
)
INVITES_DISABLED = (
    "To send invites you need to set the `invites_enabled` option to true "
    '(here: registrations = "invite").'
)
MAILER_DISABLED = "Mailer is not enabled (mailer_enabled = false): no invite was sent."
NAME_MAX = 100


def invite_type(invite: InviteToken) -> str:
    if invite.max_use is not None and invite.expires_at is not None:
        return "reusable_date_limited"
    if invite.expires_at is not None:
        return "date_limited"
    if invite.max_use is not None:
        return "reusable"
    return "one_time"


def render_invite(invite: InviteToken) -> dict:
    """Pleroma's ``InviteView`` (the id as a string: 64-bit ids do not fit a JS number)."""
    return {
        "id": str(invite.id),
        "token": invite.token,
        "used": invite.used,
        "expires_at": invite.expires_at.isoformat() if invite.expires_at else None,
        "uses": invite.uses,
        "max_use": invite.max_use,
        "invite_type": invite_type(invite),
    }


def log_subject(invite: InviteToken) -> dict:
    """The invite as its log entries name it: id and kind, never the token."""
    return {"type": "invite", "id": str(invite.id), "invite_type": invite_type(invite)}


def parse_expiry(value: str | None, today: dt.date | None = None) -> dt.date | None:
    """``expires_at`` as Pleroma takes it, a date (``2019-04-07``); an invite may expire
    today (it works until the day ends) but not before."""
    if value is None or value == "":
        return None
    try:
        date = dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise Unprocessable("expires_at: must be a date such as 2030-04-07") from exc
    if date < (today or dt.datetime.now(dt.UTC).date()):
        raise Unprocessable("expires_at: must not be in the past")
    return date


def check_max_use(value: int | None) -> int | None:
    if value is not None and value < 1:
        raise Unprocessable("max_use: must be at least 1")
    return value


async def create_invite(
    session: AsyncSession,
    *,
    max_use: int | None = None,
    expires_at: dt.date | None = None,
    actor: Account | None = None,
) -> InviteToken:
    """A new invite with these (already checked) limits, logged ``invite_create`` when
    ``actor`` made it; the caller commits."""
    invite = InviteToken(
        id=new_id(),
        token=new_secret(32),
        max_use=check_max_use(max_use),
        expires_at=expires_at,
        uses=0,
        used=False,
    )
    session.add(invite)
    await session.flush()
    if actor is not None:
        await log_action(session, actor, "invite_create", subject=log_subject(invite))
    return invite


async def list_invites(session: AsyncSession) -> list[InviteToken]:
    """Every invite, oldest first (Pleroma orders them by id)."""
    return list((await session.scalars(select(InviteToken).order_by(InviteToken.id))).all())


async def revoke_invite(
    session: AsyncSession, token: str, actor: Account | None = None
) -> InviteToken:
    """Mark the invite behind ``token`` used, so no one registers with it any more, logged
    ``invite_revoke`` when ``actor`` did it; the caller commits. Pleroma's 404 "Not found"
    for an unknown token (nothing logged)."""
    invite = (
        await session.execute(select(InviteToken).where(InviteToken.token == token))
    ).scalar_one_or_none()
    if invite is None:
        raise NotFound("Not found")
    invite.used = True
    if actor is not None:
        await log_action(session, actor, "invite_revoke", subject=log_subject(invite))
    return invite


def registration_url(settings: Settings, invite: InviteToken) -> str:
    """Pleroma's link (``/registration/:token``): the front end's registration page, which
    passes the token on as ``token`` to POST /api/v1/accounts."""
    return f"{settings.base_url}/registration/{invite.token}"


def _clean_name(name: str | None) -> str | None:
    """The invitee's name for the greeting and the To header: one line of printable text."""
    if not name:
        return None
    text = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    if len(text) > NAME_MAX:
        raise Unprocessable(f"name: is too long (maximum is {NAME_MAX} characters)")
    return text or None


def _recipient(email: str, name: str | None) -> str:
    if not name:
        return email
    from email.headerregistry import Address

    local, _, domain = email.rpartition("@")
    try:
        return str(Address(display_name=name, username=local, domain=domain))
    except (ValueError, IndexError):
        return email


def check_can_mail_invites(settings: Settings) -> None:
    """Pleroma's preconditions, in its order: registrations not open, invites on (both
    are ``registrations = "invite"`` here), then a mailer to send with."""
    if settings.registrations in ("open", "approval"):
        raise BadRequest(REGISTRATIONS_OPEN)
    if settings.registrations != "invite":
        raise BadRequest(INVITES_DISABLED)
    if not settings.mailer_enabled:
        raise BadRequest(MAILER_DISABLED)


async def email_invite(
    session: AsyncSession,
    settings: Settings,
    inviter: Account,
    email: str | None,
    name: str | None = None,
) -> InviteToken:
    """Make a one-time invite and queue the invitation mail to ``email`` (greeting
    ``name``), both in the caller's transaction with the ``invite_email`` log entry (the
    inviter is the staff member acting); the caller commits."""
    check_can_mail_invites(settings)
    address = check_email(email)  # Pleroma's address rule; a 422 saying what is wrong
    name = _clean_name(name)
    invite = await create_invite(session)
    await queue_mail(
        session,
        settings,
        to=_recipient(address, name),
        template=INVITE_TEMPLATE,
        values={
            "greeting": f"Hello {name}," if name else "Hello,",
            "inviter": inviter.display_name or inviter.nickname,
            "inviter_nickname": inviter.nickname,
            "registration_url": registration_url(settings, invite),
        },
    )
    await log_action(session, inviter, "invite_email", subject=log_subject(invite), email=address)
    return invite
