"""An admin making one account follow or unfollow another (``POST /api/pleroma/admin/users/
follow`` and ``/unfollow``), logged ``follow`` / ``unfollow`` with ``follower`` and
``followed``.

The follow is the follower's own (services/relations/follows.py): the Follow runs through
the activity pipeline, so a remote target gets it delivered and answers with its Accept,
and a locked account gets a follow request, as if the follower had asked. Pleroma's
``User.follow`` writes an accepted follow row instead, which a remote server never hears
of. Only a local account can be made to follow (we cannot speak for another server's
accounts); the follow service's own refusals stand (yourself, across a block). Unfollowing
is a no-op when there is no follow. Nothing is written or logged when refused.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.errors import NotFound, Unprocessable
from pyleroma.models import Account
from pyleroma.services.accounts.accounts import find_by_nickname
from pyleroma.services.moderation.moderation_log import log_action, user_map
from pyleroma.services.relations import follows
from pyleroma.settings import Settings

NOT_FOUND = "Not found"
REMOTE_FOLLOWER = (
    "follower: must be a local account (another server's accounts follow by themselves)"
)


async def find_pair(
    session: AsyncSession, follower: str | None, followed: str | None
) -> tuple[Account, Account]:
    """The two accounts, by nickname: 422 when one is not named, 404 when unknown."""
    if not follower:
        raise Unprocessable("follower: can't be blank")
    if not followed:
        raise Unprocessable("followed: can't be blank")
    pair = (await find_by_nickname(session, follower), await find_by_nickname(session, followed))
    if pair[0] is None or pair[1] is None:
        raise NotFound(NOT_FOUND)
    if not pair[0].local:
        raise Unprocessable(REMOTE_FOLLOWER)
    return pair  # type: ignore[return-value]


async def follow(
    session: AsyncSession, settings: Settings, actor: Account, follower: Account, followed: Account
) -> None:
    """Make ``follower`` follow ``followed`` and log it; commits (the follow's transaction)."""
    if not follower.is_active or not followed.is_active:
        raise NotFound(NOT_FOUND)  # nobody starts a relationship with an account that is gone
    await follows.follow(session, settings, follower, followed, commit=False)
    await log_action(
        session, actor, "follow", follower=user_map(follower), followed=user_map(followed)
    )
    await session.commit()


async def unfollow(
    session: AsyncSession, settings: Settings, actor: Account, follower: Account, followed: Account
) -> None:
    """Make ``follower`` stop following ``followed`` and log it; commits.

    The entry is added first: ``follows.unfollow`` commits the Undo, and the entry with it
    (a refusal rolls both back)."""
    await log_action(
        session, actor, "unfollow", follower=user_map(follower), followed=user_map(followed)
    )
    await follows.unfollow(session, settings, follower, followed)
