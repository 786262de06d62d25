"""Following: follow, unfollow, follow requests, removing followers, and the two counters.

``Account.followers_count`` and ``Account.following_count`` count *accepted* follows. They
are changed by ``UPDATE ... SET n = n + 1`` in the same transaction as the follow row, and
only by as many rows as the statement that changed the follows reports (inserted, deleted
or switched from pending to accepted). Two concurrent requests therefore can neither count
one follow twice nor lose one: the unique (follower, followed) pair and the row lock on the
account serialise them. ``recount_follows`` recomputes both counters from scratch for
repairs (CLI, admin, imports).

Every verb here validates with ``check_*`` first and commits at its end.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.ids import new_id
from pyleroma.db.paging import Page, in_display_order, paginate
from pyleroma.db.upsert import insert_or_ignore
from pyleroma.errors import BadRequest, Forbidden, NotFound
from pyleroma.models import Account, Block, Endorsement, Follow
from pyleroma.models.relationship import FOLLOW_ACCEPTED, FOLLOW_PENDING
from pyleroma.services.accounts.accounts import find_account
from pyleroma.services.notifications.notifications import (
    follow_request_accepted,
    follow_request_dropped,
)
from pyleroma.services.notifications.notifications import notify as send_notification
from pyleroma.services.timelines.home_timeline import enqueue_backfill, purge_unfollowed
from pyleroma.streaming.events import emit


def emit_relationship(session: AsyncSession, state: str, follower_id: int, followed_id: int):
    """Pleroma's ``pleroma:follow_relationships_update`` for the follower's streams; states
    as Akkoma's: follow_pending, follow_accept, unfollow (a rejected request too)."""
    emit(
        session,
        {
            "type": "follow_relationship",
            "state": state,
            "follower_id": follower_id,
            "following_id": followed_id,
        },
    )


async def get_target(session: AsyncSession, ident: str) -> Account:
    """The account a relationship action is aimed at, by id or nickname.

    Unknown, malformed and deactivated accounts are all "Record not found", as in Pleroma:
    nobody can start (or see) a relationship with an account that is gone.
    """
    account = await find_account(session, ident)
    if account is None or not account.is_active:
        raise NotFound("Record not found")
    return account


def check_not_self(actor: Account, target: Account, message: str) -> None:
    if actor.id == target.id:
        raise BadRequest(message)


async def _blocks(session: AsyncSession, blocker_id: int, blocked_id: int) -> bool:
    found = await session.scalar(
        select(Block.id).where(Block.account_id == blocker_id, Block.target_id == blocked_id)
    )
    return found is not None


async def check_can_follow(session: AsyncSession, follower: Account, followed: Account) -> None:
    """Refuse following yourself or across a block (either direction)."""
    check_not_self(follower, followed, "Can not follow yourself")
    if await _blocks(session, followed.id, follower.id):
        raise Forbidden(f"Could not follow user: {followed.nickname} blocked you.")
    if await _blocks(session, follower.id, followed.id):
        raise Forbidden(f"Could not follow user: You are blocking {followed.nickname}.")


async def get_follow(session: AsyncSession, follower_id: int, followed_id: int) -> Follow | None:
    return (
        await session.execute(
            select(Follow).where(
                Follow.follower_id == follower_id, Follow.followed_id == followed_id
            )
        )
    ).scalar_one_or_none()


async def bump_counts(session: AsyncSession, follower_id: int, followed_id: int, delta: int):
    """Add ``delta`` accepted follows from ``follower_id`` to ``followed_id`` to the counters."""
    if delta == 0:
        return
    await session.execute(
        update(Account)
        .where(Account.id == follower_id)
        .values(following_count=Account.following_count + delta)
    )
    await session.execute(
        update(Account)
        .where(Account.id == followed_id)
        .values(followers_count=Account.followers_count + delta)
    )


