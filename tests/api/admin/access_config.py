"""Access-table rows for the ConfigDB routes of api/admin/config.py (admins only).

The test app runs with ``configurable_from_database`` off, where GET/POST /config and
/restart answer 400; ``setup`` turns it on so the admin's call is the real success."""

from __future__ import annotations

from tests.api.admin.access_table import Route


async def configdb_on(factory, app) -> dict:
    app.state.settings.configurable_from_database = True
    return {}


NAME = {"group": ":pleroma", "key": ":instance", "value": [{"tuple": [":name", "Renamed"]}]}

ROUTES = [
    Route("GET", "/config", setup=configdb_on),
    Route("POST", "/config", {"configs": [NAME]}, setup=configdb_on),
    Route("GET", "/config/descriptions"),
    Route("GET", "/need_reboot"),
    Route("GET", "/restart", setup=configdb_on),
]
