"""Reading and updating an account's direct conversations (Pleroma participations).

The rows are written when direct statuses are posted (services/timelines/direct_conversations.py);
this module serves the conversations API on top of them:

- the list is the viewer's participations, most recent activity first. Clients page with
  participation ids (``max_id``/``since_id``/``min_id``, as Pleroma's Link headers give), and
  because a conversation moves to the top when bumped, the id given is used as a cursor into
  the ``(updated_at, id)`` order rather than compared with ids: a bumped old conversation
  cannot make a page skip younger ones;
- ``recipients[]`` keeps the conversations whose participants are exactly the viewer and
  those accounts (Pleroma's filter);
- someone else's participation is reported as unknown, never as forbidden, so ids of
  other people's conversations cannot be probed.
"""

from __future__ import annotations

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.ids import parse_id
from pyleroma.db.paging import Page, in_display_order, paginate
from pyleroma.errors import NotFound, Unprocessable
from pyleroma.models import Account, Conversation, ConversationParticipation, Status
from pyleroma.policy.visibility import not_blocked_filter, not_muted_filter, visible_filter
from pyleroma.services.timelines.direct_conversations import get_own_participation

UNKNOWN = "Unknown conversation id"


def parse_account_ids(raw_ids: list[str], name: str) -> list[int]:
    """Account ids from a request list; anything that is not an id is a 422."""
    parsed = []
    for raw in raw_ids:
        value = parse_id(raw)
        if value is None:
            raise Unprocessable(f"{name}: {raw!r} is not an account id")
        parsed.append(value)
    return parsed


async def get_participation(
    session: AsyncSession, viewer: Account, raw_id: str
) -> ConversationParticipation:
    """The viewer's participation ``raw_id``; missing, malformed or another's: 404."""
    participation = await get_own_participation(session, viewer, parse_id(raw_id))
    if participation is None:
        raise NotFound(UNKNOWN)
    return participation


def _exact_participants(viewer_id: int, account_ids: list[int]):
    """Conversation ids whose participants are exactly the viewer plus ``account_ids``."""
    wanted = sorted({viewer_id, *account_ids})
    P = ConversationParticipation
    return (
        select(P.conversation_id)
        .group_by(P.conversation_id)
        .having(
            func.count(P.id) == len(wanted),
            func.sum(case((P.account_id.in_(wanted), 1), else_=0)) == len(wanted),
        )
    )


async def list_participations(
    session: AsyncSession, viewer: Account, page: Page, recipient_ids: list[int]
) -> list[ConversationParticipation]:
    """A page of the viewer's participations, most recently active first."""
    P = ConversationParticipation
    stmt = select(P).where(P.account_id == viewer.id)
    if recipient_ids:
        stmt = stmt.where(P.conversation_id.in_(_exact_participants(viewer.id, recipient_ids)))

    async def cursor(raw: int | None):
        if raw is None:
            return None
        found = await session.execute(
            select(P.updated_at, P.id).where(P.id == raw, P.account_id == viewer.id)
        )
        return found.first()

    def older(key, raw):
        if key is None:  # not one of the viewer's: fall back to comparing ids
            return P.id < raw
        return or_(P.updated_at < key[0], and_(P.updated_at == key[0], P.id < key[1]))

    def newer(key, raw):
        if key is None:
            return P.id > raw
        return or_(P.updated_at > key[0], and_(P.updated_at == key[0], P.id > key[1]))

    if page.max_id is not None:
        stmt = stmt.where(older(await cursor(page.max_id), page.max_id))
    if page.since_id is not None:
        stmt = stmt.where(newer(await cursor(page.since_id), page.since_id))
    if page.min_id is not None:
        stmt = stmt.where(newer(await cursor(page.min_id), page.min_id))
        stmt = stmt.order_by(P.updated_at.asc(), P.id.asc())
    else:
        stmt = stmt.order_by(P.updated_at.desc(), P.id.desc())
    if page.offset:
        stmt = stmt.offset(page.offset)
    rows = list((await session.scalars(stmt.limit(page.limit))).all())
    return in_display_order(rows, page)


async def thread_statuses(
    session: AsyncSession, viewer: Account, participation: ConversationParticipation, page: Page
) -> list[Status]:
    """The posts of the conversation's thread the viewer may see, newest first (no boosts)."""
    conversation = await session.get(Conversation, participation.conversation_id)
    if conversation is None:  # pragma: no cover - cascades with the participation
        raise NotFound(UNKNOWN)
    stmt = select(Status).where(
        Status.conversation_id == conversation.thread_id,
        Status.reblog_of_id.is_(None),
        visible_filter(viewer.id),
        not_blocked_filter(viewer.id),
        not_muted_filter(viewer.id, include_threads=False),
    )
    rows = list((await session.scalars(paginate(stmt, Status.id, page))).all())
    return in_display_order(rows, page)


async def mark_read(session: AsyncSession, participation: ConversationParticipation) -> None:
    participation.read = True
    await session.commit()


async def mark_all_read(session: AsyncSession, viewer: Account) -> list[ConversationParticipation]:
    """Mark every unread participation read; returns those that changed (as Pleroma)."""
    P = ConversationParticipation
    unread = list(
        (
            await session.scalars(
                select(P)
                .where(P.account_id == viewer.id, P.read.is_(False))
                .order_by(P.updated_at.desc(), P.id.desc())
            )
        ).all()
    )
    if unread:
        await session.execute(
            update(P)
            .where(P.id.in_([p.id for p in unread]))
            .values(read=True)
            .execution_options(synchronize_session=False)
        )
        for participation in unread:
            participation.read = True
    await session.commit()
    return unread


async def delete_participation(
    session: AsyncSession, participation: ConversationParticipation
) -> None:
    """Leave the conversation; a later direct post in the thread brings it back."""
    await session.delete(participation)
    await session.commit()


async def set_recipients(
    session: AsyncSession, participation: ConversationParticipation, account_ids: list[int]
) -> None:
    """Replace who a reply to the conversation addresses; the owner always stays in.

    Ids of accounts that do not exist are dropped, as Pleroma does.
    """
    wanted = {participation.account_id, *account_ids}
    existing = set((await session.scalars(select(Account.id).where(Account.id.in_(wanted)))).all())
    participation.recipient_ids = sorted(existing | {participation.account_id})
    await session.commit()
