"""Keyword filters applied server-side, and the Filter entities every filter route renders.

Any reader of statuses (REST timelines, threads, notifications, the streaming layer) does::

    active = await load_active_filters(session, viewer.id, "home")   # one query
    rendered = apply_filters(await statuses_to_api(...), active)

``apply_filters`` sets Mastodon 4's ``filtered`` (a list of FilterResult) on each rendered
status matched by a ``warn`` filter and drops those matched by a ``hide`` filter (Mastodon's
``hide`` and Pleroma's v1 ``irreversible``). Nothing is cached across requests: a filter
changed a moment ago applies to the very next page. Expired filters match nothing.

What is matched is Mastodon's "searchable text" of the status itself or, for a reblog, of
the reblogged post: content without HTML, content warning, poll options and media
descriptions. The result goes on the reblog wrapper and on the inner status, as Mastodon
does. The viewer's own posts (and reblogs of them, and the viewer's own reblogs) are never
filtered: one does not hide what one wrote or chose to share.

Changes live in ``services/filters/filter_changes.py``, reads in
``services/filters/filter_reads.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import (
    BigInteger,
    Boolean,
    Text,
    bindparam,
    cast,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.cache.changes import cache_in_transaction
from pyleroma.cache.entities import KIND_FILTERS
from pyleroma.db.base import utcnow
from pyleroma.db.fastread import Prepared, reader
from pyleroma.models import Filter, FilterKeyword, FilterStatus
from pyleroma.services.text.formatting import html_to_text
from pyleroma.streaming import events
from pyleroma.urls import masto_datetime

_WORD_START = re.compile(r"\A\w")
_WORD_END = re.compile(r"\w\Z")


# ---------------------------------------------------------------------------------------
# Entities


def filter_to_api(
    item: Filter,
    keywords: Iterable[FilterKeyword] | None = None,
    statuses: Iterable[FilterStatus] | None = None,
) -> dict:
    """The v2 Filter entity; ``keywords``/``statuses`` only where Mastodon includes them
    (the filter routes), not inside a FilterResult."""
    data = {
        "id": str(item.id),
        "title": item.title,
        "context": list(item.context),
        "expires_at": masto_datetime(item.expires_at),
        "filter_action": item.action,
    }
    if keywords is not None:
        data["keywords"] = [keyword_to_api(k) for k in keywords]
    if statuses is not None:
        data["statuses"] = [filter_status_to_api(s) for s in statuses]
    return data


def keyword_to_api(keyword: FilterKeyword) -> dict:
    return {"id": str(keyword.id), "keyword": keyword.keyword, "whole_word": keyword.whole_word}


def filter_status_to_api(row: FilterStatus) -> dict:
    return {"id": str(row.id), "status_id": str(row.status_id)}


def v1_filter_to_api(item: Filter, keyword: FilterKeyword) -> dict:
    """The v1 Filter entity (Pleroma's FilterView, Mastodon's V1::FilterSerializer):
    one keyword of a filter, identified by the keyword's id."""
    return {
        "id": str(keyword.id),
        "phrase": keyword.keyword,
        "context": list(item.context),
        "expires_at": masto_datetime(item.expires_at),
        "irreversible": item.action == "hide",
        "whole_word": keyword.whole_word,
    }


# ---------------------------------------------------------------------------------------
# Streaming hook


def emit_filters_changed(session: AsyncSession, account_id: int) -> None:
    """Tell the account's open streams their filters changed (Mastodon's
    ``filters_changed``). Queued on the session and published only if it commits, so call
    it before the commit of the change."""
    events.emit(session, {"type": "filters_changed", "account_id": account_id})


# ---------------------------------------------------------------------------------------
# Matching


