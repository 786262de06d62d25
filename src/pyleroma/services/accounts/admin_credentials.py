"""A local account's credentials as an admin sees and changes them
(``GET``/``PATCH /api/pleroma/admin/users/:nickname/credentials``), as Pleroma's
``AccountView "credentials.json"`` and ``User.update_as_admin``.

Reading: the profile as its owner edits it (bio as HTML, fields rendered and raw, the
switches, the settings store, image URLs) plus the email address. Any account can be read.

Changing (local accounts only: a remote profile belongs to its server and comes back at the
next fetch) takes Pleroma's parameter names and goes through the owner's own profile update
(services/accounts/profile.py), so the same limits apply and the change federates as the
actor's Update; besides, the admin may set:

- ``email``: stored at once (no confirmation mail: the admin vouches for it);
- ``password``: the new password (the usual length rules), and every session of the account
  ends (services/accounts/passwords.py), so whoever knew the old one is logged out and the
  owner logs in again with the new one. Pleroma also sets a forced password reset (and logs
  ``force_password_reset``), which refuses every login until the owner resets it by mail:
  the password the admin just chose could then never be used, so that part is not done.

Every value is checked before anything is written; what is wrong answers Pleroma's 400
``{"errors": {"<parameter>": "<what is wrong>"}}`` (``CredentialErrors``). The change is
logged ``updated_users`` in its own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.errors import BadRequest, Unprocessable, UnsupportedMedia
from pyleroma.models import Account
from pyleroma.services.accounts.accounts import AccountError, check_email, check_password
from pyleroma.services.accounts.passwords import set_password
from pyleroma.services.accounts.profile import (
    ACTOR_TYPES,
    VISIBILITIES,
    ProfileUpdate,
    check_profile_update,
    update_profile,
)
from pyleroma.services.moderation.moderation_log import log_action, user_map
from pyleroma.settings import Settings
from pyleroma.urls import avatar_url, header_url, upload_url
from pyleroma.values import Values

REMOTE = "This is a remote account: its own server keeps its profile and it has no password here"
# Pleroma's parameter -> the owner's profile parameter it is (services/accounts/profile.py).
PROFILE_PARAMS = {
    "name": "display_name",
    "bio": "note",
    "avatar": "avatar",
    "banner": "header",
    "background": "pleroma_background_image",
    "fields": "fields_attributes",
    "also_known_as": "also_known_as",
    "default_scope": "default_scope",
    "actor_type": "actor_type",
    "locked": "locked",
    "is_locked": "locked",
    "discoverable": "discoverable",
    "is_discoverable": "discoverable",
    "no_rich_text": "no_rich_text",
    "hide_follows": "hide_follows",
    "hide_followers": "hide_followers",
    "hide_follows_count": "hide_follows_count",
    "hide_followers_count": "hide_followers_count",
    "hide_favorites": "hide_favorites",
    "allow_following_move": "allow_following_move",
    "show_role": "show_role",
    "skip_thread_containment": "skip_thread_containment",
    "pleroma_settings_store": "pleroma_settings_store",
}
# Every parameter PATCH reads.
PARAMS = (*PROFILE_PARAMS, "email", "password")
# A profile parameter named in an error -> the name the admin sent.
_ADMIN_NAMES = {
    "display_name": "name",
    "note": "bio",
    "header": "banner",
    "pleroma_background_image": "background",
    "fields_attributes": "fields",
}
# Ecto's message for a value outside its list, which Pleroma answers.
INVALID = "is invalid"


class CredentialErrors(BadRequest):
    """What is wrong, by parameter (Pleroma's 400 ``{"errors": {...}}``)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class CredentialsUpdate:
    profile: ProfileUpdate = field(default_factory=ProfileUpdate)
    email: str | None = None
    password: str | None = None

    @property
    def changes_profile(self) -> bool:
        return bool(self.profile.values or self.profile.images)


def credentials_to_api(settings: Settings, account: Account) -> dict:
    """Pleroma's ``credentials.json``. ``locked``/``discoverable`` are also sent as Pleroma
    names them now (``is_locked``/``is_discoverable``): AdminFE versions read either."""
    fields = list(account.fields or [])
    return {
        "id": str(account.id),
        "nickname": account.nickname,
        "name": account.display_name,
        "bio": account.note_html or "",
        "email": account.email,
        "fields": [{"name": f.get("name", ""), "value": f.get("value", "")} for f in fields],
        "raw_fields": [
            {"name": f.get("name", ""), "value": f.get("source", f.get("value", ""))}
            for f in fields
        ],
        "locked": account.locked,
        "is_locked": account.locked,
        "discoverable": account.discoverable,
        "is_discoverable": account.discoverable,
        "no_rich_text": account.no_rich_text,
        "default_scope": account.default_scope,
        "hide_follows": account.hide_follows,
        "hide_followers": account.hide_followers,
        "hide_follows_count": account.hide_follows_count,
        "hide_followers_count": account.hide_followers_count,
        "hide_favorites": account.hide_favorites,
        "allow_following_move": account.allow_following_move,
        "show_role": account.show_role,
        "skip_thread_containment": account.skip_thread_containment,
        "pleroma_settings_store": dict(account.settings_store or {}),
        "also_known_as": list(account.also_known_as or []),
        "actor_type": account.actor_type,
        "avatar": avatar_url(settings, account),
        "banner": header_url(settings, account),
        "background": upload_url(settings, account.background_path),
    }


def _error_of(message: str) -> tuple[str, str]:
    """A profile check's "name: what" as (the admin's parameter name, what)."""
    name, sep, what = message.partition(": ")
    if not sep or " " in name:
        return "base", message
    name = name.split("[", 1)[0]
    return _ADMIN_NAMES.get(name, name), what


async def _check_email(session: AsyncSession, account: Account, value) -> str:
    if value is None or value == "":
        raise CredentialErrors({"email": "can't be blank"})
    try:
        email = check_email(value.strip() if isinstance(value, str) else value)
    except AccountError as exc:
        what = "is too long" if "too long" in exc.message else "has invalid format"
        raise CredentialErrors({"email": what}) from exc
    assert email is not None
    taken = await session.scalar(
        select(func.count())
        .select_from(Account)
        .where(Account.email_key == email.lower(), Account.id != account.id)
    )
    if taken:
        raise CredentialErrors({"email": "has already been taken"})
    return email


def _check_password(value) -> str:
    try:
        return check_password(value)
    except AccountError as exc:
        raise CredentialErrors({"password": exc.message.removeprefix("Password ")}) from exc


async def check_credentials_update(
    session: AsyncSession, settings: Settings, account: Account, given: dict
) -> CredentialsUpdate:
    """Every value of ``given`` (Pleroma's names, as sent) checked; nothing is written."""
    if not account.local:
        raise BadRequest(REMOTE)
    if given.get("actor_type") is not None and given["actor_type"] not in ACTOR_TYPES:
        raise CredentialErrors({"actor_type": INVALID})
    if given.get("default_scope") is not None and given["default_scope"] not in VISIBILITIES:
        raise CredentialErrors({"default_scope": INVALID})
    update = CredentialsUpdate()
    if "email" in given:
        update.email = await _check_email(session, account, given["email"])
    if given.get("password") is not None:
        update.password = _check_password(given["password"])
    values = {ours: given[theirs] for theirs, ours in PROFILE_PARAMS.items() if theirs in given}
    try:
        update.profile = await check_profile_update(session, settings, account, Values(values))
    except (Unprocessable, UnsupportedMedia) as exc:
        name, what = _error_of(exc.message)
        raise CredentialErrors({name: what}) from exc
    return update


async def update_credentials(
    session: AsyncSession,
    settings: Settings,
    actor: Account,
    account: Account,
    update: CredentialsUpdate,
) -> None:
    """Write a checked update and log it, in one transaction; commits."""
    if update.email is not None and update.email != account.email:
        account.email = update.email
        account.email_key = update.email.lower()
        account.unconfirmed_email = None
    if update.password is not None:
        await set_password(session, account, update.password)
    await log_action(session, actor, "updated_users", subject=[user_map(account)])
    try:
        if update.changes_profile:
            # The owner's profile update: it runs the Update through the pipeline and
            # commits the entry and the changes above with it (or rolls them all back).
            await update_profile(session, settings, account, update.profile)
        else:
            await session.commit()
    except IntegrityError:  # another account took the address between check and commit
        await session.rollback()
        raise CredentialErrors({"email": "has already been taken"}) from None
