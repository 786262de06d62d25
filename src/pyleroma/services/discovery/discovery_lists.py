"""Lists that help people find each other: the profile directory, follow suggestions,
familiar followers and trends.

All of them are read-only views over existing rows, except dismissing a suggestion. Who may
appear follows the same rule as elsewhere: only listed accounts (active, approved,
confirmed), never the viewer, never someone the viewer blocks, is blocked by or mutes.
Trends are computed from recent local public activity on each request (no background
aggregation yet): the window is a week, small enough for an index range scan on ids.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pyleroma.db.base import utcnow
from pyleroma.db.ids import id_floor, parse_id
from pyleroma.errors import NotFound, Unprocessable
from pyleroma.models import (
    Account,
    Block,
    Follow,
    Hashtag,
    Mute,
    Status,
    StatusTag,
    SuggestionDismissal,
    TagFollow,
)
from pyleroma.models.relationship import FOLLOW_ACCEPTED
from pyleroma.policy.relations import mute_in_force
from pyleroma.policy.visibility import not_blocked_filter, not_muted_filter, visible_filter

DIRECTORY_ORDERS = ("active", "new")
FAMILIAR_LIMIT = 40
FAMILIAR_MAX_IDS = 40
TREND_DAYS = 7

SOURCE_STAFF = "staff"
SOURCE_GLOBAL = "global"


def _listed():
    """Accounts anyone may see (Pleroma's ``User.visible_for`` for non-staff viewers);
    service actors (``invisible``: the relay actor) are never listed."""
    return and_(
        Account.is_active.is_(True),
        Account.is_approved.is_(True),
        Account.is_confirmed.is_(True),
        Account.invisible.is_(False),
    )


def _not_related(viewer_id: int):
    """Exclude the viewer and accounts in a block (either way) or a mute with the viewer."""
    now = utcnow()
    return and_(
        Account.id != viewer_id,
        ~exists().where(Block.account_id == viewer_id, Block.target_id == Account.id),
        ~exists().where(Block.account_id == Account.id, Block.target_id == viewer_id),
        ~exists().where(
            Mute.account_id == viewer_id,
            Mute.target_id == Account.id,
            mute_in_force(now),
        ),
    )


# --- directory ---------------------------------------------------------------------------------


def check_directory_order(order: str | None) -> str:
    order = order or "active"
    if order not in DIRECTORY_ORDERS:
        raise Unprocessable("order: must be one of active, new")
    return order


async def directory(
    session: AsyncSession,
    viewer: Account | None,
    *,
    offset: int,
    limit: int,
    order: str,
    local_only: bool,
) -> list[Account]:
    """Discoverable accounts: most recently posting first (``active``) or newest (``new``)."""
    stmt = select(Account).where(Account.discoverable.is_(True), _listed())
    if local_only:
        stmt = stmt.where(Account.local.is_(True))
    if viewer is not None:
        stmt = stmt.where(_not_related(viewer.id))
    if order == "new":
        stmt = stmt.order_by(Account.created_at.desc(), Account.id.desc())
    else:
        # NULLS LAST spelled portably: accounts that never posted go to the end.
        stmt = stmt.order_by(
            Account.last_status_at.is_(None),
            Account.last_status_at.desc(),
            Account.id.desc(),
        )
    stmt = stmt.offset(offset).limit(limit)
    return list((await session.scalars(stmt)).all())


# --- suggestions -------------------------------------------------------------------------------


async def suggestions(
    session: AsyncSession, viewer: Account, *, limit: int
) -> list[tuple[str, Account]]:
    """Staff picks first, then popular discoverable local accounts, as (source, account).

    Excluded: the viewer, anyone the viewer follows or asked to follow, blocks either way,
    mutes, and suggestions the viewer dismissed.
    """
    already_following = exists().where(
        Follow.follower_id == viewer.id, Follow.followed_id == Account.id
    )
    dismissed = exists().where(
        SuggestionDismissal.account_id == viewer.id,
        SuggestionDismissal.target_id == Account.id,
    )
    popular = and_(Account.discoverable.is_(True), Account.local.is_(True))
    stmt = (
        select(Account)
        .where(
            _listed(),
            _not_related(viewer.id),
            ~already_following,
            ~dismissed,
            or_(Account.is_suggested.is_(True), popular),
        )
        .order_by(
            Account.is_suggested.desc(),
            Account.followers_count.desc(),
            Account.id.desc(),
        )
        .limit(limit)
    )
    accounts = (await session.scalars(stmt)).all()
    return [(SOURCE_STAFF if a.is_suggested else SOURCE_GLOBAL, a) for a in accounts]


async def dismiss_suggestion(session: AsyncSession, viewer: Account, target_ident: str) -> None:
    """Never suggest ``target`` to ``viewer`` again; dismissing twice is not an error."""
    target_id = parse_id(target_ident)
    target = await session.get(Account, target_id) if target_id is not None else None
    if target is None:
        raise NotFound("Record not found")
    found = await session.scalar(
        select(SuggestionDismissal.id).where(
            SuggestionDismissal.account_id == viewer.id,
            SuggestionDismissal.target_id == target.id,
        )
    )
    if found is None:
        session.add(SuggestionDismissal(account_id=viewer.id, target_id=target.id))
    await session.commit()


# --- familiar followers ------------------------------------------------------------------------


def check_familiar_ids(raw_ids: list[str]) -> list[int]:
    if len(raw_ids) > FAMILIAR_MAX_IDS:
        raise Unprocessable(f"id: at most {FAMILIAR_MAX_IDS} ids")
    ids = []
    for raw in raw_ids:
        parsed = parse_id(raw)
        if parsed is None:
            raise Unprocessable("id: must be a list of account ids")
        if parsed not in ids:
            ids.append(parsed)
    return ids


async def familiar_followers(
    session: AsyncSession, viewer: Account, ids: list[int]
) -> list[tuple[int, list[Account]]]:
    """For each account id, the accounts the viewer follows that also follow it.

    An account that hides its followers shows none (unless it is the viewer), and a
    follower that hides whom it follows is left out: both keep Pleroma's privacy settings.
    """
    if not ids:
        return []
    targets = {a.id: a for a in (await session.scalars(select(Account).where(Account.id.in_(ids))))}
    viewer_follow = aliased(Follow)
    their_follow = aliased(Follow)
    rows = (
        await session.execute(
            select(their_follow.followed_id, Account)
            .join(their_follow, their_follow.follower_id == Account.id)
            .join(viewer_follow, viewer_follow.followed_id == Account.id)
            .where(
                viewer_follow.follower_id == viewer.id,
                viewer_follow.state == FOLLOW_ACCEPTED,
                their_follow.followed_id.in_(list(targets)),
                their_follow.state == FOLLOW_ACCEPTED,
                Account.hide_follows.is_(False),
                Account.id != viewer.id,
                _listed(),
            )
            .order_by(their_follow.followed_id, Account.followers_count.desc(), Account.id)
        )
    ).all()
    by_target: dict[int, list[Account]] = defaultdict(list)
    for target_id, account in rows:
        if len(by_target[target_id]) < FAMILIAR_LIMIT:
            by_target[target_id].append(account)
    result = []
    for ident in ids:
        target = targets.get(ident)
        hidden = target is not None and target.hide_followers and target.id != viewer.id
        result.append((ident, [] if hidden else by_target.get(ident, [])))
    return result


# --- trends ------------------------------------------------------------------------------------


@dataclass
class TrendingTag:
    name: str
    # Newest day first: (day start, uses, distinct accounts).
    history: list[tuple[dt.datetime, int, int]] = field(default_factory=list)
    following: bool | None = None


def _window_start(now: dt.datetime) -> dt.datetime:
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return today - dt.timedelta(days=TREND_DAYS - 1)


def _window_id_floor(start: dt.datetime) -> int:
    return id_floor(int(start.replace(tzinfo=dt.UTC).timestamp() * 1000))


def _trend_statuses(start: dt.datetime):
    """Local public originals (no boosts) of the window, by authors anyone may see."""
    return and_(
        Status.id >= _window_id_floor(start),
        Status.created_at >= start,
        Status.local.is_(True),
        Status.visibility == "public",
        Status.reblog_of_id.is_(None),
        visible_filter(None),
    )


async def trending_tags(
    session: AsyncSession, viewer: Account | None, *, offset: int, limit: int
) -> list[TrendingTag]:
    """Hashtags of the last week ranked by how many accounts used them, then by uses."""
    now = utcnow()
    start = _window_start(now)
    accounts = func.count(func.distinct(Status.account_id))
    uses = func.count(Status.id)
    ranked = (
        await session.execute(
            select(Hashtag.id, Hashtag.name)
            .join(StatusTag, StatusTag.hashtag_id == Hashtag.id)
            .join(Status, Status.id == StatusTag.status_id)
            .where(_trend_statuses(start))
            .group_by(Hashtag.id, Hashtag.name)
            .order_by(accounts.desc(), uses.desc(), Hashtag.name)
            .offset(offset)
            .limit(limit)
        )
    ).all()
    if not ranked:
        return []
    tag_ids = [row.id for row in ranked]
    usage = (
        await session.execute(
            select(StatusTag.hashtag_id, Status.created_at, Status.account_id)
            .join(Status, Status.id == StatusTag.status_id)
            .where(StatusTag.hashtag_id.in_(tag_ids), _trend_statuses(start))
        )
    ).all()
    day_uses: dict[tuple[int, dt.date], int] = defaultdict(int)
    day_accounts: dict[tuple[int, dt.date], set[int]] = defaultdict(set)
    for tag_id, created_at, account_id in usage:
        key = (tag_id, created_at.date())
        day_uses[key] += 1
        day_accounts[key].add(account_id)
    followed: set[int] = set()
    if viewer is not None:
        followed = set(
            await session.scalars(
                select(TagFollow.hashtag_id).where(
                    TagFollow.account_id == viewer.id, TagFollow.hashtag_id.in_(tag_ids)
                )
            )
        )
    days = [start + dt.timedelta(days=n) for n in range(TREND_DAYS - 1, -1, -1)]
    return [
        TrendingTag(
            name=name,
            history=[
                (
                    day,
                    day_uses.get((tag_id, day.date()), 0),
                    len(day_accounts.get((tag_id, day.date()), ())),
                )
                for day in days
            ],
            following=(tag_id in followed) if viewer is not None else None,
        )
        for tag_id, name in ranked
    ]


async def trending_statuses(
    session: AsyncSession, viewer: Account | None, *, offset: int, limit: int
) -> list[Status]:
    """Last week's local public posts with engagement, most favourites + reblogs first.

    Only posts the viewer may see, without the viewer's blocked or muted accounts.
    """
    start = _window_start(utcnow())
    viewer_id = viewer.id if viewer is not None else None
    score = Status.favourites_count + Status.reblogs_count
    stmt = (
        select(Status)
        .where(
            _trend_statuses(start),
            score > 0,
            visible_filter(viewer_id),
            not_blocked_filter(viewer_id),
            not_muted_filter(viewer_id),
        )
        .order_by(score.desc(), Status.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())
