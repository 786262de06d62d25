"""Mastodon.py's admin calls against a live server (Mastodon's admin API as the Pleroma forks
serve it: api/mastodon/admin_accounts.py and admin_reports.py): list and show accounts,
disable and enable one, list, show and resolve reports.

The admin is made as an operator makes one (the flag set in the database, then a login that
asks for admin scopes), so this file runs its own live server to reach its database.
"""

from __future__ import annotations

import asyncio

import pytest
from mastodon import Mastodon
from mastodon.errors import MastodonAPIError
from mastodon.return_types import AdminAccount, PaginatableList
from sqlalchemy import update

from pyleroma.db.engine import make_engine
from pyleroma.main import create_app
from pyleroma.models import Account
from tests.conftest import make_test_settings
from tests.e2e.conftest import LiveServer, _prepare_database, free_port
from tests.e2e.test_mastodon_py import PASSWORD, SCOPES, client, sign_up

ADMIN_SCOPES = [*SCOPES, "admin:read", "admin:write"]


@pytest.fixture
def server_and_settings(tmp_path, pg_database):
    port = free_port()
    settings = make_test_settings(
        tmp_path / "data", pg_database or "", base_url=f"http://127.0.0.1:{port}"
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(_prepare_database(settings.effective_database_url, bool(pg_database)))
    server = LiveServer(create_app(settings), "127.0.0.1", port)
    server.start()
    yield server, settings
    server.stop()


def make_admin(settings, nickname: str) -> None:
    async def run():
        engine = make_engine(settings.effective_database_url)
        async with engine.begin() as conn:
            await conn.execute(
                update(Account).where(Account.nickname == nickname).values(is_admin=True)
            )
        await engine.dispose()

    asyncio.run(run())


def test_mastodon_py_admin_calls(server_and_settings, monkeypatch):
    # Mastodon.py 2.3.3 declares admin_accounts_v2 as returning ``List[AdminAccount]``,
    # which its own result caster refuses ("Subtype not allowed for type builtins.list")
    # whatever the server answers: declared as the paginated list its siblings return, the
    # real method (its parameter checks, the request, Link paging) runs unchanged.
    annotations = Mastodon.admin_accounts_v2.__annotations__
    monkeypatch.setitem(annotations, "return", PaginatableList[AdminAccount])
    server, settings = server_and_settings
    client_id, client_secret = Mastodon.create_app(
        "e2e admin", api_base_url=server.url, scopes=ADMIN_SCOPES
    )
    alice = sign_up(server, client_id, client_secret, "alice")
    bob = sign_up(server, client_id, client_secret, "bob")
    sign_up(server, client_id, client_secret, "boss")
    make_admin(settings, "boss")
    boss = client(server, client_id=client_id, client_secret=client_secret)
    boss.log_in(username="boss", password=PASSWORD, scopes=ADMIN_SCOPES)
    bob_id = bob.me()["id"]

    listed = boss.admin_accounts_v2(origin="local")
    assert [a.username for a in listed] == ["boss", "bob", "alice"]
    first = boss.admin_accounts_v2(origin="local", limit=2)
    assert [a.username for a in boss.fetch_next(first)] == ["alice"]
    shown = boss.admin_account(bob_id)
    assert shown.username == "bob" and shown.account.acct == "bob"
    assert shown.role.id == "-99" and shown.disabled is False and shown.approved is True

    boss.admin_account_moderate(bob_id, "disable")
    assert boss.admin_account(bob_id).disabled is True
    with pytest.raises(MastodonAPIError):
        bob.me()
    enabled = boss.admin_account_enable(bob_id)
    assert enabled.disabled is False and bob.me()["id"] == bob_id

    post = bob.status_post("buy my stuff")
    alice.report(bob_id, status_ids=[post.id], comment="spam", category="spam")
    reports = boss.admin_reports()
    assert len(reports) == 1
    filed = reports[0]
    assert filed.target_account.username == "bob" and filed.account.username == "alice"
    assert [s.id for s in filed.statuses] == [post.id] and filed.category == "spam"
    assert boss.admin_report(filed.id).comment == "spam"
    resolved = boss.admin_report_resolve(filed.id)
    assert resolved.action_taken is True
    assert boss.admin_reports() == []
    assert [r.id for r in boss.admin_reports(resolved=True)] == [filed.id]
    with pytest.raises(MastodonAPIError, match="Assigning reports is not supported"):
        boss.admin_report_assign(filed.id)

    with pytest.raises(MastodonAPIError):  # a plain user's token cannot reach them
        alice.admin_accounts_v2()
