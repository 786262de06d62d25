"""Remote actors as Account rows: fetched, normalised, stored and kept fresh.

- ``get_or_fetch_actor(session, settings, actor_id)``: the stored account, refetched when
  its document is older than ``FRESH_FOR`` (or when ``refresh``); a stale row is still
  answered when its server cannot be reached (not when it says 404/410: that is a
  deletion the caller may act on).
- ``get_or_fetch_by_key_id``: the account that signs with a key id, for signature checks
  (Mastodon's ``…#main-key`` fragments, GoToSocial's ``…/main-key`` documents).
- ``resolve_account``: what a person typed (``@nick@host``, an actor id, a profile page
  URL) as an account, through WebFinger and a fetch.
- ``upsert_actor``: writes a normalised actor (activities/normalize_actors.py) as a row,
  for fetches and for actor ``Update`` activities alike.

What a row holds (models/account.py): nickname ``preferredUsername@host`` with the host
from the actor id (lower-cased, port kept: Pleroma's rule, never the WebFinger domain),
domain, the federation URLs, the profile (display name, bio sanitised by
services/text/formatting.sanitize_html, fields as ``{name, value}`` with names stripped of
tags and values links-only, as Pleroma scrubs them; avatar and header as absolute remote
URLs, which urls.upload_url passes through; custom emoji as ``{shortcode: url}``),
``locked`` from ``manuallyApprovesFollowers``, ``actor_type`` and ``last_fetched_at``.
Long texts are cut to the instance's limits rather than refused.

Trust: an actor is stored only from a document fetched from its own id (fetch.py checks
that the id is the final URL on the requested host), never for an id on our own host, and
its key only when the key's id is on the actor's host and its ``owner`` (when given) is the
actor. ``upsert_actor(..., fetched=False)`` (an actor embedded in an activity, whose
signature the caller checked) updates the profile but never the key: a key is taken from a
fresh fetch only.

Writes are race-safe: the row is inserted with ``ON CONFLICT (ap_id) DO NOTHING`` and
updated by id when it exists, so two fetches of one actor at once make one row. A
different actor holding the same nickname (an account renamed, a domain reused) gives the
name up, renamed to ``<id>.<nickname>`` as Pleroma renames it; a nickname taken by a
concurrent writer between the two steps is retried once in a savepoint. Updates go by id
so the entity cache invalidates exactly that account (cache/changes.py). The caller
commits.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any
from urllib.parse import urlsplit

import nh3
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from pyleroma.activities import mrf
from pyleroma.activities.normalize_actors import normalize_actor
from pyleroma.activities.normalize_limits import Limits
from pyleroma.activities.normalize_objects import (
    ACTOR_TYPES,
    InvalidActivity,
    is_http_url,
    pick_type,
    ref_value,
)
from pyleroma.activities.policies import Rejected
from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.db.upsert import dialect_insert
from pyleroma.federation import featured, instances, nodeinfo_client
from pyleroma.federation.errors import FederationError, FetchError, InvalidActor
from pyleroma.federation.fetch import (
    authority,
    fetch_document,
    fetch_object,
    is_local_url,
    same_host,
    same_resource,
)
from pyleroma.federation.signatures import SignatureError, key_owner_url, load_public_key
from pyleroma.federation.webfinger_client import parse_handle, resolve_handle
from pyleroma.models import Account
from pyleroma.services.text.formatting import sanitize_html, sanitize_links_only
from pyleroma.settings import Settings

log = logging.getLogger("pyleroma.federation")

# A remote actor's stored document is refetched when older than this.
FRESH_FOR = dt.timedelta(hours=24)
# Column widths (models/account.py): what does not fit is cut (texts) or dropped (URLs).
_NAME_WIDTH = 255
_IMAGE_WIDTH = 512
# Types of a key document of its own (GoToSocial serves its keys at URLs of their own).
_KEY_TYPES = frozenset({"CryptographicKey", "Key"})
# What a username may be: word characters (any script) and . ~ + -, as handles are parsed
# (webfinger_client.parse_handle); Mastodon, Pleroma, Misskey, GoToSocial and Lemmy names fit.
_USERNAME = re.compile(r"[\w.~+-]{1,200}")


def is_fresh(account: Account, now: dt.datetime | None = None) -> bool:
    """Whether a remote account's document was fetched less than ``FRESH_FOR`` ago."""
    fetched = account.last_fetched_at
    return fetched is not None and (now or utcnow()) - fetched < FRESH_FOR


