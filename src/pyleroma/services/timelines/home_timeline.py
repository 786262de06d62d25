"""Materialised home timelines: reading them, backfill after a follow, purges, rebuilds.

A home timeline is a set of HomeTimelineEntry rows keyed (account_id, status_id), so a page
is one backwards range scan of that primary key joined to the statuses (DESIGN.md). Rows
are written by the "timeline.fanout" job after a status is posted or boosted
(home_fanout.py), which also trims homes to about ``home_timeline_max`` entries. Who sees
what is still decided at read time too (``read_filters``): a block or mute made after the
fan-out applies at once; unfollow, block, mute and domain block also delete the entries
they make pointless (``purge_*``). A page past the oldest entry is read straight from the
statuses of followed accounts (``_older_than_window``), so clients can scroll back forever.
"""

from __future__ import annotations

from sqlalchemy import (
    Integer,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pyleroma.db.paging import Page
from pyleroma.db.upsert import dialect_insert
from pyleroma.jobs.queue import enqueue
from pyleroma.models import (
    Account,
    Follow,
    HomeTimelineEntry,
    Status,
)
from pyleroma.models.relationship import FOLLOW_ACCEPTED
from pyleroma.policy.relations import follows
from pyleroma.services.statuses.status_batches import STATUS_COLUMNS
from pyleroma.services.timelines.home_fanout import delivery_filter, trim_homes
from pyleroma.services.timelines.prepared_pages import (
    NOW,
    VIEWER,
    PageShape,
    PreparedCache,
    page_shape,
    read_status_page,
    status_page,
)
from pyleroma.services.timelines.timelines import (
    ORIGINAL,
    TimelineOptions,
    fetch_page,
    mentions,
    read_filters,
    statement_key,
)
from pyleroma.settings import Settings

BACKFILL_JOB = "timeline.backfill"
# Up to this many followed accounts, older home pages merge one index scan per account.
FEW_FOLLOWS = 50
MERGE_ROUNDS = 10

Entry = HomeTimelineEntry


# --- follows: backfill; unfollow, block, mute: purge --------------------------------------


async def enqueue_backfill(session: AsyncSession, follower_id: int, followed_id: int) -> None:
    """After a follow is accepted: copy the followed's recent statuses into the home (job)."""
    await enqueue(session, BACKFILL_JOB, {"account_id": follower_id, "target_id": followed_id})


async def backfill(session: AsyncSession, settings: Settings, account_id: int, target_id: int):
    """Put ``target_id``'s newest statuses (``home_timeline_backfill``) into the home of
    ``account_id``, if it still follows them, with the same rules as the fan-out."""
    follower = await session.get(Account, account_id)
    if follower is None or not follower.local or not follower.is_active:
        return
    still_following = await session.scalar(select(follows(account_id, literal(target_id))))
    if not still_following or settings.home_timeline_backfill <= 0:
        return
    # Most follows of an import are of accounts with nothing to copy; one index probe
    # spares them the delivery filter, the costliest statement here to build.
    if not await session.scalar(select(exists().where(Status.account_id == target_id))):
        return
    original = aliased(Status)
    rows = (
        await session.execute(
            select(Status.id, Status.account_id, original.account_id)
            .outerjoin(original, original.id == Status.reblog_of_id)
            .where(Status.account_id == target_id, delivery_filter(account_id, Status, original))
            .order_by(Status.id.desc())
            .limit(settings.home_timeline_backfill)
        )
    ).all()
    if not rows:
        return
    insert = dialect_insert(session)
    await session.execute(
        insert(Entry)
        .values(
            [
                {
                    "account_id": account_id,
                    "status_id": status_id,
                    "author_id": author_id,
                    "reblog_of_author_id": original_author_id,
                }
                for status_id, author_id, original_author_id in rows
            ]
        )
        .on_conflict_do_nothing(index_elements=["account_id", "status_id"])
    )
    await trim_homes(session, settings, [account_id])


async def purge_unfollowed(session: AsyncSession, account_id: int, author_id: int) -> None:
    """After an unfollow: drop ``author_id``'s posts and boosts from the home, except posts
    addressed to the account (a direct message stays, as it would arrive anyway)."""
    await session.execute(
        delete(Entry)
        .where(
            Entry.account_id == account_id,
            Entry.author_id == author_id,
            ~mentions(account_id, Entry.status_id),
        )
        .execution_options(synchronize_session=False)
    )


async def purge_account(session: AsyncSession, account_id: int, author_id: int) -> None:
    """After a block or mute: drop everything by ``author_id`` and every boost of their
    posts from the home of ``account_id``."""
    await session.execute(
        delete(Entry)
        .where(
            Entry.account_id == account_id,
            or_(Entry.author_id == author_id, Entry.reblog_of_author_id == author_id),
        )
        .execution_options(synchronize_session=False)
    )


async def purge_domain(session: AsyncSession, account_id: int, domain: str) -> None:
    """After a domain block: drop posts and boosted posts by accounts on ``domain``."""
    on_domain = select(Account.id).where(Account.domain == domain)
    await session.execute(
        delete(Entry)
        .where(
            Entry.account_id == account_id,
            or_(Entry.author_id.in_(on_domain), Entry.reblog_of_author_id.in_(on_domain)),
        )
        .execution_options(synchronize_session=False)
    )


# --- reading -------------------------------------------------------------------------------


def _followed_or_self(account_id: int):
    followed = select(Follow.followed_id).where(
        Follow.follower_id == account_id, Follow.state == FOLLOW_ACCEPTED
    )
    return or_(Status.account_id == account_id, Status.account_id.in_(followed))


_HOME_PAGES = PreparedCache()


def _home_page(settings: Settings, options: TimelineOptions, shape: PageShape):
    """The home page statement for one shape (options, direction); the viewer and the
    bounds are parameters (services/timelines/prepared_pages.py)."""

    def build():
        filters = read_filters(
            VIEWER, options, original=ORIGINAL, reblog_prefs=True, settings=settings, now=NOW
        )
        stmt = (
            select(*STATUS_COLUMNS)
            .join(Entry, Entry.status_id == Status.id)
            .outerjoin(ORIGINAL, ORIGINAL.id == Status.reblog_of_id)
            .where(Entry.account_id == VIEWER, *filters)
        )
        return status_page(stmt, Entry.status_id, shape)

    return _HOME_PAGES.get((options, shape, statement_key(settings)), build)


async def home_timeline(
    session: AsyncSession,
    settings: Settings,
    viewer: Account,
    page: Page,
    options: TimelineOptions,
) -> list:
    """A page of the viewer's home (StatusRows, and ORM Statuses past the window): a range
    of its entries, then (scrolling back past the oldest entry) older statuses of followed
    accounts read from the statuses table."""
    prepared = _home_page(settings, options, page_shape(page))
    rows = await read_status_page(session, prepared, page, viewer_id=viewer.id)
    if len(rows) < page.limit and page.min_id is None and page.since_id is None:
        rows += await _older_than_window(session, settings, viewer, page, options, len(rows))
    return rows


async def _older_than_window(
    session: AsyncSession,
    settings: Settings,
    viewer: Account,
    page: Page,
    options: TimelineOptions,
    have: int,
) -> list[Status]:
    """Statuses older than the oldest home entry, chosen by the fan-out rules at read time.

    Following many accounts, a newest-first scan of the statuses finds a page quickly (the
    database's own choice). Following few, that scan would pass over everybody else's posts
    to find a quiet account's few, so each followed account's statuses are read from the
    (account_id, id) index instead and merged (``_merge_authors``).
    """
    oldest = await session.scalar(
        select(func.min(Entry.status_id)).where(Entry.account_id == viewer.id)
    )
    bound = oldest if page.max_id is None else min(page.max_id, oldest or page.max_id)
    original = aliased(Status)
    conditions = [
        delivery_filter(viewer.id, Status, original, skip_seen_originals=False),
        *read_filters(viewer.id, options, original=original, reblog_prefs=True, settings=settings),
    ]
    followed = list(
        (
            await session.execute(
                select(Follow.followed_id)
                .where(Follow.follower_id == viewer.id, Follow.state == FOLLOW_ACCEPTED)
                .limit(FEW_FOLLOWS + 1)
            )
        ).scalars()
    )
    stmt = select(Status).outerjoin(original, original.id == Status.reblog_of_id)
    stmt = stmt.where(*conditions)
    wanted = page.limit - have
    if len(followed) <= FEW_FOLLOWS:
        return await _merge_authors(session, [viewer.id, *followed], bound, wanted, stmt)
    stmt = stmt.where(_followed_or_self(viewer.id))
    return await fetch_page(session, stmt, Status.id, Page(max_id=bound, limit=wanted))


async def _merge_authors(
    session: AsyncSession, author_ids: list[int], bound: int | None, wanted: int, stmt
) -> list[Status]:
    """The newest ``wanted`` statuses below ``bound`` by ``author_ids`` that ``stmt`` (a
    select of Status with the filters) keeps: a k-way merge of per-author index scans.

    Each round reads a batch of ids per author (index only, cheap to plan and run), keeps
    the ids known to be complete (newer than the last id of every author whose batch was
    full), and loads the newest of them through the filters. Filtered-out statuses make
    another round, with bigger batches, from where this one stopped.
    """
    found: list[Status] = []
    cursor = bound
    batch = wanted + 10
    for _ in range(MERGE_ROUNDS):
        parts = []
        for index, author_id in enumerate(author_ids):
            part = select(literal(index, Integer).label("src"), Status.id.label("id"))
            part = part.where(Status.account_id == author_id)
            if cursor is not None:
                part = part.where(Status.id < cursor)
            parts.append(part.order_by(Status.id.desc()).limit(batch).subquery())
        merged = union_all(*(select(p.c.src, p.c.id) for p in parts))
        by_author: dict[int, list[int]] = {}
        for src, status_id in (await session.execute(merged)).all():
            by_author.setdefault(src, []).append(status_id)
        full = [min(ids) for ids in by_author.values() if len(ids) >= batch]
        frontier = max(full) if full else None
        complete = sorted(
            (i for ids in by_author.values() for i in ids if frontier is None or i >= frontier),
            reverse=True,
        )
        considered = complete[:batch]
        if not considered:
            break
        rows = await session.execute(
            stmt.where(Status.id.in_(considered))
            .order_by(Status.id.desc())
            .limit(wanted - len(found))
        )
        found += list(rows.scalars())
        if len(found) >= wanted:
            break
        if len(considered) < len(complete):
            cursor = considered[-1]
        elif frontier is not None:
            cursor = frontier
        else:
            break
        batch = min(batch * 2, 400)
    return found


async def rebuild_home(session: AsyncSession, settings: Settings, account: Account) -> int:
    """Fill a home from scratch with the newest statuses it should hold (repairs, imports,
    benchmark data); returns how many entries it has. Does not commit."""
    await session.execute(delete(Entry).where(Entry.account_id == account.id))
    original = aliased(Status)
    rows = (
        await session.execute(
            select(Status.id, Status.account_id, original.account_id)
            .outerjoin(original, original.id == Status.reblog_of_id)
            .where(
                _followed_or_self(account.id),
                delivery_filter(account.id, Status, original, skip_seen_originals=False),
            )
            .order_by(Status.id.desc())
            .limit(max(1, settings.home_timeline_max))
        )
    ).all()
    if rows:
        insert = dialect_insert(session)
        await session.execute(
            insert(Entry)
            .values(
                [
                    {
                        "account_id": account.id,
                        "status_id": status_id,
                        "author_id": author_id,
                        "reblog_of_author_id": original_author_id,
                    }
                    for status_id, author_id, original_author_id in rows
                ]
            )
            .on_conflict_do_nothing(index_elements=["account_id", "status_id"])
        )
    return len(rows)
