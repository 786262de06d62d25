"""The counters only an account's owner sees on its CredentialAccount, in one statement.

``verify_credentials`` (every client calls it at start) shows pending follow requests,
unread conversations and unseen notifications: three counts, read as three scalar
subqueries of one statement built once (docs/read_path.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BigInteger, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.fastread import Prepared, reader
from pyleroma.models import ConversationParticipation, Follow, Notification
from pyleroma.models.relationship import FOLLOW_PENDING

_OWNER = bindparam("account_id", type_=BigInteger)


def _count(model, *conditions):
    return select(func.count()).select_from(model).where(*conditions).scalar_subquery()


_COUNTS = Prepared(
    select(
        _count(Follow, Follow.followed_id == _OWNER, Follow.state == FOLLOW_PENDING),
        _count(
            ConversationParticipation,
            ConversationParticipation.account_id == _OWNER,
            ConversationParticipation.read.is_(False),
        ),
        _count(Notification, Notification.account_id == _OWNER, Notification.seen.is_(False)),
    )
)


@dataclass(frozen=True)
class CredentialCounts:
    follow_requests: int
    unread_conversations: int
    unread_notifications: int


async def credential_counts(session: AsyncSession, account_id: int) -> CredentialCounts:
    """The owner's three counters (unseen notifications counted raw, as Pleroma)."""
    [row] = await (await reader(session)).one(_COUNTS, {"account_id": account_id})
    return CredentialCounts(*(value or 0 for value in row))
