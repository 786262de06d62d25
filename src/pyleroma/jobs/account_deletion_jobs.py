"""Job kind "accounts.delete" ``{"account_id", "round"?}``: deleting an account that asked
for it (``POST /api/pleroma/delete_account``, services/accounts/account_management.py).

Each run removes one batch of the account's content (services/accounts/account_removal.py)
and queues the next round, so a large account is many short transactions and a retry
redoes at most one batch; the round that finds nothing left deletes the account itself
(services/accounts/account_deletion.py: its tombstone keeps the nickname, a Delete of the
actor goes to every known inbox).

The request deactivated the account. Should an admin reactivate it before the job is done
(``pyleroma user activate``), the deletion stops there: what was already removed stays
removed, the account stays.
"""

from __future__ import annotations

import logging

from pyleroma.db.ids import parse_id
from pyleroma.jobs.queue import enqueue
from pyleroma.jobs.registry import DiscardJob, JobContext, register
from pyleroma.models import Account
from pyleroma.services.accounts import account_removal
from pyleroma.services.accounts.account_deletion import delete_local_account
from pyleroma.services.accounts.account_management import DELETE_ACCOUNT_JOB

log = logging.getLogger("pyleroma.accounts")


@register(DELETE_ACCOUNT_JOB, max_attempts=10, timeout=600)
async def delete_account(ctx: JobContext) -> None:
    session = ctx.session
    account_id = parse_id(ctx.args.get("account_id"))
    round_ = parse_id(ctx.args.get("round")) or 0
    account = await session.get(Account, account_id) if account_id else None
    if account is None:
        raise DiscardJob("the account is already gone")
    if not account.local:
        raise DiscardJob("not a local account")
    if account.is_active:
        log.info("account %s was reactivated: its deletion stops", account.id)
        raise DiscardJob("the account was reactivated")
    if await account_removal.remove_batch(session, ctx.settings, account, account_removal.BATCH):
        await enqueue(
            session,
            DELETE_ACCOUNT_JOB,
            {"account_id": account.id, "round": round_ + 1},
            unique_key=f"{DELETE_ACCOUNT_JOB}:{account.id}:{round_ + 1}",
        )
        return
    await delete_local_account(session, ctx.settings, account)
    log.info("deleted account %s (%s)", account.id, account.nickname)
