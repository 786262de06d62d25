"""What the admin API does to statuses: list them as staff see them, change a status's
visibility or sensitive flag, delete it for its author, count them by visibility.

Pleroma's rules (AdminAPI StatusController, InstanceController, ``Stats``):
- a listing shows what anyone may see (public and unlisted) unless ``godmode`` asks for
  every status (followers-only, direct and local-only too); reblogs only with
  ``with_reblogs``; newest first, by page;
- an instance's statuses are those of its accounts (our own domain: the local ones);
- a change of visibility is public, unlisted or private (Pleroma's update keeps a direct
  status as it is: we say so rather than answer a change that did not happen), stored on the
  status and never federated (Pleroma sends no Update for it);
- a deletion is the author's deletion (the federated Delete of a local post), made by
  staff; a reblog is undone by its booster, never deleted here.
Each change is logged in the caller's transaction; the caller commits.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, String, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.fastread import Prepared, reader
from pyleroma.db.ids import parse_id
from pyleroma.errors import BadRequest, NotFound
from pyleroma.models import Account, Status
from pyleroma.services.instance.instance_purge import normalize_host
from pyleroma.services.moderation.moderation_log import log_action
from pyleroma.services.statuses.status_batches import (
    ACCOUNTS_BY_ID,
    STATUS_COLUMNS,
    AccountRow,
    StatusRow,
)
from pyleroma.services.statuses.status_delete import remove_status
from pyleroma.settings import Settings

NOT_FOUND = "Not found"
# What anyone may see (Pleroma's listing without godmode: addressed to as:Public).
OPEN = ("public", "unlisted")
# The visibilities a status may be given (Pleroma's update_activity_visibility).
SETTABLE = ("public", "unlisted", "private")
# Every visibility Pleroma's API knows: anything else is not a visibility at all.
KNOWN = ("public", "unlisted", "private", "direct", "local", "list")
# The keys of GET /stats (Pleroma's counter cache has no local-only column).
COUNTED = ("public", "unlisted", "private", "direct")


def _on_instance(settings: Settings, instance: str):
    """Statuses of ``instance``'s accounts: local ones for our own domain."""
    host = normalize_host(instance)
    if host == settings.domain.lower():
        return Status.local.is_(True)
    return Status.account_id.in_(select(Account.id).where(Account.domain == host))


# The listings' statements, built once per shape (whether private posts, local posts only,
# reblogs are shown, and whose posts: everyone's, our own, a remote instance's (``host``)).
_LIMIT = bindparam("limit", type_=BigInteger)
_OFFSET = bindparam("offset", type_=BigInteger)
_HOST = bindparam("host", type_=String)
_LISTINGS: dict[tuple, tuple[Prepared, Prepared]] = {}


def _listing(godmode: bool, local_only: bool, with_reblogs: bool, on: str | None):
    """The page and count statements of one shape (at most 24 shapes); ``on``: None,
    ``"local"`` or ``"remote"`` (the instance is the ``host`` parameter)."""
    shape = (godmode, local_only, with_reblogs, on)
    found = _LISTINGS.get(shape)
    if found is None:
        conditions = []
        if not godmode:
            # An expression, not the column: else SQLite reads every public and unlisted
            # status through the (visibility, local, id) index and sorts them all for each
            # page (12 ms at 20,000 statuses); without it the newest are read first, by id,
            # until the page is full (0.1 ms).
            conditions.append(Status.visibility.concat("").in_(OPEN))
        if local_only or on == "local":
            conditions.append(Status.local.is_(True))
        if not with_reblogs:
            conditions.append(Status.reblog_of_id.is_(None))
        if on == "remote":
            conditions.append(
                Status.account_id.in_(select(Account.id).where(Account.domain == _HOST))
            )
        page = (
            select(*STATUS_COLUMNS)
            .where(*conditions)
            .order_by(Status.id.desc())
            .limit(_LIMIT)
            .offset(_OFFSET)
        )
        count = select(func.count()).select_from(Status).where(*conditions)
        found = _LISTINGS[shape] = (Prepared(page), Prepared(count))
    return found


