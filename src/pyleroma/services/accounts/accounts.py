"""Creating and looking up local accounts; shared by registration, the CLI and the admin API."""

from __future__ import annotations

import re

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.ids import new_id, parse_id
from pyleroma.errors import NotFound, Unprocessable
from pyleroma.models import Account, AccountTombstone
from pyleroma.services.accounts.mail_links import REGISTRATION, token_digest
from pyleroma.services.oauth.secrets import hash_password, new_secret
from pyleroma.services.text.emoji import profile_emojis
from pyleroma.settings import Settings
from pyleroma.urls import local_actor_urls

# Pleroma's extended local nickname format: letters, digits, underscore and hyphen.
NICKNAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
NICKNAME_MAX = 64
PASSWORD_MIN = 8
PASSWORD_MAX = 512
RETIRED_NICKNAME = "Username belonged to a deleted account and cannot be used again"
# Pleroma's email rule (its User changeset), which is also the HTML standard's "valid e-mail
# address": a local part of letters, digits and .!#$%&'*+/=?^_`{|}~-, an @, then one or more
# DNS labels. No top-level domain is required, so ``user@localhost`` and addresses on
# special-use domains (``.test``, ``.local``, ``.internal``) are accepted, as Pleroma does.
EMAIL_RE = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)
EMAIL_MAX = 320  # RFC 5321: 64 for the local part, 255 for the domain (the column's size)


class AccountError(Unprocessable):
    """A registration or account-creation rule was broken; the message says which."""


def check_nickname(settings: Settings, nickname, *, allow_reserved: bool = False) -> str:
    """A nickname a new local account may take, or an AccountError saying why not.

    ``reserved_nicknames`` keep strangers registering through the API from taking names
    the server routes or that pass for staff; ``allow_reserved`` (the CLI, run by the
    instance's owner) lifts that one rule.
    """
    if not isinstance(nickname, str) or not nickname:
        raise AccountError("Username can't be blank")
    if len(nickname) > NICKNAME_MAX:
        raise AccountError(
            f"Username is too long: {len(nickname)} characters, the maximum is {NICKNAME_MAX}"
        )
    if not NICKNAME_RE.match(nickname):
        bad = ", ".join(repr(c) for c in dict.fromkeys(nickname) if not NICKNAME_RE.match(c))
        raise AccountError(
            f"Username has invalid format: {bad} not allowed; use only letters a-z and A-Z, "
            "digits, _ and -"
        )
    if not allow_reserved and nickname.lower() in {r.lower() for r in settings.reserved_nicknames}:
        raise AccountError(
            "Username is reserved: this server keeps that name for its own pages or staff"
        )
    return nickname


def check_email(email, required: bool = True) -> str | None:
    """The address when it follows Pleroma's rule (``EMAIL_RE``), its domain in lowercase
    (domains ignore case; the local part is kept as typed). Addresses are compared
    ignoring case (``email_key``)."""
    if email is None or email == "":
        if required:
            raise AccountError("Email can't be blank")
        return None
    if not isinstance(email, str):
        raise AccountError("Email has invalid format: must be a string")
    if len(email) > EMAIL_MAX:
        raise AccountError(f"Email is too long (maximum is {EMAIL_MAX} characters)")
    if not EMAIL_RE.fullmatch(email):
        raise AccountError(
            "Email has invalid format: expected name@domain, such as alice@example.com"
        )
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def check_password(password) -> str:
    if not isinstance(password, str) or not password:
        raise AccountError("Password can't be blank")
    if len(password) < PASSWORD_MIN:
        raise AccountError(f"Password is too short (minimum is {PASSWORD_MIN} characters)")
    if len(password) > PASSWORD_MAX:
        raise AccountError(f"Password is too long (maximum is {PASSWORD_MAX} characters)")
    return password


def taken_message(wanted: str, existing: str) -> str:
    """Why a nickname is taken; a name that differs only in case is named, since nicknames
    are compared ignoring case and the clash is otherwise invisible."""
    if wanted == existing:
        return "Username has already been taken"
    return f"Username has already been taken: {existing} exists, and case does not count"


async def check_available(
    session: AsyncSession, nickname: str, email: str | None, ap_id: str | None = None
) -> None:
    """The nickname (and email) belong to no account, and never did to a deleted one: a
    deleted account's name and ids (``ap_id``) are never issued again (its tombstone)."""
    taken = await session.scalar(
        select(Account.nickname).where(Account.nickname_key == nickname.lower()).limit(1)
    )
    if taken is not None:
        raise AccountError(taken_message(nickname, taken))
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
    allow_reserved: bool = False,
    display_name: str | None = None,
    is_admin: bool = False,
    is_moderator: bool = False,
    is_approved: bool = True,
    is_confirmed: bool = True,
    registration_reason: str | None = None,
    invite_id: int | None = None,
) -> Account:
    """Validate and add a local account to the session (the caller commits).
    ``allow_reserved``: the instance's owner may take a reserved nickname (the CLI)."""
    nickname = check_nickname(settings, nickname, allow_reserved=allow_reserved)
    email = check_email(email, required=email_required)
    check_password(password)
    actor_urls = local_actor_urls(settings, nickname)
    await check_available(session, nickname, email, actor_urls["ap_id"])
    account = Account(
        id=new_id(),
        nickname=nickname,
        nickname_key=nickname.lower(),
        local=True,
        **actor_urls,
        email=email,
        email_key=email.lower() if email else None,
        password_hash=hash_password(password),
        display_name=display_name,
        is_admin=is_admin,
        is_moderator=is_moderator,
        is_approved=is_approved,
        is_confirmed=is_confirmed,
        # Only a digest is kept; the link mailed carries a new secret (confirmation.py).
        confirmation_token=None if is_confirmed else token_digest(REGISTRATION, new_secret()),
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
