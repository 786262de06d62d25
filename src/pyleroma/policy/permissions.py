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


# Pleroma's default ``[:instance, :admin_privileges]`` and ``:moderator_privileges``: an admin
# may do all of these, a moderator only what Pleroma grants moderators out of the box.
ADMIN_PRIVILEGES = frozenset(
    {
        "users_read",
        "users_manage_invites",
        "users_manage_activation_state",
        "users_manage_tags",
        "users_manage_credentials",
        "users_delete",
        "messages_read",
        "messages_delete",
        "instances_delete",
        "reports_manage_reports",
        "moderation_log_read",
        "announcements_manage_announcements",
        "emoji_manage_emoji",
        "statistics_read",
    }
)
MODERATOR_PRIVILEGES = frozenset({"messages_delete", "reports_manage_reports"})


def is_privileged(account: Account | None, privilege: str) -> bool:
    """Pleroma's ``EnsurePrivilegedPlug``: a local admin holding ``privilege`` through the
    admin list, or a local moderator through the moderator list."""
    if account is None or not account.local:
        return False
    return (account.is_admin and privilege in ADMIN_PRIVILEGES) or (
        account.is_moderator and privilege in MODERATOR_PRIVILEGES
    )
