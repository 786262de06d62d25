"""Account, CredentialAccount and Relationship entities, field by field as Pleroma renders them.

Pleroma-FE, Soapbox and megalodon read the ``pleroma`` object, so its keys are all present;
keys that only the owner (or an admin) may see are added only for them, exactly where
Pleroma's AccountView adds them.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.mastodon.render_emojis import emojis_to_api
from pyleroma.models import Account
from pyleroma.services.accounts.birthdays import birthday_fields
from pyleroma.services.accounts.credential_counts import credential_counts
from pyleroma.services.relations.relationships_view import load_relationships
from pyleroma.settings import Settings
from pyleroma.urls import (
    account_url,
    actor_id,
    avatar_url,
    header_url,
    masto_date,
    masto_datetime,
    upload_url,
)


def acct(account: Account) -> str:
    return account.nickname


def fqn(settings: Settings, account: Account) -> str:
    return account.nickname if "@" in account.nickname else f"{account.nickname}@{settings.domain}"


def account_to_api(
    settings: Settings,
    account: Account,
    viewer: Account | None = None,
    relationship: dict | None = None,
    moved: Account | None = None,
) -> dict:
    """The public Account entity, as ``viewer`` sees it (None: anonymous). ``moved``: the
    account it moved to (``load_moved``), rendered as Mastodon's ``moved`` (itself without
    one: Mastodon renders no chains); the key is absent for accounts that did not move."""
    is_self = viewer is not None and viewer.id == account.id
    avatar = avatar_url(settings, account)
    header = header_url(settings, account)
    followers_count = account.followers_count
    following_count = account.following_count
    if not is_self and account.hide_followers_count and account.hide_followers:
        followers_count = 0
    if not is_self and account.hide_follows_count and account.hide_follows:
        following_count = 0
    data = {
        "id": str(account.id),
        "username": account.username,
        "acct": acct(account),
        "display_name": account.display_name or account.nickname,
        "locked": account.locked,
        "created_at": masto_datetime(account.created_at),
        "followers_count": followers_count,
        "following_count": following_count,
        "statuses_count": account.statuses_count,
        "note": account.note_html,
        "url": account_url(settings, account),
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "emojis": emojis_to_api(account.emojis),
        "fields": [
            {"name": f.get("name", ""), "value": f.get("value", ""), "verified_at": None}
            for f in account.fields
        ],
        "bot": account.actor_type == "Service",
        "group": account.actor_type == "Group",
        "discoverable": account.discoverable,
        "indexable": account.indexable,
        "source": {
            "note": account.note_source or "",
            "sensitive": False,
            "fields": [
                {"name": f.get("name", ""), "value": f.get("source", f.get("value", ""))}
                for f in account.fields
            ],
            "pleroma": {"discoverable": account.discoverable, "actor_type": account.actor_type},
        },
        "last_status_at": masto_date(account.last_status_at),
        "fqn": fqn(settings, account),
        "pleroma": {
            "ap_id": actor_id(settings, account),
            "also_known_as": list(account.also_known_as),
            "is_confirmed": account.is_confirmed,
            "is_suggested": account.is_suggested,
            "tags": list(account.tags),
            "hide_followers_count": account.hide_followers_count,
            "hide_follows_count": account.hide_follows_count,
            "hide_followers": account.hide_followers,
            "hide_follows": account.hide_follows,
            "hide_favorites": account.hide_favorites,
            "relationship": relationship or {},
            "skip_thread_containment": account.skip_thread_containment,
            "background_image": upload_url(settings, account.background_path),
            "favicon": None,
            "accepts_chat_messages": account.accepts_chat_messages,
        },
    }
    if account.show_role or is_self:
        data["pleroma"]["is_admin"] = account.is_admin
        data["pleroma"]["is_moderator"] = account.is_moderator
    if viewer is not None and viewer.is_admin:
        data["pleroma"]["deactivated"] = not account.is_active
    if is_self:
        data["source"]["privacy"] = account.default_scope
        data["source"]["sensitive"] = account.default_sensitive
        data["source"]["language"] = account.default_language
        data["source"]["pleroma"]["show_role"] = account.show_role
        data["source"]["pleroma"]["no_rich_text"] = account.no_rich_text
        data["source"]["pleroma"]["show_birthday"] = account.show_birthday
        data["accepts_direct_messages_from"] = account.accepts_direct_messages_from
        data["pleroma"]["notification_settings"] = dict(account.notification_settings)
        data["pleroma"]["allow_following_move"] = account.allow_following_move
        data["pleroma"]["email"] = account.email
    data["pleroma"].update(birthday_fields(account, viewer))
    if moved is not None and account.moved_to_id == moved.id:
        data["moved"] = account_to_api(settings, moved, viewer)
    return data


async def load_moved(session: AsyncSession, accounts: Iterable[Account]) -> dict[int, Account]:
    """The active accounts ``accounts`` moved to, by id: one statement, and none at all
    when none of them moved (nearly always)."""
    ids = {a.moved_to_id for a in accounts if a.moved_to_id is not None}
    if not ids:
        return {}
    found = await session.scalars(
        select(Account).where(Account.id.in_(ids), Account.is_active.is_(True))
    )
    return {account.id: account for account in found}


async def one_account_to_api(
    session: AsyncSession,
    settings: Settings,
    account: Account,
    viewer: Account | None = None,
    relationship: dict | None = None,
) -> dict:
    """``account_to_api`` with the account it moved to loaded."""
    moved = await load_moved(session, [account])
    return account_to_api(settings, account, viewer, relationship, moved.get(account.moved_to_id))


async def accounts_to_api(
    session: AsyncSession,
    settings: Settings,
    accounts: Iterable[Account],
    viewer: Account | None = None,
    embed_relationships: bool = False,
) -> list[dict]:
    accounts = list(accounts)
    relationships = {}
    if viewer is not None and embed_relationships:
        relationships = await load_relationships(session, viewer.id, accounts)
    moved = await load_moved(session, accounts)
    return [
        account_to_api(settings, a, viewer, relationships.get(a.id), moved.get(a.moved_to_id))
        for a in accounts
    ]


async def credential_account_to_api(
    session: AsyncSession, settings: Settings, account: Account
) -> dict:
    """The CredentialAccount: the owner's view, with the counters and settings store."""
    moved = (await load_moved(session, [account])).get(account.moved_to_id)
    data = account_to_api(settings, account, viewer=account, moved=moved)
    counts = await credential_counts(session, account.id)
    data["follow_requests_count"] = counts.follow_requests
    data["source"]["follow_requests_count"] = counts.follow_requests
    data["pleroma"]["settings_store"] = dict(account.settings_store)
    data["pleroma"]["unread_conversation_count"] = counts.unread_conversations
    data["pleroma"]["unread_notifications_count"] = counts.unread_notifications
    data["role"] = _role(account)
    return data


def _role(account: Account) -> dict | None:
    """Mastodon 4's role object, which Elk and masto read on the credential account."""
    if account.is_admin:
        return {"id": "3", "name": "Admin", "color": "", "permissions": "1", "highlighted": True}
    if account.is_moderator:
        return {
            "id": "2",
            "name": "Moderator",
            "color": "",
            "permissions": "1400",
            "highlighted": True,
        }
    return None
