"""Roles: what staff (admins and moderators) may do beyond other users."""

from __future__ import annotations

from pyleroma.models import Account


def is_staff(account: Account | None) -> bool:
    """An admin or a moderator of this instance (Pleroma's ``privileged?``: local only; a
    remote account's flags mean nothing here)."""
    return account is not None and account.local and (account.is_admin or account.is_moderator)


def is_admin(account: Account | None) -> bool:
    """An admin of this instance (local only, as ``is_staff``): what Pleroma's admin-only
    routes (the emoji pack API's writes, ``EnsureAdminPlug``) ask for; a token's admin
    scopes alone are not enough, since an admin demoted later keeps their tokens."""
    return account is not None and account.local and account.is_admin
