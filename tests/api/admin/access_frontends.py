"""Access-table rows for api/admin/frontends.py."""

from __future__ import annotations

import io
import zipfile

from tests.api.admin.access_table import Route


async def _archive(factory, app) -> dict:
    """A small build on the server, for POST /frontends/install's ``file``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("dist/index.html", "<!doctype html><title>fe</title>")
    path = app.state.settings.data_dir / "fe.zip"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return {"zip": str(path)}


ROUTES = [
    Route("GET", "/frontends"),
    Route(
        "POST",
        "/frontends/install",
        {"name": "test-fe", "ref": "v1", "file": "{zip}"},
        setup=_archive,
    ),
]
