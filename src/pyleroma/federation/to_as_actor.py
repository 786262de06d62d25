"""Actors as ActivityStreams: local accounts, the instance actor, followers and following.

``account_to_as`` is what ``GET /users/<nickname>`` answers and what an actor ``Update``
will carry: Pleroma's ``UserView`` fields (with Mastodon's ``indexable`` and ``suspended``),
read from the account's stored federation columns (models/account.py) so that a local
actor's ids are the very ones delivery and signatures use.

The reads the actor routes need are here too, each one statement built once (db/fastread.py):
the served account by nickname, and a numbered page of followers or following (10 actor ids
a page, as Pleroma pages them).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.fastread import Prepared, reader, row_type
from pyleroma.federation.to_as import (
    AS_CONTEXT,
    as_datetime,
    emoji_tags,
    media_type_of,
    offset_page,
)
from pyleroma.models import Account, Follow
from pyleroma.models.relationship import FOLLOW_ACCEPTED
from pyleroma.services.statuses.status_batches import SECRET_ACCOUNT_COLUMNS
from pyleroma.settings import Settings
from pyleroma.urls import instance_actor_id, local_actor_urls, shared_inbox_url, upload_url

# The actor types an account may have (Account.actor_type); anything else is a Person.
ACTOR_TYPES = ("Person", "Service", "Group", "Application", "Organization")
INSTANCE_ACTOR_NICKNAME = "internal.fetch"
# Pleroma's page size for followers and following.
FOLLOW_PAGE_SIZE = 10
# Pages past this are refused (a page number is an OFFSET: it must stay small).
MAX_FOLLOW_PAGE = 100_000

ActorRow, ACTOR_COLUMNS = row_type(Account, exclude=SECRET_ACCOUNT_COLUMNS)


# --- reads ------------------------------------------------------------------------------------

LOCAL_ACCOUNT = Prepared(
    select(*ACTOR_COLUMNS).where(
        Account.nickname_key == bindparam("nickname_key"), Account.local.is_(True)
    )
)
_ACCOUNT_ID = bindparam("account_id", type_=BigInteger)
_LIMIT = bindparam("limit", type_=BigInteger)
_OFFSET = bindparam("offset", type_=BigInteger)
# Newest follow first; deactivated accounts are left out (they are no one's follower now).
FOLLOWER_IDS = Prepared(
    select(Account.ap_id)
    .join(Follow, Follow.follower_id == Account.id)
    .where(
        Follow.followed_id == _ACCOUNT_ID,
        Follow.state == FOLLOW_ACCEPTED,
        Account.is_active.is_(True),
    )
    .order_by(Follow.id.desc())
    .limit(_LIMIT)
    .offset(_OFFSET)
)
FOLLOWING_IDS = Prepared(
    select(Account.ap_id)
    .join(Follow, Follow.followed_id == Account.id)
    .where(
        Follow.follower_id == _ACCOUNT_ID,
        Follow.state == FOLLOW_ACCEPTED,
        Account.is_active.is_(True),
    )
    .order_by(Follow.id.desc())
    .limit(_LIMIT)
    .offset(_OFFSET)
)


def is_served(account) -> bool:
    """Whether ``account`` has an actor document for anyone to fetch: a local account that
    is active, approved and confirmed (a pending registration is nobody yet)."""
    return bool(
        account.local and account.is_active and account.is_approved and account.is_confirmed
    )


async def find_served_account(session: AsyncSession, nickname: str):
    """The local account ``nickname`` names (any case) as a light row, or None when there is
    no such account or it has no actor document (``is_served``)."""
    rows = await (await reader(session)).one(LOCAL_ACCOUNT, {"nickname_key": nickname.lower()})
    if not rows:
        return None
    account = ActorRow._make(rows[0])
    return account if is_served(account) else None


async def follow_page_ids(
    session: AsyncSession, account_id: int, which: str, page: int
) -> list[str]:
    """The actor ids on page ``page`` (from 1) of ``which`` ("followers" or "following")."""
    prepared = FOLLOWER_IDS if which == "followers" else FOLLOWING_IDS
    params = {
        "account_id": account_id,
        "limit": FOLLOW_PAGE_SIZE,
        "offset": (page - 1) * FOLLOW_PAGE_SIZE,
    }
    rows = await (await reader(session)).one(prepared, params)
    return [row[0] for row in rows if row[0]]


# --- actors -----------------------------------------------------------------------------------


def actor_urls(settings: Settings, account) -> dict[str, str]:
    """The account's actor id and collections: its stored columns, else the ones urls.py
    mints (rows written before the columns were filled)."""
    minted = local_actor_urls(settings, account.nickname)
    return {
        "ap_id": account.ap_id or minted["ap_id"],
        "url": account.url or account.ap_id or minted["url"],
        "inbox": account.inbox or minted["inbox"],
        "shared_inbox": account.shared_inbox or minted["shared_inbox"],
        "outbox": account.outbox or minted["outbox"],
        "followers_url": account.followers_url or minted["followers_url"],
        "following_url": account.following_url or minted["following_url"],
        "featured_url": account.featured_url or minted["featured_url"],
        "key_id": account.key_id or minted["key_id"],
    }


def _image(url: str | None) -> dict | None:
    if not url:
        return None
    image = {"type": "Image", "url": url}
    media_type = media_type_of(url)
    if media_type:
        image["mediaType"] = media_type
    return image


def _fields(fields: list | None) -> list[dict]:
    """Profile fields as PropertyValues; ``value`` is the HTML the Mastodon API shows."""
    return [
        {"type": "PropertyValue", "name": f.get("name", ""), "value": f.get("value", "")}
        for f in fields or []
        if isinstance(f, dict)
    ]


async def moved_to_ap_id(session: AsyncSession, account) -> str | None:
    """The actor id of the account ``account`` moved to (its ``movedTo``), None if none."""
    if account.moved_to_id is None:
        return None
    return await session.scalar(select(Account.ap_id).where(Account.id == account.moved_to_id))


def account_to_as(
    settings: Settings, account, public_key_pem: str, *, moved_to: str | None = None
) -> dict:
    """The actor document of a local account (ORM Account or light row); ``moved_to``:
    the actor id of the account it moved to (``moved_to_ap_id``), shown as ``movedTo``.

    A deactivated account renders with its ids and key but nothing of its profile
    (Pleroma's deactivated actor, with Mastodon's ``suspended``), so a receiver can still
    check the signature of its Delete. The routes answer 404 for it (``is_served``).
    """
    found = actor_urls(settings, account)
    ap_id = found["ap_id"]
    actor_type = account.actor_type if account.actor_type in ACTOR_TYPES else "Person"
    data: dict[str, Any] = {
        "@context": AS_CONTEXT,
        "id": ap_id,
        "type": actor_type,
        "following": found["following_url"],
        "followers": found["followers_url"],
        "inbox": found["inbox"],
        "outbox": found["outbox"],
        "featured": found["featured_url"],
        "endpoints": {"sharedInbox": found["shared_inbox"]},
        "preferredUsername": account.nickname,
        "name": account.display_name or account.nickname,
        "summary": account.note_html or "",
        "url": found["url"],
        "manuallyApprovesFollowers": account.locked,
        "discoverable": account.discoverable,
        "indexable": account.indexable,
        "published": as_datetime(account.created_at),
        "alsoKnownAs": list(account.also_known_as or []),
        "attachment": _fields(account.fields),
        "tag": emoji_tags(account.emojis),
        "publicKey": {"id": found["key_id"], "owner": ap_id, "publicKeyPem": public_key_pem},
        # Pleroma's clients offer a chat only with accounts that take chat messages.
        "capabilities": {"acceptsChatMessages": bool(account.accepts_chat_messages)},
        "webfinger": f"acct:{account.nickname}@{settings.domain}",
    }
    if moved_to is not None:
        data["movedTo"] = moved_to
    icon = _image(upload_url(settings, account.avatar_path))
    if icon is not None:
        data["icon"] = icon
    image = _image(upload_url(settings, account.header_path))
    if image is not None:
        data["image"] = image
    if not account.is_active:
        data.update(
            {
                "name": "",
                "summary": "",
                "manuallyApprovesFollowers": False,
                "discoverable": False,
                "indexable": False,
                "alsoKnownAs": [],
                "attachment": [],
                "tag": [],
                "suspended": True,
            }
        )
        data.pop("icon", None)
        data.pop("image", None)
        data.pop("movedTo", None)
    return data


def instance_actor_to_as(settings: Settings, public_key_pem: str) -> dict:
    """The instance's own actor (``/internal/fetch``): what signs fetches made on nobody's
    behalf; an Application that nobody follows and that is hidden from lists."""
    ap_id = instance_actor_id(settings)
    return {
        "@context": AS_CONTEXT,
        "id": ap_id,
        "type": "Application",
        "following": f"{ap_id}/following",
        "followers": f"{ap_id}/followers",
        "inbox": f"{ap_id}/inbox",
        "outbox": f"{ap_id}/outbox",
        "endpoints": {"sharedInbox": shared_inbox_url(settings)},
        "preferredUsername": INSTANCE_ACTOR_NICKNAME,
        "name": settings.instance_name,
        "summary": "An internal service actor for this instance. No user-serviceable parts inside.",
        "url": ap_id,
        "manuallyApprovesFollowers": False,
        "discoverable": False,
        "indexable": False,
        "invisible": True,
        "publicKey": {"id": f"{ap_id}#main-key", "owner": ap_id, "publicKeyPem": public_key_pem},
        "webfinger": f"acct:{INSTANCE_ACTOR_NICKNAME}@{settings.domain}",
    }


# --- followers and following --------------------------------------------------------------------


def follows_shown(account, which: str, *, owner: bool = False) -> tuple[bool, bool]:
    """(items shown, count shown) of the account's ``which`` collection, by its hide_*
    settings; the owner sees both (Pleroma's rule, as the Mastodon API counts them)."""
    if which == "followers":
        hide_items, hide_count = account.hide_followers, account.hide_followers_count
    else:
        hide_items, hide_count = account.hide_follows, account.hide_follows_count
    items = owner or not hide_items
    return items, items or not hide_count


def _follow_total(account, which: str, count_shown: bool) -> int:
    if not count_shown:
        return 0
    return account.followers_count if which == "followers" else account.following_count


def follow_collection_to_as(
    settings: Settings, account, which: str, first_items: list[str] | None, *, owner: bool = False
) -> dict:
    """The ``followers`` or ``following`` OrderedCollection with its first page embedded;
    when the account hides the list, only the (possibly zeroed) total and no page.

    ``first_items``: the actor ids of page 1 (``follow_page_ids``), None when hidden.
    """
    items_shown, count_shown = follows_shown(account, which, owner=owner)
    collection = actor_urls(settings, account)[f"{which}_url"]
    total = _follow_total(account, which, count_shown)
    data: dict[str, Any] = {
        "@context": AS_CONTEXT,
        "id": collection,
        "type": "OrderedCollection",
        "totalItems": total,
    }
    if items_shown:
        data["first"] = offset_page(collection, 1, first_items or [], total, FOLLOW_PAGE_SIZE)
    return data


def follow_page_to_as(
    settings: Settings, account, which: str, page: int, items: list[str], *, owner: bool = False
) -> dict:
    """Page ``page`` of the ``followers`` or ``following`` collection (the caller refuses
    pages of a hidden list)."""
    _, count_shown = follows_shown(account, which, owner=owner)
    collection = actor_urls(settings, account)[f"{which}_url"]
    total = _follow_total(account, which, count_shown)
    return {
        "@context": AS_CONTEXT,
        **offset_page(collection, page, items, total, FOLLOW_PAGE_SIZE),
    }
