"""Chats as their owner reads them: opening one, the lists, a chat's messages, read marks.

A chat belongs to one local account (``Chat.account_id``); anyone else asking for it gets
"not found", as a chat that does not exist. The lists leave out chats with accounts that
are gone (deactivated), that the owner blocks and, unless ``with_muted``, that the owner
mutes (Pleroma's ChatController.index). They are ordered by ``updated_at`` (the last
message), newest first; the v2 list is paged by a chat id cursor over that order (the
chat the cursor names must be one of the list's: paging by the id alone, as Pleroma does,
skips chats whose last message is newer than their creation).

A chat's messages are its references (one per message and local participant), newest
first, paged by the reference id (Pleroma's MessageReference ids).
"""

from __future__ import annotations

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.db.paging import Page, in_display_order, paginate
from pyleroma.errors import BadRequest, Forbidden, NotFound
from pyleroma.models import Account, Block, Chat, ChatMessageReference, Mute
from pyleroma.policy.relations import mute_in_force


async def chat_between(session: AsyncSession, owner_id: int, other_id: int) -> Chat | None:
    return (
        await session.execute(
            select(Chat).where(Chat.account_id == owner_id, Chat.recipient_id == other_id)
        )
    ).scalar_one_or_none()


async def unread_count(session: AsyncSession, chat_id: int) -> int:
    """The chat's unread messages (Pleroma's chat entity ``unread``)."""
    return int(
        await session.scalar(
            select(func.count()).where(
                ChatMessageReference.chat_id == chat_id, ChatMessageReference.unread.is_(True)
            )
        )
        or 0
    )


async def owned_chat(session: AsyncSession, owner: Account, chat_id: int | None) -> Chat:
    """``owner``'s chat ``chat_id``; NotFound for anyone else's or a missing one."""
    chat = await session.get(Chat, chat_id) if chat_id is not None else None
    if chat is None or chat.account_id != owner.id:
        raise NotFound()
    return chat


async def open_chat(session: AsyncSession, owner: Account, account_id: int | None) -> Chat:
    """POST /chats/by-account-id/:id: ``owner``'s chat with the account, made when there is
    none (an account blocking the owner, or blocked by it, gets no chat). Commits."""
    from pyleroma.activities.handlers.chats import chat_of

    other = await session.get(Account, account_id) if account_id is not None else None
    if other is None or not other.is_active or other.invisible:
        raise NotFound()
    if other.id == owner.id:
        raise BadRequest("Cannot chat with yourself")
    blocked = await session.scalar(
        select(
            exists().where(
                or_(
                    and_(Block.account_id == owner.id, Block.target_id == other.id),
                    and_(Block.account_id == other.id, Block.target_id == owner.id),
                )
            )
        )
    )
    if blocked:
        raise Forbidden("a block stands between you and this account")
    chat = await chat_of(session, owner.id, other.id)
    await session.commit()
    return chat


def _listed(owner_id: int, with_muted: bool):
    """The conditions of a listed chat (joined with the counterpart's Account)."""
    conditions = [
        Chat.account_id == owner_id,
        Account.is_active.is_(True),
        ~exists().where(Block.account_id == owner_id, Block.target_id == Chat.recipient_id),
    ]
    if not with_muted:
        conditions.append(
            ~exists().where(
                Mute.account_id == owner_id,
                Mute.target_id == Chat.recipient_id,
                mute_in_force(utcnow()),
            )
        )
    return conditions


async def list_chats(
    session: AsyncSession, owner: Account, *, with_muted: bool = False, page: Page | None = None
) -> list[Chat]:
    """The owner's chats, last updated first: all of them (v1), or one page (v2) whose
    bounds are chat ids standing for their place in that order."""
    stmt = (
        select(Chat)
        .join(Account, Account.id == Chat.recipient_id)
        .where(*_listed(owner.id, with_muted))
    )
    if page is None:
        rows = await session.scalars(stmt.order_by(Chat.updated_at.desc(), Chat.id.desc()))
        return list(rows)
    key = (Chat.updated_at, Chat.id)
    for bound, newer in ((page.max_id, False), (page.since_id, True), (page.min_id, True)):
        if bound is None:
            continue
        cursor = (
            await session.execute(
                select(Chat.updated_at, Chat.id).where(
                    Chat.id == bound, Chat.account_id == owner.id
                )
            )
        ).first()
        if cursor is None:
            return []  # a cursor that is none of the owner's chats: nothing past it
        if newer:
            stmt = stmt.where(
                or_(key[0] > cursor[0], and_(key[0] == cursor[0], key[1] > cursor[1]))
            )
        else:
            stmt = stmt.where(
                or_(key[0] < cursor[0], and_(key[0] == cursor[0], key[1] < cursor[1]))
            )
    if page.min_id is not None:
        stmt = stmt.order_by(Chat.updated_at.asc(), Chat.id.asc())
    else:
        stmt = stmt.order_by(Chat.updated_at.desc(), Chat.id.desc())
    rows = list(await session.scalars(stmt.offset(page.offset).limit(page.limit)))
    return in_display_order(rows, page)


async def messages_page(
    session: AsyncSession, chat: Chat, page: Page
) -> list[ChatMessageReference]:
    """A page of the chat's messages (references), newest first."""
    stmt = select(ChatMessageReference).where(ChatMessageReference.chat_id == chat.id)
    rows = list(await session.scalars(paginate(stmt, ChatMessageReference.id, page)))
    return in_display_order(rows, page)


async def mark_chat_read(
    session: AsyncSession, owner: Account, chat_id: int | None, last_read_id: int
) -> Chat:
    """POST /chats/:id/read: every message up to ``last_read_id`` is read. Commits."""
    chat = await owned_chat(session, owner, chat_id)
    await session.execute(
        update(ChatMessageReference)
        .where(
            ChatMessageReference.chat_id == chat.id,
            ChatMessageReference.id <= last_read_id,
            ChatMessageReference.unread.is_(True),
        )
        .values(unread=False)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return chat


async def mark_message_read(
    session: AsyncSession, owner: Account, chat_id: int | None, reference_id: int | None
) -> ChatMessageReference:
    """POST /chats/:id/messages/:message_id/read: that one message is read. Commits."""
    chat = await owned_chat(session, owner, chat_id)
    reference = await session.get(ChatMessageReference, reference_id) if reference_id else None
    if reference is None or reference.chat_id != chat.id:
        raise NotFound()
    reference.unread = False
    await session.commit()
    return reference