def keyword_pattern(keyword: str, whole_word: bool) -> str:
    """Mastodon's rule: a whole-word keyword gets a word boundary only on a side where it
    starts/ends with a word character (so ``#tag`` or ``c++`` still match)."""
    escaped = re.escape(keyword)
    if not whole_word:
        return escaped
    start = r"\b" if _WORD_START.search(keyword) else ""
    end = r"\b" if _WORD_END.search(keyword) else ""
    return f"{start}{escaped}{end}"


def compile_keywords(keywords: Iterable[tuple[str, bool]]) -> re.Pattern | None:
    """One case-insensitive regex for all of a filter's ``(keyword, whole_word)`` pairs."""
    parts = [f"(?:{keyword_pattern(k, w)})" for k, w in keywords if k]
    if not parts:
        return None
    return re.compile("|".join(parts), re.IGNORECASE)


@dataclass(frozen=True)
class CompiledFilter:
    id: int
    action: str
    # The v2 Filter entity as a FilterResult carries it (no keywords or statuses).
    entity: dict
    pattern: re.Pattern | None
    status_ids: frozenset[int]


@dataclass
class ActiveFilters:
    """One viewer's unexpired filters for one context, ready to match."""

    account_id: int | None
    context: str
    filters: list[CompiledFilter] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.filters)

    @property
    def hides(self) -> bool:
        """Whether a ``hide`` filter is in force, so a page may lose items to it."""
        return any(item.action == "hide" for item in self.filters)

    @classmethod
    def none(cls, context: str = "public") -> ActiveFilters:
        """No filters (an anonymous viewer): ``apply_filters`` only adds ``filtered: []``."""
        return cls(account_id=None, context=context)


def _active_filters_statement() -> Prepared:
    """An account's filters with their keywords UNION ALL its filters with their statuses
    (expired ones too: they are dropped per request, so the rows can be cached)."""
    where = (Filter.account_id == bindparam("account_id", type_=BigInteger),)
    columns = (Filter.id, Filter.title, Filter.context, Filter.expires_at, Filter.action)
    by_keyword = (
        select(
            *columns,
            FilterKeyword.keyword.label("keyword"),
            FilterKeyword.whole_word.label("whole_word"),
            cast(null(), BigInteger).label("status_id"),
        )
        .join(FilterKeyword, FilterKeyword.filter_id == Filter.id)
        .where(*where)
    )
    by_status = (
        select(
            *columns,
            cast(null(), Text).label("keyword"),
            cast(null(), Boolean).label("whole_word"),
            FilterStatus.status_id.label("status_id"),
        )
        .join(FilterStatus, FilterStatus.filter_id == Filter.id)
        .where(*where)
    )
    return Prepared(union_all(by_keyword, by_status))


_ACTIVE_FILTERS = _active_filters_statement()


async def _filter_rows(session: AsyncSession, account_id: int) -> list[tuple]:
    read = await reader(session)
    cached = cache_in_transaction(session)
    if cached is None:
        return await read.one(_ACTIVE_FILTERS, {"account_id": account_id})
    cache, stamp = cached
    rows = cache.get(KIND_FILTERS, [account_id]).get(account_id)
    if rows is None:
        rows = await read.one(_ACTIVE_FILTERS, {"account_id": account_id})
        cache.put(KIND_FILTERS, {account_id: rows}, stamp)
    return rows


