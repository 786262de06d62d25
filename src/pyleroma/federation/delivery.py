"""Deliveries of local activities: which inboxes, one durable job per inbox.

The pipeline calls ``enqueue_deliveries`` in the activity's transaction, so the jobs exist
exactly when the activity does. Recipients are accounts: remote ones only (local accounts
already have the activity), each at its shared inbox when it has one, else its own inbox;
"followers" means every remote account with an accepted follow of the signing actor. One
inbox gets one job however many of its accounts are addressed (Pleroma's and Mastodon's
shared inbox deduplication). The job itself (jobs/deliver_jobs.py) signs and POSTs.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities import mrf
from pyleroma.activities.activity import Activity
from pyleroma.activities.effects import Delivery
from pyleroma.federation.activity_to_as import activity_json
from pyleroma.federation.instances import host_of
from pyleroma.jobs.queue import enqueue
from pyleroma.models import Account, Follow, Status
from pyleroma.models.relationship import FOLLOW_ACCEPTED
from pyleroma.settings import Settings

DELIVER_JOB = "federation.deliver"
DELIVER_QUEUE = "federation_out"

_INBOX = func.coalesce(Account.shared_inbox, Account.inbox)


def _statuses_named(activity: Activity) -> list[Status]:
    found = []
    while activity is not None:
        if isinstance(activity.object, Status):
            found.append(activity.object)
        activity = activity.object if isinstance(activity.object, Activity) else None
    return found


async def _authors(session: AsyncSession, activity: Activity) -> dict[int, str]:
    ids = {status.account_id for status in _statuses_named(activity)}
    if not ids:
        return {}
    rows = await session.execute(select(Account.id, Account.ap_id).where(Account.id.in_(ids)))
    return {row.id: row.ap_id for row in rows}


async def inboxes_for(
    session: AsyncSession, recipient_ids: list[int], followers_of: int | None
) -> list[str]:
    """The distinct inboxes of the remote ``recipient_ids`` and of the remote followers."""
    inboxes: set[str] = set()
    if recipient_ids:
        rows = await session.execute(
            select(_INBOX).where(
                Account.id.in_(set(recipient_ids)),
                Account.local.is_(False),
                _INBOX.is_not(None),
            )
        )
        inboxes.update(rows.scalars())
    if followers_of is not None:
        rows = await session.execute(
            select(_INBOX)
            .join(Follow, Follow.follower_id == Account.id)
            .where(
                Follow.followed_id == followers_of,
                Follow.state == FOLLOW_ACCEPTED,
                Account.local.is_(False),
                _INBOX.is_not(None),
            )
            .distinct()
        )
        inboxes.update(rows.scalars())
    return sorted(inboxes)


async def _ensure_signing_key(session: AsyncSession, account_id: int) -> None:
    """The signer's key pair exists before its delivery jobs do (made here, in the
    activity's transaction, at most once), so a hundred jobs starting at once never race
    to make it."""
    from pyleroma.federation.keys import ensure_keys

    account = await session.get(Account, account_id)
    if account is not None and account.local and account.private_key is None:
        await ensure_keys(session, account)


async def enqueue_deliveries(
    session: AsyncSession, settings: Settings, activity: Activity, deliveries: list[Delivery]
) -> int:
    """One job per inbox for each delivery of ``activity``; returns how many were queued.

    A remote activity is never sent on as it is rendered here: what its handler delivers
    is a document of its own (the Accept of a Follow), or the activity's JSON as it
    arrived, forwarded to a local author's followers (federation/forwarding.py).
    """
    from pyleroma.services.instance.features import federates

    if not federates(settings):  # switched off by the admin: nothing leaves
        return 0
    blocked = mrf.rejected_hosts(settings)
    queued = 0
    document = None
    for delivery in deliveries:
        if delivery.activity is None and not activity.local:
            continue
        signer_id = delivery.actor_id or activity.actor.id
        inboxes = await inboxes_for(
            session, delivery.recipient_ids, signer_id if delivery.to_followers else None
        )
        if delivery.to_relays:
            inboxes = await _with_relay_inboxes(session, settings, inboxes)
        if not inboxes:
            continue
        await _ensure_signing_key(session, signer_id)
        body = delivery.activity
        if body is None:
            if document is None:
                document = activity_json(settings, activity, await _authors(session, activity))
            body = document
        for inbox in inboxes:
            if blocked.matches(host_of(inbox)):  # an instance block: nothing goes there
                continue
            if delivery.exclude_hosts and host_of(inbox) in delivery.exclude_hosts:
                continue
            args = {"inbox": inbox, "actor_id": signer_id, "activity": body}
            await enqueue(session, DELIVER_JOB, args, queue=DELIVER_QUEUE)
            queued += 1
    return queued


async def _with_relay_inboxes(
    session: AsyncSession, settings: Settings, inboxes: list[str]
) -> list[str]:
    """``inboxes`` and the followed relays' (each once). What a relay gets is the post's
    own Create, Update or Delete, signed by its author, as Mastodon sends it: a
    Mastodon-style relay forwards that as it is, and a LitePub relay (activityrelay,
    Pleroma's) announces the post it names, so one document suits both kinds."""
    from pyleroma.federation.relay import relay_inboxes

    relays = await relay_inboxes(session, settings)
    return sorted(set(inboxes) | set(relays)) if relays else inboxes


async def enqueue_to_every_known_inbox(
    session: AsyncSession, settings: Settings, document: dict, signer_id: int
) -> int:
    """One job per distinct inbox of every remote account we know (an account deletion:
    Pleroma and Mastodon send its Delete that widely, so copies everywhere go)."""
    from pyleroma.services.instance.features import federates

    if not federates(settings):
        return 0
    rows = await session.execute(
        select(_INBOX).where(Account.local.is_(False), _INBOX.is_not(None)).distinct()
    )
    blocked = mrf.rejected_hosts(settings)
    queued = 0
    for inbox in sorted(rows.scalars()):
        if blocked.matches(host_of(inbox)):
            continue
        args = {"inbox": inbox, "actor_id": signer_id, "activity": document}
        await enqueue(session, DELIVER_JOB, args, queue=DELIVER_QUEUE)
        queued += 1
    return queued
