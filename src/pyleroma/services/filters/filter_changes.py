"""Creating, changing and deleting keyword filters (v1 and v2 alike).

One storage serves both APIs as in Mastodon 4: a v2 filter holds keywords and statuses; a
v1 filter is one keyword of a filter (v1 id = keyword id, ``phrase`` = keyword, title =
phrase, ``irreversible`` = action ``hide``). ``check_*`` validate a whole request before
anything is written; each change is one transaction that also tells the owner's open
streams (``emit_filters_changed``). A filter, keyword or filter status of another account is
the same 404 as one that does not exist.

Departures from Mastodon, on purpose: deleting a v1 filter that was the last keyword of its
filter (and has no statuses) deletes the filter too, so what a v1 client deleted does not
linger in v2 lists; and the number of filters, keywords and statuses is capped by settings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.db.ids import is_ascii_digits, new_id, parse_id
from pyleroma.errors import NotFound, Unprocessable
from pyleroma.models import Account, Filter, FilterKeyword, FilterStatus
from pyleroma.models.filter import FILTER_ACTIONS, FILTER_CONTEXTS
from pyleroma.services.filters.filter_reads import (
    FilterRules,
    get_filter_rules,
    get_own_filter,
    get_own_filter_status,
    get_own_keyword,
    keywords_of,
    statuses_of,
)
from pyleroma.services.filters.filters import emit_filters_changed
from pyleroma.services.statuses.status_access import get_visible_status
from pyleroma.settings import Settings
from pyleroma.values import parse_bool

TITLE_MAX_LENGTH = 255
KEYWORD_MAX_LENGTH = 512
# Roughly a century: anything longer is "never" in practice and would overflow datetimes.
EXPIRES_IN_MAX = 100 * 365 * 24 * 3600


class _Keep:
    """The value of a field the request did not mention: leave it as it is."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()


@dataclass
class KeywordChange:
    """One entry of ``keywords_attributes``: create (no id), update (id) or delete."""

    id: int | None
    keyword: str | None
    whole_word: bool | None
    destroy: bool = False


# ---------------------------------------------------------------------------------------
# Checks


def check_title(raw, name: str = "title") -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise Unprocessable(f"{name}: can't be blank")
    title = raw.strip()
    if len(title) > TITLE_MAX_LENGTH:
        raise Unprocessable(f"{name}: is too long (maximum is {TITLE_MAX_LENGTH} characters)")
    return title


def check_keyword(raw, name: str = "keyword") -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise Unprocessable(f"{name}: can't be blank")
    keyword = raw.strip()
    if len(keyword) > KEYWORD_MAX_LENGTH:
        raise Unprocessable(f"{name}: is too long (maximum is {KEYWORD_MAX_LENGTH} characters)")
    return keyword


def check_context(raw: list) -> list[str]:
    """At least one context, each one Mastodon knows; duplicates dropped, order kept."""
    if not raw or all(item == "" for item in raw):
        raise Unprocessable("context: can't be blank")
    contexts = []
    for item in raw:
        if item == "":
            continue  # a form can only say "none of these" as context[]=
        if item not in FILTER_CONTEXTS:
            raise Unprocessable(f"context: must be a list of {', '.join(FILTER_CONTEXTS)}")
        if item not in contexts:
            contexts.append(item)
    return contexts


def check_action(raw) -> str:
    if raw not in FILTER_ACTIONS:
        raise Unprocessable(f"filter_action: must be one of {', '.join(FILTER_ACTIONS)}")
    return raw


