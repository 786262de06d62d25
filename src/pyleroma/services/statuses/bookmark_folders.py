"""Bookmark folders (the pl fork's, in Pleroma since 2.7): named, optionally emoji-marked
folders a user files bookmarks in.

A folder belongs to one account; its name is unique per account (a second folder of the same
name is a 422, and the unique index settles two requests racing for it). The emoji is one
unicode emoji (stored fully qualified, as Pleroma does) or a custom emoji of this instance,
written ``:code:`` or ``code`` and stored ``:code:``; anything else is a 422. Deleting a
folder leaves its bookmarks in place, unfiled. Another account's folder is refused exactly
like one that does not exist (Pleroma answers 403 for both), so ids reveal nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.ids import new_id, parse_id
from pyleroma.errors import Forbidden, NotFound, Unprocessable
from pyleroma.models import Account, Bookmark, BookmarkFolder
from pyleroma.services.text.emoji import registry_for
from pyleroma.services.text.reaction_emoji import SHORTCODE_RE, custom_shortcode, unicode_emoji
from pyleroma.settings import Settings

MAX_NAME_LENGTH = 255  # the width of bookmark_folders.name
NOT_YOURS = "Access denied"
TAKEN = "name: has already been taken"


@dataclass(frozen=True)
class FolderChange:
    """What a create or update sets: None leaves a field as it is (``emoji=""`` clears)."""

    name: str | None = None
    emoji: str | None = None


def check_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise Unprocessable("name: can't be blank")
    if len(name) > MAX_NAME_LENGTH:
        raise Unprocessable(f"name: is too long (maximum is {MAX_NAME_LENGTH} characters)")
    return name


def check_emoji(settings: Settings, emoji: str) -> str | None:
    """The stored form of ``emoji`` (None for an empty one); 422 for anything that is not
    one unicode emoji or a custom emoji of this instance."""
    emoji = emoji.strip()
    if not emoji:
        return None
    qualified = unicode_emoji(emoji)
    if qualified is not None:
        return qualified
    code = custom_shortcode(emoji) or (emoji if SHORTCODE_RE.fullmatch(emoji) else None)
    if code is not None and registry_for(settings).get(code) is not None:
        return f":{code}:"
    raise Unprocessable("emoji: Invalid emoji")


def emoji_url(settings: Settings, emoji: str | None) -> str | None:
    """The image of a custom emoji folder mark (None for unicode, none, or a removed one)."""
    code = custom_shortcode(emoji)
    if code is None:
        return None
    registry = registry_for(settings)
    found = registry.get(code)
    return registry.url(found) if found is not None else None


async def list_folders(session: AsyncSession, account: Account) -> list[BookmarkFolder]:
    """The account's folders, oldest first (the order they were made in)."""
    rows = await session.scalars(
        select(BookmarkFolder)
        .where(BookmarkFolder.account_id == account.id)
        .order_by(BookmarkFolder.id)
    )
    return list(rows)


async def get_own_folder(session: AsyncSession, account: Account, folder_id) -> BookmarkFolder:
    """The account's folder with this id; 403 for another's, a missing or a malformed id."""
    ident = parse_id(folder_id)
    folder = await session.get(BookmarkFolder, ident) if ident is not None else None
    if folder is None or folder.account_id != account.id:
        raise Forbidden(NOT_YOURS)
    return folder


async def _name_taken(session: AsyncSession, account: Account, name: str, but: int | None):
    stmt = select(BookmarkFolder.id).where(
        BookmarkFolder.account_id == account.id, BookmarkFolder.name == name
    )
    if but is not None:
        stmt = stmt.where(BookmarkFolder.id != but)
    return await session.scalar(stmt) is not None


async def _save(session: AsyncSession, folder: BookmarkFolder) -> BookmarkFolder:
    """Flush in a savepoint so a racing twin's name is a 422, not a 500; then commit."""
    try:
        async with session.begin_nested():
            session.add(folder)
            await session.flush()
    except IntegrityError as exc:
        raise Unprocessable(TAKEN) from exc
    await session.commit()
    return folder


async def create_folder(
    session: AsyncSession, settings: Settings, account: Account, change: FolderChange
) -> BookmarkFolder:
    """A new folder; 422 for a blank, long or taken name or an invalid emoji. Commits."""
    name = check_name(change.name)
    emoji = check_emoji(settings, change.emoji) if change.emoji is not None else None
    if await _name_taken(session, account, name, None):
        raise Unprocessable(TAKEN)
    folder = BookmarkFolder(id=new_id(), account_id=account.id, name=name, emoji=emoji)
    return await _save(session, folder)


async def update_folder(
    session: AsyncSession, settings: Settings, account: Account, folder_id, change: FolderChange
) -> BookmarkFolder:
    """Rename the folder or change its emoji (only what ``change`` gives). Commits."""
    folder = await get_own_folder(session, account, folder_id)
    name = check_name(change.name) if change.name is not None else folder.name
    emoji = check_emoji(settings, change.emoji) if change.emoji is not None else folder.emoji
    if name != folder.name and await _name_taken(session, account, name, folder.id):
        raise Unprocessable(TAKEN)
    folder.name, folder.emoji = name, emoji
    return await _save(session, folder)


async def delete_folder(session: AsyncSession, account: Account, folder_id) -> BookmarkFolder:
    """Delete the folder; its bookmarks stay, unfiled. Answers the deleted folder. Commits."""
    folder = await get_own_folder(session, account, folder_id)
    await session.execute(
        update(Bookmark).where(Bookmark.folder_id == folder.id).values(folder_id=None)
    )
    await session.delete(folder)
    await session.commit()
    return folder


async def folder_for_bookmark(session: AsyncSession, account: Account, folder_id) -> int | None:
    """The folder a bookmark is to be filed in: None for none, the id of one of the
    account's folders, else 404 (a folder one cannot file in is as good as absent)."""
    if folder_id is None or folder_id == "":
        return None
    try:
        return (await get_own_folder(session, account, folder_id)).id
    except Forbidden as exc:
        raise NotFound("Bookmark folder not found") from exc
