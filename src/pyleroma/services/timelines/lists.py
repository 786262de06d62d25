"""Lists: an account's named sets of accounts, each with its own timeline.

As Pleroma, any existing active account may be added to a list, followed or not: the list
timeline (services/timelines/timelines.py) shows only what the owner may see anyway, so a stranger's
public posts appear and their followers-only posts don't. Unknown ids are a 404 and nothing
is added; adding a member twice or removing a non-member is a no-op, so clients can retry.
``exclusive`` lists (Mastodon 4.2) keep their members' posts out of the owner's home.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.ids import new_id, parse_id
from pyleroma.db.paging import Page, in_display_order, paginate
from pyleroma.db.upsert import dialect_insert
from pyleroma.errors import NotFound, Unprocessable
from pyleroma.models import Account, List, ListAccount
from pyleroma.services.timelines.timelines import get_own_list

REPLIES_POLICIES = ("followed", "list", "none")
TITLE_MAX_LENGTH = 255


def check_title(title) -> str:
    if not isinstance(title, str) or not title.strip():
        raise Unprocessable("title: can't be blank")
    title = title.strip()
    if len(title) > TITLE_MAX_LENGTH:
        raise Unprocessable(f"title: is too long (maximum is {TITLE_MAX_LENGTH} characters)")
    return title


def check_replies_policy(policy) -> str:
    if policy not in REPLIES_POLICIES:
        raise Unprocessable(f"replies_policy: must be one of {', '.join(REPLIES_POLICIES)}")
    return policy


def check_account_ids(raw: list) -> list[int]:
    """The ids of ``account_ids[]``: at least one, each a valid id (422 otherwise)."""
    if not raw:
        raise Unprocessable("account_ids: can't be blank")
    ids = [parse_id(value) for value in raw]
    if any(i is None for i in ids):
        raise Unprocessable("account_ids: must be a list of account ids")
    return list(dict.fromkeys(ids))


async def lists_of(session: AsyncSession, owner: Account) -> list[List]:
    """The owner's lists, newest first (as Pleroma)."""
    rows = await session.execute(
        select(List).where(List.account_id == owner.id).order_by(List.id.desc())
    )
    return list(rows.scalars())


async def create_list(
    session: AsyncSession,
    owner: Account,
    title,
    replies_policy: str | None = None,
    exclusive: bool | None = None,
) -> List:
    the_list = List(
        id=new_id(),
        account_id=owner.id,
        title=check_title(title),
        replies_policy=check_replies_policy(replies_policy or "list"),
        exclusive=bool(exclusive),
    )
    session.add(the_list)
    await session.commit()
    return the_list


async def update_list(
    session: AsyncSession,
    owner: Account,
    list_id,
    *,
    title=None,
    replies_policy: str | None = None,
    exclusive: bool | None = None,
) -> List:
    """Change what is given; every value is checked before anything is written."""
    the_list = await get_own_list(session, owner, list_id)
    new_title = check_title(title) if title is not None else None
    policy = check_replies_policy(replies_policy) if replies_policy is not None else None
    if new_title is not None:
        the_list.title = new_title
    if policy is not None:
        the_list.replies_policy = policy
    if exclusive is not None:
        the_list.exclusive = exclusive
    await session.commit()
    return the_list


async def delete_list(session: AsyncSession, owner: Account, list_id) -> None:
    the_list = await get_own_list(session, owner, list_id)
    await session.delete(the_list)
    await session.commit()


async def list_members(session: AsyncSession, owner: Account, list_id, page: Page) -> list[Account]:
    """Active members of the owner's list, paged by account id (newest accounts first)."""
    the_list = await get_own_list(session, owner, list_id)
    stmt = (
        select(Account)
        .join(ListAccount, ListAccount.account_id == Account.id)
        .where(ListAccount.list_id == the_list.id, Account.is_active.is_(True))
    )
    rows = list((await session.execute(paginate(stmt, Account.id, page))).scalars())
    return in_display_order(rows, page)


async def add_members(session: AsyncSession, owner: Account, list_id, raw_ids: list) -> None:
    """Add accounts to the list; 404 (and nothing added) if any id is unknown or inactive."""
    the_list = await get_own_list(session, owner, list_id)
    ids = check_account_ids(raw_ids)
    found = set(
        (
            await session.execute(
                select(Account.id).where(Account.id.in_(ids), Account.is_active.is_(True))
            )
        ).scalars()
    )
    if len(found) != len(ids):
        raise NotFound("Record not found")
    insert = dialect_insert(session)
    await session.execute(
        insert(ListAccount)
        .values([{"list_id": the_list.id, "account_id": i} for i in ids])
        .on_conflict_do_nothing(index_elements=["list_id", "account_id"])
    )
    await session.commit()


async def remove_members(session: AsyncSession, owner: Account, list_id, raw_ids: list) -> None:
    the_list = await get_own_list(session, owner, list_id)
    ids = check_account_ids(raw_ids)
    await session.execute(
        delete(ListAccount).where(
            ListAccount.list_id == the_list.id, ListAccount.account_id.in_(ids)
        )
    )
    await session.commit()


async def lists_containing(session: AsyncSession, owner: Account, account: Account) -> list[List]:
    """The owner's lists that ``account`` is a member of."""
    rows = await session.execute(
        select(List)
        .join(ListAccount, ListAccount.list_id == List.id)
        .where(List.account_id == owner.id, ListAccount.account_id == account.id)
        .order_by(List.id.desc())
    )
    return list(rows.scalars())


def list_to_api(the_list: List) -> dict:
    return {
        "id": str(the_list.id),
        "title": the_list.title,
        "replies_policy": the_list.replies_policy,
        "exclusive": the_list.exclusive,
    }