def check_expires_in(raw) -> dt.datetime | None:
    """``expires_in`` seconds from now; null or "" means never."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise Unprocessable("expires_in: must be a positive number of seconds")
    if isinstance(raw, str) and is_ascii_digits(raw.strip()):
        raw = int(raw.strip())
    if not isinstance(raw, int) or raw <= 0:
        raise Unprocessable("expires_in: must be a positive number of seconds")
    if raw > EXPIRES_IN_MAX:
        raise Unprocessable(f"expires_in: must be at most {EXPIRES_IN_MAX}")
    return utcnow().replace(microsecond=0) + dt.timedelta(seconds=raw)


def _bool(raw, name: str) -> bool | None:
    return None if raw is None else parse_bool(raw, name)


def check_keywords_attributes(raw: list, *, updating: bool) -> list[KeywordChange]:
    """The entries of ``keywords_attributes[]``. An entry with an ``id`` changes or (with a
    true ``_destroy``) deletes that keyword, which only an update may do."""
    changes = []
    for index, entry in enumerate(raw):
        name = f"keywords_attributes[{index}]"
        if not isinstance(entry, dict):
            raise Unprocessable(f"{name}: must be an object")
        destroy = bool(_bool(entry.get("_destroy"), f"{name}[_destroy]"))
        whole_word = _bool(entry.get("whole_word"), f"{name}[whole_word]")
        raw_id = entry.get("id")
        ident = None
        if raw_id not in (None, ""):
            ident = parse_id(raw_id)
            if ident is None or not updating:
                raise NotFound("Record not found")
        elif destroy:
            continue  # nothing to destroy; Rails ignores it too
        keyword = entry.get("keyword")
        if ident is None or keyword is not None:
            keyword = None if destroy else check_keyword(keyword, f"{name}[keyword]")
        changes.append(KeywordChange(ident, keyword, whole_word, destroy))
    return changes


# ---------------------------------------------------------------------------------------
# Limits


async def _check_filter_room(session: AsyncSession, settings: Settings, owner: Account) -> None:
    count = await session.scalar(
        select(func.count()).select_from(Filter).where(Filter.account_id == owner.id)
    )
    if (count or 0) >= settings.filters_max_per_account:
        raise Unprocessable(f"You can't have more than {settings.filters_max_per_account} filters")


async def _check_keyword_room(
    session: AsyncSession, settings: Settings, filter_id: int, adding: int
) -> None:
    if adding <= 0:
        return
    count = await session.scalar(
        select(func.count()).select_from(FilterKeyword).where(FilterKeyword.filter_id == filter_id)
    )
    if (count or 0) + adding > settings.filter_max_keywords:
        raise Unprocessable(
            f"A filter can't have more than {settings.filter_max_keywords} keywords"
        )


# ---------------------------------------------------------------------------------------
# v2 changes


async def create_filter(
    session: AsyncSession,
    settings: Settings,
    owner: Account,
    *,
    title,
    context: list,
    action=None,
    expires_in=None,
    keywords_attributes: list | None = None,
) -> FilterRules:
    new_title = check_title(title)
    contexts = check_context(context)
    new_action = check_action(action if action not in (None, "") else "warn")
    expires_at = check_expires_in(expires_in)
    changes = check_keywords_attributes(keywords_attributes or [], updating=False)
    if len(changes) > settings.filter_max_keywords:
        raise Unprocessable(
            f"A filter can't have more than {settings.filter_max_keywords} keywords"
        )
    await _check_filter_room(session, settings, owner)
    item = Filter(
        id=new_id(),
        account_id=owner.id,
        title=new_title,
        context=contexts,
        expires_at=expires_at,
        action=new_action,
    )
    session.add(item)
    await session.flush()
    keywords = [
        FilterKeyword(
            id=new_id(),
            filter_id=item.id,
            keyword=change.keyword,
            whole_word=True if change.whole_word is None else change.whole_word,
        )
        for change in changes
    ]
    session.add_all(keywords)
    emit_filters_changed(session, owner.id)
    await session.commit()
    return FilterRules(item, keywords, [])


async def update_filter(
    session: AsyncSession,
    settings: Settings,
    owner: Account,
    raw_id,
    *,
    title=KEEP,
    context=KEEP,
    action=KEEP,
    expires_in=KEEP,
    keywords_attributes: list | None = None,
) -> FilterRules:
    """Change what the request names; ``keywords_attributes`` entries create, change or
    (``_destroy``) delete keywords. Everything is checked before anything is written."""
    item = await get_own_filter(session, owner, raw_id)
    new_title = KEEP if title is KEEP else check_title(title)
    contexts = KEEP if context is KEEP else check_context(context)
    new_action = KEEP if action in (KEEP, None, "") else check_action(action)
    expires_at = KEEP if expires_in is KEEP else check_expires_in(expires_in)
    changes = check_keywords_attributes(keywords_attributes or [], updating=True)
    existing = {k.id: k for k in (await keywords_of(session, [item.id])).get(item.id, [])}
    for change in changes:
        if change.id is not None and change.id not in existing:
            raise NotFound("Record not found")
    adding = sum(1 for c in changes if c.id is None)
    removing = len({c.id for c in changes if c.destroy})
    await _check_keyword_room(session, settings, item.id, adding - removing)
    if new_title is not KEEP:
        item.title = new_title
    if contexts is not KEEP:
        item.context = contexts
    if new_action is not KEEP:
        item.action = new_action
    if expires_at is not KEEP:
        item.expires_at = expires_at
    item.updated_at = utcnow()
    for change in changes:
        if change.id is None:
            session.add(
                FilterKeyword(
                    id=new_id(),
                    filter_id=item.id,
                    keyword=change.keyword,
                    whole_word=True if change.whole_word is None else change.whole_word,
                )
            )
            continue
        keyword = existing[change.id]
        if change.destroy:
            await session.delete(keyword)
            continue
        if change.keyword is not None:
            keyword.keyword = change.keyword
        if change.whole_word is not None:
            keyword.whole_word = change.whole_word
    emit_filters_changed(session, owner.id)
    await session.commit()
    return await get_filter_rules(session, owner, item.id)


async def delete_filter(session: AsyncSession, owner: Account, raw_id) -> None:
    item = await get_own_filter(session, owner, raw_id)
    await session.delete(item)
    emit_filters_changed(session, owner.id)
    await session.commit()


async def add_keyword(
    session: AsyncSession, settings: Settings, owner: Account, filter_id, keyword, whole_word
) -> FilterKeyword:
    item = await get_own_filter(session, owner, filter_id)
    text = check_keyword(keyword)
    await _check_keyword_room(session, settings, item.id, 1)
    row = FilterKeyword(
        id=new_id(),
        filter_id=item.id,
        keyword=text,
        whole_word=True if whole_word is None else whole_word,
    )
    session.add(row)
    emit_filters_changed(session, owner.id)
    await session.commit()
    return row


async def update_keyword(
    session: AsyncSession, owner: Account, raw_id, keyword=None, whole_word=None
) -> FilterKeyword:
    _item, row = await get_own_keyword(session, owner, raw_id)
    text = check_keyword(keyword) if keyword is not None else None
    if text is not None:
        row.keyword = text
    if whole_word is not None:
        row.whole_word = whole_word
    emit_filters_changed(session, owner.id)
    await session.commit()
    return row


async def delete_keyword(session: AsyncSession, owner: Account, raw_id) -> None:
    _item, row = await get_own_keyword(session, owner, raw_id)
    await session.delete(row)
    emit_filters_changed(session, owner.id)
    await session.commit()


async def add_filter_status(
    session: AsyncSession, settings: Settings, owner: Account, filter_id, status_id
) -> FilterStatus:
    """Filter one status by id; it must exist and be visible to the owner (422 else, as
    Mastodon's "Status must exist"), and not already be in the filter."""
    item = await get_own_filter(session, owner, filter_id)
    if status_id in (None, ""):
        raise Unprocessable("status_id: can't be blank")
    try:
        status = await get_visible_status(session, owner, status_id)
    except NotFound as exc:
        raise Unprocessable("status_id: Status must exist") from exc
    present = (await statuses_of(session, [item.id])).get(item.id, [])
    if any(row.status_id == status.id for row in present):
        raise Unprocessable("status_id: has already been taken")
    if len(present) >= settings.filter_max_statuses:
        raise Unprocessable(
            f"A filter can't have more than {settings.filter_max_statuses} statuses"
        )
    row = FilterStatus(id=new_id(), filter_id=item.id, status_id=status.id)
    session.add(row)
    emit_filters_changed(session, owner.id)
    await session.commit()
    return row


async def delete_filter_status(session: AsyncSession, owner: Account, raw_id) -> None:
    _item, row = await get_own_filter_status(session, owner, raw_id)
    await session.delete(row)
    emit_filters_changed(session, owner.id)
    await session.commit()


# ---------------------------------------------------------------------------------------
# v1 changes


def _v1_action(irreversible: bool | None) -> str:
    return "hide" if irreversible else "warn"


async def create_v1_filter(
    session: AsyncSession,
    settings: Settings,
    owner: Account,
    *,
    phrase,
    context: list,
    irreversible: bool | None = None,
    whole_word: bool | None = None,
    expires_in=None,
) -> tuple[Filter, FilterKeyword]:
    """A filter titled after its one keyword, as Mastodon 4 makes for v1 clients."""
    text = check_keyword(phrase, "phrase")
    contexts = check_context(context)
    expires_at = check_expires_in(expires_in)
    await _check_filter_room(session, settings, owner)
    item = Filter(
        id=new_id(),
        account_id=owner.id,
        title=text[:TITLE_MAX_LENGTH],
        context=contexts,
        expires_at=expires_at,
        action=_v1_action(irreversible),
    )
    session.add(item)
    await session.flush()
    keyword = FilterKeyword(
        id=new_id(),
        filter_id=item.id,
        keyword=text,
        whole_word=True if whole_word is None else whole_word,
    )
    session.add(keyword)
    emit_filters_changed(session, owner.id)
    await session.commit()
    return item, keyword


async def update_v1_filter(
    session: AsyncSession,
    owner: Account,
    raw_id,
    *,
    phrase=None,
    context=KEEP,
    irreversible: bool | None = None,
    whole_word: bool | None = None,
    expires_in=KEEP,
) -> tuple[Filter, FilterKeyword]:
    """Change the keyword and, for a filter with only this keyword, the filter too (its
    title follows the phrase). A filter with several keywords can't have its context,
    action or expiry changed through v1: Mastodon's 422."""
    item, keyword = await get_own_keyword(session, owner, raw_id)
    text = check_keyword(phrase, "phrase") if phrase is not None else None
    contexts = KEEP if context is KEEP else check_context(context)
    expires_at = KEEP if expires_in is KEEP else check_expires_in(expires_in)
    action = KEEP if irreversible is None else _v1_action(irreversible)
    filter_changes = (
        (contexts is not KEEP and contexts != list(item.context))
        or (action is not KEEP and action != item.action)
        or (expires_at is not KEEP and (expires_at is not None or item.expires_at is not None))
    )
    count = await session.scalar(
        select(func.count()).select_from(FilterKeyword).where(FilterKeyword.filter_id == item.id)
    )
    alone = (count or 0) <= 1
    if filter_changes and not alone:
        raise Unprocessable(
            "This filter has several keywords: change its context, action or expiry "
            "through the v2 API"
        )
    if text is not None:
        keyword.keyword = text
        if alone:
            item.title = text[:TITLE_MAX_LENGTH]
    if whole_word is not None:
        keyword.whole_word = whole_word
    if contexts is not KEEP:
        item.context = contexts
    if action is not KEEP:
        item.action = action
    if expires_at is not KEEP:
        item.expires_at = expires_at
    item.updated_at = utcnow()
    emit_filters_changed(session, owner.id)
    await session.commit()
    return item, keyword


async def delete_v1_filter(session: AsyncSession, owner: Account, raw_id) -> None:
    """Delete the keyword; its filter too when nothing else is left in it."""
    item, keyword = await get_own_keyword(session, owner, raw_id)
    await session.delete(keyword)
    await session.flush()
    others = await session.scalar(
        select(func.count()).select_from(FilterKeyword).where(FilterKeyword.filter_id == item.id)
    )
    statuses = await session.scalar(
        select(func.count()).select_from(FilterStatus).where(FilterStatus.filter_id == item.id)
    )
    if not others and not statuses:
        await session.delete(item)
    emit_filters_changed(session, owner.id)
    await session.commit()
