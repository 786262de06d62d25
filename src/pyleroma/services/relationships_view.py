"""Loading what one viewer's relationships to many accounts are, in one query per kind.

Used by the Relationship entity, by ``pleroma.relationship`` embedded in accounts and by
any list of accounts, so that rendering N accounts costs a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.models import (
    Account,
    AccountNote,
    Block,
    DomainBlock,
    Endorsement,
    Follow,
    Mute,
)
from pyleroma.models.relationship import FOLLOW_ACCEPTED, FOLLOW_PENDING


async def load_relationships(
    session: AsyncSession, viewer_id: int, targets: Iterable[Account]
) -> dict[int, dict]:
    """Relationship dicts (Mastodon's Relationship entity) keyed by target id."""
    targets = list(targets)
    ids = [t.id for t in targets]
    if not ids:
        return {}

    async def pairs(stmt):
        return (await session.execute(stmt)).all()

    outgoing = {
        row.followed_id: row
        for row in (
            await session.execute(
                select(Follow).where(Follow.follower_id == viewer_id, Follow.followed_id.in_(ids))
            )
        ).scalars()
    }
    incoming = {
        row.follower_id: row.state
        for row in await pairs(
            select(Follow.follower_id, Follow.state).where(
                Follow.followed_id == viewer_id, Follow.follower_id.in_(ids)
            )
        )
    }
    blocking = {
        r.target_id
        for r in await pairs(
            select(Block.target_id).where(Block.account_id == viewer_id, Block.target_id.in_(ids))
        )
    }
    blocked_by = {
        r.account_id
        for r in await pairs(
            select(Block.account_id).where(Block.target_id == viewer_id, Block.account_id.in_(ids))
        )
    }
    now = utcnow()
    mutes = {
        r.target_id: r.hide_notifications
        for r in await pairs(
            select(Mute.target_id, Mute.hide_notifications).where(
                Mute.account_id == viewer_id,
                Mute.target_id.in_(ids),
                (Mute.expires_at.is_(None)) | (Mute.expires_at > now),
            )
        )
    }
    endorsed = {
        r.target_id
        for r in await pairs(
            select(Endorsement.target_id).where(
                Endorsement.account_id == viewer_id, Endorsement.target_id.in_(ids)
            )
        )
    }
    notes = {
        r.target_id: r.comment
        for r in await pairs(
            select(AccountNote.target_id, AccountNote.comment).where(
                AccountNote.account_id == viewer_id, AccountNote.target_id.in_(ids)
            )
        )
    }
    domains = {t.domain for t in targets if t.domain}
    blocked_domains = set()
    if domains:
        blocked_domains = {
            r.domain
            for r in await pairs(
                select(DomainBlock.domain).where(
                    DomainBlock.account_id == viewer_id, DomainBlock.domain.in_(domains)
                )
            )
        }

    result = {}
    for target in targets:
        follow = outgoing.get(target.id)
        following = follow is not None and follow.state == FOLLOW_ACCEPTED
        notifying = bool(follow and follow.notify and following)
        result[target.id] = {
            "id": str(target.id),
            "following": following,
            "followed_by": incoming.get(target.id) == FOLLOW_ACCEPTED,
            "blocking": target.id in blocking,
            "blocked_by": target.id in blocked_by,
            "muting": target.id in mutes,
            "muting_notifications": bool(mutes.get(target.id, False)),
            "subscribing": notifying,
            "notifying": notifying,
            "requested": follow is not None and follow.state == FOLLOW_PENDING,
            "requested_by": incoming.get(target.id) == FOLLOW_PENDING,
            "domain_blocking": target.domain in blocked_domains if target.domain else False,
            "showing_reblogs": follow.show_reblogs if follow is not None else True,
            "endorsed": target.id in endorsed,
            "note": notes.get(target.id, ""),
        }
    return result
