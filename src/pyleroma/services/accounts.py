"""Creating and looking up local accounts; shared by registration, the CLI and the admin API."""

from __future__ import annotations

import re
import secrets

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.errors import NotFound, Unprocessable
from pyleroma.db.ids import new_id, parse_id
from pyleroma.models import Account, AccountTombstone
from pyleroma.services.emoji import profile_emojis
from pyleroma.services.secrets import hash_password
from pyleroma.settings import Settings
from pyleroma.urls import account_ap_id

# Pleroma's extended local nickname format: letters, digits, underscore and hyphen.
NICKNAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
NICKNAME_MAX = 64
PASSWORD_MIN = 8
PASSWORD_MAX = 512
RETIRED_NICKNAME = "Username belonged to a deleted account and cannot be used again"


class AccountError(Unprocessable):
    """A registration or account-creation rule was broken; the message says which."""


def check_nickname(settings: Settings, nickname) -> str:
    if not isinstance(nickname, str) or not nickname:
        raise AccountError("Username can't be blank")
    if len(nickname) > NICKNAME_MAX:
        raise AccountError(f"Username is too long (maximum is {NICKNAME_MAX} characters)")
    if not NICKNAME_RE.match(nickname):
        raise AccountError("Username has invalid format: use letters, digits, _ and - only")
    if nickname.lower() in {r.lower() for r in settings.reserved_nicknames}:
        raise AccountError("Username is reserved")
    return nickname


def check_email(email, required: bool = True) -> str | None:
    if email is None or email == "":
        if required:
            raise AccountError("Email can't be blank")
        return None
    if not isinstance(email, str):
        raise AccountError("Email has invalid format")
    try:
        return validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise AccountError("Email has invalid format") from exc


def check_password(password) -> str:
    if not isinstance(password, str) or not password:
        raise AccountError("Password can't be blank")
    if len(password) < PASSWORD_MIN:
        raise AccountError(f"Password is too short (minimum is {PASSWORD_MIN} characters)")
    if len(password) > PASSWORD_MAX:
        raise AccountError(f"Password is too long (maximum is {PASSWORD_MAX} characters)")
    return password


async def check_available(
    session: AsyncSession, nickname: str, email: str | None, ap_id: str | None = None
) -> None:
    """The nickname (and email) belong to no account, and never did to a deleted one: a
    deleted account's name and ids (``ap_id``) are never issued again (its tombstone)."""
    taken = await session.scalar(
        select(func.count()).select_from(Account).where(Account.nickname_key == nickname.lower())
    )
    if taken:
        raise AccountError("Username has already been taken")
    retired = [AccountTombstone.nickname_key == nickname.lower()]
    if ap_id is not None:
        retired += [AccountTombstone.ap_id == ap_id, AccountTombstone.url == ap_id]
    if await session.scalar(
        select(func.count()).select_from(AccountTombstone).where(or_(*retired))
    ):
        raise AccountError(RETIRED_NICKNAME)
    if email is not None:
        used = await session.scalar(
            select(func.count()).select_from(Account).where(Account.email_key == email.lower())
        )
        if used:
            raise AccountError("Email has already been taken")


async def create_local_account(
    session: AsyncSession,
    settings: Settings,
    nickname: str,
    email: str | None,
    password: str,
    *,
    email_required: bool = True,
    display_name: str | None = None,
    is_admin: bool = False,
    is_moderator: bool = False,
    is_approved: bool = True,
    is_confirmed: bool = True,
    registration_reason: str | None = None,
    invite_id: int | None = None,
) -> Account:
    """Validate and add a local account to the session (the caller commits)."""
    nickname = check_nickname(settings, nickname)
    email = check_email(email, required=email_required)
    check_password(password)
    ap_id = account_ap_id(settings, nickname)
    await check_available(session, nickname, email, ap_id)
    account = Account(
        id=new_id(),
        nickname=nickname,
        nickname_key=nickname.lower(),
        local=True,
        ap_id=ap_id,
        email=email,
        email_key=email.lower() if email else None,
        password_hash=hash_password(password),
        display_name=display_name,
        is_admin=is_admin,
        is_moderator=is_moderator,
        is_approved=is_approved,
        is_confirmed=is_confirmed,
        confirmation_token=None if is_confirmed else secrets.token_urlsafe(24),
        registration_reason=registration_reason,
        invite_id=invite_id,
        fields=[],
        also_known_as=[],
        tags=[],
        settings_store={},
        emojis=profile_emojis(settings, display_name, None, None),
    )
    session.add(account)
    await session.flush()
    return account


async def get_account(session: AsyncSession, ident: str) -> Account:
    """An account by id or nickname (Pleroma accepts both in /api/v1/accounts/:id)."""
    account = await find_account(session, ident)
    if account is None:
        raise NotFound("Can't find user")
    return account


async def find_account(session: AsyncSession, ident: str) -> Account | None:
    account_id = parse_id(ident)
    if account_id is not None:
        account = await session.get(Account, account_id)
        if account is not None:
            return account
    if not isinstance(ident, str) or not ident:
        return None
    key = ident.lstrip("@").lower()
    return (
        await session.execute(select(Account).where(Account.nickname_key == key))
    ).scalar_one_or_none()


async def find_by_nickname(session: AsyncSession, nickname: str) -> Account | None:
    return (
        await session.execute(select(Account).where(Account.nickname_key == nickname.lower()))
    ).scalar_one_or_none()
