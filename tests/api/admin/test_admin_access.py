"""Every admin route (the ``access_*.py`` tables of this package), walked under both prefixes
with no token (401), a plain user (403), an admin whose token has no admin scope (403), a
moderator (allowed only what Pleroma's default moderator privileges allow) and an admin."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import tests.api.admin as admin_tests
from tests.api.admin.access_table import fill
from tests.api.admin.helpers import PREFIXES, admin, moderator
from tests.api.test_openapi import api_routes


def _all_routes():
    routes = []
    for module in pkgutil.iter_modules(admin_tests.__path__):
        if module.name.startswith("access_") and module.name != "access_table":
            routes += importlib.import_module(f"tests.api.admin.{module.name}").ROUTES
    return routes


ROUTES = _all_routes()


def _shape(path: str) -> tuple:
    return tuple("{}" if part.startswith("{") else part for part in path.split("/"))


def test_every_admin_route_is_in_the_table(app):
    """A route added to the admin routers without a row here fails this test."""
    walked = {(r.method, _shape(r.path.split("?")[0])) for r in ROUTES}
    served = set()
    for route in api_routes(app):
        path = getattr(route, "path_format", None) or route.path
        if path.startswith(PREFIXES[0] + "/"):
            for method in route.methods - {"HEAD", "OPTIONS"}:
                served.add((method, _shape(path[len(PREFIXES[0]) :])))
    assert len(served) > 70  # the walk sees the mounted routes (78 when this was written)

    def walks(method, pattern) -> bool:
        return any(
            m == method
            and len(path) == len(pattern)
            and all(want in ("{}", part) for want, part in zip(pattern, path, strict=True))
            for m, path in walked
        )

    missing = sorted(route for route in served if not walks(*route))
    assert not missing, missing


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("route", ROUTES, ids=[r.id for r in ROUTES])
async def test_admin_route_access(client, factory, app, prefix, route):
    await factory.account("target")
    user = await factory.user("plain")
    boss = await admin(factory)
    unscoped = await factory.user("unscoped", is_admin=True, scopes=["read", "write"])
    mod = await moderator(factory)
    context = await route.setup(factory, app) if route.setup else {}
    url = prefix + fill(route.path, context)
    body = fill(route.body, context)
    query = fill(route.query, context)

    async def call(headers=None):
        kwargs = {"params": query, "headers": headers or {}}
        if route.files:
            kwargs["files"] = route.files
            kwargs["data"] = body
        else:
            kwargs["json"] = body
        return await client.request(route.method, url, **kwargs)

    anonymous = await call()
    assert anonymous.status_code in (401, 403) and "error" in anonymous.json()
    plain = await call(user.headers)
    assert plain.status_code == 403 and "error" in plain.json()
    no_scope = await call(unscoped.headers)
    assert no_scope.status_code == 403
    assert no_scope.json()["error"].startswith("Insufficient permissions")
    moderated = await call(mod.headers)
    if route.moderator:
        assert moderated.status_code in route.ok, moderated.text
        if route.setup:  # the moderator's call may have used up what setup made
            context = await route.setup(factory, app)
            url, body, query = (
                fill(v, context) for v in (prefix + route.path, route.body, route.query)
            )
    else:
        assert moderated.status_code == 403
        assert moderated.json()["error"] in ("User isn't privileged.", "User is not an admin.")
    ok = await call(boss.headers)
    assert ok.status_code in route.ok, ok.text


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
