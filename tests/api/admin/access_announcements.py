"""Access-table rows for api/admin/announcements.py."""

from __future__ import annotations

from pyleroma.db.ids import new_id
from pyleroma.models import Announcement
from tests.api.admin.access_table import Route


async def _announcement(factory, app) -> dict:
    async with app.state.sessionmaker() as session:
        row = Announcement(id=new_id(), content="<p>hello</p>")
        session.add(row)
        await session.commit()
        return {"announcement": str(row.id)}


ROUTES = [
    Route("GET", "/announcements"),
    Route("GET", "/announcements/{announcement}", setup=_announcement),
    Route("POST", "/announcements", {"content": "Maintenance tonight"}),
    Route("PATCH", "/announcements/{announcement}", {"all_day": True}, setup=_announcement),
    Route("DELETE", "/announcements/{announcement}", setup=_announcement),
]
