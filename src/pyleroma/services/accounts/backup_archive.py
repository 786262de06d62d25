"""Writing the zip of an account backup, item by item (services/accounts/backups.py runs it).

The layout is Pleroma's (``Pleroma.User.Backup``) with Mastodon's media, so the archive
reads in tools made for either:

- ``actor.json``: the actor document as ``/users/<nickname>`` serves it, with Pleroma's
  ``likes`` and ``bookmarks`` pointers to the files below; its ``icon`` and ``image`` point
  at ``avatar.<ext>`` and ``header.<ext>`` in the archive (as Mastodon's export does).
- ``outbox.json``: an OrderedCollection of the account's Create (posts of every visibility:
  it is the owner's own copy, as Pleroma's export includes them) and Announce (reblogs)
  activities, oldest first, rendered by the converters that federate them
  (federation/to_as_note.py); attachment ``url`` values are paths inside the archive.
- ``likes.json``, ``bookmarks.json``: OrderedCollections of the posts' object ids.
- ``followers.json``, ``following.json``: OrderedCollections of actor ids (accepted follows
  of active accounts, as Pleroma exports them).
- ``avatar.<ext>``, ``header.<ext>`` and ``media_attachments/files/<path>``: the files.

Why streamed: a large account has hundreds of thousands of posts. Every collection is read
in pages of ``PAGE`` rows by keyset (``id > last``), each page in a session of its own (no
long transaction), rendered and written to the zip entry at once, so memory holds one page.
``progress(n)`` is awaited after every page and file with the number of items written so far.
"""

from __future__ import annotations

import asyncio
import logging
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pyleroma.federation.keys import ensure_keys
from pyleroma.federation.to_as import AS_CONTEXT, NotFederated
from pyleroma.federation.to_as_actor import account_to_as, moved_to_ap_id
from pyleroma.federation.to_as_note import (
    announce_to_as,
    create_to_as,
    load_parts,
    outbox_item_to_as,
    status_to_as,
)
from pyleroma.models import Account, Bookmark, Favourite, Follow, MediaAttachment, Status
from pyleroma.models.relationship import FOLLOW_ACCEPTED
from pyleroma.services.statuses.status_batches import STATUS_COLUMNS, StatusRow
from pyleroma.settings import Settings

log = logging.getLogger("pyleroma.backups")

PAGE = 200
MEDIA_PREFIX = "media_attachments/files/"
COLLECTIONS = ("outbox", "likes", "bookmarks", "followers", "following")

Progress = Callable[[int], Awaitable[None]]


class _Counter:
    """Items written so far, reported through ``progress``."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.count = 0

    async def add(self, n: int) -> None:
        self.count += n
        await self.progress(self.count)


# --- reads ------------------------------------------------------------------------------------


def _outbox_page(account_id: int, after: int):
    return (
        select(*STATUS_COLUMNS)
        .where(Status.account_id == account_id, Status.id > after)
        .order_by(Status.id)
        .limit(PAGE)
    )


def _liked_page(account_id: int, after: int):
    return (
        select(Favourite.id, Status.uri)
        .join(Status, Status.id == Favourite.status_id)
        .where(Favourite.account_id == account_id, Favourite.id > after)
        .order_by(Favourite.id)
        .limit(PAGE)
    )


def _bookmarked_page(account_id: int, after: int):
    return (
        select(Bookmark.id, Status.uri)
        .join(Status, Status.id == Bookmark.status_id)
        .where(Bookmark.account_id == account_id, Bookmark.id > after)
        .order_by(Bookmark.id)
        .limit(PAGE)
    )


def _follow_page(account_id: int, after: int, *, followers: bool):
    mine, theirs = (
        (Follow.followed_id, Follow.follower_id)
        if followers
        else (Follow.follower_id, Follow.followed_id)
    )
    return (
        select(Follow.id, Account.ap_id)
        .join(Account, Account.id == theirs)
        .where(
            mine == account_id,
            Follow.state == FOLLOW_ACCEPTED,
            Account.is_active.is_(True),
            Follow.id > after,
        )
        .order_by(Follow.id)
        .limit(PAGE)
    )


def _media_page(account_id: int, after: int):
    """The stored files of the account's posts' attachments (what the outbox refers to)."""
    return (
        select(MediaAttachment.id, MediaAttachment.file_path)
        .join(Status, Status.id == MediaAttachment.status_id)
        .where(
            MediaAttachment.account_id == account_id,
            Status.account_id == account_id,
            MediaAttachment.file_path.is_not(None),
            MediaAttachment.id > after,
        )
        .order_by(MediaAttachment.id)
        .limit(PAGE)
    )


PAGES = {
    "outbox": _outbox_page,
    "likes": _liked_page,
    "bookmarks": _bookmarked_page,
    "followers": lambda account_id, after: _follow_page(account_id, after, followers=True),
    "following": lambda account_id, after: _follow_page(account_id, after, followers=False),
}


async def count_items(session: AsyncSession, account_id: int) -> int:
    """About how many items the archive of ``account_id`` holds (the actor, every collection
    item, the avatar, header and media files), for a progress bar's total."""
    total = 1
    for name in COLLECTIONS:
        page = PAGES[name](account_id, 0).limit(None).order_by(None).subquery()
        total += await session.scalar(select(func.count()).select_from(page)) or 0
    media = _media_page(account_id, 0).limit(None).order_by(None).subquery()
    total += await session.scalar(select(func.count()).select_from(media)) or 0
    account = await session.get(Account, account_id)
    if account is not None:
        total += bool(account.avatar_path) + bool(account.header_path)
    return total