async def drop_follow(
    session: AsyncSession, follower_id: int, followed_id: int, *, only_state: str | None = None
) -> str | None:
    """Delete the follow (optionally only in ``only_state``) and keep the counters right.

    An endorsement requires following, so the follower's endorsement of the followed goes
    with the follow. Returns the state of the deleted row, None if there was none. Does not
    commit: block, unfollow and the others compose it into their own transaction.
    """
    stmt = delete(Follow).where(
        Follow.follower_id == follower_id, Follow.followed_id == followed_id
    )
    if only_state is not None:
        stmt = stmt.where(Follow.state == only_state)
    states = (await session.execute(stmt.returning(Follow.state))).scalars().all()
    if not states:
        return None
    emit_relationship(session, "unfollow", follower_id, followed_id)
    if states[0] == FOLLOW_ACCEPTED:
        await bump_counts(session, follower_id, followed_id, -1)
        await purge_unfollowed(session, follower_id, followed_id)
    else:
        # A withdrawn, rejected or blocked request leaves nothing to answer.
        await follow_request_dropped(session, followed_id, follower_id)
    await session.execute(
        delete(Endorsement).where(
            Endorsement.account_id == follower_id, Endorsement.target_id == followed_id
        )
    )
    return states[0]


def needs_approval(followed: Account) -> bool:
    """A follow starts pending when the followed must (or, remote, will) answer it.

    Locked local accounts approve requests by hand; a remote account answers with an
    Accept over federation, so until then the follow is a request.
    """
    return followed.locked or not followed.local


async def follow(
    session: AsyncSession,
    follower: Account,
    followed: Account,
    *,
    reblogs: bool | None = None,
    notify: bool | None = None,
) -> Follow:
    """Follow (or ask to follow) ``followed``; following again updates reblogs/notify.

    ``None`` leaves a setting as it is (new follows: reblogs shown, no notifications).
    """
    await check_can_follow(session, follower, followed)
    state = FOLLOW_PENDING if needs_approval(followed) else FOLLOW_ACCEPTED
    created = await insert_or_ignore(
        session,
        Follow,
        {
            "id": new_id(),
            "follower_id": follower.id,
            "followed_id": followed.id,
            "state": state,
            "show_reblogs": True if reblogs is None else reblogs,
            "notify": False if notify is None else notify,
        },
        ("follower_id", "followed_id"),
    )
    if created:
        if state == FOLLOW_ACCEPTED:
            await bump_counts(session, follower.id, followed.id, 1)
            await enqueue_backfill(session, follower.id, followed.id)
        kind = "follow" if state == FOLLOW_ACCEPTED else "follow_request"
        await send_notification(session, followed, follower.id, kind)
        accepted = state == FOLLOW_ACCEPTED
        emit_relationship(
            session, "follow_accept" if accepted else "follow_pending", follower.id, followed.id
        )
    else:
        changes = {}
        if reblogs is not None:
            changes["show_reblogs"] = reblogs
        if notify is not None:
            changes["notify"] = notify
        if changes:
            await session.execute(
                update(Follow)
                .where(Follow.follower_id == follower.id, Follow.followed_id == followed.id)
                .values(**changes)
            )
    row = await get_follow(session, follower.id, followed.id)
    await session.commit()
    return row


async def unfollow(session: AsyncSession, follower: Account, followed: Account) -> None:
    """Stop following, or withdraw a pending request; a no-op when there is neither.

    Idempotent (as Mastodon) rather than Pleroma's "Not subscribed!" error, so a client
    retrying a request it thinks failed gets the relationship instead of an error.
    """
    check_not_self(follower, followed, "Can not unfollow yourself")
    await drop_follow(session, follower.id, followed.id)
    await session.commit()


async def remove_from_followers(
    session: AsyncSession, followed: Account, follower: Account
) -> None:
    """Make ``follower`` stop following ``followed`` (the owner's side of unfollow)."""
    check_not_self(followed, follower, "Can not unfollow yourself")
    await drop_follow(session, follower.id, followed.id)
    await session.commit()


