"""Access-table rows for the instances routes of api/admin/instances.py (and stats)."""

from __future__ import annotations

from tests.api.admin.access_table import Route

ROUTES = [
    Route("GET", "/instances/remote.example/statuses"),
    Route("DELETE", "/instances/remote.example"),
    Route("GET", "/stats"),
]
