"""Access-table rows for api/admin/instance_documents.py."""

from __future__ import annotations

from tests.api.admin.access_table import Route


async def _stored_panel(factory, app) -> dict:
    """A stored panel, so that DELETE (404 without one) has something to remove."""
    path = app.state.settings.data_dir / "static" / "instance" / "panel.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("<p>Ours</p>")
    return {}


ROUTES = [
    Route("GET", "/instance_document/instance-panel"),
    Route(
        "PATCH",
        "/instance_document/terms-of-service",
        files={"file": ("tos.html", b"<h2>Rules</h2>", "text/html")},
    ),
    Route("DELETE", "/instance_document/instance-panel", setup=_stored_panel),
]
