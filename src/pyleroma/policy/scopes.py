"""OAuth scopes and the rule deciding whether a token's scopes satisfy a route.

Routes declare the scopes they accept as alternatives, as Pleroma's OAuthScopesPlug does with
its default ``:|`` operator: ``require("follow", "write:follows")`` lets either through. A
granted scope covers its descendants (``read`` covers ``read:accounts``, ``admin:read``
covers ``admin:read:accounts``).
"""

from __future__ import annotations

from collections.abc import Iterable

TOP_LEVEL = ("read", "write", "follow", "push", "admin")

SUB_SCOPES = (
    "read:accounts",
    "read:backups",
    "read:blocks",
    "read:bookmarks",
    "read:chats",
    "read:favourites",
    "read:filters",
    "read:follows",
    "read:lists",
    "read:mutes",
    "read:notifications",
    "read:reports",
    "read:search",
    "read:security",
    "read:statuses",
    "write:accounts",
    "write:blocks",
    "write:bookmarks",
    "write:chats",
    "write:conversations",
    "write:favourites",
    "write:filters",
    "write:follows",
    "write:lists",
    "write:media",
    "write:mutes",
    "write:notifications",
    "write:reports",
    "write:security",
    "write:statuses",
    "admin:read",
    "admin:write",
    "admin:read:accounts",
    "admin:read:chats",
    "admin:read:invites",
    "admin:read:media_proxy_caches",
    "admin:read:reports",
    "admin:read:statuses",
    "admin:write:accounts",
    "admin:write:chats",
    "admin:write:follows",
    "admin:write:invites",
    "admin:write:media_proxy_caches",
    "admin:write:reports",
    "admin:write:statuses",
)

KNOWN_SCOPES = frozenset(TOP_LEVEL + SUB_SCOPES)
DEFAULT_APP_SCOPES = ["read"]


def parse_scopes(value) -> list[str]:
    """Scopes from a space- or comma-separated string or a list, de-duplicated in order."""
    if value is None:
        return []
    if isinstance(value, str):
        items = value.replace(",", " ").split()
    elif isinstance(value, list | tuple):
        items = [s for item in value if isinstance(item, str) for s in item.split()]
    else:
        return []
    seen: list[str] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def unknown_scopes(scopes: Iterable[str]) -> list[str]:
    return [s for s in scopes if s not in KNOWN_SCOPES]


def ancestors(scope: str) -> list[str]:
    parts = scope.split(":")
    return [":".join(parts[:i]) for i in range(1, len(parts))]


def covers(granted: Iterable[str], wanted: str) -> bool:
    """Does a token holding ``granted`` have ``wanted`` (directly or through a parent)?"""
    granted = set(granted)
    return wanted in granted or any(parent in granted for parent in ancestors(wanted))


def satisfies(granted: Iterable[str], alternatives: Iterable[str]) -> bool:
    granted = set(granted)
    return any(covers(granted, wanted) for wanted in alternatives)


def within(requested: Iterable[str], allowed: Iterable[str]) -> list[str]:
    """The requested scopes the app registration allows (by the same covering rule)."""
    allowed = set(allowed)
    return [s for s in requested if covers(allowed, s)]


def is_admin_scope(scope: str) -> bool:
    return scope == "admin" or scope.startswith("admin:")
