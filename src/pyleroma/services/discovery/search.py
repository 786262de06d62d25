"""Search: accounts by prefix, statuses by full text, hashtags by prefix (GET /api/v2/search,
GET /api/v1/accounts/search).

Who sees what (Akkoma's SearchController and Pleroma.Search.DatabaseSearch, with our one
visibility rule instead of Akkoma's public-only one):

- statuses: originals only (never reblogs), newest first, that ``visible_filter`` lets the
  viewer see, without authors either side blocks or the viewer mutes, nor muted threads.
  So a logged-in viewer also finds followers-only posts of accounts they follow and direct
  posts addressed to them; an anonymous one finds public, unlisted and local-only posts.
- Consent (Mastodon 4.2's rule): full-text search finds other people's posts only when
  their author opted in (``indexable``: our users' setting, read from remote actors; off by
  default) and the post is public; besides those, a viewer finds their own posts and the
  posts they favourited, boosted, bookmarked or were mentioned in (``consented_filter``).
  A URL finds its post whatever the author chose: that is a lookup, not a search.
- ``limit_to_local_content`` (Pleroma's setting, default ``unauthenticated``): anonymous
  viewers find only local statuses and accounts; ``all``: everyone; ``none``: nobody is
  limited.
- ``resolve`` (a logged-in viewer only, as Mastodon): a query that is a remote handle
  (``@nick@host``, ``nick@host``) or an http(s) URL is resolved first
  (``resolve_query``): WebFinger and a fetch through federation/actors.py, the account
  stored and then found first among the results. A URL whose document is a post goes to
  ``resolve_status_url``. A failure to resolve just finds nothing more (never an error).
- ``restrict_unauthenticated_profiles``: anonymous search is a 401 (results carry
  profiles).

A query that is the URL of a stored status or account, or a local ``@nick@our.domain``
handle, finds exactly that (ours are never fetched; a stored remote account is refreshed
by ``resolve`` when stale). The full-text index is described in db/fulltext.py;
everything engine-specific about it comes from there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pyleroma.db import fulltext
from pyleroma.db.ids import parse_id
from pyleroma.db.paging import Page, in_display_order, paginate
from pyleroma.errors import BadRequest
from pyleroma.federation import actors
from pyleroma.federation.fetch import is_local_url
from pyleroma.federation.webfinger_client import parse_handle
from pyleroma.models import (
    Account,
    Block,
    Bookmark,
    DomainBlock,
    Favourite,
    Hashtag,
    Status,
    StatusMention,
    TagFollow,
)
from pyleroma.policy.relations import follows
from pyleroma.policy.visibility import not_blocked_filter, not_muted_filter, visible_filter
from pyleroma.services.accounts.account_directory import (
    acct_key,
    check_anonymous_access,
    show_account,
)
from pyleroma.settings import Settings

TYPES = ("accounts", "statuses", "hashtags")
DEFAULT_LIMIT = 20
MAX_LIMIT = 40
# Words of one query looked up as hashtag prefixes (each is an index range).
MAX_HASHTAG_TERMS = 5
# The path of a local status's public URL, ``uri`` or Mastodon-style URL.
_STATUS_PATH_RE = re.compile(r"^/(?:notice|objects|@[^/]+|users/[^/]+/statuses)/(\d+)/?$")
_ACCOUNT_PATH_RE = re.compile(r"^/(?:users/|@)([^/]+)/?$")
_TAG_SPLIT_RE = re.compile(r"[^#\w]+")


@dataclass(frozen=True)
class SearchRequest:
    query: str
    type: str | None = None
    following: bool = False
    account_id: str | None = None
    page: Page = field(default_factory=Page)
    # Look the query up on other servers when it is a remote handle or a URL.
    resolve: bool = False


@dataclass
class SearchResults:
    accounts: list[Account] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)
    hashtags: list[Hashtag] = field(default_factory=list)
    # Ids of the found hashtags the viewer follows.
    followed_hashtag_ids: set[int] = field(default_factory=set)


def clean_query(query: str) -> str:
    """Trimmed, without NUL characters (PostgreSQL text cannot hold them)."""
    return query.replace("\x00", "").strip()


def check_query(query: str | None) -> str:
    """The query, cleaned; 400 without one (an empty one just finds nothing)."""
    if query is None:
        raise BadRequest("Missing field: q.")
    return clean_query(query)


def check_type(kind: str | None) -> str | None:
    if kind in (None, ""):
        return None
    if kind not in TYPES:
        raise BadRequest(f"type: must be one of {', '.join(TYPES)}")
    return kind


def local_only(settings: Settings, viewer: Account | None) -> bool:
    """Whether ``viewer`` finds local content only (Pleroma's ``limit_to_local_content``)."""
    limit = settings.limit_to_local_content
    return limit == "all" or (limit == "unauthenticated" and viewer is None)


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name


def _next_string(prefix: str) -> str | None:
    """The smallest string greater than every string starting with ``prefix`` (code point
    order), or None when there is none."""
    chars = list(prefix)
    while chars:
        code = ord(chars[-1]) + 1
        if 0xD800 <= code <= 0xDFFF:  # surrogates cannot be stored; skip past them
            code = 0xE000
        if code <= 0x10FFFF:
            chars[-1] = chr(code)
            return "".join(chars)
        chars.pop()
    return None


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def starts_with(column, prefix: str, dialect: str):
    """SQL: ``column`` starts with ``prefix`` (case-sensitive), in a form the engine answers
    from an index: a range on SQLite (binary-collation b-trees), ``LIKE 'prefix%'`` on
    PostgreSQL (the ``text_pattern_ops`` indexes of db/fulltext.py, any collation)."""
    if dialect == "sqlite":
        upper = _next_string(prefix)
        return column >= prefix if upper is None else and_(column >= prefix, column < upper)
    return column.like(_escape_like(prefix) + "%", escape="\\")


def _local_path(settings: Settings, query: str) -> str | None:
    """The path of ``query`` when it is a URL on this instance."""
    if not query.startswith(("http://", "https://")):
        return None
    parts = urlsplit(query)
    if f"{parts.scheme}://{parts.netloc}".lower() != settings.base_url.lower():
        return None
    return parts.path


def is_url(query: str) -> bool:
    return query.startswith(("http://", "https://")) and " " not in query


# --- accounts ------------------------------------------------------------------------------


async def search_accounts(
    session: AsyncSession,
    settings: Settings,
    query: str,
    viewer: Account | None,
    *,
    limit: int = MAX_LIMIT,
    offset: int = 0,
    following: bool = False,
    resolved: Account | None = None,
) -> list[Account]:
    """Accounts whose nickname or display name starts with ``query``, best first.

    Ranks: the exact account (nickname, ``nick@our.domain``, its URL, or the account
    ``resolved`` from the query by ``resolve_query``), then nickname
    prefixes, then display-name prefixes; among equals, accounts the viewer follows, then
    the most followed. Only listed accounts (active, approved, confirmed), never Pleroma's
    internal ``Application`` actors nor ``invisible`` service actors (the relay actor), nor
    accounts the viewer blocks or whose domain they block. ``following``: accounts the
    viewer follows only (nothing for anonymous).
    """
    check_anonymous_access(settings, viewer)
    raw = clean_query(query)
    text = raw.lstrip("@").lower()
    if not text or (following and viewer is None):
        return []
    dialect = _dialect(session)
    key = acct_key(settings, text)
    exact_keys = {key}
    path = _local_path(settings, raw)
    if path and (match := _ACCOUNT_PATH_RE.match(path)):
        exact_keys.add(match.group(1).lstrip("@").lower())
    exact = or_(Account.nickname_key.in_(exact_keys), Account.ap_id == raw)
    if resolved is not None:
        exact = or_(exact, Account.id == resolved.id)
    nickname_prefix = starts_with(Account.nickname_key, key, dialect)
    name_prefix = starts_with(func.lower(Account.display_name), text, dialect)
    order = [case((exact, 0), (nickname_prefix, 1), else_=2)]
    stmt = select(Account).where(
        or_(exact, nickname_prefix, name_prefix),
        Account.is_active.is_(True),
        Account.is_approved.is_(True),
        Account.is_confirmed.is_(True),
        Account.actor_type != "Application",
        Account.invisible.is_(False),
    )
    if local_only(settings, viewer):
        stmt = stmt.where(Account.local.is_(True))
    if viewer is not None:
        stmt = stmt.where(
            ~exists().where(Block.account_id == viewer.id, Block.target_id == Account.id),
            or_(
                Account.domain.is_(None),
                ~exists().where(
                    DomainBlock.account_id == viewer.id, DomainBlock.domain == Account.domain
                ),
            ),
        )
        followed = follows(viewer.id, Account.id)
        if following:
            stmt = stmt.where(followed)
        else:
            order.append(case((followed, 0), else_=1))
    stmt = stmt.order_by(*order, Account.followers_count.desc(), Account.nickname_key)
    return list((await session.scalars(stmt.limit(limit).offset(offset))).all())


# --- statuses ------------------------------------------------------------------------------


async def _status_by_url(session: AsyncSession, settings: Settings, query: str) -> int | None:
    """The id of the stored status ``query`` is the URL of (a local one) or the ``uri`` of
    (indexed; a remote status's web ``url`` is not, and waits for federation's lookup)."""
    path = _local_path(settings, query)
    if path and (match := _STATUS_PATH_RE.match(path)):
        status_id = parse_id(match.group(1))
        if status_id is not None:
            return status_id
    return await session.scalar(select(Status.id).where(Status.uri == query))


async def search_statuses(
    session: AsyncSession,
    settings: Settings,
    query: str,
    viewer: Account | None,
    page: Page,
    *,
    author: Account | None = None,
    resolved_status_id: int | None = None,
) -> list[Status]:
    """A page of the statuses matching ``query`` the viewer may see, newest first.

    ``query`` is a web search (words, "phrases", ``or``, ``-word``), or a URL, which finds
    the one status stored under it (nothing else), or ``resolved_status_id``, the post the
    URL was resolved to (a remote web page URL is not indexed). Paged by ``max_id``/``min_id``/
    ``since_id`` and ``offset``/``limit``.
    """
    viewer_id = viewer.id if viewer is not None else None
    dialect = _dialect(session)
    column = Status.id
    if is_url(query):
        status_id = resolved_status_id or await _status_by_url(session, settings, query)
        if status_id is None:
            return []
        stmt = select(Status).where(Status.id == status_id, Status.reblog_of_id.is_(None))
    elif dialect == "sqlite":
        expression = fulltext.fts5_query(query)
        if expression is None:
            return []
        # Ordered by the FTS table's rowid: FTS5 walks its matches newest first and the
        # page stops the walk, however many statuses contain a common word.
        column = fulltext.fts_table.c.rowid
        stmt = (
            select(Status)
            .select_from(fulltext.fts_table)
            .join(Status, Status.id == column)
            .where(fulltext.sqlite_matches(expression))
        )
    else:
        if not query:
            return []
        await fulltext.pg_plan_for_each_query(session)
        stmt = select(Status).where(fulltext.pg_matches(query))
    if not is_url(query):
        stmt = stmt.where(consented_filter(viewer_id))
    # Reblogs are never in the full-text index (db/fulltext.py).
    stmt = stmt.where(
        visible_filter(viewer_id),
        not_blocked_filter(viewer_id),
        not_muted_filter(viewer_id),
    )
    if local_only(settings, viewer):
        stmt = stmt.where(Status.local.is_(True))
    if author is not None:
        stmt = stmt.where(Status.account_id == author.id)
    rows = list((await session.scalars(paginate(stmt, column, page))).all())
    return in_display_order(rows, page)


def consented_filter(viewer_id: int | None):
    """SQL: the status may be found by ``viewer_id``'s full-text search: a public post by
    an author who opted in, or (for a logged-in viewer) their own post, or one they
    favourited, boosted, bookmarked or were mentioned in."""
    indexable = and_(
        Status.visibility == "public",
        exists().where(Account.id == Status.account_id, Account.indexable.is_(True)),
    )
    if viewer_id is None:
        return indexable
    boost = aliased(Status)
    return or_(
        indexable,
        Status.account_id == viewer_id,
        exists().where(Favourite.account_id == viewer_id, Favourite.status_id == Status.id),
        exists().where(Bookmark.account_id == viewer_id, Bookmark.status_id == Status.id),
        exists().where(boost.account_id == viewer_id, boost.reblog_of_id == Status.id),
        exists().where(StatusMention.account_id == viewer_id, StatusMention.status_id == Status.id),
    )


# --- hashtags ------------------------------------------------------------------------------


def hashtag_terms(query: str) -> list[str]:
    """The words of ``query`` to look up as hashtag name prefixes, lower-cased: its
    ``#tags`` when it has any, else all its words; for a URL, its last path segment
    (``…/tag/cats`` finds #cats), as Akkoma reads such queries."""
    if is_url(query):
        query = urlsplit(query).path.rstrip("/").rpartition("/")[2]
    words = [w for w in _TAG_SPLIT_RE.split(query) if w.strip("#")]
    explicit = [w for w in words if w.startswith("#")]
    terms: list[str] = []
    for word in explicit or words:
        term = word.lstrip("#").lower()
        if term and "#" not in term and term not in terms:
            terms.append(term)
    return terms[:MAX_HASHTAG_TERMS]


async def search_hashtags(
    session: AsyncSession, query: str, *, limit: int, offset: int = 0
) -> list[Hashtag]:
    """Hashtags whose name starts with one of the query's terms: exact names first, then
    the shortest, then alphabetical."""
    terms = hashtag_terms(query)
    if not terms:
        return []
    dialect = _dialect(session)
    stmt = (
        select(Hashtag)
        .where(or_(*(starts_with(Hashtag.name, term, dialect) for term in terms)))
        .order_by(
            case((Hashtag.name.in_(terms), 0), else_=1),
            func.length(Hashtag.name),
            Hashtag.name,
        )
        .limit(limit)
        .offset(offset)
    )
    return list((await session.scalars(stmt)).all())


async def followed_hashtag_ids(
    session: AsyncSession, viewer: Account | None, hashtags: list[Hashtag]
) -> set[int]:
    if viewer is None or not hashtags:
        return set()
    rows = await session.scalars(
        select(TagFollow.hashtag_id).where(
            TagFollow.account_id == viewer.id,
            TagFollow.hashtag_id.in_([h.id for h in hashtags]),
        )
    )
    return set(rows)


# --- resolving remote things ---------------------------------------------------------------


async def resolve_status_url(session: AsyncSession, settings: Settings, url: str) -> Status | None:
    """The remote post at ``url``, its ActivityPub id or its web page (Mastodon's
    ``/@nick/<id>``, whose document names the real id, fetched once more from the same
    host), fetched and stored like a delivered one (federation/fetch_posts.py); None when
    it cannot be had. Its fetches (the post, its author, its missing parents) are bounded
    as a received activity's are (``federation_max_fetches_per_activity``)."""
    from pyleroma.activities.context import PipelineContext
    from pyleroma.federation.fetch_budget import fetch_budget
    from pyleroma.federation.fetch_posts import get_or_fetch_post

    with fetch_budget(settings.federation_max_fetches_per_activity):
        return await get_or_fetch_post(PipelineContext(session, settings), url, canonical=False)


def wants_resolving(settings: Settings, query: str) -> bool:
    """Whether ``query`` names something on another server: a remote handle or a URL that
    is not ours (ours are found in the database without resolving)."""
    if is_url(query):
        return not is_local_url(settings, query)
    parsed = parse_handle(query)
    return parsed is not None and parsed[1] != settings.domain.lower()


@dataclass
class Resolved:
    """What a query named on another server: an account, or a post (by its id)."""

    account: Account | None = None
    status_id: int | None = None


async def resolve_query(session: AsyncSession, settings: Settings, query: str) -> Resolved:
    """The remote account or post ``query`` names, fetched and stored (and committed) if
    need be: a handle or an actor URL gives the account, any other URL goes to
    ``resolve_status_url``. Nothing when there is nothing to resolve or resolving fails
    (the reason is logged): a search answers what it found, not why. Nothing is written
    before the fetches, so the session holds no lock meanwhile."""
    if not wants_resolving(settings, query):
        return Resolved()
    if is_url(query) and (status_id := await _status_by_url(session, settings, query)):
        return Resolved(status_id=status_id)  # a post we have: nothing to fetch
    resolved = Resolved(account=await actors.resolve_account_or_none(session, settings, query))
    if resolved.account is None and is_url(query):
        status = await resolve_status_url(session, settings, query)
        resolved.status_id = status.id if status is not None else None
    await session.commit()
    return resolved


# --- everything at once --------------------------------------------------------------------


async def search(
    session: AsyncSession, settings: Settings, viewer: Account | None, request: SearchRequest
) -> SearchResults:
    """GET /api/v2/search: each kind the request asks for (all three without ``type``).

    ``account_id`` names the author of the statuses (404 when there is no such account
    the viewer may see, even when statuses are not asked for: the request is wrong).
    """
    check_anonymous_access(settings, viewer)
    author = None
    if request.account_id is not None:
        author = await show_account(session, settings, request.account_id, viewer)
    results = SearchResults()
    wanted = TYPES if request.type is None else (request.type,)
    page = request.page
    resolved = Resolved()
    if request.resolve and viewer is not None and ("accounts" in wanted or "statuses" in wanted):
        resolved = await resolve_query(session, settings, request.query)
    if "accounts" in wanted:
        results.accounts = await search_accounts(
            session,
            settings,
            request.query,
            viewer,
            limit=page.limit,
            offset=page.offset,
            following=request.following,
            resolved=resolved.account,
        )
    if "statuses" in wanted:
        results.statuses = await search_statuses(
            session,
            settings,
            request.query,
            viewer,
            page,
            author=author,
            resolved_status_id=resolved.status_id,
        )
    if "hashtags" in wanted:
        results.hashtags = await search_hashtags(
            session, request.query, limit=page.limit, offset=page.offset
        )
        results.followed_hashtag_ids = await followed_hashtag_ids(session, viewer, results.hashtags)
    return results
