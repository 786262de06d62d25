"""Reading keyword filters: the owner's filters, keywords and statuses, and v1 filters.

Another account's filter, keyword or filter status is the same 404 as an unknown one.
Filters are loaded with their keywords and statuses in three queries whatever their number.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.ids import parse_id
from pyleroma.errors import NotFound
from pyleroma.models import Account, Filter, FilterKeyword, FilterStatus


@dataclass
class FilterRules:
    """A filter with its keywords and statuses, as the v2 routes render it."""

    filter: Filter
    keywords: list[FilterKeyword] = field(default_factory=list)
    statuses: list[FilterStatus] = field(default_factory=list)


async def get_own_filter(session: AsyncSession, owner: Account, raw_id) -> Filter:
    ident = parse_id(raw_id)
    item = await session.get(Filter, ident) if ident is not None else None
    if item is None or item.account_id != owner.id:
        raise NotFound("Record not found")
    return item


async def _own_child(session: AsyncSession, owner: Account, raw_id, child) -> tuple:
    """A keyword or status row (``child``) of one of the owner's filters, with its filter;
    someone else's is as missing as one that never was."""
    ident = parse_id(raw_id)
    row = None
    if ident is not None:
        row = (
            await session.execute(
                select(Filter, child)
                .join(child, child.filter_id == Filter.id)
                .where(child.id == ident, Filter.account_id == owner.id)
            )
        ).first()
    if row is None:
        raise NotFound("Record not found")
    return row[0], row[1]


async def get_own_keyword(
    session: AsyncSession, owner: Account, raw_id
) -> tuple[Filter, FilterKeyword]:
    """A keyword of one of the owner's filters (also: a v1 filter by its id)."""
    return await _own_child(session, owner, raw_id, FilterKeyword)


async def get_own_filter_status(
    session: AsyncSession, owner: Account, raw_id
) -> tuple[Filter, FilterStatus]:
    return await _own_child(session, owner, raw_id, FilterStatus)


async def keywords_of(session: AsyncSession, filter_ids: list[int]) -> dict[int, list]:
    found: dict[int, list] = defaultdict(list)
    if filter_ids:
        rows = await session.execute(
            select(FilterKeyword)
            .where(FilterKeyword.filter_id.in_(filter_ids))
            .order_by(FilterKeyword.id)
        )
        for keyword in rows.scalars():
            found[keyword.filter_id].append(keyword)
    return found


async def statuses_of(session: AsyncSession, filter_ids: list[int]) -> dict[int, list]:
    found: dict[int, list] = defaultdict(list)
    if filter_ids:
        rows = await session.execute(
            select(FilterStatus)
            .where(FilterStatus.filter_id.in_(filter_ids))
            .order_by(FilterStatus.id)
        )
        for row in rows.scalars():
            found[row.filter_id].append(row)
    return found


async def with_rules(session: AsyncSession, filters: list[Filter]) -> list[FilterRules]:
    """Filters with their keywords and statuses, in three queries whatever their number."""
    ids = [f.id for f in filters]
    keywords = await keywords_of(session, ids)
    statuses = await statuses_of(session, ids)
    return [FilterRules(f, keywords.get(f.id, []), statuses.get(f.id, [])) for f in filters]


async def list_filters(session: AsyncSession, owner: Account) -> list[FilterRules]:
    """All the owner's filters, newest first, expired ones included (as Mastodon lists
    them, so a client can show and renew them)."""
    rows = await session.execute(
        select(Filter).where(Filter.account_id == owner.id).order_by(Filter.id.desc())
    )
    return await with_rules(session, list(rows.scalars()))


async def get_filter_rules(session: AsyncSession, owner: Account, raw_id) -> FilterRules:
    item = await get_own_filter(session, owner, raw_id)
    return (await with_rules(session, [item]))[0]


async def list_v1_filters(
    session: AsyncSession, owner: Account
) -> list[tuple[Filter, FilterKeyword]]:
    """Every keyword of the owner's filters as a v1 filter, newest first (as Pleroma)."""
    rows = await session.execute(
        select(Filter, FilterKeyword)
        .join(FilterKeyword, FilterKeyword.filter_id == Filter.id)
        .where(Filter.account_id == owner.id)
        .order_by(FilterKeyword.id.desc())
    )
    return [(f, k) for f, k in rows.all()]


async def list_keywords(session: AsyncSession, owner: Account, filter_id) -> list[FilterKeyword]:
    item = await get_own_filter(session, owner, filter_id)
    return (await keywords_of(session, [item.id])).get(item.id, [])


async def list_filter_statuses(
    session: AsyncSession, owner: Account, filter_id
) -> list[FilterStatus]:
    item = await get_own_filter(session, owner, filter_id)
    return (await statuses_of(session, [item.id])).get(item.id, [])