async def _by_ap_id(session: AsyncSession, ap_id: str) -> Account | None:
    return (
        await session.execute(select(Account).where(Account.ap_id == ap_id))
    ).scalar_one_or_none()


# --- from a normalised actor to column values ---------------------------------------------------


def _cut(value: str | None, limit: int) -> str | None:
    return value[:limit] if value else None


def _username(normalized: dict[str, Any]) -> str:
    """preferredUsername, which must fit in a ``nick@host`` handle."""
    name = normalized["preferred_username"]
    if not name or not _USERNAME.fullmatch(name):
        raise InvalidActor(f"actor {normalized['id']} has no usable preferredUsername")
    return name


def _strip_tags(value: str) -> str:
    return nh3.clean(value, tags=set(), clean_content_tags={"script", "style"})


def _fields(settings: Settings, fields: list[dict[str, str]]) -> list[dict[str, str]]:
    out = []
    for field in fields[: settings.max_remote_account_fields]:
        name = _strip_tags(field["name"][: settings.account_field_name_length])
        value = sanitize_links_only(field["value"][: settings.account_field_value_length])
        out.append({"name": name, "value": value})
    return out


def _image(url: str | None) -> str | None:
    return url if url and len(url) <= _IMAGE_WIDTH else None


def _key_columns(normalized: dict[str, Any]) -> dict[str, Any]:
    """key_id and public_key from the actor's own ``publicKey`` (Akkoma's
    ``contain_key_user``): the key's id on the actor's host, its owner the actor."""
    key = normalized["public_key"]
    ap_id = normalized["id"]
    if key is None:
        return {"key_id": None, "public_key": None}
    if key["owner"] is not None and not same_resource(key["owner"], ap_id):
        raise InvalidActor(f"the key of {ap_id} names another owner ({key['owner'][:200]})")
    if not same_host(key["id"], ap_id):
        raise InvalidActor(f"the key of {ap_id} is on another host ({authority(key['id'])})")
    try:
        load_public_key(key["pem"])
    except SignatureError:
        log.info("actor %s publishes an unreadable public key; not stored", ap_id)
        return {"key_id": None, "public_key": None}
    return {"key_id": key["id"], "public_key": key["pem"]}


def actor_columns(settings: Settings, normalized: dict[str, Any]) -> dict[str, Any]:
    """The profile columns of a remote account from a normalised actor (no key columns)."""
    ap_id = normalized["id"]
    if is_local_url(settings, ap_id):
        raise InvalidActor(f"{ap_id} is on this instance: not a remote actor")
    host = instances.host_of(ap_id)
    nickname = f"{_username(normalized)}@{host}"
    if len(nickname) > _NAME_WIDTH:
        raise InvalidActor(f"actor {ap_id} has a handle longer than {_NAME_WIDTH} characters")
    return {
        "nickname": nickname,
        "nickname_key": nickname.lower(),
        "domain": host,
        "inbox": normalized["inbox"],
        "shared_inbox": normalized["shared_inbox"],
        "outbox": normalized["outbox"],
        "followers_url": normalized["followers"],
        "following_url": normalized["following"],
        "featured_url": normalized["featured"],
        "url": normalized["url"] or ap_id,
        "display_name": _cut(
            normalized["name"], min(settings.max_display_name_length, _NAME_WIDTH)
        ),
        "note_html": sanitize_html(
            _cut(normalized["summary"], settings.max_account_note_length) or ""
        ),
        "fields": _fields(settings, normalized["fields"]),
        "avatar_path": _image(normalized["icon"]),
        "header_path": _image(normalized["image"]),
        "emojis": {emoji["shortcode"]: emoji["url"] for emoji in normalized["emojis"]},
        "also_known_as": list(normalized["also_known_as"]),
        "locked": normalized["manually_approves_followers"],
        "discoverable": normalized["discoverable"],
        "indexable": normalized["indexable"],
        "actor_type": normalized["type"],
        "accepts_chat_messages": _accepts_chat_messages(normalized["raw"]),
    }


def _accepts_chat_messages(raw: dict[str, Any]) -> bool:
    """Pleroma's ``capabilities.acceptsChatMessages``: only an actor that says so takes
    ChatMessages (Mastodon and the rest drop them, so none are sent their way)."""
    capabilities = raw.get("capabilities")
    return isinstance(capabilities, dict) and capabilities.get("acceptsChatMessages") is True


# --- writing ------------------------------------------------------------------------------------


