"""Access-table rows for the users routes of api/admin/users.py and the moderation log."""

from __future__ import annotations

from tests.api.admin.access_table import Route

ROUTES = [
    Route("GET", "/users"),
    Route("GET", "/users/target"),
    Route("PATCH", "/users/activate", {"nicknames": ["target"]}),
    Route("PATCH", "/users/deactivate", {"nicknames": ["target"]}),
    Route("PATCH", "/users/target/toggle_activation"),
    Route("PATCH", "/users/approve", {"nicknames": ["target"]}),
    Route("PATCH", "/users/confirm_email", {"nicknames": ["target"]}),
    Route("PATCH", "/users/resend_confirmation_email", {"nicknames": ["target"]}),
    Route("PUT", "/users/tag", {"nicknames": ["target"], "tags": ["x"]}),
    Route("DELETE", "/users/tag", {"nicknames": ["target"], "tags": ["x"]}),
    Route("POST", "/users/permission_group/moderator", {"nicknames": ["target"]}),
    Route("DELETE", "/users/permission_group/moderator", {"nicknames": ["target"]}),
    Route("GET", "/users/target/permission_group"),
    Route("GET", "/moderation_log"),
]
