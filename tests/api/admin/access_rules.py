"""Access-table rows for api/admin/rules.py."""

from __future__ import annotations

from pyleroma.db.ids import new_id
from pyleroma.models import InstanceRule
from tests.api.admin.access_table import Route


async def _rule(factory, app) -> dict:
    async with app.state.sessionmaker() as session:
        row = InstanceRule(id=new_id(), text="Be kind")
        session.add(row)
        await session.commit()
        return {"rule": str(row.id)}


ROUTES = [
    Route("GET", "/rules"),
    Route("POST", "/rules", {"text": "Be kind", "hint": "Really", "priority": 1}),
    Route("PATCH", "/rules/{rule}", {"text": "Be nice"}, setup=_rule),
    Route("DELETE", "/rules/{rule}", setup=_rule),
]