async def _pages(
    sessionmaker: async_sessionmaker[AsyncSession],
    account_id: int,
    name: str,
    convert: Callable[[AsyncSession, Sequence[Any]], Awaitable[list]] | None = None,
) -> AsyncIterator[list]:
    """The items of collection ``name``, a page at a time, each read in its own session."""
    after = 0
    while True:
        async with sessionmaker() as session:
            rows = (await session.execute(PAGES[name](account_id, after))).all()
            if convert is not None:
                items = await convert(session, rows)
            else:
                items = [row[1] for row in rows]
        if items:
            yield items
        if len(rows) < PAGE:
            return
        after = rows[-1][0]


# --- rendering --------------------------------------------------------------------------------


def archive_media_path(file_path: str | None) -> str | None:
    """Where a stored upload goes in the archive; None for a path that could escape it."""
    if not file_path or file_path.startswith(("http://", "https://")):
        return None
    path = PurePosixPath(file_path)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        return None
    return MEDIA_PREFIX + path.as_posix()


def _local_only(settings: Settings, status, parts) -> dict:
    """A local-only post or reblog (which never federates): rendered as a public one, then
    addressed to the instance's local public collection and the followers, as Pleroma
    addresses local-only posts."""
    public_like = status._replace(visibility="public")
    if status.reblog_of_id is not None:
        announce = parts.announces[status.id]
        item = announce_to_as(settings, public_like, announce, context=False)
        followers = announce.actor.followers_url or f"{announce.actor.ap_id}/followers"
    else:
        note_parts = parts.notes[status.id]
        note = status_to_as(settings, public_like, note_parts, context=False)
        followers = note_parts.author.followers_url or f"{note_parts.author.ap_id}/followers"
        note["to"], note["cc"] = [f"{settings.base_url}/#Public"], [followers]
        item = create_to_as(note, context=False)
    item["to"], item["cc"] = [f"{settings.base_url}/#Public"], [followers]
    return item


def _localise_media(settings: Settings, item: dict) -> None:
    """Point a Create's attachments at their files in the archive (Mastodon's export does)."""
    note = item.get("object")
    if item.get("type") != "Create" or not isinstance(note, dict):
        return
    prefix = f"{settings.base_url}/media/"
    for attachment in note.get("attachment") or ():
        url = attachment.get("url")
        if isinstance(url, str) and url.startswith(prefix):
            inside = archive_media_path(url[len(prefix) :])
            if inside is not None:
                attachment["url"] = inside


