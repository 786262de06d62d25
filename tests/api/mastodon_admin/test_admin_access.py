"""Every route of Mastodon's admin API (api/mastodon/admin_*.py) walked with no token (401),
a plain user (403), an admin whose token has no admin scope (403 "Insufficient
permissions"), a moderator (allowed what Pleroma's default moderator privileges allow:
the reports) and an admin (with a token of exactly the route's admin scope). These routes
are not under the Pleroma admin prefixes, so tests/api/admin/test_admin_access.py does not
walk them: this table does, and fails when a route has no row."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.api.admin.helpers import admin, moderator
from tests.api.mastodon_admin.helpers import report
from tests.api.test_openapi import api_routes
from tests.factories import USER_SCOPES

PREFIXES = ("/api/v1/admin/", "/api/v2/admin/")


@dataclass(frozen=True)
class Route:
    """``{target}`` (a plain local account), ``{pending}`` (awaiting approval) and
    ``{report}`` (about target) are filled in. ``scope``: the one admin scope enough."""

    method: str
    path: str
    scope: str
    moderator: bool = False
    body: dict | None = None
    ok: int = 200

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


ACCOUNTS_READ, ACCOUNTS_WRITE = "admin:read:accounts", "admin:write:accounts"
REPORTS_READ, REPORTS_WRITE = "admin:read:reports", "admin:write:reports"
ROUTES = [
    Route("GET", "/api/v1/admin/accounts", ACCOUNTS_READ),
    Route("GET", "/api/v2/admin/accounts", ACCOUNTS_READ),
    Route("GET", "/api/v1/admin/accounts/{target}", ACCOUNTS_READ),
    Route(
        "POST", "/api/v1/admin/accounts/{target}/action", ACCOUNTS_WRITE, body={"type": "disable"}
    ),
    Route("POST", "/api/v1/admin/accounts/{target}/enable", ACCOUNTS_WRITE),
    Route("POST", "/api/v1/admin/accounts/{target}/unsuspend", ACCOUNTS_WRITE),
    Route("POST", "/api/v1/admin/accounts/{target}/unsilence", ACCOUNTS_WRITE),
    Route("POST", "/api/v1/admin/accounts/{target}/unsensitive", ACCOUNTS_WRITE),
    Route("POST", "/api/v1/admin/accounts/{pending}/approve", ACCOUNTS_WRITE),
    Route("POST", "/api/v1/admin/accounts/{pending}/reject", ACCOUNTS_WRITE),
    Route("DELETE", "/api/v1/admin/accounts/{target}", ACCOUNTS_WRITE),
    Route("GET", "/api/v1/admin/reports", REPORTS_READ, moderator=True),
    Route("GET", "/api/v1/admin/reports/{report}", REPORTS_READ, moderator=True),
    Route("POST", "/api/v1/admin/reports/{report}/resolve", REPORTS_WRITE, moderator=True),
    Route("POST", "/api/v1/admin/reports/{report}/reopen", REPORTS_WRITE, moderator=True),
    Route("PUT", "/api/v1/admin/reports/{report}", REPORTS_WRITE, True, body={"category": "spam"}),
    Route("POST", "/api/v1/admin/reports/{report}/assign_to_self", REPORTS_WRITE, True, ok=422),
    Route("POST", "/api/v1/admin/reports/{report}/unassign", REPORTS_WRITE, True, ok=422),
]


def test_every_mastodon_admin_route_is_in_the_table(app):
    walked = {
        (r.method, r.path.replace("{target}", "{id}").replace("{pending}", "{id}")) for r in ROUTES
    }
    walked = {(m, p.replace("{report}", "{id}")) for m, p in walked}
    served = set()
    for route in api_routes(app):
        path = route.path_format
        if path.startswith(PREFIXES):
            served |= {(m, path) for m in route.methods - {"HEAD", "OPTIONS"}}
    assert served == walked


@pytest.mark.parametrize("route", ROUTES, ids=[r.id for r in ROUTES])
async def test_access(client, factory, route):
    target = await factory.account("target")
    pending = await factory.account("pending", is_approved=False)
    reporter = await factory.user("reporter")
    filed = await report(client, reporter, target.id)
    user = await factory.user("plain")
    boss = await admin(factory)
    unscoped = await factory.user("unscoped", is_admin=True, scopes=["read", "write"])
    mod = await moderator(factory)
    # An admin's token with only this route's admin scope (besides the usual ones).
    narrow = await factory.token(boss.account, [*USER_SCOPES, route.scope])
    url = route.path.format(target=target.id, pending=pending.id, report=filed["id"])

    async def call(headers=None):
        return await client.request(route.method, url, json=route.body, headers=headers or {})

    anonymous = await call()
    assert anonymous.status_code == 401 and "error" in anonymous.json()
    plain = await call(user.headers)
    assert (plain.status_code, plain.json()) == (403, {"error": "User isn't privileged."})
    no_scope = await call(unscoped.headers)
    assert no_scope.status_code == 403
    assert no_scope.json()["error"] == f"Insufficient permissions: {route.scope}."
    moderated = await call(mod.headers)
    if route.moderator:
        assert moderated.status_code == route.ok, moderated.text
    else:
        assert (moderated.status_code, moderated.json()) == (
            403,
            {"error": "User isn't privileged."},
        )
    allowed = await call({"Authorization": f"Bearer {narrow}"})
    assert allowed.status_code == route.ok, allowed.text


async def test_the_other_area_scope_is_not_enough(client, factory):
    """A reports scope does not read accounts, nor an accounts scope reports; ``admin:read``
    covers both reads but no write."""
    boss = await admin(factory)
    target = await factory.account("target")
    for scopes, path, status in (
        ([REPORTS_READ], "/api/v2/admin/accounts", 403),
        ([ACCOUNTS_READ], "/api/v1/admin/reports", 403),
        (["admin:read"], "/api/v2/admin/accounts", 200),
        (["admin:read"], "/api/v1/admin/reports", 200),
    ):
        token = await factory.token(boss.account, scopes)
        response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == status, (scopes, path)
    token = await factory.token(boss.account, ["admin:read"])
    refused = await client.post(
        f"/api/v1/admin/accounts/{target.id}/enable", headers={"Authorization": f"Bearer {token}"}
    )
    assert refused.status_code == 403
