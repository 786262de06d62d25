"""Relation rules between accounts, written once: who follows whom, which mutes are in force.

Each is an SQL expression (to put in any statement, built once or not) and, where code asks
one question about two known accounts, a function that answers it. Visibility
(policy/visibility.py), timelines, notifications, search and posting all use these.

Each EXISTS names the one table it owns (``correlate_except``): everything else it mentions
comes from the enclosing query at any depth (the home fan-out puts the recipient, a column,
two levels down).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pyleroma.models import Follow, Mute
from pyleroma.models.relationship import FOLLOW_ACCEPTED

_FOLLOW = aliased(Follow, name="rel_follow")
_FOLLOW_PREFS = aliased(Follow, name="rel_follow_prefs")


def follows(follower, followed):
    """SQL: ``follower`` follows ``followed`` (an accepted follow; a request is not one).
    Either may be an id, a column or a bound parameter."""
    follow = _FOLLOW
    return (
        exists()
        .where(
            follow.follower_id == follower,
            follow.followed_id == followed,
            follow.state == FOLLOW_ACCEPTED,
        )
        .correlate_except(follow)
    )


def hides_reblogs(follower, booster):
    """SQL: ``follower`` follows ``booster`` with reblogs hidden (``show_reblogs`` false)."""
    follow = _FOLLOW_PREFS
    return (
        exists()
        .where(
            follow.follower_id == follower,
            follow.followed_id == booster,
            follow.show_reblogs.is_(False),
        )
        .correlate_except(follow)
    )


def mute_in_force(now, mute=Mute):
    """SQL: the ``mute`` row still runs at ``now`` (no end, or an end still to come). An
    ended timed mute is no mute at all, everywhere. In a statement built once, ``now`` must
    be a bound parameter (services/timelines/prepared_pages.py ``NOW``), never the time it was
    built."""
    return or_(mute.expires_at.is_(None), mute.expires_at > now)


async def is_following(session: AsyncSession, follower_id: int, followed_id: int) -> bool:
    return bool(await session.scalar(select(follows(follower_id, followed_id))))


def mute_is_running(expires_at: dt.datetime | None, now: dt.datetime) -> bool:
    """``mute_in_force`` for a row already read."""
    return expires_at is None or expires_at > now
