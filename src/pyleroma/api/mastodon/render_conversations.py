"""The Conversation entity (Mastodon) with Pleroma's ``pleroma.recipients``.

Shapes as Pleroma's conversation view:

- ``id``: the participation id (what ``pleroma.direct_conversation_id`` renders on statuses);
- ``accounts``: the participation's recipients except the viewer, or just the viewer when
  they write only to themselves;
- ``unread``: the participation is not read;
- ``last_status``: the conversation's latest direct post, rendered like any status, or null
  when the viewer may no longer see it (deleted, author blocked, ...);
- ``pleroma.recipients``: every account a reply to the conversation addresses.

A page is rendered with a fixed number of queries whatever its size.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.mastodon.render_accounts import account_to_api
from pyleroma.api.mastodon.render_statuses import statuses_to_api
from pyleroma.models import Account, ConversationParticipation, Status
from pyleroma.policy.visibility import visible_filter
from pyleroma.settings import Settings


async def conversations_to_api(
    session: AsyncSession,
    settings: Settings,
    participations: list[ConversationParticipation],
    viewer: Account,
) -> list[dict]:
    if not participations:
        return []
    account_ids = {int(i) for p in participations for i in p.recipient_ids or []}
    accounts = {
        a.id: a for a in (await session.scalars(select(Account).where(Account.id.in_(account_ids))))
    }
    status_ids = {p.last_status_id for p in participations if p.last_status_id}
    statuses = []
    if status_ids:
        statuses = list(
            (
                await session.scalars(
                    select(Status)
                    .where(Status.id.in_(status_ids), visible_filter(viewer.id))
                    .order_by(Status.id)
                )
            ).all()
        )
    rendered = await statuses_to_api(session, settings, statuses, viewer)
    by_status = {int(data["id"]): data for data in rendered}

    result = []
    for participation in participations:
        recipients = [
            accounts[int(i)] for i in participation.recipient_ids or [] if int(i) in accounts
        ]
        others = [a for a in recipients if a.id != viewer.id]
        shown = others if others else recipients
        result.append(
            {
                "id": str(participation.id),
                "unread": not participation.read,
                "accounts": [account_to_api(settings, a, viewer) for a in shown],
                "last_status": by_status.get(participation.last_status_id),
                "pleroma": {
                    "recipients": [account_to_api(settings, a, viewer) for a in recipients]
                },
            }
        )
    return result


async def conversation_to_api(
    session: AsyncSession,
    settings: Settings,
    participation: ConversationParticipation,
    viewer: Account,
) -> dict:
    return (await conversations_to_api(session, settings, [participation], viewer))[0]
