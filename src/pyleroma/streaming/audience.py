"""Who among this process's sockets gets a status: batched queries, never one per socket.

Each function answers for the whole set of locally connected accounts at once: which of
them hold the status in their home (one indexed query), which of their lists it belongs in
(one query), and which of them may see it at all (one query applying the same visibility,
block, mute and reblog rules as the timelines: ``services.timelines.read_filters`` with
the viewer as a column, the way the home fan-out uses ``delivery_filter``).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pyleroma.models import (
    Account,
    Hashtag,
    HomeTimelineEntry,
    List,
    ListAccount,
    Status,
    StatusTag,
)
from pyleroma.policy.relations import follows
from pyleroma.policy.visibility import visible_filter
from pyleroma.services.timelines.timelines import TimelineOptions, read_filters
from pyleroma.streaming.connections import Registry
from pyleroma.streaming.topics import Topic

CHUNK = 500

_VIEWER = aliased(Account, name="stream_viewer")
_ORIGINAL = aliased(Status, name="stream_original")
_MEMBER = aliased(ListAccount, name="stream_member")
_REPLIED_MEMBER = aliased(ListAccount, name="stream_replied_member")
_NO_OPTIONS = TimelineOptions()


def _chunks(ids: Iterable[int]) -> list[list[int]]:
    items = sorted(set(ids))
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


async def home_holders(session: AsyncSession, status_id: int, account_ids: Iterable[int]):
    """The accounts among ``account_ids`` whose home holds ``status_id``."""
    found: set[int] = set()
    for chunk in _chunks(account_ids):
        rows = await session.execute(
            select(HomeTimelineEntry.account_id).where(
                HomeTimelineEntry.status_id == status_id,
                HomeTimelineEntry.account_id.in_(chunk),
            )
        )
        found.update(rows.scalars())
    return found


async def visible_to(session: AsyncSession, status: Status, viewer_ids: Iterable[int]) -> set[int]:
    """The active accounts among ``viewer_ids`` that see ``status`` in a timeline now:
    visibility, blocks either way, domain blocks, mutes, muted threads, reblogs hidden."""
    viewer, original = _VIEWER, _ORIGINAL
    found: set[int] = set()
    for chunk in _chunks(viewer_ids):
        stmt = (
            select(viewer.id)
            .select_from(viewer)
            .join(Status, Status.id == status.id)
            .outerjoin(original, original.id == Status.reblog_of_id)
            .where(
                viewer.id.in_(chunk),
                viewer.is_active.is_(True),
                *read_filters(viewer.id, _NO_OPTIONS, original=original, reblog_prefs=True),
            )
        )
        found.update((await session.execute(stmt)).scalars())
    return found


async def anonymous_sees(session: AsyncSession, status: Status) -> bool:
    """Logged-out sockets get public originals only (local-only posts need a login, as the
    public timelines), and only while the rule says anyone may see them."""
    if status.visibility != "public" or status.reblog_of_id is not None:
        return False
    found = await session.scalar(
        select(Status.id).where(Status.id == status.id, visible_filter(None))
    )
    return found is not None


async def matching_lists(
    session: AsyncSession, status: Status, list_ids: Iterable[int]
) -> list[tuple[int, int]]:
    """(list id, owner id) of the lists among ``list_ids`` that show ``status``: its author
    is a member, it is not direct, and a reply passes the list's ``replies_policy`` (the
    list timeline's rule: self-replies and replies to the owner always; then "followed",
    "list" or "none")."""
    if status.visibility == "direct":
        return []
    reply_to = status.in_reply_to_account_id
    conditions = [
        exists().where(_MEMBER.list_id == List.id, _MEMBER.account_id == status.account_id)
    ]
    plain = reply_to is None or status.reblog_of_id is not None or reply_to == status.account_id
    if not plain:
        conditions.append(
            or_(
                List.account_id == reply_to,
                and_(List.replies_policy == "followed", follows(List.account_id, reply_to)),
                and_(
                    List.replies_policy == "list",
                    exists().where(
                        _REPLIED_MEMBER.list_id == List.id, _REPLIED_MEMBER.account_id == reply_to
                    ),
                ),
            )
        )
    found: list[tuple[int, int]] = []
    for chunk in _chunks(list_ids):
        rows = await session.execute(
            select(List.id, List.account_id).where(List.id.in_(chunk), *conditions)
        )
        found.extend((list_id, owner_id) for list_id, owner_id in rows.all())
    return found


async def lists_with_member(
    session: AsyncSession, author_id: int, list_ids: Iterable[int]
) -> list[int]:
    """The lists among ``list_ids`` that have ``author_id`` as a member (for deletes)."""
    found: list[int] = []
    for chunk in _chunks(list_ids):
        rows = await session.execute(
            select(ListAccount.list_id).where(
                ListAccount.list_id.in_(chunk), ListAccount.account_id == author_id
            )
        )
        found.extend(rows.scalars())
    return found


async def tag_names(session: AsyncSession, status_id: int) -> list[str]:
    rows = await session.execute(
        select(Hashtag.name)
        .join(StatusTag, StatusTag.hashtag_id == Hashtag.id)
        .where(StatusTag.status_id == status_id)
    )
    return list(rows.scalars())


def public_topics(
    registry: Registry,
    *,
    visibility: str,
    local: bool,
    has_media: bool,
    is_reblog: bool,
    domain: str | None,
    tags: Iterable[str],
) -> list[Topic]:
    """The public, remote and hashtag topics a status goes to (Akkoma's topic rules, with
    Mastodon's ``hashtag:local``): public and local-only originals, never reblogs, as the
    public timelines hold them; local-only posts reach logged-in sockets only
    (``anonymous_sees``)."""
    if is_reblog or visibility not in ("public", "local"):
        return []
    names = ["public"]
    if has_media:
        names.append("public:media")
    if local:
        names.append("public:local")
        if has_media:
            names.append("public:local:media")
    topics: list[Topic] = [(name, None) for name in names]
    if visibility == "public" and not local and domain:
        topics.append(("public:remote", domain))
        if has_media:
            topics.append(("public:remote:media", domain))
    for tag in tags:
        topics.append(("hashtag", tag))
        if local:
            topics.append(("hashtag:local", tag))
    return [topic for topic in topics if registry.subscribers(*topic)]


def wants_tags(registry: Registry) -> bool:
    return bool(registry.keys("hashtag") or registry.keys("hashtag:local"))


def wants_remote(registry: Registry) -> bool:
    return bool(registry.keys("public:remote") or registry.keys("public:remote:media"))
