"""One account's statuses as staff read them (``GET /api/pleroma/admin/users/:nickname_or_id/
statuses``), with Pleroma's rules (``AdminAPIController.list_user_statuses``):

- without ``godmode``, what anyone may read: public and unlisted posts (Pleroma reads them
  as nobody, so followers-only, direct and local-only posts stay out); with it, all of them;
- reblogs only with ``with_reblogs``;
- newest first, ``page`` (from 1) of ``page_size``, and ``total``: how many match in all.

Any account is listed, deactivated ones too (staff look at what a suspended account posted).
Two statements whatever the page size, built once per shape and run in one batch (one hop
on SQLite): the page, as read-only rows (db/fastread.py), and the count.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.fastread import Prepared, reader
from pyleroma.models import Account, Status
from pyleroma.services.statuses.status_batches import STATUS_COLUMNS, StatusRow

# What anyone may read (Pleroma's listing without godmode: addressed to as:Public).
READABLE_BY_ANYONE = ("public", "unlisted")


_ACCOUNT = bindparam("account_id", type_=BigInteger)
_LIMIT = bindparam("limit", type_=BigInteger)
_OFFSET = bindparam("offset", type_=BigInteger)
_SHAPES: dict[tuple[bool, bool], tuple[Prepared, Prepared]] = {}


def _statements(godmode: bool, with_reblogs: bool) -> tuple[Prepared, Prepared]:
    """The page and count statements of one shape, built once (four shapes)."""
    found = _SHAPES.get((godmode, with_reblogs))
    if found is None:
        # Expressions, not the columns, for the visibility and the reblog: else SQLite reads
        # every post of the account through the (account_id, reblog_of_id) or (visibility,
        # local, id) index and sorts them for each page (3.6 ms for 2,000 posts); so it
        # walks the (account_id, id) index from the newest until the page is full (0.1 ms).
        conditions = [Status.account_id == _ACCOUNT]
        if not godmode:
            conditions.append(Status.visibility.concat("").in_(READABLE_BY_ANYONE))
        if not with_reblogs:
            conditions.append(func.coalesce(Status.reblog_of_id, 0) == 0)
        page = (
            select(*STATUS_COLUMNS)
            .where(*conditions)
            .order_by(Status.id.desc())
            .limit(_LIMIT)
            .offset(_OFFSET)
        )
        count = select(func.count()).select_from(Status).where(*conditions)
        found = _SHAPES[(godmode, with_reblogs)] = (Prepared(page), Prepared(count))
    return found


async def user_statuses(
    session: AsyncSession,
    account: Account,
    *,
    godmode: bool,
    with_reblogs: bool,
    page: int,
    page_size: int,
) -> tuple[list[StatusRow], int]:
    """A page of ``account``'s statuses (read-only rows) and how many there are in all."""
    page_stmt, count_stmt = _statements(godmode, with_reblogs)
    params = {"account_id": account.id, "limit": page_size, "offset": (page - 1) * page_size}
    rows, counted = await (await reader(session)).run([(page_stmt, params), (count_stmt, params)])
    return [StatusRow._make(row) for row in rows], counted[0][0] or 0
