"""Accounts deleted by an admin (``DELETE /api/pleroma/admin/users``), logged ``delete``.

- A local account goes the way ``POST /api/pleroma/delete_account`` takes it
  (services/accounts/account_management.py): deactivated and signed out in this
  transaction, then the "accounts.delete" job removes its content a batch at a time and
  finally the account itself (services/accounts/account_deletion.py ``delete_local_account``:
  its tombstone keeps the nickname from being taken again, a Delete of the actor goes to
  every known inbox). Pleroma deletes in a background job too. Reactivating the account
  before the job is done stops the deletion there.
- A remote account is removed as if it had deleted itself (Pleroma's ``User.delete`` of a
  remote user): each local follower's follow is undone (an Undo delivered to its server,
  which would otherwise keep delivering), then its follows both ways, its favourites and
  its statuses go (activities/handlers/remote_deletes.py ``delete_remote_account``). Its row
  stays, deactivated, so that its next activity is refused rather than bringing it back
  (Pleroma deletes the row and takes the account back on its next activity).

An admin cannot delete their own account here (``POST /api/pleroma/delete_account`` does
that, with the password), nor the instance's own service actors (the relay actor: a local
``Application``). The caller commits.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities import pipeline
from pyleroma.activities.build import build_undo_of
from pyleroma.activities.context import PipelineContext
from pyleroma.errors import Forbidden
from pyleroma.jobs.queue import enqueue
from pyleroma.models import Account, Follow
from pyleroma.services.accounts.account_management import DELETE_ACCOUNT_JOB
from pyleroma.services.accounts.passwords import end_sessions
from pyleroma.services.moderation.moderation_log import log_action, user_map
from pyleroma.settings import Settings
from pyleroma.streaming.events import emit

OWN_ACCOUNT = "You can't delete your own account here: use /api/pleroma/delete_account."
SERVICE_ACTOR = "@{} is this instance's own service actor: it cannot be deleted."


async def _delete_local(session: AsyncSession, account: Account) -> None:
    account.is_active = False
    await end_sessions(session, account)
    await enqueue(
        session,
        DELETE_ACCOUNT_JOB,
        {"account_id": account.id},
        unique_key=f"{DELETE_ACCOUNT_JOB}:{account.id}",
    )


async def _delete_remote(session: AsyncSession, settings: Settings, account: Account) -> None:
    from pyleroma.activities.handlers.remote_deletes import delete_remote_account

    ctx = PipelineContext(session, settings)
    followers = await session.scalars(
        select(Account)
        .join(Follow, Follow.follower_id == Account.id)
        .where(Follow.followed_id == account.id, Account.local.is_(True))
    )
    for follower in list(followers):
        await pipeline.run(ctx, build_undo_of(settings, "Follow", follower, account), commit=False)
    effects = await delete_remote_account(ctx, account)
    for kind, args, options in effects.jobs:
        await enqueue(session, kind, args, **options)
    for event in effects.events:
        emit(session, event)
    account.statuses_count = 0


async def delete_users(
    session: AsyncSession, settings: Settings, actor: Account, accounts: list[Account]
) -> None:
    """Delete ``accounts`` (see the module docstring) and log it; nothing when empty."""
    if any(a.id == actor.id for a in accounts):
        raise Forbidden(OWN_ACCOUNT)
    for account in accounts:
        if account.local and account.actor_type == "Application":
            raise Forbidden(SERVICE_ACTOR.format(account.nickname))
    if not accounts:
        return
    subject = [user_map(a) for a in accounts]
    for account in accounts:
        if account.local:
            await _delete_local(session, account)
        else:
            await _delete_remote(session, settings, account)
    await log_action(session, actor, "delete", subject=subject)
