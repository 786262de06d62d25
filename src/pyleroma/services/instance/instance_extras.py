"""Mastodon's smaller instance documents, which Mastodon.py and megalodon ask Pleroma for:
weekly activity, the languages posts may be written in, and the extended description.

- Activity: twelve weeks, the current one first, each starting Monday 00:00 UTC (Mastodon's
  ``beginning_of_week``) and counted from the data: posts written here, accounts signed up
  here, and logins (distinct local accounts issued an access token that week: we keep no
  per-request sign-in record, and every login or token refresh issues one). Each count is
  one grouped statement bounded by the ids of the twelve weeks (ids are time-sortable).
- Languages: every ISO 639-1 code a post may carry (services/text/languages.py) with its
  English name.
- Extended description: ``data_dir/static/terms-of-service.html`` when the admin put one
  there (where Pleroma keeps its terms page), sanitised like post HTML; else the instance
  description as a paragraph.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

from sqlalchemy import case, distinct, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.db.ids import EPOCH_MS, id_floor
from pyleroma.models import Account, OAuthToken, Status
from pyleroma.services.text.formatting import sanitize_html
from pyleroma.services.text.language_names import LANGUAGE_NAMES
from pyleroma.services.text.languages import ISO_639_1
from pyleroma.settings import Settings

WEEKS = 12
TERMS_FILE = "terms-of-service.html"
MAX_TERMS_BYTES = 1_000_000


@dataclass(frozen=True)
class WeekActivity:
    week: dt.datetime  # Monday 00:00 UTC, naive (the database's convention)
    statuses: int
    logins: int
    registrations: int


def week_starts(now: dt.datetime) -> list[dt.datetime]:
    """The starts of the last ``WEEKS`` weeks, newest first (``now`` naive UTC)."""
    monday = (now - dt.timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return [monday - dt.timedelta(weeks=i) for i in range(WEEKS)]


def _id_at(moment: dt.datetime) -> int:
    ms = int(moment.replace(tzinfo=dt.UTC).timestamp() * 1000)
    return id_floor(max(ms, EPOCH_MS))


def _buckets(column, starts: list[dt.datetime], value=None):
    """One aggregate per week: a count of rows (or of distinct ``value``) in that week."""
    ends = [None, *starts[:-1]]
    aggregates = []
    for start, end in zip(starts, ends, strict=True):
        inside = column >= start if end is None else (column >= start) & (column < end)
        if value is None:
            aggregates.append(func.coalesce(func.sum(case((inside, 1), else_=0)), 0))
        else:
            aggregates.append(func.count(distinct(case((inside, value), else_=literal(None)))))
    return aggregates


async def weekly_activity(
    session: AsyncSession, now: dt.datetime | None = None
) -> list[WeekActivity]:
    """The last twelve weeks' counts, the current week first."""
    starts = week_starts(now or utcnow())
    oldest = starts[-1]
    floor = _id_at(oldest)
    statuses = (
        await session.execute(
            select(*_buckets(Status.created_at, starts)).where(
                Status.id >= floor, Status.local.is_(True), Status.created_at >= oldest
            )
        )
    ).one()
    registrations = (
        await session.execute(
            select(*_buckets(Account.created_at, starts)).where(
                Account.id >= floor,
                Account.local.is_(True),
                Account.invisible.is_(False),
                Account.created_at >= oldest,
            )
        )
    ).one()
    logins = (
        await session.execute(
            select(*_buckets(OAuthToken.created_at, starts, OAuthToken.account_id)).where(
                OAuthToken.id >= floor,
                OAuthToken.account_id.is_not(None),
                OAuthToken.created_at >= oldest,
            )
        )
    ).one()
    return [
        WeekActivity(start, int(statuses[i]), int(logins[i]), int(registrations[i]))
        for i, start in enumerate(starts)
    ]


def languages() -> list[tuple[str, str]]:
    """(code, English name) of every language a post may be written in, by code."""
    return [(code, LANGUAGE_NAMES[code]) for code in sorted(ISO_639_1)]


@dataclass(frozen=True)
class ExtendedDescription:
    updated_at: dt.datetime
    content: str


async def extended_description(session: AsyncSession, settings: Settings) -> ExtendedDescription:
    """The terms page the admin placed in ``data_dir/static``, else the description."""
    path = settings.data_dir / "static" / TERMS_FILE
    try:
        if path.is_file() and path.stat().st_size <= MAX_TERMS_BYTES:
            text = path.read_text(encoding="utf-8", errors="replace")
            changed = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
            return ExtendedDescription(changed.replace(tzinfo=None), sanitize_html(text))
    except OSError:
        pass
    # No date for a setting: the instance's own beginning (its first account) stands in.
    founded = await session.scalar(
        select(func.min(Account.created_at)).where(Account.local.is_(True))
    )
    content = f"<p>{html.escape(settings.instance_description)}</p>"
    return ExtendedDescription(founded or utcnow(), content)
