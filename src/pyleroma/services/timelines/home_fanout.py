"""Delivering a status to the homes that should hold it ("timeline.fanout"), and trimming.

``fan_out_status`` runs in the job a post or a boost enqueues: one INSERT ... SELECT
delivers it to the author, every local follower, every local account it addresses and
(public posts) every local follower of one of its hashtags, minus those who may not or
would not want to see it (``delivery_filter``, which backfills and rebuilds use too). Its
statements are built once per dialect and shape and run prepared (db/fastread.py).

Each home keeps about ``home_timeline_max`` entries: the fan-out trims a sample of its
recipients each time (``home_timeline_trim_every``), so the cost per post stays small and
every home is trimmed often. Reading, backfill and purges are in home_timeline.py.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import BigInteger, and_, bindparam, delete, exists, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pyleroma.db.base import utcnow
from pyleroma.db.fastread import Prepared, in_list, reader
from pyleroma.db.ids import SEQUENCE_BITS
from pyleroma.db.upsert import insert_for_dialect
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
from pyleroma.services.relations import subscriptions
from pyleroma.services.timelines.prepared_pages import NOW
from pyleroma.services.timelines.timelines import mentions
from pyleroma.settings import Settings
from pyleroma.streaming.events import emit

FANOUT_JOB = "timeline.fanout"

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


# The fan-out's statements, built once per dialect and shape (``_fan_out_statement``):
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
        found = _FAN_OUT[key] = Prepared(
            insert_for_dialect(dialect)(Entry)
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
    """A "status" notification for followers subscribed to the author (Follow.notify) and
    for Pleroma's subscribers (services/relations/subscriptions.py), following or not.

    As Mastodon: only for posts that reached a follower's home (a subscriber: that it may
    see, from an author it neither blocks nor mutes), never for reblogs or replies to
    others; and only one notification per status and person (a mention already is one).
    """
    if status.reblog_of_id is not None:
        return
    if status.in_reply_to_account_id not in (None, status.account_id):
        return
    run = await reader(session)
    params = {"author_id": status.account_id, "status_id": status.id, "now": utcnow()}
    found = await run.one(SUBSCRIBERS, params)
    found += await run.one(subscriptions.SUBSCRIBED, params)
    ids = sorted({subscriber_id for (subscriber_id,) in found})
    for start in range(0, len(ids), 500):
        chunk = select(Account).where(Account.id.in_(ids[start : start + 500]))
        for subscriber in sorted((await session.scalars(chunk)).all(), key=lambda a: a.id):
            if subscriber.local:
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
