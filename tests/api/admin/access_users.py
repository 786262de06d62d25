"""Access-table rows for the users routes (api/admin/users.py, api/admin/user_accounts.py) and
the moderation log."""

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

# api/admin/users.py: the deprecated per-user permission group forms.
ROUTES += [
    Route("GET", "/users/target/permission_group/moderator"),
    Route("POST", "/users/target/permission_group/moderator"),
    Route("DELETE", "/users/target/permission_group/moderator"),
]

# api/admin/user_accounts.py
NEW_USER = {"nickname": "newbie", "email": "newbie@example.com", "password": "a long password"}
ROUTES += [
    Route("POST", "/users", {"users": [NEW_USER]}),
    Route("DELETE", "/users", {"nicknames": ["target"]}),
    Route("DELETE", "/users?nickname=target"),
    Route("POST", "/users/follow", {"follower": "target", "followed": "plain"}),
    Route("POST", "/users/unfollow", {"follower": "target", "followed": "plain"}),
    Route("GET", "/users/target/statuses"),
    Route("GET", "/users/target/password_reset"),
    Route("PATCH", "/users/force_password_reset", {"nicknames": ["target"]}, ok=(204,)),
    Route("GET", "/users/target/credentials"),
    Route("PATCH", "/users/target/credentials", {"name": "Target"}),
    Route("PATCH", "/users/suggest", {"nicknames": ["target"]}),
    Route("PATCH", "/users/unsuggest", {"nicknames": ["target"]}),
    Route("PUT", "/users/disable_mfa", {"nickname": "target"}),
    Route("POST", "/backups", {"nickname": "target"}),
]
