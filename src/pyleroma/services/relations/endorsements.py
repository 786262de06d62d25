"""Endorsements (Mastodon's "pinned" or featured accounts) and private account notes.

An account may endorse only accounts it follows (as Mastodon and Pleroma require), up to
``settings.max_pinned_accounts``; ``follows.drop_follow`` removes the endorsement when the
follow ends. Notes are private: only their author ever sees them, on the Relationship.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.db.paging import Page, in_display_order, paginate
from pyleroma.db.upsert import insert_or_ignore, insert_or_update
from pyleroma.errors import BadRequest, Unprocessable
from pyleroma.models import Account, AccountNote, Endorsement
from pyleroma.policy.relations import is_following
from pyleroma.services.relations.follows import check_not_self
from pyleroma.settings import Settings

MAX_NOTE_LENGTH = 2000


async def check_can_endorse(
    session: AsyncSession, settings: Settings, account: Account, target: Account
) -> bool:
    """Validate an endorsement; False when it already exists (nothing to do)."""
    check_not_self(account, target, "Can not endorse yourself")
    exists = await session.scalar(
        select(Endorsement.id).where(
            Endorsement.account_id == account.id, Endorsement.target_id == target.id
        )
    )
    if exists is not None:
        return False
    if not await is_following(session, account.id, target.id):
        raise BadRequest(f"Could not endorse user: You are not following {target.nickname}")
    count = await session.scalar(
        select(func.count()).select_from(Endorsement).where(Endorsement.account_id == account.id)
    )
    if count >= settings.max_pinned_accounts:
        raise BadRequest("You have already pinned the maximum number of users")
    return True


async def endorse(
    session: AsyncSession, settings: Settings, account: Account, target: Account
) -> None:
    if await check_can_endorse(session, settings, account, target):
        await insert_or_ignore(
            session,
            Endorsement,
            {"id": new_id(), "account_id": account.id, "target_id": target.id},
            ("account_id", "target_id"),
        )
    await session.commit()


async def unendorse(session: AsyncSession, account: Account, target: Account) -> None:
    """Remove an endorsement; a no-op when there is none."""
    await session.execute(
        delete(Endorsement).where(
            Endorsement.account_id == account.id, Endorsement.target_id == target.id
        )
    )
    await session.commit()


async def list_endorsements(session: AsyncSession, account: Account, page: Page) -> list[tuple]:
    """(endorsed account, endorsement id) pairs, newest first; deactivated ones left out."""
    stmt = (
        select(Account, Endorsement.id)
        .join(Endorsement, Endorsement.target_id == Account.id)
        .where(Endorsement.account_id == account.id, Account.is_active.is_(True))
    )
    rows = (await session.execute(paginate(stmt, Endorsement.id, page))).all()
    return [(row[0], row[1]) for row in in_display_order(rows, page)]


def check_note(comment: str | None) -> str:
    comment = comment or ""
    if len(comment) > MAX_NOTE_LENGTH:
        raise Unprocessable(f"comment: is too long (maximum is {MAX_NOTE_LENGTH} characters)")
    return comment


async def set_note(
    session: AsyncSession, account: Account, target: Account, comment: str | None
) -> None:
    """Replace ``account``'s private note on ``target``; an empty comment deletes it."""
    comment = check_note(comment)
    if comment:
        await insert_or_update(
            session,
            AccountNote,
            {
                "id": new_id(),
                "account_id": account.id,
                "target_id": target.id,
                "comment": comment,
                "created_at": utcnow(),
            },
            ("account_id", "target_id"),
            ("comment",),
        )
    else:
        await session.execute(
            delete(AccountNote).where(
                AccountNote.account_id == account.id, AccountNote.target_id == target.id
            )
        )
    await session.commit()
