"""Reading statuses by id, and the accounts that favourited or reblogged one.

Every read goes through ``policy.visibility``: one status through ``get_visible_status``,
several through ``visible_filter``. The audience lists hide accounts the viewer blocks or
is blocked by (Pleroma hides blocked ones; Mastodon both directions) and deactivated ones.
"""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pyleroma.db.ids import parse_id
from pyleroma.db.paging import Page, in_display_order, paginate
from pyleroma.errors import NotFound, Unprocessable
from pyleroma.models import Account, Favourite, Status
from pyleroma.policy.visibility import not_blocked_filter, visible_filter
from pyleroma.services.statuses.status_access import get_visible_status

# Pleroma reads at most 100 statuses per request; asking for more is an error here.
MAX_IDS = 100


async def get_statuses(
    session: AsyncSession, viewer: Account | None, raw_ids: list[str]
) -> list[Status]:
    """The statuses the viewer may see among ``raw_ids``, in the order asked, once each.

    Unknown, malformed and invisible ids are skipped, as Mastodon and Pleroma do.
    """
    if len(raw_ids) > MAX_IDS:
        raise Unprocessable(f"id: at most {MAX_IDS} ids per request")
    wanted = list(dict.fromkeys(i for i in (parse_id(raw) for raw in raw_ids) if i is not None))
    if not wanted:
        return []
    viewer_id = viewer.id if viewer is not None else None
    rows = await session.execute(
        select(Status).where(Status.id.in_(wanted), visible_filter(viewer_id))
    )
    found = {row.id: row for row in rows.scalars()}
    return [found[i] for i in wanted if i in found]


async def get_thread_status(session: AsyncSession, viewer: Account | None, status_id) -> Status:
    """A visible status, or the original when it is a reblog (a reblog has no thread,
    history, source or audience of its own). 404 when the viewer may not see it."""
    status = await get_visible_status(session, viewer, status_id)
    if status.reblog_of_id is None:
        return status
    # visible_filter only passes a reblog whose original the viewer may see too.
    original = await session.get(Status, status.reblog_of_id)
    if original is None:
        raise NotFound("Record not found")
    return original


async def favourited_by(
    session: AsyncSession, viewer: Account | None, status: Status, page: Page
) -> list[tuple[Account, int]]:
    """(account, favourite id) for a page of those who favourited ``status``."""
    viewer_id = viewer.id if viewer is not None else None
    # An alias, so the rules' own subqueries on accounts are not correlated to this join.
    fan = aliased(Account)
    stmt = (
        select(fan, Favourite.id)
        .join(fan, fan.id == Favourite.account_id)
        .where(
            Favourite.status_id == status.id,
            fan.is_active.is_(True),
            # The block rule only reads ``account_id``, which favourites have too.
            not_blocked_filter(viewer_id, Favourite),
        )
    )
    rows = (await session.execute(paginate(stmt, Favourite.id, page))).all()
    return [(account, fav_id) for account, fav_id in in_display_order(rows, page)]


async def reblogged_by(
    session: AsyncSession, viewer: Account | None, status: Status, page: Page
) -> list[tuple[Account, int]]:
    """(account, reblog id) for a page of those whose reblog of ``status`` the viewer may
    see, by Pleroma's rule: a followers-only reblog is shown to the booster, the booster's
    followers and the boosted post's author (whom Pleroma addresses it to, and who was
    notified of it), never to anyone else, even one who may see the post itself."""
    viewer_id = viewer.id if viewer is not None else None
    booster = aliased(Account)
    shown = visible_filter(viewer_id)
    if viewer_id is not None and viewer_id == status.account_id:
        shown = or_(shown, and_(Status.visibility == "private", booster.is_active.is_(True)))
    stmt = (
        select(booster, Status.id)
        .join(booster, booster.id == Status.account_id)
        .where(Status.reblog_of_id == status.id, shown, not_blocked_filter(viewer_id))
    )
    rows = (await session.execute(paginate(stmt, Status.id, page))).all()
    return [(account, reblog_id) for account, reblog_id in in_display_order(rows, page)]
