"""Access-table rows for api/admin/oauth_apps.py (admins only, scope admin:write)."""

from __future__ import annotations

from tests.api.admin.access_table import Route


async def an_app(factory, app) -> dict:
    made = await factory.oauth_app(name="Listed app", scopes=["read"])
    return {"id": str(made.id)}


ROUTES = [
    Route("GET", "/oauth_app"),
    Route("POST", "/oauth_app", {"name": "Made", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}),
    Route("PATCH", "/oauth_app/{id}", {"trusted": True}, setup=an_app),
    Route("DELETE", "/oauth_app/{id}", setup=an_app, ok=(204,)),
]
