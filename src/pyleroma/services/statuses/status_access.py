"""Finding a status by id for a viewer: not found and not visible are the same 404."""

from __future__ import annotations

from sqlalchemy import BigInteger, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.fastread import Prepared, reader
from pyleroma.db.ids import parse_id
from pyleroma.errors import Forbidden, NotFound
from pyleroma.models import Account, Status
from pyleroma.policy.visibility import can_see, visible_filter
from pyleroma.services.statuses.status_batches import STATUS_COLUMNS, StatusRow
from pyleroma.services.timelines.prepared_pages import VIEWER

# Reading one status to show it: the visibility rule as SQL (the same rule as ``can_see``),
# built once, for a signed-in viewer and for an anonymous one.
_BY_ID = bindparam("status_id", type_=BigInteger)
_VISIBLE_BY_ID = {
    True: Prepared(select(*STATUS_COLUMNS).where(Status.id == _BY_ID, visible_filter(VIEWER))),
    False: Prepared(select(*STATUS_COLUMNS).where(Status.id == _BY_ID, visible_filter(None))),
}


async def read_visible_status(session: AsyncSession, viewer: Account | None, status_id):
    """The status with this id as a read-only StatusRow if ``viewer`` may see it, else 404:
    for showing it, never for changing it (``get_visible_status`` gives the ORM object)."""
    ident = parse_id(status_id)
    if ident is None:
        raise NotFound("Record not found")
    params = {"status_id": ident}
    if viewer is not None:
        params["viewer_id"] = viewer.id
    rows = await (await reader(session)).one(_VISIBLE_BY_ID[viewer is not None], params)
    if not rows:
        raise NotFound("Record not found")
    return StatusRow._make(rows[0])


async def get_visible_status(
    session: AsyncSession, viewer: Account | None, status_id, *, for_update: bool = False
) -> Status:
    """The status with this id if ``viewer`` may see it, else 404 ``Record not found``."""
    ident = parse_id(status_id)
    status = await session.get(Status, ident, with_for_update=for_update) if ident else None
    if status is None or not await can_see(session, viewer, status):
        raise NotFound("Record not found")
    return status


async def get_own_status(session: AsyncSession, viewer: Account, status_id) -> Status:
    """A status the viewer wrote (for edit, delete, pin): others' are 404 or 403."""
    status = await get_visible_status(session, viewer, status_id)
    if status.account_id != viewer.id:
        raise Forbidden("This action is outside of authorized scopes")
    return status


async def resolve_original(session: AsyncSession, status: Status) -> Status:
    """The post an action applies to: a reblog's original, else the status itself.

    Clients act on whatever id they display; favouriting or boosting a boost means the
    boosted post (Mastodon and Pleroma both do so). Seeing the reblog implies seeing the
    original (``visible_filter`` requires both).
    """
    if status.reblog_of_id is None:
        return status
    original = await session.get(Status, status.reblog_of_id)
    if original is None:
        raise NotFound("Record not found")
    return original
