"""Every admin route, walked with no token (401), a plain user (403), an admin whose token
has no admin scope (403), a moderator (Pleroma's default moderator privileges: none of these
routes) and an admin (2xx)."""

from __future__ import annotations

import pytest

from tests.api.admin.helpers import PREFIXES, admin, moderator

# (method, path, body, moderator allowed)
ROUTES = [
    ("GET", "/users", None, False),
    ("GET", "/users/target", None, False),
    ("PATCH", "/users/activate", {"nicknames": ["target"]}, False),
    ("PATCH", "/users/deactivate", {"nicknames": ["target"]}, False),
    ("PATCH", "/users/target/toggle_activation", None, False),
    ("PATCH", "/users/approve", {"nicknames": ["target"]}, False),
    ("PATCH", "/users/confirm_email", {"nicknames": ["target"]}, False),
    ("PATCH", "/users/resend_confirmation_email", {"nicknames": ["target"]}, False),
    ("PUT", "/users/tag", {"nicknames": ["target"], "tags": ["x"]}, False),
    ("DELETE", "/users/tag", {"nicknames": ["target"], "tags": ["x"]}, False),
    ("POST", "/users/permission_group/moderator", {"nicknames": ["target"]}, False),
    ("DELETE", "/users/permission_group/moderator", {"nicknames": ["target"]}, False),
    ("GET", "/users/target/permission_group", None, False),
    ("GET", "/moderation_log", None, False),
]


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize(("method", "path", "body", "mod_ok"), ROUTES)
async def test_admin_route_access(client, factory, prefix, method, path, body, mod_ok):
    await factory.account("target")
    user = await factory.user("plain")
    boss = await admin(factory)
    unscoped = await factory.user("unscoped", is_admin=True, scopes=["read", "write"])
    mod = await moderator(factory)
    url = prefix + path

    async def call(headers=None):
        return await client.request(method, url, json=body, headers=headers or {})

    anonymous = await call()
    assert anonymous.status_code == 401 and "error" in anonymous.json()
    plain = await call(user.headers)
    assert plain.status_code == 403 and "error" in plain.json()
    no_scope = await call(unscoped.headers)
    assert no_scope.status_code == 403
    assert no_scope.json()["error"].startswith("Insufficient permissions")
    moderated = await call(mod.headers)
    if mod_ok:
        assert moderated.status_code == 200, moderated.text
    else:
        assert moderated.status_code == 403
        assert moderated.json()["error"] in ("User isn't privileged.", "User is not an admin.")
    ok = await call(boss.headers)
    assert ok.status_code == 200, ok.text


async def test_refused_messages(client, factory):
    user = await factory.user("plain")
    mod = await moderator(factory)
    refused = await client.get("/api/pleroma/admin/users", headers=user.headers)
    assert refused.json() == {"error": "User isn't privileged."}
    admin_only = await client.get(
        "/api/pleroma/admin/users/plain/permission_group", headers=mod.headers
    )
    assert (admin_only.status_code, admin_only.json()) == (403, {"error": "User is not an admin."})


def test_privilege_table_follows_pleroma_defaults():
    from pyleroma.models import Account
    from pyleroma.policy.permissions import is_privileged

    mod = Account(nickname="m", local=True, is_admin=False, is_moderator=True)
    boss = Account(nickname="a", local=True, is_admin=True, is_moderator=False)
    remote = Account(nickname="r", local=False, is_admin=True, is_moderator=True)
    assert is_privileged(mod, "reports_manage_reports") and is_privileged(mod, "messages_delete")
    assert not is_privileged(mod, "users_read")
    assert is_privileged(boss, "users_read") and is_privileged(boss, "moderation_log_read")
    assert not is_privileged(remote, "users_read")
