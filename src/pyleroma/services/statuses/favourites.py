"""Favourites and bookmarks: marking a status, unmarking it, and listing what one marked.

Both are rows unique per (account, status), written with INSERT ... ON CONFLICT DO NOTHING, so
a double click or a retried request never counts twice. A favourite is a Like: it goes
through the activity pipeline (activities/handlers/interactions.py counts, notifies and
federates it); a bookmark is private to its owner and written here.

Lists are keyed by the mark's own id (newest mark first, as Mastodon and Pleroma page them),
and only show statuses the viewer may still see: a favourited followers-only post drops out
after an unfollow, and comes back with the follow.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities import pipeline
from pyleroma.activities.build import build_like, build_undo_of
from pyleroma.activities.context import PipelineContext
from pyleroma.db.ids import new_id
from pyleroma.db.paging import Page, in_display_order, paginate
from pyleroma.db.upsert import insert_or_update
from pyleroma.models import Account, Bookmark, Favourite, Status
from pyleroma.policy.visibility import not_blocked_filter, visible_filter
from pyleroma.settings import Settings


async def favourite(
    session: AsyncSession, settings: Settings, actor: Account, status: Status
) -> None:
    """Favourite ``status`` (an original, visible to ``actor``); idempotent. Commits."""
    await pipeline.run(PipelineContext(session, settings), build_like(settings, actor, status))


async def unfavourite(
    session: AsyncSession, settings: Settings, actor: Account, status: Status
) -> None:
    """Take a favourite back; a no-op when there is none (a retry is harmless). Commits.

    The "favourite" notification it caused is removed too, as Pleroma's undo of a Like does.
    """
    undo = build_undo_of(settings, "Like", actor, status)
    await pipeline.run(PipelineContext(session, settings), undo)


async def bookmark(
    session: AsyncSession, actor: Account, status: Status, folder_id: int | None = None
) -> None:
    """Bookmark ``status`` for ``actor`` alone, filed in ``folder_id`` (one of the actor's
    bookmark folders, checked by the caller) or in none; idempotent. Bookmarking again
    moves the bookmark to the folder given (none unfiles it), as Pleroma does. Commits."""
    await insert_or_update(
        session,
        Bookmark,
        {"id": new_id(), "account_id": actor.id, "status_id": status.id, "folder_id": folder_id},
        ("account_id", "status_id"),
        ("folder_id",),
    )
    await session.commit()


async def unbookmark(session: AsyncSession, actor: Account, status: Status) -> None:
    """Remove a bookmark; a no-op when there is none. Commits."""
    await session.execute(
        delete(Bookmark).where(Bookmark.account_id == actor.id, Bookmark.status_id == status.id)
    )
    await session.commit()


async def _marked_page(
    session: AsyncSession, model, viewer: Account, page: Page, *conditions
) -> list[tuple[int, Status]]:
    stmt = (
        select(model.id, Status)
        .join(Status, Status.id == model.status_id)
        .where(model.account_id == viewer.id, visible_filter(viewer.id), *conditions)
    )
    rows = (await session.execute(paginate(stmt, model.id, page))).all()
    return [(row[0], row[1]) for row in in_display_order(rows, page)]


async def favourites_page(
    session: AsyncSession, viewer: Account, page: Page
) -> list[tuple[int, Status]]:
    """(favourite id, status) pairs of the viewer's favourites, newest favourite first."""
    return await _marked_page(session, Favourite, viewer, page)


async def bookmarks_page(
    session: AsyncSession, viewer: Account, page: Page, folder_id: int | None = None
) -> list[tuple[int, Status]]:
    """(bookmark id, status) pairs of the viewer's bookmarks, newest bookmark first; only
    those filed in ``folder_id`` when given (Pleroma's bookmark folders)."""
    if folder_id is None:
        return await _marked_page(session, Bookmark, viewer, page)
    return await _marked_page(session, Bookmark, viewer, page, Bookmark.folder_id == folder_id)


async def account_favourites_page(
    session: AsyncSession, account: Account, viewer: Account | None, page: Page
) -> list[Status]:
    """Statuses ``account`` favourited that ``viewer`` may see (Pleroma's favourites timeline).

    Pleroma pages this list by the statuses' ids (it is a timeline of posts), not by the
    favourites', and hides posts by accounts the viewer blocks or is blocked by.
    """
    stmt = (
        select(Status)
        .join(Favourite, Favourite.status_id == Status.id)
        .where(
            Favourite.account_id == account.id,
            visible_filter(viewer.id if viewer else None),
            not_blocked_filter(viewer.id if viewer else None),
        )
    )
    rows = list((await session.execute(paginate(stmt, Status.id, page))).scalars())
    return in_display_order(rows, page)
