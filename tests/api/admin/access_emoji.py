"""Access-table rows for api/admin/emoji.py (privilege emoji_manage_emoji)."""

from __future__ import annotations

from tests.api.admin.access_table import Route

ROUTES = [Route("POST", "/reload_emoji")]
