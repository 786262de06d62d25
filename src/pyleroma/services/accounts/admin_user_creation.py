"""Accounts made by an admin (``POST /api/pleroma/admin/users``), as Pleroma's
``UserController.create``: a batch of ``{nickname, email, password}`` made all together or
not at all.

Every entry is checked first, against the database and against the other entries (two
entries may not take one nickname or address): one bad entry fails the whole batch with
Pleroma's 409 list, where each entry has ``type: "error"`` and its ``error`` (an empty one
for entries that were fine), and nothing is written. Otherwise the accounts are made
confirmed and approved (the admin vouches for them, whatever the instance's registration
rules), with the same rules as registration otherwise (services/accounts/accounts.py:
nickname format, reserved names, retired names of deleted accounts, password length), and
one ``create`` entry names them all in the moderation log. Should a concurrent request take
a name between the check and the insert, the batch is checked again and answers the 409.
The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.errors import Unprocessable
from pyleroma.models import Account
from pyleroma.services.accounts.accounts import (
    AccountError,
    check_available,
    check_email,
    check_nickname,
    check_password,
    create_local_account,
)
from pyleroma.services.moderation.moderation_log import log_action, user_map
from pyleroma.settings import Settings

# Each one costs a password hash: a request stays a few seconds at most.
MAX_BATCH = 100
CONFLICT = 409
# Pleroma's words (its changeset's) for a name or address already in use.
NICKNAME_TAKEN = "nickname has already been taken"
EMAIL_TAKEN = "email has already been taken"


@dataclass
class NewUser:
    """One entry as sent (values not yet checked)."""

    nickname: object
    email: object
    password: object

    def data(self, email: str | None = None) -> dict:
        return {
            "nickname": self.nickname if isinstance(self.nickname, str) else None,
            "email": email or (self.email if isinstance(self.email, str) else None),
        }


@dataclass
class Outcome:
    """The answer: HTTP status and Pleroma's list (one item per entry, in order)."""

    status: int
    items: list[dict]
    accounts: list[Account]


def read_entries(users: list) -> list[NewUser]:
    """The entries of ``users``: a list of objects (422 otherwise, as every bad shape)."""
    if not users:
        raise Unprocessable("users: can't be blank")
    if len(users) > MAX_BATCH:
        raise Unprocessable(f"users: at most {MAX_BATCH} accounts at once")
    entries = []
    for item in users:
        if not isinstance(item, dict):
            raise Unprocessable(
                "users: each user must be an object with nickname, email and password"
            )
        entries.append(NewUser(item.get("nickname"), item.get("email"), item.get("password")))
    return entries


def _taken(message: str) -> str:
    if message.startswith("Username has already been taken"):
        return NICKNAME_TAKEN
    if message == "Email has already been taken":
        return EMAIL_TAKEN
    return message


async def _check_entry(
    session: AsyncSession, settings: Settings, entry: NewUser, seen: dict[str, set]
) -> str:
    """What is wrong with ``entry`` ("" when nothing is)."""
    try:
        nickname = check_nickname(settings, entry.nickname)
        email = check_email(entry.email, required=settings.account_activation_required)
        check_password(entry.password)
        if nickname.lower() in seen["nicknames"]:
            return NICKNAME_TAKEN
        if email is not None and email.lower() in seen["emails"]:
            return EMAIL_TAKEN
        seen["nicknames"].add(nickname.lower())
        if email is not None:
            seen["emails"].add(email.lower())
        await check_available(session, nickname, email)
    except AccountError as exc:
        return _taken(exc.message)
    return ""


async def _errors(session: AsyncSession, settings: Settings, entries: list[NewUser]) -> list[str]:
    seen: dict[str, set] = {"nicknames": set(), "emails": set()}
    return [await _check_entry(session, settings, entry, seen) for entry in entries]


def _refusal(entries: list[NewUser], errors: list[str]) -> Outcome:
    items = [
        {"type": "error", "code": CONFLICT, "error": error, "data": entry.data()}
        for entry, error in zip(entries, errors, strict=True)
    ]
    return Outcome(CONFLICT, items, [])


async def create_users(
    session: AsyncSession, settings: Settings, actor: Account, entries: list[NewUser]
) -> Outcome:
    """Make every account of ``entries``, or none (see the module docstring)."""
    errors = await _errors(session, settings, entries)
    if any(errors):
        return _refusal(entries, errors)
    accounts: list[Account] = []
    try:
        for entry in entries:
            accounts.append(
                await create_local_account(
                    session,
                    settings,
                    entry.nickname,  # type: ignore[arg-type]  (checked above)
                    entry.email,  # type: ignore[arg-type]
                    entry.password,  # type: ignore[arg-type]
                    email_required=settings.account_activation_required,
                    is_confirmed=True,
                    is_approved=True,
                )
            )
    except IntegrityError:
        # Another request took a name meanwhile: say which, as the check would have.
        await session.rollback()
        errors = await _errors(session, settings, entries)
        return _refusal(entries, [e or "" for e in errors])
    await log_action(session, actor, "create", subjects=[user_map(a) for a in accounts])
    items = [
        {"type": "success", "code": 200, "data": {"nickname": a.nickname, "email": a.email}}
        for a in accounts
    ]
    return Outcome(200, items, accounts)
