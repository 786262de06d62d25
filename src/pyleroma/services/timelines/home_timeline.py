"""Materialised home timelines: fan-out on write, purges, backfill, trimming and reading.

A home timeline is a set of HomeTimelineEntry rows keyed (account_id, status_id), so a page
is one backwards range scan of that primary key joined to the statuses (DESIGN.md). Rows
are written by the "timeline.fanout" job after a status is posted or boosted
(``fan_out_status``): one INSERT ... SELECT delivers it to the author, every local follower,
every local account it addresses and (public posts) every local follower of one of its
hashtags, minus those who may not or would not want to see it (``delivery_filter``). Who
sees what is still decided at read time too (``read_filters``): a block or mute made after
the fan-out applies at once; unfollow, block, mute and domain block also delete the entries
they make pointless (``purge_*``).

Each home keeps about ``home_timeline_max`` entries: the fan-out trims a sample of its
recipients each time (``home_timeline_trim_every``), so the cost per post stays small and
every home is trimmed often. A page past the oldest entry is read straight from the
statuses of followed accounts (``_older_than_window``), so clients can scroll back forever.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    bindparam,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pyleroma.db.base import utcnow
from pyleroma.db.fastread import Prepared, in_list, reader
from pyleroma.db.ids import SEQUENCE_BITS
from pyleroma.db.paging import Page
from pyleroma.db.upsert import dialect_insert
from pyleroma.jobs.queue import enqueue
from pyleroma.models import (
    Account,
    Follow,
    HomeTimelineEntry,
    List,
    ListAccount,
    Notification,
    Status,
    StatusMention,
    StatusTag,
    TagFollow,
)
from pyleroma.models.relationship import FOLLOW_ACCEPTED
from pyleroma.policy.relations import follows, hides_reblogs
from pyleroma.policy.visibility import not_blocked_filter, not_muted_filter, visible_filter
from pyleroma.services.notifications.notifications import notify
from pyleroma.services.statuses.status_batches import STATUS_COLUMNS
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
)
from pyleroma.settings import Settings
from pyleroma.streaming.events import emit

FANOUT_JOB = "timeline.fanout"
BACKFILL_JOB = "timeline.backfill"
# Up to this many followed accounts, older home pages merge one index scan per account.
FEW_FOLLOWS = 50
MERGE_ROUNDS = 10

Entry = HomeTimelineEntry


# --- who gets a status in their home ------------------------------------------------------


def delivery_filter(recipient, status=Status, original=None, *, skip_seen_originals=True, now=None):
    """SQL: ``recipient`` (an account id or column) gets ``status`` in their home.

    - the visibility rule, and no block or mute either way (account, domain, thread);
    - Mastodon's reply rule: a reply to someone else shows only to whom it answers, to
      followers of that account, and to whom it addresses;
    - not from an account the recipient put in an exclusive list (that list shows it);
    - reblogs (``original`` is the outer-joined original): not of the recipient's own
      posts, not by a booster followed with reblogs hidden, not of a blocked or muted
      author, and (``skip_seen_originals``) not when the original is in the home already.

    ``now`` decides which timed mutes still run (``not_muted_filter``): pass ``NOW`` in a
    statement built once.
    """
    conditions = [
        visible_filter(recipient, status),
        not_blocked_filter(recipient, status),
        not_muted_filter(recipient, status, now=now),
        or_(
            status.in_reply_to_account_id.is_(None),
            status.reblog_of_id.is_not(None),
            status.in_reply_to_account_id == status.account_id,
            status.in_reply_to_account_id == recipient,
            status.account_id == recipient,
            mentions(recipient, status.id),
            follows(recipient, status.in_reply_to_account_id),
        ),
        or_(
            status.account_id == recipient,
            ~exists()
            .where(
                List.account_id == recipient,
                List.exclusive.is_(True),
                ListAccount.list_id == List.id,
                ListAccount.account_id == status.account_id,
            )
            .correlate_except(List, ListAccount),
        ),
    ]
    if original is not None:
        about_original = [
            original.account_id != recipient,
            ~hides_reblogs(recipient, status.account_id),
            not_blocked_filter(recipient, original),
            not_muted_filter(recipient, original, now=now),
        ]
        if skip_seen_originals:
            seen = aliased(HomeTimelineEntry)
            about_original.append(
                ~exists()
                .where(seen.account_id == recipient, seen.status_id == status.reblog_of_id)
                .correlate_except(seen)
            )
        conditions.append(or_(status.reblog_of_id.is_(None), and_(*about_original)))
    return and_(*conditions)


# The fan-out's statements, built once per dialect and shape (``_fan_out_statements``):
# building the INSERT ... SELECT with its delivery rules cost ~20 ms of Python per post,
# ten times the SQL. Everything that varies per post is a parameter.
_STATUS_ID = bindparam("status_id", type_=BigInteger)
_AUTHOR_ID = bindparam("author_id", type_=BigInteger)
_ORIGINAL_AUTHOR_ID = bindparam("original_author_id", type_=BigInteger)
_RECIPIENT = aliased(Account, name="recipient")
_FANOUT_ORIGINAL = aliased(Status, name="fanout_original")
_RECEIVING = aliased(HomeTimelineEntry, name="receiving")
_HOME = aliased(HomeTimelineEntry, name="home")

ORIGINAL_AUTHOR = Prepared(
    select(Status.account_id).where(Status.id == bindparam("original_id", type_=BigInteger))
)
# A sample of a status's recipients (``trim_recipients``): account_id % every == bucket.
RECIPIENT_SAMPLE = Prepared(
    select(_RECEIVING.account_id).where(
        _RECEIVING.status_id == _STATUS_ID,
        _RECEIVING.account_id % bindparam("every", type_=BigInteger)
        == bindparam("bucket", type_=BigInteger),
    )
)
# Each home's oldest entry to keep (``trim_homes``): its ``keep``-th newest.
HOME_CUTOFFS = Prepared(
    select(
        Account.id,
        select(_HOME.status_id)
        .where(_HOME.account_id == Account.id)
        .order_by(_HOME.status_id.desc())
        .offset(bindparam("skip", type_=BigInteger))
        .limit(1)
        .scalar_subquery(),
    ).where(in_list(Account.id, "account_ids"))
)
_TRIM = delete(HomeTimelineEntry.__table__).where(
    HomeTimelineEntry.__table__.c.account_id == bindparam("owner"),
    HomeTimelineEntry.__table__.c.status_id < bindparam("cutoff"),
)
# Followers subscribed to the author (Follow.notify) whose home the status reached and who
# have no notification about it yet.
SUBSCRIBERS = Prepared(
    select(Follow.follower_id).where(
        Follow.followed_id == _AUTHOR_ID,
        Follow.state == FOLLOW_ACCEPTED,
        Follow.notify.is_(True),
        exists().where(Entry.account_id == Follow.follower_id, Entry.status_id == _STATUS_ID),
        ~exists().where(
            Notification.account_id == Follow.follower_id, Notification.status_id == _STATUS_ID
        ),
    )
)


def _fan_out_rows(with_tag_followers: bool):
    """The SELECT of (recipient, status, author, original author) rows for one status."""
    sources = [
        select(Follow.follower_id.label("account_id")).where(
            Follow.followed_id == _AUTHOR_ID, Follow.state == FOLLOW_ACCEPTED
        ),
        select(StatusMention.account_id.label("account_id")).where(
            StatusMention.status_id == _STATUS_ID
        ),
        select(_AUTHOR_ID.label("account_id")),
    ]
    if with_tag_followers:
        # Followers of its hashtags (Mastodon: public posts only, never boosts).
        sources.append(
            select(TagFollow.account_id.label("account_id")).where(
                TagFollow.hashtag_id.in_(
                    select(StatusTag.hashtag_id).where(StatusTag.status_id == _STATUS_ID)
                )
            )
        )
    candidates = union(*sources).subquery()
    recipient, original = _RECIPIENT, _FANOUT_ORIGINAL
    return (
        select(recipient.id, _STATUS_ID, _AUTHOR_ID, _ORIGINAL_AUTHOR_ID)
        .select_from(candidates)
        .join(recipient, recipient.id == candidates.c.account_id)
        .join(Status, Status.id == _STATUS_ID)
        .outerjoin(original, original.id == Status.reblog_of_id)
        .where(
            recipient.local.is_(True),
            recipient.is_active.is_(True),
            delivery_filter(recipient.id, Status, original, now=NOW),
        )
    )


_FAN_OUT: dict[tuple[str, bool], Prepared] = {}


def _fan_out_statement(dialect: str, with_tag_followers: bool) -> Prepared:
    """The INSERT ... SELECT ... ON CONFLICT DO NOTHING of one shape, for one dialect
    (the ON CONFLICT construct is the dialect's own)."""
    key = (dialect, with_tag_followers)
    found = _FAN_OUT.get(key)
    if found is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        found = _FAN_OUT[key] = Prepared(
            insert(Entry)
            .from_select(
                ["account_id", "status_id", "author_id", "reblog_of_author_id"],
                _fan_out_rows(with_tag_followers),
            )
            .on_conflict_do_nothing(index_elements=["account_id", "status_id"])
        )
    return found


async def fan_out_status(session: AsyncSession, settings: Settings, status: Status) -> None:
    """Deliver ``status`` to the homes that should hold it, notify subscribers, trim.

    Idempotent (entries and notifications already there are not written twice), so a job
    retried after a crash does no harm. Does not commit (the job runner does). The
    statements are built once and run on the session's connection (db/fastread.py): home
    entries are in no cache, so the cache tracking of the session has nothing to see.
    """
    run = await reader(session)
    original_author_id = None
    if status.reblog_of_id is not None:
        found = await run.one(ORIGINAL_AUTHOR, {"original_id": status.reblog_of_id})
        if not found:
            return  # the original is gone, and the reblog with it
        original_author_id = found[0][0]
    with_tag_followers = status.visibility == "public" and status.reblog_of_id is None
    params = {
        "status_id": status.id,
        "author_id": status.account_id,
        "original_author_id": original_author_id,
        "now": utcnow(),
    }
    await run.one(_fan_out_statement(run.dialect.name, with_tag_followers), params)
    await _notify_subscribers(session, status)
    await trim_recipients(session, settings, status.id)
    # Live: "update" to the homes it reached and to the public, hashtag and list streams.
    emit(session, {"type": "status", "status_id": status.id})


async def _notify_subscribers(session: AsyncSession, status: Status) -> None:
    """A "status" notification for followers subscribed to the author (Follow.notify).

    As Mastodon: only for posts that reached their home, never for reblogs or replies to
    others; and only one notification per status and person (a mention already is one).
    """
    if status.reblog_of_id is not None:
        return
    if status.in_reply_to_account_id not in (None, status.account_id):
        return
    run = await reader(session)
    found = await run.one(SUBSCRIBERS, {"author_id": status.account_id, "status_id": status.id})
    for (subscriber_id,) in found:
        subscriber = await session.get(Account, subscriber_id)
        if subscriber is not None and subscriber.local:
            await notify(session, subscriber, status.account_id, "status", status)


# --- trimming ----------------------------------------------------------------------------


async def trim_recipients(session: AsyncSession, settings: Settings, status_id: int) -> None:
    """Trim the homes of about one in ``home_timeline_trim_every`` recipients of a status.

    The sample is the recipients whose id matches the status's millisecond modulo the
    interval: different for every post, so each home is trimmed about every that many
    deliveries, and overshoots the cap by about that many entries at most.
    """
    every = max(1, settings.home_timeline_trim_every)
    run = await reader(session)
    bucket = (status_id >> SEQUENCE_BITS) % every
    rows = await run.one(
        RECIPIENT_SAMPLE, {"status_id": status_id, "every": every, "bucket": bucket}
    )
    await trim_homes(session, settings, [account_id for (account_id,) in rows])


async def trim_homes(session: AsyncSession, settings: Settings, account_ids: Iterable[int]):
    """Keep the newest ``home_timeline_max`` entries of each home; delete the rest.

    One query finds each home's cut-off (an index scan of its newest entries), one
    executemany deletes below it.
    """
    account_ids = list(dict.fromkeys(account_ids))
    if not account_ids:
        return
    skip = max(1, settings.home_timeline_max) - 1
    run = await reader(session)
    cutoffs = []
    for start in range(0, len(account_ids), 500):
        chunk = account_ids[start : start + 500]
        rows = await run.one(HOME_CUTOFFS, {"account_ids": chunk, "skip": skip})
        cutoffs += [{"owner": a, "cutoff": c} for a, c in rows if c is not None]
    if cutoffs:
        # An executemany of one DELETE per home (Core: the ORM has no bulk DELETE).
        connection = await session.connection()
        await connection.execute(_TRIM, cutoffs)


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

    return _HOME_PAGES.get((options, shape, settings.domain), build)


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