async def list_statuses(
    session: AsyncSession,
    settings: Settings,
    *,
    godmode: bool,
    local_only: bool,
    with_reblogs: bool,
    page: int,
    page_size: int,
    instance: str | None = None,
    with_total: bool = False,
) -> tuple[list[StatusRow], int | None]:
    """A page of statuses, newest first, and (``with_total``) how many match in all: read-only
    rows (db/fastread.py), the page and the count in one batch."""
    params = {"limit": page_size, "offset": (page - 1) * page_size}
    on = None
    if instance is not None:
        host = normalize_host(instance)
        on = "local" if host == settings.domain.lower() else "remote"
        params["host"] = host
    page_stmt, count_stmt = _listing(godmode, local_only, with_reblogs, on)
    batch = [(page_stmt, params)] + ([(count_stmt, params)] if with_total else [])
    results = await (await reader(session)).run(batch)
    statuses = [StatusRow._make(row) for row in results[0]]
    return statuses, (results[1][0][0] if with_total else None)


async def get_status(session: AsyncSession, status_id: str, *, lock: bool = False) -> Status:
    """Any status, whoever may see it (staff read them all); 404 ``Not found``."""
    ident = parse_id(status_id)
    status = await session.get(Status, ident, with_for_update=lock) if ident is not None else None
    if status is None:
        raise NotFound(NOT_FOUND)
    return status


async def account_rows(session: AsyncSession, ids) -> dict[int, AccountRow]:
    """Accounts by id as read-only rows, in one statement (the admin views of a page's
    authors)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await (await reader(session)).one(ACCOUNTS_BY_ID, {"account_ids": wanted})
    return {row[0]: AccountRow._make(row) for row in rows}


def check_visibility(value) -> str | None:
    """The visibility asked for (None: unchanged). 400 with Pleroma's texts: an unknown
    value is ``<value> - Invalid value for enum.``, a known one that cannot be set
    ``Unsupported visibility``."""
    if value is None:
        return None
    if not isinstance(value, str) or value not in KNOWN:
        raise BadRequest(f"{value} - Invalid value for enum.")
    if value not in SETTABLE:
        raise BadRequest("Unsupported visibility")
    return value


def check_sensitive(value) -> bool | None:
    """``sensitive`` as a boolean (JSON or the words "true"/"false"); None: unchanged."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise BadRequest(f"{value} - Invalid boolean.")


async def update_status(
    session: AsyncSession,
    actor: Account,
    status: Status,
    *,
    sensitive: bool | None,
    visibility: str | None,
) -> Status:
    """Set ``sensitive`` and/or ``visibility`` (checked by ``check_*``) and log
    ``status_update``; nothing asked, nothing changed or logged. A reblog has neither of
    its own: 404, as for deletion."""
    if status.reblog_of_id is not None:
        raise NotFound(NOT_FOUND)
    if sensitive is None and visibility is None:
        return status
    if sensitive is not None:
        status.sensitive = sensitive
    if visibility is not None:
        status.visibility = visibility
    await log_action(
        session,
        actor,
        "status_update",
        subject={"type": "status", "id": str(status.id)},
        sensitive=sensitive,
        visibility=visibility,
    )
    await session.flush()
    return status


async def delete_status(
    session: AsyncSession, settings: Settings, actor: Account, status_id: str
) -> None:
    """Delete a post as its author would (the federated Delete for a local one) and log
    ``status_delete``. A reblog is 404, as Pleroma deletes only Create activities."""
    status = await get_status(session, status_id, lock=True)
    if status.reblog_of_id is not None:
        raise NotFound(NOT_FOUND)
    ident = str(status.id)
    await remove_status(session, settings, status)
    await log_action(session, actor, "status_delete", subject_id=ident)


async def visibility_counts(
    session: AsyncSession, settings: Settings, instance: str | None = None
) -> dict[str, int]:
    """Posts (not reblogs) by visibility, Pleroma's ``status_visibility``; ``instance``:
    only that instance's. All statuses are counted from the (visibility, local, id) index
    alone and the reblogs, read through their own partial index, are taken off: the rows
    visited are the reblogs only, however many statuses there are."""
    counts = dict.fromkeys(COUNTED, 0)
    where = [_on_instance(settings, instance)] if instance is not None else []
    everything = (
        select(Status.visibility, func.count())
        .where(Status.visibility.in_(COUNTED), *where)
        .group_by(Status.visibility)
    )
    # Grouped by an expression, not the column: otherwise SQLite walks the visibility index
    # for the grouping and visits every row, where the reblogs' partial index reads only
    # them.
    key = Status.visibility.concat("")
    reblogs = (
        select(key, func.count()).where(Status.reblog_of_id.is_not(None), *where).group_by(key)
    )
    for visibility, number in await session.execute(everything):
        counts[visibility] += number
    for visibility, number in await session.execute(reblogs):
        if visibility in counts:
            counts[visibility] -= number
    return counts
