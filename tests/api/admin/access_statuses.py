"""Access-table rows for the statuses routes of api/admin/statuses.py."""

from __future__ import annotations

from tests.api.admin.access_table import Route


async def _status(factory, app) -> dict:
    """A fresh status each call: the moderator's DELETE uses one up."""
    author = await factory.account()
    status = await factory.status(author, "to moderate")
    return {"status_id": status.id}


ROUTES = [
    Route("GET", "/statuses"),
    Route("GET", "/statuses/{status_id}", setup=_status),
    Route("PUT", "/statuses/{status_id}", {"sensitive": True}, moderator=True, setup=_status),
    Route("DELETE", "/statuses/{status_id}", moderator=True, setup=_status),
]