class _Retry(Exception):  # noqa: N818
    """The row changed under the write; the savepoint is rolled back and tried again."""


async def _write(session: AsyncSession, ap_id: str, columns: dict[str, Any]) -> int:
    """Insert or update the row of ``ap_id``; its id.

    The reads come first, then the writes, all in one savepoint whose first statement is a
    write: on SQLite a transaction that has read and then writes fails at once ("database
    is locked") if another connection committed in between.
    A different remote row holding this nickname gives it up first (Pleroma renames it
    ``<id>.<nickname>``): the name now belongs to ``ap_id``'s actor.
    """
    clashing = (
        await session.execute(
            select(Account.id, Account.nickname).where(
                Account.nickname_key == columns["nickname_key"],
                Account.local.is_(False),
                or_(Account.ap_id.is_(None), Account.ap_id != ap_id),
            )
        )
    ).all()
    account_id = await session.scalar(select(Account.id).where(Account.ap_id == ap_id))
    async with session.begin_nested():
        for row in clashing:
            renamed = f"{row.id}.{row.nickname}"
            log.info("remote account %s gives up its nickname to %s", row.id, ap_id)
            await session.execute(
                update(Account)
                .where(Account.id == row.id)
                .values(nickname=renamed, nickname_key=renamed.lower(), updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
        if account_id is None:
            insert = dialect_insert(session)
            inserted = await session.execute(
                insert(Account)
                .values(id=new_id(), ap_id=ap_id, local=False, **columns)
                .on_conflict_do_nothing(index_elements=["ap_id"])
                .returning(Account.id)
            )
            row = inserted.first()
            if row is not None:
                return row[0]
            # Another writer stored it first: update theirs.
            account_id = await session.scalar(select(Account.id).where(Account.ap_id == ap_id))
            if account_id is None:  # pragma: no cover - deleted between the two statements
                raise _Retry
        await session.execute(
            update(Account)
            .where(Account.id == account_id)
            .values(**columns, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        return account_id


async def upsert_actor(
    session: AsyncSession, settings: Settings, normalized: dict[str, Any], *, fetched: bool
) -> Account:
    """Store a normalised remote actor (insert, or update the row with its ap_id) and return
    the row as stored. ``fetched``: the document was just fetched from its id, so its key
    and ``last_fetched_at`` are written too; otherwise they are left as they were."""
    ap_id = normalized["id"]
    columns = actor_columns(settings, normalized)
    columns["moved_to_id"] = await _known_moved_to_id(session, normalized)
    if fetched:
        columns.update(_key_columns(normalized), last_fetched_at=utcnow())
    account_id = None
    for attempt in (1, 2):
        try:
            account_id = await _write(session, ap_id, columns)
            break
        except (IntegrityError, _Retry):
            # A concurrent writer took the nickname between our reads and our writes.
            if attempt == 2:
                raise InvalidActor(f"{ap_id} could not be stored: its nickname is taken") from None
    return (
        await session.execute(
            select(Account)
            .where(Account.id == account_id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()


async def store_fetched_actor(
    session: AsyncSession, settings: Settings, data: dict[str, Any], *, follow_moved: bool = True
) -> Account:
    """Normalise and store an actor document that fetch.fetch_object returned (so its id is
    where it came from) as the MRF policies leave it, mark its host reachable, and have its
    nodeinfo (if stale) and its pinned posts read. An account it says it moved to
    (``movedTo``) that we do not know is fetched too, unless ``follow_moved`` is off (that
    fetch itself: one hop, never a chain of moves, as Mastodon's ``break_on_redirect``)."""
    try:
        normalized = normalize_actor(data, Limits.from_settings(settings))
        normalized = mrf.filter_actor(mrf.MrfContext(settings, session), normalized)
    except InvalidActivity as exc:
        raise InvalidActor(f"not a usable actor: {exc}") from None
    except Rejected as exc:
        raise InvalidActor(f"refused by policy: {exc}") from None
    account = await upsert_actor(session, settings, normalized, fetched=True)
    if follow_moved and account.moved_to_id is None and normalized["moved_to"] is not None:
        account = await _fetch_moved_to(session, settings, account, normalized["moved_to"])
    await instances.mark_reachable(session, account.domain)
    await nodeinfo_client.refresh_if_stale(session, account.domain)
    await featured.refresh_after_fetch(session, account)
    return account


async def _known_moved_to_id(session: AsyncSession, normalized: dict[str, Any]) -> int | None:
    """The id of the account an actor's ``movedTo`` names, when we have it (None when it
    names none, itself, or an account we do not know: ``store_fetched_actor`` fetches that
    one). A document without ``movedTo`` clears a stored move, as Mastodon reads it: the
    account moved back. Trust: the document came from the actor's own host (a fetch) or
    with its signature (an Update); the Move activity is what makes followers follow, and
    that one is checked against the target's ``alsoKnownAs`` (federation/receive.py)."""
    moved_to = normalized["moved_to"]
    if moved_to is None or moved_to == normalized["id"]:
        return None
    return await session.scalar(select(Account.id).where(Account.ap_id == moved_to))


async def _fetch_moved_to(
    session: AsyncSession, settings: Settings, account: Account, moved_to: str
) -> Account:
    """Fetch the unknown account ``account`` moved to and record the move; a target that
    cannot be fetched leaves ``moved_to_id`` empty (read again at the next fetch)."""
    if moved_to == account.ap_id or is_local_url(settings, moved_to):
        return account  # ours are known by their ids: a local one not found is no one
    try:
        data = await fetch_object(settings, moved_to, session=session)
        if pick_type(data.get("type")) not in ACTOR_TYPES:
            raise InvalidActor(f"{moved_to} is not an actor")
        target = await store_fetched_actor(session, settings, data, follow_moved=False)
    except FederationError as exc:
        log.info("%s moved to %s, which could not be fetched: %s", account.ap_id, moved_to, exc)
        return account
    await session.execute(
        update(Account)
        .where(Account.id == account.id)
        .values(moved_to_id=target.id, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    set_committed_value(account, "moved_to_id", target.id)
    return account


# --- reading, fetching when needed --------------------------------------------------------------


async def get_or_fetch_actor(
    session: AsyncSession, settings: Settings, actor_id: str, *, refresh: bool = False
) -> Account:
    """The account of ``actor_id``: a local one as stored; a remote one as stored while
    fresh (unless ``refresh``), else fetched and stored. A stale row is answered when the
    refetch fails for any reason but 404/410, and without trying when its host has been
    unreachable for days (instances.is_given_up). Raises ``FetchError`` / ``InvalidActor``."""
    stored = await _by_ap_id(session, actor_id)
    if stored is not None and (stored.local or (not refresh and is_fresh(stored))):
        return stored
    if is_local_url(settings, actor_id):
        raise InvalidActor(f"{actor_id} is on this instance and names no account here")
    if stored is not None and not refresh and await instances.is_given_up(session, stored.domain):
        return stored
    try:
        data = await fetch_object(settings, actor_id, session=session)
    except FetchError as exc:
        if stored is not None and not refresh and not exc.gone:
            log.info("keeping the stale actor %s: %s", actor_id, exc.reason)
            return stored
        raise
    if pick_type(data.get("type")) not in ACTOR_TYPES:
        raise InvalidActor(f"{actor_id} is a {pick_type(data.get('type'))}, not an actor")
    return await store_fetched_actor(session, settings, data)


def _key_document_owner(url: str, data: dict[str, Any], key_id: str) -> str:
    """The actor a key document read from ``key_id`` names: a key object's ``owner``, or
    the id of an actor (GoToSocial's stub) whose ``publicKey`` has that id. On the key's
    host only (Akkoma's ``contain_key_user``)."""
    if not same_resource(url, key_id):
        raise InvalidActor(f"the key {key_id} was served from another URL ({url})")
    kind = pick_type(data.get("type"))
    owner = None
    if kind in _KEY_TYPES or (kind is None and "publicKeyPem" in data):
        if isinstance(data.get("id"), str) and same_resource(data["id"], key_id):
            owner = ref_value(data.get("owner"))
    elif kind in ACTOR_TYPES:
        key = data.get("publicKey")
        keys = key if isinstance(key, list) else [key]
        if any(isinstance(k, dict) and k.get("id") == key_id for k in keys[:10]):
            owner = data.get("id")
    if not is_http_url(owner):
        raise InvalidActor(f"the document at {key_id} names no owner for that key")
    if not same_host(owner, key_id):
        raise InvalidActor(f"the key {key_id} names an owner on another host ({authority(owner)})")
    return owner


async def get_or_fetch_by_key_id(
    session: AsyncSession, settings: Settings, key_id: str, *, refresh: bool = False
) -> Account:
    """The account whose key is ``key_id`` (a signature's keyId), fetching its actor when
    no stored account has that key (or when ``refresh``: the stored key failed to verify
    and may have been rotated).

    ``…/users/bob#main-key``: the actor is the URL without the fragment. A key URL of its
    own (GoToSocial's ``…/users/bob/main-key``) is fetched; it names the owner, which is
    then fetched from its own id. Either way the answer's stored ``key_id`` is ``key_id``
    exactly, else ``InvalidActor``.
    """
    key_id = key_id.strip()
    if not refresh:
        stored = (
            (await session.execute(select(Account).where(Account.key_id == key_id).limit(1)))
            .scalars()
            .first()
        )
        if stored is not None:
            if stored.local or stored.ap_id is None:
                return stored
            account = await get_or_fetch_actor(session, settings, stored.ap_id)
            return _with_key(account, key_id)
    if is_local_url(settings, key_id):
        raise InvalidActor(f"{key_id} is on this instance and is no account's key here")
    owner = key_owner_url(key_id)
    if owner == key_id:
        document = await fetch_document(settings, key_id, session=session)
        owner = _key_document_owner(document.url, document.data, key_id)
    account = await get_or_fetch_actor(session, settings, owner, refresh=True)
    return _with_key(account, key_id)


def _with_key(account: Account, key_id: str) -> Account:
    if account.key_id != key_id:
        raise InvalidActor(f"{key_id} is not the key of {account.ap_id} (it has {account.key_id})")
    return account


# --- what a person typed ------------------------------------------------------------------------


_LOCAL_ACCOUNT_PATH = re.compile(r"^/(?:users/|@)([^/@]+)/?$")


async def _local_account(session: AsyncSession, text: str) -> Account | None:
    """A local account named by its actor id, its profile URL (``/@nick``, ``/users/nick``)
    or ``nick@our.domain``."""
    if text.startswith(("http://", "https://")):
        match = _LOCAL_ACCOUNT_PATH.match(urlsplit(text).path)
        condition = Account.ap_id == text
        if match is not None:
            condition = or_(condition, Account.nickname_key == match.group(1).lower())
    else:
        parsed = parse_handle(text)
        if parsed is None:
            return None
        condition = Account.nickname_key == parsed[0].lower()
    return (
        (await session.execute(select(Account).where(condition, Account.local.is_(True))))
        .scalars()
        .first()
    )


async def resolve_account(
    session: AsyncSession, settings: Settings, handle_or_url: str
) -> Account | None:
    """The account ``handle_or_url`` names: ``nick@host`` / ``@nick@host`` (WebFinger, then
    the actor), an actor id, or a page URL whose AS2 document is an actor (Mastodon serves
    ``/@bob`` so). Ours are read from the database, never fetched.

    None when the text is neither a handle nor an http(s) URL, when the URL's document is
    not an actor (a post: see statuses for those), or for a local name that does not exist.
    Failures to reach or trust the remote side raise ``FederationError`` (``FetchError``,
    ``InvalidActor``); the caller decides what they mean to its user. The caller commits.
    """
    text = handle_or_url.strip()
    if text.startswith(("http://", "https://")):
        if is_local_url(settings, text):
            return await _local_account(session, text)
        stored = await _by_ap_id(session, text)
        if stored is not None:
            return await get_or_fetch_actor(session, settings, text)
        data = await fetch_object(settings, text, session=session, canonical=False)
        if pick_type(data.get("type")) not in ACTOR_TYPES:
            return None
        return await store_fetched_actor(session, settings, data)
    parsed = parse_handle(text)
    if parsed is None:
        return None
    nick, host = parsed
    if host == settings.domain.lower():
        return await _local_account(session, text)
    stored = (
        await session.execute(
            select(Account).where(
                Account.nickname_key == f"{nick}@{host}".lower(), Account.local.is_(False)
            )
        )
    ).scalar_one_or_none()
    if stored is not None and stored.ap_id is not None:
        return await get_or_fetch_actor(session, settings, stored.ap_id)
    actor_id = await resolve_handle(settings, text)
    return await get_or_fetch_actor(session, settings, actor_id)


async def resolve_account_or_none(
    session: AsyncSession, settings: Settings, handle_or_url: str
) -> Account | None:
    """``resolve_account`` for client API lookups, where a failure only means "not found":
    None instead of a ``FederationError`` (whose reason is logged)."""
    try:
        return await resolve_account(session, settings, handle_or_url)
    except FederationError as exc:
        log.info("could not resolve %r: %s", handle_or_url[:200], exc.reason)
        return None
