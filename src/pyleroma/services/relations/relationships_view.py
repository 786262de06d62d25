"""Loading what one viewer's relationships to many accounts are, in one statement.

Used by the Relationship entity, by ``pleroma.relationship`` embedded in accounts and by
any list of accounts, so that rendering N accounts costs one statement, or none when the
viewer's relationships to them are in the entity cache (cache/entities.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Text,
    cast,
    literal_column,
    null,
    select,
    union_all,
)

from pyleroma.cache.changes import cache_in_transaction
from pyleroma.cache.entities import KIND_RELATIONS
from pyleroma.db.base import utcnow
from pyleroma.db.fastread import Prepared, in_list, reader
from pyleroma.models import (
    Account,
    AccountNote,
    AccountSubscription,
    Block,
    DomainBlock,
    Endorsement,
    Follow,
    Mute,
)
from pyleroma.models.relationship import FOLLOW_ACCEPTED, FOLLOW_PENDING
from pyleroma.policy.relations import mute_is_running
from pyleroma.services.timelines.prepared_pages import VIEWER

# One statement for every kind (a UNION ALL of tagged parts, as status_batches.MARKS):
# (part, target id, follow state, flag, flag, mute expiry, note).
(
    PART_FOLLOWING,
    PART_FOLLOWED_BY,
    PART_BLOCKING,
    PART_BLOCKED_BY,
    PART_MUTING,
    PART_ENDORSED,
    PART_NOTE,
    PART_DOMAIN,
    PART_SUBSCRIBING,
) = range(1, 10)


def _part(part: int, target, state=None, a=None, b=None, at=None, note=None):
    def typed(value, type_):
        # Only NULLs are cast (PostgreSQL needs their type in a UNION): SQLite's CAST to
        # DATETIME would turn a stored timestamp into a number.
        return cast(null(), type_) if value is None else value

    return select(
        literal_column(str(part), BigInteger).label("part"),
        cast(target, BigInteger).label("target"),
        typed(state, Text).label("state"),
        typed(a, Boolean).label("a"),
        typed(b, Boolean).label("b"),
        typed(at, DateTime()).label("at"),
        typed(note, Text).label("note"),
    )


RELATIONS = Prepared(
    union_all(
        _part(
            PART_FOLLOWING, Follow.followed_id, Follow.state, Follow.notify, Follow.show_reblogs
        ).where(Follow.follower_id == VIEWER, in_list(Follow.followed_id, "target_ids")),
        _part(PART_FOLLOWED_BY, Follow.follower_id, Follow.state).where(
            Follow.followed_id == VIEWER, in_list(Follow.follower_id, "target_ids")
        ),
        _part(PART_BLOCKING, Block.target_id).where(
            Block.account_id == VIEWER, in_list(Block.target_id, "target_ids")
        ),
        _part(PART_BLOCKED_BY, Block.account_id).where(
            Block.target_id == VIEWER, in_list(Block.account_id, "target_ids")
        ),
        _part(PART_MUTING, Mute.target_id, a=Mute.hide_notifications, at=Mute.expires_at).where(
            Mute.account_id == VIEWER, in_list(Mute.target_id, "target_ids")
        ),
        _part(PART_ENDORSED, Endorsement.target_id).where(
            Endorsement.account_id == VIEWER, in_list(Endorsement.target_id, "target_ids")
        ),
        _part(PART_NOTE, AccountNote.target_id, note=AccountNote.comment).where(
            AccountNote.account_id == VIEWER, in_list(AccountNote.target_id, "target_ids")
        ),
        _part(PART_DOMAIN, Account.id).where(
            in_list(Account.id, "target_ids"),
            Account.domain.in_(select(DomainBlock.domain).where(DomainBlock.account_id == VIEWER)),
        ),
        _part(PART_SUBSCRIBING, AccountSubscription.target_id).where(
            AccountSubscription.account_id == VIEWER,
            in_list(AccountSubscription.target_id, "target_ids"),
        ),
    )
)


async def _relation_rows(session, viewer_id: int, ids: list[int]) -> dict[int, tuple]:
    """Each target's rows of RELATIONS (possibly none), from the viewer's entry in the
    entity cache where it holds them, the rest read in one statement and cached.

    Cached per viewer (``KIND_RELATIONS``): a change to a follow or block on either side
    of the viewer, or to the viewer's own mutes, endorsements, notes, domain blocks or
    subscriptions, drops the viewer's entry in every process (cache/changes.py). Mute
    expiry is time, not a change: it is checked per request from the stored ``expires_at``.
    """
    read = await reader(session)
    cached = cache_in_transaction(session)
    known: dict[int, tuple] = {}
    if cached is not None:
        known = cached[0].get(KIND_RELATIONS, [viewer_id]).get(viewer_id) or {}
    missing = [i for i in ids if i not in known]
    if not missing:
        return known
    found: dict[int, list] = {i: [] for i in missing}
    params = {"viewer_id": viewer_id, "target_ids": missing}
    for row in await read.one(RELATIONS, params):
        found[row[1]].append(row)
    loaded = {i: tuple(rows) for i, rows in found.items()}
    merged = {**known, **loaded}
    if cached is not None:
        cache, stamp = cached
        cache.put(KIND_RELATIONS, {viewer_id: merged}, stamp)
    return merged


async def load_relationships(
    session, viewer_id: int, targets: Iterable[Account]
) -> dict[int, dict]:
    """Relationship dicts (Mastodon's Relationship entity) keyed by target id."""
    targets = list(targets)
    ids = list(dict.fromkeys(t.id for t in targets))
    if not ids:
        return {}
    rows = await _relation_rows(session, viewer_id, ids)
    now = utcnow()
    result = {}
    for target in targets:
        facts = {"following": None, "followed_by": None, "muting": None}
        flags: set[int] = set()
        note = ""
        for part, _target, state, a, b, at, text in rows.get(target.id, ()):
            if part == PART_FOLLOWING:
                facts["following"] = (state, bool(a), bool(b))
            elif part == PART_FOLLOWED_BY:
                facts["followed_by"] = state
            elif part == PART_MUTING:
                if mute_is_running(at, now):
                    facts["muting"] = bool(a)
            elif part == PART_NOTE:
                note = text or ""
            else:
                flags.add(part)
        follow = facts["following"]
        following = follow is not None and follow[0] == FOLLOW_ACCEPTED
        # Pleroma's subscription and Mastodon's follow ``notify`` are one thing to clients
        # (services/relations/subscriptions.py).
        notifying = bool(following and follow[1]) or PART_SUBSCRIBING in flags
        muting = facts["muting"]
        result[target.id] = {
            "id": str(target.id),
            "following": following,
            "followed_by": facts["followed_by"] == FOLLOW_ACCEPTED,
            "blocking": PART_BLOCKING in flags,
            "blocked_by": PART_BLOCKED_BY in flags,
            "muting": muting is not None,
            "muting_notifications": bool(muting),
            "subscribing": notifying,
            "notifying": notifying,
            "requested": follow is not None and follow[0] == FOLLOW_PENDING,
            "requested_by": facts["followed_by"] == FOLLOW_PENDING,
            "domain_blocking": bool(target.domain) and PART_DOMAIN in flags,
            "showing_reblogs": follow[2] if follow is not None else True,
            "endorsed": PART_ENDORSED in flags,
            "note": note,
        }
    return result