def outbox_converter(settings: Settings):
    async def convert(session: AsyncSession, rows: Sequence[Any]) -> list[dict]:
        statuses = [StatusRow._make(row) for row in rows]
        parts = await load_parts(session, statuses)
        items = []
        for status in statuses:
            try:
                item = outbox_item_to_as(settings, status, parts)
            except NotFederated:
                item = _local_only(settings, status, parts)
            except KeyError:  # a reblog whose original vanished between the reads
                continue
            _localise_media(settings, item)
            items.append(item)
        return items

    return convert


# --- writing ----------------------------------------------------------------------------------


def _header(name: str) -> bytes:
    """The collection's opening, up to its first item (Pleroma's keys and their order)."""
    head = {"@context": AS_CONTEXT[0], "id": f"{name}.json", "type": "OrderedCollection"}
    return orjson.dumps(head)[:-1] + b',"orderedItems":['


async def _write_collection(
    archive: zipfile.ZipFile, name: str, pages: AsyncIterator[list], counter: _Counter
) -> int:
    """Write ``<name>.json`` from ``pages``; return its totalItems."""
    total = 0
    # Zip64 headers for the outbox: a very large account's can pass 2 GiB.
    with archive.open(f"{name}.json", "w", force_zip64=name == "outbox") as out:
        out.write(_header(name))
        async for items in pages:
            chunk = b",".join(orjson.dumps(item) for item in items)
            out.write(b"," + chunk if total else chunk)
            total += len(items)
            await counter.add(len(items))
        out.write(b'],"totalItems":' + str(total).encode() + b"}")
    return total


async def _add_file(archive: zipfile.ZipFile, source: Path, name: str) -> bool:
    """Copy ``source`` into the archive as ``name`` (stored: media is compressed already),
    off the event loop. A file missing from disk is left out."""
    if not source.is_file():
        log.warning("backup: %s is missing, left out of the archive", source)
        return False
    await asyncio.to_thread(archive.write, source, name, zipfile.ZIP_STORED)
    return True


async def _actor(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    account_id: int,
) -> tuple[dict, list[tuple[Path, str]]]:
    """actor.json's document and the (file, name in the archive) of its avatar and header."""
    async with sessionmaker() as session:
        account = await session.get(Account, account_id)
        if account is None:
            raise LookupError(f"account {account_id} is gone")
        public_key = await ensure_keys(session, account)
        await session.commit()  # the key pair made now for an account that had none
        moved_to = await moved_to_ap_id(session, account)
        document = account_to_as(settings, account, public_key, moved_to=moved_to)
        images = {"icon": ("avatar", account.avatar_path), "image": ("header", account.header_path)}
    document["likes"] = "likes.json"
    document["bookmarks"] = "bookmarks.json"
    files = []
    for key, (stem, path) in images.items():
        inside = archive_media_path(path)
        if inside is None or key not in document:
            continue
        source = settings.uploads_dir / path
        name = stem + PurePosixPath(path).suffix.lower()
        if source.is_file():
            document[key]["url"] = name
            files.append((source, name))
    return document, files


async def write_archive(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    account_id: int,
    path: Path,
    progress: Progress,
) -> int:
    """Write the backup of ``account_id`` to ``path`` (created or overwritten); return the
    number of items written. Raises ``LookupError`` when the account is gone."""
    counter = _Counter(progress)
    document, images = await _actor(sessionmaker, settings, account_id)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("actor.json", orjson.dumps(document))
        await counter.add(1)
        convert = outbox_converter(settings)
        await _write_collection(
            archive, "outbox", _pages(sessionmaker, account_id, "outbox", convert), counter
        )
        for name in COLLECTIONS[1:]:
            await _write_collection(archive, name, _pages(sessionmaker, account_id, name), counter)
        for source, name in images:
            if await _add_file(archive, source, name):
                await counter.add(1)
        written: set[str] = set()
        after = 0
        while True:
            async with sessionmaker() as session:
                rows = (await session.execute(_media_page(account_id, after))).all()
            for _, file_path in rows:
                inside = archive_media_path(file_path)
                if inside is None or inside in written:
                    continue
                written.add(inside)
                if await _add_file(archive, settings.uploads_dir / file_path, inside):
                    await counter.add(1)
            if len(rows) < PAGE:
                break
            after = rows[-1][0]
    return counter.count