async def load_active_filters(
    session: AsyncSession, account_id: int, context: str
) -> ActiveFilters:
    """The account's filters in force for ``context``, from the entity cache (cache/) or in
    one query (filters with their keywords UNION ALL filters with their statuses)."""
    rows = await _filter_rows(session, account_id)
    now = utcnow()
    found: dict[int, dict] = {}
    for filter_id, title, contexts, expires_at, action, keyword, whole_word, status_id in rows:
        if context not in (contexts or ()) or (expires_at is not None and expires_at <= now):
            continue
        entry = found.get(filter_id)
        if entry is None:
            entry = found[filter_id] = {
                "entity": {
                    "id": str(filter_id),
                    "title": title,
                    "context": list(contexts),
                    "expires_at": masto_datetime(expires_at),
                    "filter_action": action,
                },
                "action": action,
                "keywords": [],
                "status_ids": set(),
            }
        if keyword is not None:
            entry["keywords"].append((keyword, bool(whole_word)))
        if status_id is not None:
            entry["status_ids"].add(int(status_id))
    compiled = [
        CompiledFilter(
            id=filter_id,
            action=entry["action"],
            entity=entry["entity"],
            pattern=compile_keywords(sorted(entry["keywords"], key=lambda k: -len(k[0]))),
            status_ids=frozenset(entry["status_ids"]),
        )
        for filter_id, entry in sorted(found.items())
    ]
    return ActiveFilters(account_id=account_id, context=context, filters=compiled)


def searchable_text(status: dict) -> str:
    """Mastodon's searchable text of a rendered status: content warning, plain content,
    poll options and media descriptions."""
    plain = ((status.get("pleroma") or {}).get("content") or {}).get("text/plain")
    if plain is None:
        plain = html_to_text(status.get("content") or "")
    parts = [status.get("spoiler_text") or "", plain]
    poll = status.get("poll")
    if poll:
        parts.append("\n\n".join(o.get("title") or "" for o in poll.get("options") or ()))
    media = status.get("media_attachments") or ()
    parts.append("\n\n".join(m.get("description") or "" for m in media))
    return "\n\n".join(p for p in parts if p)


def _account_id(status: dict) -> str | None:
    account = status.get("account") or {}
    return account.get("id")


def filter_results(status: dict, active: ActiveFilters) -> list[dict]:
    """The FilterResults for one rendered status (empty when nothing matched)."""
    if not active.filters:
        return []
    inner = status.get("reblog")
    viewer = str(active.account_id)
    if _account_id(status) == viewer or (inner and _account_id(inner) == viewer):
        return []
    proper = inner or status
    ids = {int(status["id"])}
    if inner:
        ids.add(int(inner["id"]))
    text: str | None = None
    results = []
    for item in active.filters:
        keyword_matches = None
        if item.pattern is not None:
            if text is None:
                text = searchable_text(proper)
            matched = dict.fromkeys(m.group(0) for m in item.pattern.finditer(text))
            keyword_matches = list(matched) or None
        status_matches = [str(i) for i in sorted(ids & item.status_ids)] or None
        if keyword_matches or status_matches:
            results.append(
                {
                    "filter": item.entity,
                    "keyword_matches": keyword_matches,
                    "status_matches": status_matches,
                }
            )
    return results


def apply_filters(rendered: list[dict], active: ActiveFilters) -> list[dict]:
    """Set ``filtered`` on every rendered status (``[]`` when nothing matched) and leave
    out those a ``hide`` filter matches. Returns the kept statuses, in order."""
    kept = []
    for status in rendered:
        results = filter_results(status, active)
        if any(r["filter"]["filter_action"] == "hide" for r in results):
            continue
        status["filtered"] = results
        inner = status.get("reblog")
        if inner:
            inner["filtered"] = results
        kept.append(status)
    return kept


async def filter_statuses(
    session: AsyncSession, viewer_id: int | None, context: str, rendered: list[dict]
) -> list[dict]:
    """Load the viewer's filters for ``context`` and apply them (nothing for anonymous
    readers, whose statuses keep ``filtered: []``)."""
    if viewer_id is None:
        return rendered
    return apply_filters(rendered, await load_active_filters(session, viewer_id, context))


def filter_notifications(rendered: list[dict], active: ActiveFilters) -> list[dict]:
    """``apply_filters`` for rendered notifications: one whose status a ``hide`` filter
    matches is left out; a ``warn`` match shows as ``filtered`` on its status."""
    kept = []
    for notification in rendered:
        status = notification.get("status")
        if status is not None and not apply_filters([status], active):
            continue
        kept.append(notification)
    return kept
