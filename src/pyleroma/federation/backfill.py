"""Backfill: completing a remote profile or thread when a local user looks at it.

Delivery brings only what is addressed to us: the posts of accounts someone here follows,
and replies that mention or answer us. A remote profile opened for the first time is empty,
and a thread shows only the replies that reached us. The jobs of jobs/backfill_jobs.py fix
both from what the remote servers publish (the triggers: federation/backfill_triggers.py):

- an account: its pinned posts (federation/featured.py ``sync_featured``) and its newest
  ``backfill_outbox_posts`` posts, read from its outbox;
- a thread: the missing ancestors of the post opened (the ``inReplyTo`` chain), then the
  ``replies`` collection of each post, level after level from the top, as Mastodon 4.4's
  ``ActivityPub::FetchAllRepliesWorker`` does (it stops at 1,000 replies and 500 pages a
  thread); here ``backfill_thread_max_depth`` levels each way,
  ``backfill_thread_max_posts`` post fetches and as many page fetches, and
  ``backfill_thread_seconds``.

Collections are read page by page (``first`` and ``next``, as links or embedded), at most
``PAGES_PER_COLLECTION`` pages each, never a page twice (a ``next`` that points back ends
the walk), and only on the host of their owner (the account, the post). Items are taken as
Mastodon, Pleroma, Akkoma, GoToSocial and Misskey write them: ids, or activities and
objects with ids; Announces (boosts) in an outbox are skipped.

Every post is stored by ``get_or_fetch_post`` (federation/fetch_posts.py): fetched from
its own id (containment: its author on its host), passed through the MRF policies and
the Create handler like a delivered post; one already stored is not fetched. An outbox
post must be on the account's host and by the account; a reply must answer the post
whose collection listed it; anything else is dropped before it is stored. With
``backfill=True`` a post older than the real-time window is stored silently (no
notifications, no home fan-out) with an id from its date.

Each post is stored and committed in a short transaction of its own (a failed one costs
only itself), so that on SQLite the write lock is never held across a fetch. A walk is
safe to run again: what it stored is found next time.

Rate limit (``HostGate``): each process starts at most one backfill burst per remote host
per ``backfill_host_interval_seconds``; a job whose first host is busy is deferred (its
attempt not counted), a thread walk skips the posts and pages of other busy hosts.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pyleroma.activities.context import PipelineContext
from pyleroma.federation.errors import FederationError
from pyleroma.federation.fetch import authority, fetch_document, is_local_url
from pyleroma.federation.fetch_posts import FETCHABLE, get_or_fetch_post
from pyleroma.federation.from_as_note import status_by_uri
from pyleroma.models import Account, Status
from pyleroma.settings import Settings

log = logging.getLogger("pyleroma.federation")

PAGES_PER_COLLECTION = 5
# Outbox items looked at per wanted post (boosts and other hosts' items are skipped).
OUTBOX_ITEMS_PER_POST = 3


# --- the per-host rate limit ---------------------------------------------------------------


@dataclass
class _HostState:
    owner: int
    busy: bool
    free_at: float


class HostGate:
    """Which job may fetch from a host now, in this process: a job takes a free host and
    keeps it until it ends; the host is free again ``interval`` seconds later."""

    def __init__(self) -> None:
        self._hosts: dict[str, _HostState] = {}

    def claim(self, host: str, owner: int, interval: float) -> float:
        """0 when ``owner`` may fetch from ``host`` now (it holds the host then), else the
        seconds until it may be free."""
        now = asyncio.get_running_loop().time()
        state = self._hosts.get(host)
        if state is not None and state.owner != owner:
            if state.busy:
                return max(interval, 1.0)
            if state.free_at > now:
                return state.free_at - now
        self._hosts[host] = _HostState(owner, True, now)
        return 0.0

    def release(self, owner: int, interval: float) -> None:
        """``owner`` ended: its hosts are free after ``interval``; forgotten once free."""
        now = asyncio.get_running_loop().time()
        for host, state in list(self._hosts.items()):
            if state.owner == owner and state.busy:
                state.busy = False
                state.free_at = now + interval
            elif not state.busy and state.free_at <= now:
                del self._hosts[host]


# One gate per database (two servers in one test process must not share one).
_GATES: weakref.WeakKeyDictionary[async_sessionmaker, HostGate] = weakref.WeakKeyDictionary()


def host_gate(sessionmaker: async_sessionmaker[AsyncSession]) -> HostGate:
    gate = _GATES.get(sessionmaker)
    if gate is None:
        gate = _GATES[sessionmaker] = HostGate()
    return gate


# --- a bounded walk ------------------------------------------------------------------------


@dataclass(frozen=True)
class Post:
    """What a walk needs of a stored status (read in a short session, used after it)."""

    id: int
    uri: str | None
    local: bool
    account_id: int
    in_reply_to_id: int | None
    in_reply_to_uri: str | None
    is_reblog: bool
    replies: Any  # the ``replies`` value of the AS object as received, if any

    @classmethod
    def of(cls, status: Status) -> Post:
        raw = status.raw if isinstance(status.raw, dict) else {}
        return cls(
            status.id,
            status.uri,
            bool(status.local),
            status.account_id,
            status.in_reply_to_id,
            status.in_reply_to_uri,
            status.reblog_of_id is not None,
            raw.get("replies"),
        )


@dataclass
class Walk:
    """The bounds and the state of one backfill job: fetches left (posts and collection
    pages), the deadline, the hosts it holds, the pages it read."""

    sessionmaker: async_sessionmaker[AsyncSession]
    settings: Settings
    owner: int
    deadline: float
    posts_left: int
    pages_left: int
    gate: HostGate = field(default_factory=HostGate)
    pages_seen: set[str] = field(default_factory=set)
    fetched_posts: int = 0
    fetched_pages: int = 0
    skipped_hosts: set[str] = field(default_factory=set)

    @classmethod
    def start(
        cls,
        sessionmaker,
        settings: Settings,
        owner: int,
        *,
        seconds: float,
        posts: int,
        pages: int,
    ) -> Walk:
        deadline = asyncio.get_running_loop().time() + seconds
        return cls(sessionmaker, settings, owner, deadline, posts, pages, host_gate(sessionmaker))

    def time_left(self) -> bool:
        return asyncio.get_running_loop().time() < self.deadline

    def claim(self, host: str) -> float:
        return self.gate.claim(host, self.owner, self.settings.backfill_host_interval_seconds)

    def release(self) -> None:
        self.gate.release(self.owner, self.settings.backfill_host_interval_seconds)

    def _may_fetch(self, url: str) -> bool:
        host = authority(url)
        if not host or not self.time_left() or is_local_url(self.settings, url):
            return False
        if self.claim(host) > 0:
            self.skipped_hosts.add(host)
            return False
        return True

    async def read(self, work: Callable[[AsyncSession], Any]):
        """``work(session)`` in a short session of its own (it sees what other sessions
        committed meanwhile, which a long-lived SQLite read transaction would not)."""
        async with self.sessionmaker() as session:
            return await work(session)

    async def post(
        self, uri: Any, check: Callable[[dict[str, Any]], bool] | None = None
    ) -> Post | None:
        """The post ``uri``: stored already, or fetched and stored now (within the bounds;
        refused by ``check`` before storing); None when it cannot be had."""
        if not isinstance(uri, str) or not uri:
            return None

        async def stored(session):
            found = await status_by_uri(session, uri)
            return Post.of(found) if found is not None else None

        found = await self.read(stored)
        if found is not None or self.posts_left <= 0 or not self._may_fetch(uri):
            return found
        self.posts_left -= 1
        self.fetched_posts += 1
        async with self.sessionmaker() as session:
            ctx = PipelineContext(session, self.settings)
            try:
                status = await get_or_fetch_post(ctx, uri, depth=1, backfill=True, check=check)
                post = Post.of(status) if status is not None else None
                await session.commit()
            except Exception:  # one hostile or broken post must not end the walk
                log.warning("backfill could not store %s", uri[:300], exc_info=True)
                await session.rollback()
                return None
        return post

    async def page(self, ref: Any, host: str) -> dict[str, Any] | None:
        """A collection or page: embedded (as is), or fetched from ``host`` (a URL on
        another host, read before, or beyond the bounds gives None)."""
        if isinstance(ref, dict):
            return ref
        if not isinstance(ref, str) or authority(ref) != host:
            return None
        key = ref.split("#", 1)[0]
        if key in self.pages_seen or self.pages_left <= 0 or not self._may_fetch(ref):
            return None
        self.pages_seen.add(key)
        self.pages_left -= 1
        self.fetched_pages += 1
        try:
            async with self.sessionmaker() as session:
                document = await fetch_document(self.settings, ref, session=session)
        except FederationError as exc:
            log.info("backfill could not read %s: %s", ref[:300], exc)
            return None
        return document.data


def _items(page: dict[str, Any]) -> list[Any] | None:
    for key in ("orderedItems", "items"):
        value = page.get(key)
        if isinstance(value, list):
            return value
        if isinstance(value, (dict, str)):  # JSON-LD compaction: one item, not a list
            return [value]
    return None


async def collection_items(walk: Walk, ref: Any, host: str, limit: int) -> AsyncIterator[Any]:
    """The first ``limit`` items of the collection ``ref`` (a URL on ``host`` or an
    embedded collection), in its order, reading at most ``PAGES_PER_COLLECTION`` pages."""
    given = 0
    document = await walk.page(ref, host)
    for _ in range(PAGES_PER_COLLECTION * 2):  # a collection, then its pages
        if document is None or given >= limit:
            return
        items = _items(document)
        if items is None:
            # A collection naming its first page (a link or the page embedded).
            first = document.get("first")
            document = await walk.page(first, host) if first is not None else None
            continue
        for item in items:
            yield item
            given += 1
            if given >= limit:
                return
        following = document.get("next")
        document = await walk.page(following, host) if following is not None else None


def _id_of(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"]
    return None


def _types(item: dict[str, Any]) -> set[str]:
    value = item.get("type")
    return {value} if isinstance(value, str) else {v for v in value or () if isinstance(v, str)}


def outbox_post_uri(item: Any, actor_id: str) -> str | None:
    """The post an outbox item is about: the object of a Create by ``actor_id``, a bare
    post, or an id (a Create's or a post's; a Create's fetched is not a post and is
    dropped). None for Announces and anything else."""
    if isinstance(item, str):
        return item
    if not isinstance(item, dict):
        return None
    types = _types(item)
    if "Create" in types:
        actor = _id_of(item.get("actor"))
        if actor is not None and actor != actor_id:
            return None
        return _id_of(item.get("object"))
    if types & FETCHABLE:
        return _id_of(item)
    return None


# --- accounts ------------------------------------------------------------------------------


async def backfill_account(walk: Walk, account_id: int) -> dict[str, int]:
    """Pins and newest posts of the remote account ``account_id``; returns figures."""
    from pyleroma.federation.featured import sync_featured

    account = await walk.read(lambda session: session.get(Account, account_id))
    if account is None or account.local or not account.ap_id:
        return {}
    host = authority(account.ap_id)
    figures = {"pinned": 0, "posts": 0}
    if account.featured_url and walk.time_left():
        async with walk.sessionmaker() as session:
            mine = await session.get(Account, account_id)
            try:
                pinned = await sync_featured(
                    PipelineContext(session, walk.settings), mine, backfill=True
                )
                await session.commit()
                figures["pinned"] = len(pinned)
            except FederationError as exc:
                await session.rollback()
                log.info("backfill could not read the pins of %s: %s", account.ap_id, exc)
            except Exception:  # a hostile pinned post must not cost the outbox
                await session.rollback()
                log.warning("backfill could not store the pins of %s", account.ap_id, exc_info=True)
    wanted = walk.settings.backfill_outbox_posts
    if not account.outbox or wanted <= 0:
        return figures
    uris: list[str] = []
    examined = wanted * OUTBOX_ITEMS_PER_POST
    async for item in collection_items(walk, account.outbox, host, examined):
        uri = outbox_post_uri(item, account.ap_id)
        if uri is None or authority(uri) != host or uri in uris:
            continue  # a boost, another host's post (never stored from here), a repeat
        uris.append(uri)
        if len(uris) >= wanted:
            break

    def by_the_account(note: dict[str, Any]) -> bool:
        return note.get("attributed_to") == account.ap_id

    # Oldest first: posts of the real-time window get ids of now, in their order.
    for uri in reversed(uris):
        if await walk.post(uri, check=by_the_account) is not None:
            figures["posts"] += 1
    return figures


# --- threads -------------------------------------------------------------------------------


async def _stored(walk: Walk, status_id: int) -> Post | None:
    async def read(session):
        found = await session.get(Status, status_id)
        return Post.of(found) if found is not None else None

    return await walk.read(read)


async def _stored_replies(walk: Walk, post: Post, limit: int) -> list[Post]:
    async def read(session):
        rows = await session.scalars(
            select(Status).where(Status.in_reply_to_id == post.id).order_by(Status.id).limit(limit)
        )
        return [Post.of(row) for row in rows]

    return await walk.read(read)


async def _ancestors(walk: Walk, post: Post, max_depth: int) -> tuple[Post, int]:
    """The top of ``post``'s thread as far as it can be had (missing parents fetched, at
    most ``max_depth`` steps up) and how many were fetched."""
    fetched = 0
    for _ in range(max_depth):
        if post.in_reply_to_id is not None:
            parent = await _stored(walk, post.in_reply_to_id)
        elif post.in_reply_to_uri:
            before = walk.fetched_posts
            parent = await walk.post(post.in_reply_to_uri)
            fetched += walk.fetched_posts - before
        else:
            break
        if parent is None:
            break
        post = parent
    return post, fetched


def replies_ref(post: Post) -> Any:
    """Where ``post``'s replies are listed: its collection's id when it has one (read fresh:
    the page embedded in the post is as old as our copy), else the embedded collection."""
    value = post.replies
    own = isinstance(value, dict) and isinstance(value.get("id"), str) and post.uri
    if own and authority(value["id"]) == authority(post.uri):
        return value["id"]
    return value


async def backfill_thread(walk: Walk, status_id: int) -> dict[str, int]:
    """Ancestors and replies of the thread of ``status_id``; returns figures."""
    settings = walk.settings
    max_depth = settings.backfill_thread_max_depth
    start = await _stored(walk, status_id)
    if start is None:
        return {}
    top, ancestors = await _ancestors(walk, start, max_depth)
    figures = {"ancestors": ancestors, "replies": 0}
    queue: deque[tuple[Post, int]] = deque([(top, 0)])
    visited = {top.id}
    per_collection = max(settings.backfill_thread_max_posts, 1)
    while queue and walk.time_left():
        post, level = queue.popleft()
        if level >= max_depth or post.is_reblog:
            continue
        children = await _stored_replies(walk, post, per_collection)
        ref = replies_ref(post) if not post.local and post.uri else None
        if ref is not None:

            def answers(note: dict[str, Any], parent: str = post.uri) -> bool:
                return note.get("in_reply_to") == parent

            host = authority(post.uri)
            known = {child.uri for child in children}
            async for item in collection_items(walk, ref, host, per_collection):
                uri = _id_of(item)
                if uri is None or uri in known or uri == post.uri:
                    continue
                before = walk.fetched_posts
                child = await walk.post(uri, check=answers)
                if child is not None and child.in_reply_to_uri == post.uri:
                    children.append(child)
                    known.add(uri)
                    figures["replies"] += walk.fetched_posts - before
                if walk.posts_left <= 0 and walk.pages_left <= 0:
                    break
        for child in children:
            if child.id not in visited:
                visited.add(child.id)
                queue.append((child, level + 1))
    return figures
