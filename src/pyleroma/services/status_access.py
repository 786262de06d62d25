"""Finding a status by id for a viewer: not found and not visible are the same 404."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.errors import Forbidden, NotFound
from pyleroma.db.ids import parse_id
from pyleroma.models import Account, Status
from pyleroma.policy.visibility import can_see


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
