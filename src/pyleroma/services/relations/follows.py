"""Following: follow, unfollow, follow requests, removing followers, and the two counters.

``Account.followers_count`` and ``Account.following_count`` count *accepted* follows. They
are changed by ``UPDATE ... SET n = n + 1`` in the same transaction as the follow row, and
only by as many rows as the statement that changed the follows reports (inserted, deleted
or switched from pending to accepted). Two concurrent requests therefore can neither count
one follow twice nor lose one: the unique (follower, followed) pair and the row lock on the
account serialise them. ``recount_follows`` recomputes both counters from scratch for
repairs (CLI, admin, imports).

Every verb here validates with ``check_*`` first, then runs its activity (Follow, Undo,
Accept, Reject) through the pipeline, which writes, counts, notifies, federates and
commits (activities/handlers/relations.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities import pipeline
from pyleroma.activities.build import build_accept, build_follow, build_reject, build_undo_of
from pyleroma.activities.context import PipelineContext
from pyleroma.db.paging import Page, in_display_order, paginate
from pyleroma.errors import BadRequest, Forbidden, NotFound
from pyleroma.models import Account, Block, Follow
from pyleroma.models.relationship import FOLLOW_ACCEPTED, FOLLOW_PENDING
from pyleroma.services.accounts.accounts import find_account
from pyleroma.services.relations import subscriptions
from pyleroma.settings import Settings


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


async def follow(
    session: AsyncSession,
    settings: Settings,
    follower: Account,
    followed: Account,
    *,
    reblogs: bool | None = None,
    notify: bool | None = None,
    commit: bool = True,
) -> Follow:
    """Follow (or ask to follow) ``followed``; following again updates reblogs/notify.

    ``None`` leaves a setting as it is (new follows: reblogs shown, no notifications).
    ``commit=False``: for a job, whose runner commits (jobs/import_jobs.py).
    ``notify=False`` also ends a Pleroma subscription (the same switch to a Mastodon client:
    services/relations/subscriptions.py).
    """
    await check_can_follow(session, follower, followed)
    if notify is False:
        await subscriptions.drop(session, follower.id, followed.id)
    activity = build_follow(settings, follower, followed, reblogs=reblogs, notify=notify)
    return await pipeline.run(PipelineContext(session, settings), activity, commit=commit)


async def unfollow(
    session: AsyncSession, settings: Settings, follower: Account, followed: Account
) -> None:
    """Stop following, or withdraw a pending request; a no-op when there is neither.

    Idempotent (as Mastodon) rather than Pleroma's "Not subscribed!" error, so a client
    retrying a request it thinks failed gets the relationship instead of an error.
    """
    check_not_self(follower, followed, "Can not unfollow yourself")
    undo = build_undo_of(settings, "Follow", follower, followed)
    await pipeline.run(PipelineContext(session, settings), undo)


async def remove_from_followers(
    session: AsyncSession, settings: Settings, followed: Account, follower: Account
) -> None:
    """Make ``follower`` stop following ``followed`` (the owner's side of unfollow); it
    federates as a Reject of the follow, as Mastodon sends it."""
    check_not_self(followed, follower, "Can not unfollow yourself")
    reject = build_reject(settings, followed, follower, any_state=True)
    await pipeline.run(PipelineContext(session, settings), reject)


async def authorize_follow_request(
    session: AsyncSession, settings: Settings, followed: Account, follower: Account
) -> None:
    """Accept ``follower``'s pending request; 404 when there is no request.

    Authorizing an already accepted follow is a no-op, so a double click is harmless.
    """
    accept = build_accept(settings, followed, follower)
    if not await pipeline.run(PipelineContext(session, settings), accept):
        raise NotFound("Record not found")


async def reject_follow_request(
    session: AsyncSession, settings: Settings, followed: Account, follower: Account
) -> None:
    """Refuse ``follower``'s pending request; 404 when there is no pending request."""
    reject = build_reject(settings, followed, follower)
    if not await pipeline.run(PipelineContext(session, settings), reject):
        raise NotFound("Record not found")


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
