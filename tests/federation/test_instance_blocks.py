"""An instance block (MRF SimplePolicy ``reject``) between two real servers on loopback:
nothing is taken from the blocked host, nothing is delivered or fetched there, and what was
stored from it before leaves the timelines; nodeinfo publishes the block."""

from __future__ import annotations

from sqlalchemy import func, select

from pyleroma.federation.delivery import DELIVER_JOB
from pyleroma.models import Account, Job, Status
from tests.federation.servers import Server, settle
from tests.federation.test_two_servers import _follow, _home, _resolve


async def _statuses_from(server: Server, domain: str) -> int:
    async with server.app.state.sessionmaker() as session:
        on_domain = select(Account.id).where(Account.domain == domain)
        query = select(func.count()).select_from(Status).where(Status.account_id.in_(on_domain))
        return await session.scalar(query)


async def _deliveries_to(server: Server, domain: str, text: str) -> int:
    """Delivery jobs (done or not) to ``domain`` of an activity mentioning ``text``."""
    async with server.app.state.sessionmaker() as session:
        args = (await session.execute(select(Job.args).where(Job.kind == DELIVER_JOB))).scalars()
        return sum(1 for a in args if f"//{domain}/" in a["inbox"] and text in str(a["activity"]))


async def test_a_blocked_instance_is_cut_off_both_ways(servers):
    a, b = servers
    alice = await a.user("alice")
    bob = await b.user("bob")
    await _follow(a, alice, b, "bob")
    await _follow(b, bob, a, "alice")
    first = await b.post("/api/v1/statuses", bob, status="before the block", visibility="public")
    assert first.status_code == 200
    await settle(a, b)
    assert [s["content"] for s in await _home(a, alice)] == [first.json()["content"]]
    public = (await a.get("/api/v1/timelines/public", alice)).json()
    assert [s["uri"] for s in public] == [first.json()["uri"]]

    settings = a.app.state.settings
    settings.mrf_policies = ["SimplePolicy"]
    settings.mrf_simple_reject = [f"{b.host} => spam"]  # any port of b's host

    # What was stored from b before leaves a's timelines (the status itself stays).
    assert await _home(a, alice) == []
    assert (await a.get("/api/v1/timelines/public", alice)).json() == []
    assert await _statuses_from(a, b.domain) == 1

    # b's new posts are answered 202 on a and dropped.
    second = await b.post("/api/v1/statuses", bob, status="after the block", visibility="public")
    assert second.status_code == 200
    await settle(a, b)
    assert await _statuses_from(a, b.domain) == 1

    # a's posts are not delivered to b (bob follows alice).
    posted = await a.post("/api/v1/statuses", alice, status="to my followers", visibility="public")
    assert posted.status_code == 200
    assert await _deliveries_to(a, b.domain, "to my followers") == 0
    await settle(a, b)
    assert await _statuses_from(b, a.domain) == 0

    # a fetches nothing from b: bob's new post cannot be looked up by its URI.
    found = await a.get("/api/v2/search", alice, q=second.json()["uri"], resolve="true")
    assert found.status_code == 200
    assert found.json()["statuses"] == []

    # nodeinfo publishes the block and its reason.
    nodeinfo = (await a.get("/nodeinfo/2.1.json")).json()
    federation = nodeinfo["metadata"]["federation"]
    assert federation["mrf_policies"] == ["SimplePolicy"]
    assert federation["mrf_simple"]["reject"] == [b.host]
    assert federation["mrf_simple_info"]["reject"] == {b.host: {"reason": "spam"}}

    # Lifting the block brings the stored post back; the dropped one stays dropped.
    settings.mrf_simple_reject = []
    home = [s["uri"] for s in await _home(a, alice)]
    assert home == [posted.json()["uri"], first.json()["uri"]]
    assert (await _resolve(a, alice, b.handle("bob")))["acct"] == b.handle("bob")
