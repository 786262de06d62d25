"""Featured tags (Mastodon's ``/api/v1/featured_tags``): hashtags an account shows on its
profile, each with how many of its posts carry it and when it last used it.

An account features at most ``MAX_FEATURED`` tags (Mastodon's limit); featuring a tag that is
already featured answers the existing one (Mastodon's find-or-create), and a name no post
could carry is a 422. The counts are computed when read, from the account's own public and
unlisted posts (boosts are not its posts), so they are never stale: one grouped statement
for a whole list. Suggestions are the account's most used tags not featured yet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.ids import new_id, parse_id
from pyleroma.db.upsert import insert_or_ignore
from pyleroma.errors import NotFound, Unprocessable
from pyleroma.models import Account, FeaturedTag, Hashtag, Status, StatusTag
from pyleroma.services.discovery.tags import check_name
from pyleroma.services.statuses.posting import hashtag_ids

MAX_FEATURED = 10
MAX_SUGGESTIONS = 10
# The posts a featured tag counts: those shown on the profile to everyone.
COUNTED = ("public", "unlisted")
LIMIT_REACHED = "You have already featured the maximum number of hashtags"


@dataclass(frozen=True)
class FeaturedTagView:
    id: int
    name: str
    statuses_count: int
    last_status_at: dt.datetime | None


def _listing(account_id: int):
    counted = and_(
        Status.id == StatusTag.status_id,
        Status.account_id == account_id,
        Status.reblog_of_id.is_(None),
        Status.visibility.in_(COUNTED),
    )
    return (
        select(
            FeaturedTag.id,
            Hashtag.name,
            func.count(Status.id),
            func.max(Status.created_at),
        )
        .join(Hashtag, Hashtag.id == FeaturedTag.hashtag_id)
        .outerjoin(StatusTag, StatusTag.hashtag_id == FeaturedTag.hashtag_id)
        .outerjoin(Status, counted)
        .where(FeaturedTag.account_id == account_id)
        .group_by(FeaturedTag.id, Hashtag.name)
        .order_by(FeaturedTag.id)
    )


async def list_featured(session: AsyncSession, account: Account) -> list[FeaturedTagView]:
    """The account's featured tags, in the order they were featured, with their counts."""
    rows = await session.execute(_listing(account.id))
    return [FeaturedTagView(*row) for row in rows]


async def feature(session: AsyncSession, account: Account, name: str) -> FeaturedTagView:
    """Feature the tag ``name`` (a leading ``#`` allowed); the existing one if featured
    already. 422 for an invalid name or past ``MAX_FEATURED``. Commits."""
    normalized = check_name((name or "").strip().removeprefix("#"))
    (hashtag_id,) = await hashtag_ids(session, [normalized])
    existing = await session.scalar(
        select(FeaturedTag.id).where(
            FeaturedTag.account_id == account.id, FeaturedTag.hashtag_id == hashtag_id
        )
    )
    if existing is None:
        count = await session.scalar(
            select(func.count())
            .select_from(FeaturedTag)
            .where(FeaturedTag.account_id == account.id)
        )
        if count >= MAX_FEATURED:
            raise Unprocessable(LIMIT_REACHED)
        await insert_or_ignore(
            session,
            FeaturedTag,
            {"id": new_id(), "account_id": account.id, "hashtag_id": hashtag_id},
            ("account_id", "hashtag_id"),
        )
    await session.commit()
    return next(v for v in await list_featured(session, account) if v.name == normalized)


async def unfeature(session: AsyncSession, account: Account, featured_id) -> None:
    """Stop featuring one of the account's featured tags; 404 for another's. Commits."""
    ident = parse_id(featured_id)
    row = await session.get(FeaturedTag, ident) if ident is not None else None
    if row is None or row.account_id != account.id:
        raise NotFound("Record not found")
    await session.delete(row)
    await session.commit()


async def suggestions(session: AsyncSession, account: Account) -> list[Hashtag]:
    """The account's most used tags (most posts first, then most recent) not yet featured."""
    featured = select(FeaturedTag.hashtag_id).where(FeaturedTag.account_id == account.id)
    stmt = (
        select(Hashtag)
        .join(StatusTag, StatusTag.hashtag_id == Hashtag.id)
        .join(Status, Status.id == StatusTag.status_id)
        .where(
            Status.account_id == account.id,
            Status.reblog_of_id.is_(None),
            Hashtag.id.not_in(featured),
        )
        .group_by(Hashtag.id)
        .order_by(func.count(Status.id).desc(), func.max(Status.id).desc())
        .limit(MAX_SUGGESTIONS)
    )
    return list((await session.scalars(stmt)).all())
