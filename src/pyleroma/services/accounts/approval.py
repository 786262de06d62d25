"""Registrations that wait for approval (``registrations = "approval"``) and their mails.

As Pleroma's ``post_register_action``: once the account is confirmed (at once when no
confirmation is required) the user is told it awaits review (``approval_pending``) and
every admin and moderator with an address is told of the new registration
(``admin_new_registration``, with the reason given). Approving the account
(``approve_account``: the CLI now, the admin API later) tells the user
(``account_approved``). With the mailer off none of these is sent.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.models import Account
from pyleroma.services.mail.outbox import queue_mail
from pyleroma.settings import Settings

STAFF_WITH_EMAIL = (
    select(Account)
    .where(
        Account.local.is_(True),
        Account.is_active.is_(True),
        or_(Account.is_admin.is_(True), Account.is_moderator.is_(True)),
        Account.email.is_not(None),
    )
    .order_by(Account.id)
)


async def queue_approval_pending(
    session: AsyncSession, settings: Settings, account: Account
) -> None:
    """Queue the "awaiting approval" mail to the user and the new-registration mail to the
    staff (the caller commits)."""
    if not settings.mailer_enabled:
        return
    if account.email:
        await queue_mail(
            session,
            settings,
            to=account.email,
            template="approval_pending",
            values={"nickname": account.nickname},
        )
    staff = (await session.execute(STAFF_WITH_EMAIL)).scalars().all()
    for member in staff:
        if member.id == account.id:
            continue
        await queue_mail(
            session,
            settings,
            to=member.email,
            template="admin_new_registration",
            values={
                "admin_nickname": member.nickname,
                "nickname": account.nickname,
                "email": account.email or "(none)",
                "reason": account.registration_reason or "(none given)",
                "profile_url": account.url or account.ap_id,
            },
        )


async def approve_account(session: AsyncSession, settings: Settings, account: Account) -> bool:
    """Approve a pending registration and queue the "account approved" mail (the caller
    commits). False, and nothing sent, when the account was approved already."""
    if account.is_approved:
        return False
    account.is_approved = True
    if account.email and account.local:
        await queue_mail(
            session,
            settings,
            to=account.email,
            template="account_approved",
            values={"nickname": account.nickname},
        )
    return True