async def authorize_follow_request(
    session: AsyncSession, followed: Account, follower: Account
) -> None:
    """Accept ``follower``'s pending request; 404 when there is no request.

    Authorizing an already accepted follow is a no-op, so a double click is harmless.
    """
    result = await session.execute(
        update(Follow)
        .where(
            Follow.follower_id == follower.id,
            Follow.followed_id == followed.id,
            Follow.state == FOLLOW_PENDING,
        )
        .values(state=FOLLOW_ACCEPTED)
        .returning(Follow.id)
    )
    if result.first() is not None:
        await bump_counts(session, follower.id, followed.id, 1)
        await follow_request_accepted(session, followed.id, follower.id)
        await enqueue_backfill(session, follower.id, followed.id)
        emit_relationship(session, "follow_accept", follower.id, followed.id)
    else:
        existing = await get_follow(session, follower.id, followed.id)
        if existing is None:
            raise NotFound("Record not found")
    await session.commit()


async def reject_follow_request(
    session: AsyncSession, followed: Account, follower: Account
) -> None:
    """Refuse ``follower``'s pending request; 404 when there is no pending request."""
    state = await drop_follow(session, follower.id, followed.id, only_state=FOLLOW_PENDING)
    if state is None:
        raise NotFound("Record not found")
    await session.commit()


async def recount_follows(session: AsyncSession, account_ids: Iterable[int]) -> None:
    """Recompute both counters of ``account_ids`` from the follows table (repairs)."""
    for account_id in set(account_ids):
        followers = (
            select(func.count())
            .select_from(Follow)
            .where(Follow.followed_id == account_id, Follow.state == FOLLOW_ACCEPTED)
            .scalar_subquery()
        )
        following = (
            select(func.count())
            .select_from(Follow)
            .where(Follow.follower_id == account_id, Follow.state == FOLLOW_ACCEPTED)
            .scalar_subquery()
        )
        await session.execute(
            update(Account)
            .where(Account.id == account_id)
            .values(followers_count=followers, following_count=following)
            .execution_options(synchronize_session="fetch")
        )


# --- lists ---------------------------------------------------------------------------------


async def _accounts_page(session: AsyncSession, stmt, page: Page) -> list[tuple[Account, int]]:
    """Run a (Account, Follow.id) select paginated by the follow id, newest first."""
    rows = (await session.execute(paginate(stmt, Follow.id, page))).all()
    return [(row[0], row[1]) for row in in_display_order(rows, page)]


async def _follow_accounts(
    session: AsyncSession, account: Account, page: Page, *, incoming: bool, state: str
) -> list[tuple[Account, int]]:
    """Active accounts on the other end of ``account``'s follows in ``state``: those who
    follow it (``incoming``) or those it follows, with the follow ids that page them."""
    other, mine = (
        (Follow.follower_id, Follow.followed_id)
        if incoming
        else (Follow.followed_id, Follow.follower_id)
    )
    stmt = (
        select(Account, Follow.id)
        .join(Follow, other == Account.id)
        .where(mine == account.id, Follow.state == state, Account.is_active.is_(True))
    )
    return await _accounts_page(session, stmt, page)


async def list_followers(
    session: AsyncSession, account: Account, page: Page
) -> list[tuple[Account, int]]:
    """Active accounts following ``account``, with the follow ids that page them."""
    return await _follow_accounts(session, account, page, incoming=True, state=FOLLOW_ACCEPTED)


async def list_following(
    session: AsyncSession, account: Account, page: Page
) -> list[tuple[Account, int]]:
    """Active accounts ``account`` follows, with the follow ids that page them."""
    return await _follow_accounts(session, account, page, incoming=False, state=FOLLOW_ACCEPTED)


async def list_follow_requests(
    session: AsyncSession, account: Account, page: Page
) -> list[tuple[Account, int]]:
    """Active accounts waiting for ``account`` to answer their follow request."""
    return await _follow_accounts(session, account, page, incoming=True, state=FOLLOW_PENDING)
