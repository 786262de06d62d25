"""Reports between two pyleroma servers on loopback: alice on A reports bob on B with
``forward`` and one of his posts; B's moderators get a report about bob and that post,
from the account the Flag's actor resolves to on B (alice, or A's relay actor when A
keeps its reporters anonymous). There is no admin API yet, so B's database is read."""

from __future__ import annotations

from sqlalchemy import select

from pyleroma.models import Account, Report
from tests.federation.servers import Server, settle
from tests.federation.test_two_servers import _remote_copy, _resolve


async def _reports(server: Server) -> list[Report]:
    async with server.app.state.sessionmaker() as session:
        return list((await session.execute(select(Report).order_by(Report.id))).scalars())


async def _account_by_ap_id(server: Server, ap_id: str) -> Account | None:
    async with server.app.state.sessionmaker() as session:
        found = await session.execute(select(Account).where(Account.ap_id == ap_id))
        return found.scalar_one_or_none()


async def _report_bob(a: Server, alice, b: Server, comment: str, forward: bool = True):
    """alice (on A) reports bob's newest post; answers (A's report, bob's post id on B)."""
    bob = b.users["bob"]
    posted = await b.post("/api/v1/statuses", bob, status="buy cheap stuff", visibility="public")
    assert posted.status_code == 200, posted.text
    original = posted.json()
    bob_on_a = await _resolve(a, alice, b.handle("bob"))
    copy = await _remote_copy(a, alice, original["uri"])
    response = await a.post(
        "/api/v1/reports",
        alice,
        account_id=bob_on_a["id"],
        status_ids=[copy["id"]],
        comment=comment,
        forward=forward,
        category="spam",
    )
    assert response.status_code == 200, response.text
    await settle(a, b)
    return response.json(), int(original["id"])


async def test_a_forwarded_report_reaches_the_reported_accounts_server(servers):
    a, b = servers
    alice = await a.user("alice")
    bob = await b.user("bob")

    sent, post_id = await _report_bob(a, alice, b, "spam & scams")
    assert sent["forwarded"] is True

    [report] = await _reports(b)
    alice_on_b = await _account_by_ap_id(b, f"{a.base_url}/users/alice")
    assert alice_on_b is not None and not alice_on_b.local
    assert report.account_id == alice_on_b.id  # the Flag's actor: the reporter
    assert report.target_account_id == bob.account.id
    assert report.status_ids == [post_id]
    assert report.comment == "spam & scams"
    assert report.state == "open"
    # A keeps its own report (alice's, about A's copy of bob), as before.
    [kept] = await _reports(a)
    assert kept.account_id == alice.account.id and kept.forward is True


async def test_an_unforwarded_report_stays_home(servers):
    a, b = servers
    alice = await a.user("alice")
    await b.user("bob")
    sent, _ = await _report_bob(a, alice, b, "just for our moderators", forward=False)
    assert sent["forwarded"] is False
    assert len(await _reports(a)) == 1
    assert await _reports(b) == []


async def test_an_anonymous_report_comes_from_the_relay_actor(servers):
    a, b = servers
    a.app.state.settings.activitypub_anonymize_reporter = True
    alice = await a.user("alice")
    bob = await b.user("bob")

    _, post_id = await _report_bob(a, alice, b, "anonymous")

    [report] = await _reports(b)
    relay_on_b = await _account_by_ap_id(b, f"{a.base_url}/relay")
    assert relay_on_b is not None  # B fetched A's relay actor to check the signature
    assert report.account_id == relay_on_b.id
    assert (report.target_account_id, report.status_ids) == (bob.account.id, [post_id])
    # B never heard of alice.
    assert await _account_by_ap_id(b, f"{a.base_url}/users/alice") is None
