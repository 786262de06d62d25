"""Deleting a local account for good, and keeping its name from ever being issued again.

The account row goes, and with it (``ON DELETE CASCADE``) everything that hangs off it:
statuses, reblogs, favourites, follows, blocks, tokens, notifications, home entries. Since
the row is gone, no other query (search, directory, counts, lookups) has to know that
deleted accounts exist. What stays is an ``AccountTombstone``: the nickname and the ids the
account was known by (ActivityPub id, profile URL), so that ``check_available`` refuses the
name for ever and no new account inherits the old one's URL or actor id (Pleroma's 2.0.3
advisory; Pleroma keeps the deactivated row instead).

The counters other accounts and statuses keep about the deleted one's rows (followers and
following counts, replies, reblogs, favourites and quotes counts) are recomputed from what
is left, in the same transaction. The caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pyleroma.federation.delivery import enqueue_to_every_known_inbox
from pyleroma.models import (
    Account,
    AccountTombstone,
    Backup,
    Favourite,
    Follow,
    Status,
    StatusReaction,
)
from pyleroma.policy.visibility import OPEN_VISIBILITIES
from pyleroma.services.accounts.backups import remove_files as remove_backup_files
from pyleroma.services.relations.follows import recount_follows
from pyleroma.settings import Settings
from pyleroma.urls import account_url

CHUNK = 500


async def delete_local_account(session: AsyncSession, settings: Settings, account: Account) -> None:
    """Delete ``account`` with everything it owns, leaving its tombstone (no commit)."""
    related_accounts = set(
        (
            await session.execute(
                union(
                    select(Follow.followed_id).where(Follow.follower_id == account.id),
                    select(Follow.follower_id).where(Follow.followed_id == account.id),
                )
            )
        ).scalars()
    )
    own = Status.account_id == account.id
    related_statuses = set(
        (
            await session.execute(
                union(
                    select(Status.in_reply_to_id).where(own, Status.in_reply_to_id.is_not(None)),
                    select(Status.reblog_of_id).where(own, Status.reblog_of_id.is_not(None)),
                    select(Status.quote_id).where(own, Status.quote_id.is_not(None)),
                    select(Favourite.status_id).where(Favourite.account_id == account.id),
                )
            )
        ).scalars()
    )
    backup_files = (
        await session.scalars(select(Backup.file_name).where(Backup.account_id == account.id))
    ).all()
    session.add(
        AccountTombstone(
            nickname_key=account.nickname_key,
            nickname=account.nickname,
            account_id=account.id,
            ap_id=account.ap_id,
            url=account_url(settings, account),
            key_id=account.key_id,
            private_key=account.private_key,
        )
    )
    await session.flush()
    await _federate_deletion(session, settings, account)
    await _delete_reactions(session, account)
    await session.execute(
        delete(Account).where(Account.id == account.id).execution_options(synchronize_session=False)
    )
    if account in session:
        session.expunge(account)
    related_accounts.discard(account.id)
    await recount_follows(session, related_accounts)
    await recount_statuses(session, related_statuses)
    # The backup rows went with the account; their archives hold all of its data and
    # must not outlive it.
    for file_name in backup_files:
        remove_backup_files(settings, file_name)


async def _delete_reactions(session: AsyncSession, account: Account) -> None:
    """The account's emoji reactions, deleted by status rather than by the cascade: the
    status caches hold who reacted (cache/changes.py sees a delete that names its statuses,
    never the database's own cascade)."""
    reacted = set(
        (
            await session.scalars(
                select(StatusReaction.status_id).where(StatusReaction.account_id == account.id)
            )
        ).all()
    )
    if reacted:
        await session.execute(
            delete(StatusReaction)
            .where(
                StatusReaction.status_id.in_(reacted),
                StatusReaction.account_id == account.id,
            )
            .execution_options(synchronize_session=False)
        )


async def _federate_deletion(session: AsyncSession, settings: Settings, account: Account):
    """Delete of the actor to every inbox we know, signed with the key the tombstone keeps
    (the jobs run after the row is gone). An account that never federated has no key and
    nothing out there to delete."""
    if not account.private_key or not account.ap_id:
        return
    document = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{account.ap_id}#delete",
        "type": "Delete",
        "actor": account.ap_id,
        "object": account.ap_id,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }
    await enqueue_to_every_known_inbox(session, settings, document, account.id)


async def recount_statuses(session: AsyncSession, status_ids: Iterable[int]) -> None:
    """Recompute the replies, reblogs, favourites and quotes counts of ``status_ids`` from
    the rows that remain (replies: those anyone may see, as posting counts them)."""
    other = aliased(Status, name="counted")

    def count(*where):
        return select(func.count()).where(*where).correlate(Status).scalar_subquery()

    values = {
        "replies_count": count(
            other.in_reply_to_id == Status.id, other.visibility.in_(OPEN_VISIBILITIES)
        ),
        "reblogs_count": count(other.reblog_of_id == Status.id),
        "quotes_count": count(other.quote_id == Status.id),
        "favourites_count": select(func.count())
        .select_from(Favourite)
        .where(Favourite.status_id == Status.id)
        .correlate(Status)
        .scalar_subquery(),
    }
    ids = sorted(set(status_ids))
    for start in range(0, len(ids), CHUNK):
        await session.execute(
            update(Status)
            .where(Status.id.in_(ids[start : start + CHUNK]))
            .values(values)
            .execution_options(synchronize_session=False)
        )
