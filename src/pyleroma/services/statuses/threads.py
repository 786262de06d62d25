"""A status's thread for one viewer: the ancestors above it and the descendants below it.

Every status of a thread carries the root's id as ``conversation_id``, so the whole thread's
shape (id and parent of each status) comes from one indexed query (both statements here are
built once: docs/read_path.md). The tree is walked in
Python; then the statuses the walk picked are loaded in one more query that applies the
visibility rule, blocks and account mutes. A status the viewer may not see is left out, but
the walk goes on through it, so a hidden reply does not hide the answers to it (Mastodon).

Both sides are bounded (``CONTEXT_LIMIT``), and so is the shape query (``THREAD_SCAN_LIMIT``),
so a runaway thread costs a known amount of work.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import BigInteger, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.db.fastread import Prepared, in_list, reader
from pyleroma.models import Account, Status
from pyleroma.policy.visibility import not_blocked_filter, not_muted_filter, visible_filter
from pyleroma.services.statuses.status_batches import STATUS_COLUMNS, StatusRow
from pyleroma.services.timelines.prepared_pages import NOW, VIEWER

# Mastodon answers at most 4,096 statuses on each side for a logged-in viewer.
CONTEXT_LIMIT = 4000
# The most statuses of one thread whose shape is read to build the tree.
THREAD_SCAN_LIMIT = 20000


# The thread's shape: id and parent of each status, oldest first.
_SHAPE = Prepared(
    select(Status.id, Status.in_reply_to_id)
    .where(
        Status.conversation_id == bindparam("root", type_=BigInteger),
        Status.reblog_of_id.is_(None),
    )
    .order_by(Status.id)
    .limit(THREAD_SCAN_LIMIT)
)


def _visible_members(viewer_id) -> Prepared:
    """The statuses among ``ids`` the viewer sees in a thread. Muting a thread silences its
    notifications; it must not empty the thread one opens (``include_threads=False``)."""
    return Prepared(
        select(*STATUS_COLUMNS).where(
            in_list(Status.id, "ids"),
            visible_filter(viewer_id),
            not_blocked_filter(viewer_id),
            not_muted_filter(viewer_id, include_threads=False, now=NOW),
        )
    )


_VISIBLE_MEMBERS = {True: _visible_members(VIEWER), False: _visible_members(None)}


@dataclass
class Thread:
    """The statuses around a focal one, each list in display order."""

    ancestors: list[Status] = field(default_factory=list)
    descendants: list[Status] = field(default_factory=list)


def _ancestor_ids(parents: dict[int, int | None], start: int | None) -> list[int]:
    """Ids from the thread's top down to the focal status's parent, walking reply links."""
    chain: list[int] = []
    seen: set[int] = set()
    current = start
    while current is not None and current in parents and current not in seen:
        if len(chain) >= CONTEXT_LIMIT:
            break
        seen.add(current)
        chain.append(current)
        current = parents[current]
    chain.reverse()
    return chain


def _descendant_ids(children: dict[int, list[int]], root: int) -> list[int]:
    """Ids below ``root`` depth first, each status's replies oldest first (Mastodon's order)."""
    ordered: list[int] = []
    seen = {root}
    stack = list(reversed(children.get(root, [])))
    while stack and len(ordered) < CONTEXT_LIMIT:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        ordered.append(current)
        stack.extend(reversed(children.get(current, [])))
    return ordered


async def load_thread(session: AsyncSession, status: Status, viewer: Account | None) -> Thread:
    """The visible ancestors and descendants of ``status`` (which the viewer may see).

    A reblog has no thread of its own: callers pass the original.
    """
    root = status.conversation_id or status.id
    read = await reader(session)
    shape = await read.one(_SHAPE, {"root": root})
    parents: dict[int, int | None] = {}
    children: dict[int, list[int]] = defaultdict(list)
    for status_id, parent_id in shape:
        parents[status_id] = parent_id
        if parent_id is not None:
            children[parent_id].append(status_id)  # rows come oldest first
    ancestor_ids = _ancestor_ids(parents, status.in_reply_to_id)
    descendant_ids = _descendant_ids(children, status.id)
    wanted = [i for i in ancestor_ids + descendant_ids if i != status.id]
    if not wanted:
        return Thread()
    params = {"ids": wanted, "now": utcnow()}
    if viewer is not None:
        params["viewer_id"] = viewer.id
    rows = await read.one(_VISIBLE_MEMBERS[viewer is not None], params)
    found = {row[0]: StatusRow._make(row) for row in rows}
    return Thread(
        ancestors=[found[i] for i in ancestor_ids if i in found],
        descendants=[found[i] for i in descendant_ids if i in found],
    )
