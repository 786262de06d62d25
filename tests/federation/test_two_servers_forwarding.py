"""Inbox forwarding between three pyleroma servers on loopback (federation/forwarding.py).

alice is on A; bob (B) and carol (C) follow her. carol's public reply to alice goes from C
to A only (bob follows alice, not carol); A passes it on to alice's followers, so B shows it
in alice's thread. B takes it from C, never from what A sent.
"""

from __future__ import annotations

import orjson
from sqlalchemy import select

from pyleroma.activities.normalize_objects import PUBLIC
from pyleroma.federation.delivery import DELIVER_JOB
from pyleroma.federation.signatures import sign_request
from pyleroma.models import Account, Job, Status
from tests.conftest import _create_pg_database
from tests.federation.servers import Server, settle, start_server, stop_server
from tests.federation.test_two_servers import _follow, _home


async def _post(server: Server, user, text: str, **fields) -> dict:
    response = await server.post("/api/v1/statuses", user, status=text, **fields)
    assert response.status_code == 200, response.text
    return response.json()


async def _stored(server: Server, uri: str) -> Status | None:
    async with server.app.state.sessionmaker() as session:
        return await session.scalar(select(Status).where(Status.uri == uri))


async def _account(server: Server, nickname: str) -> Account:
    async with server.app.state.sessionmaker() as session:
        return await session.scalar(
            select(Account).where(Account.nickname == nickname, Account.local.is_(True))
        )


async def _deliveries(server: Server) -> list[dict]:
    """The args of every delivery job the server has written."""
    async with server.app.state.sessionmaker() as session:
        jobs = await session.scalars(select(Job).where(Job.kind == DELIVER_JOB))
        return [job.args for job in jobs]


def _about(deliveries: list[dict], object_uri: str) -> list[dict]:
    def names(activity: dict) -> bool:
        obj = activity.get("object")
        return (obj.get("id") if isinstance(obj, dict) else obj) == object_uri

    return [d for d in deliveries if names(d["activity"])]


async def _deliver(target: Server, signer: Account, document: dict) -> int:
    """POST ``document`` to ``target``'s shared inbox signed with ``signer``'s key."""
    body = orjson.dumps(document)
    url = f"{target.base_url}/inbox"
    headers = {"Content-Type": "application/activity+json"}
    headers = sign_request("POST", url, headers, body, signer.key_id, signer.private_key)
    response = await target.http.post("/inbox", content=body, headers=headers)
    return response.status_code


async def test_a_reply_to_a_local_post_is_forwarded_to_the_authors_followers(
    servers, tmp_path, pg_database
):
    a, b = servers
    url = ""
    if pg_database:
        url = f"{pg_database}_fed2"
        await _create_pg_database(url)
    c = await start_server("127.0.0.4", tmp_path / "server2", url)
    try:
        alice = await a.user("alice")
        bob = await b.user("bob")
        carol = await c.user("carol")
        await _follow(b, bob, a, "alice")
        await _follow(c, carol, a, "alice")
        post = await _post(a, alice, "hello followers")
        await settle(a, b, c)
        [on_b] = await _home(b, bob)
        [on_c] = await _home(c, carol)
        assert on_b["uri"] == on_c["uri"] == post["uri"]

        # carol answers publicly: C sends it to A (alice) only, A forwards it to B.
        reply = await _post(c, carol, "@alice hi from C", in_reply_to_id=on_c["id"])
        await settle(a, b, c)
        c_sent = await _deliveries(c)
        assert {d["inbox"].split("/")[2] for d in _about(c_sent, reply["uri"])} == {a.domain}
        forwarded = _about(await _deliveries(a), reply["uri"])
        alice_row = await _account(a, "alice")
        assert len(forwarded) == 1
        [forward] = forwarded
        assert forward["inbox"] == f"{b.base_url}/inbox"  # B's shared inbox; not C's
        assert forward["actor_id"] == alice_row.id  # signed by the author of the post
        assert forward["activity"]["type"] == "Create"
        assert forward["activity"]["actor"] == f"{c.base_url}/users/carol"  # unchanged
        stored = await _stored(b, reply["uri"])
        assert stored is not None
        parent_on_b = await _stored(b, post["uri"])
        assert stored.in_reply_to_id == parent_on_b.id
        assert "hi from C" in stored.content
        assert stored.visibility == "public"
        context = await b.get(f"/api/v1/statuses/{on_b['id']}/context", bob)
        assert [s["uri"] for s in context.json()["descendants"]] == [reply["uri"]]

        # The same Create delivered again (a retry): stored already, not forwarded again.
        carol_row = await _account(c, "carol")
        assert await _deliver(a, carol_row, forward["activity"]) == 202
        await settle(a, b, c)
        assert len(_about(await _deliveries(a), reply["uri"])) == 1

        # An edit goes the same way; B reads the new text from C.
        edited = await c.http.put(
            f"/api/v1/statuses/{reply['id']}",
            headers=carol.headers,
            json={"status": "@alice hi again from C"},
        )
        assert edited.status_code == 200, edited.text
        await settle(a, b, c)
        updates = [d for d in _about(await _deliveries(a), reply["uri"])
                   if d["activity"]["type"] == "Update"]  # fmt: skip
        assert [d["inbox"] for d in updates] == [f"{b.base_url}/inbox"]
        stored = await _stored(b, reply["uri"])
        assert "hi again from C" in stored.content and stored.edited_at is not None

        # And the Delete: B checks with C that it is gone, then removes it.
        deleted = await c.http.delete(f"/api/v1/statuses/{reply['id']}", headers=carol.headers)
        assert deleted.status_code == 200
        await settle(a, b, c)
        deletes = [d for d in _about(await _deliveries(a), reply["uri"])
                   if d["activity"]["type"] == "Delete"]  # fmt: skip
        assert [d["inbox"] for d in deletes] == [f"{b.base_url}/inbox"]
        assert await _stored(b, reply["uri"]) is None
        assert await _stored(a, reply["uri"]) is None
    finally:
        await stop_server(c)


async def test_what_is_not_forwarded_and_a_forged_body(servers, tmp_path, pg_database):
    a, b = servers
    url = ""
    if pg_database:
        url = f"{pg_database}_fed2"
        await _create_pg_database(url)
    c = await start_server("127.0.0.4", tmp_path / "server2", url)
    try:
        alice = await a.user("alice")
        bob = await b.user("bob")
        carol = await c.user("carol")
        await _follow(b, bob, a, "alice")
        await _follow(c, carol, a, "alice")
        await _follow(c, carol, b, "bob")
        post = await _post(a, alice, "hello followers")
        bobs = await _post(b, bob, "bob's own post")
        await settle(a, b, c)
        home_c = {s["uri"]: s for s in await _home(c, carol)}

        # A direct reply to alice: A gets it, nobody else.
        direct = await _post(
            c, carol, "@alice psst", in_reply_to_id=home_c[post["uri"]]["id"],
            visibility="direct",
        )  # fmt: skip
        # A reply to bob's post (remote on A) that mentions alice: A does not pass it on.
        elsewhere = await _post(
            c,
            carol,
            f"@alice@{a.domain} @bob@{b.domain} look",
            in_reply_to_id=home_c[bobs["uri"]]["id"],
        )
        await settle(a, b, c)
        assert await _stored(a, direct["uri"]) is not None
        assert await _stored(a, elsewhere["uri"]) is not None
        a_sent = await _deliveries(a)
        assert _about(a_sent, direct["uri"]) == []
        assert _about(a_sent, elsewhere["uri"]) == []
        assert await _stored(b, direct["uri"]) is None

        # A forwarder that changes the body: B stores what C serves. (A is made to skip B
        # while carol's reply arrives, so that the forged copy is the first B sees.)
        settings = a.app.state.settings
        policies, rejected = settings.mrf_policies, settings.mrf_simple_reject
        settings.mrf_policies = [*policies, "SimplePolicy"]
        settings.mrf_simple_reject = [b.domain]
        try:
            reply = await _post(c, carol, "@alice the real words",
                                in_reply_to_id=home_c[post["uri"]]["id"])  # fmt: skip
            await settle(a, c)
        finally:
            settings.mrf_policies, settings.mrf_simple_reject = policies, rejected
        assert await _stored(a, reply["uri"]) is not None
        assert await _stored(b, reply["uri"]) is None
        [create] = [d["activity"] for d in await _deliveries(c)
                    if d["activity"]["type"] == "Create"
                    and d["activity"]["object"]["id"] == reply["uri"]]  # fmt: skip
        forged = orjson.loads(orjson.dumps(create))
        forged["object"]["content"] = "<p>forged words</p>"
        assert await _deliver(b, await _account(a, "alice"), forged) == 202
        await settle(a, b, c)
        stored = await _stored(b, reply["uri"])
        assert stored is not None
        assert "the real words" in stored.content and "forged" not in stored.content
        # B never forwards what was forwarded to it.
        assert _about(await _deliveries(b), reply["uri"]) == []

        # A forwarded Create of a post that answers nothing is refused; one whose body
        # claims to answer alice's post but which does not is not stored.
        stray = await _post(c, carol, "a post of carol's own")
        await settle(a, b, c)
        carol_id = f"{c.base_url}/users/carol"
        for claimed in (None, post["uri"]):
            note = {"id": stray["uri"], "type": "Note", "attributedTo": carol_id,
                    "content": "<p>x</p>", "to": [PUBLIC], "inReplyTo": claimed}  # fmt: skip
            document = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{stray['uri']}/activity",
                "type": "Create",
                "actor": carol_id,
                "to": [PUBLIC],
                "object": note,
            }
            answer = await _deliver(b, await _account(a, "alice"), document)
            assert answer == (401 if claimed is None else 202)  # no reply: refused at once
            await settle(a, b, c)
            assert await _stored(b, stray["uri"]) is None
        # Other activities signed by someone other than their actor are still refused.
        like = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{c.base_url}/likes/1",
            "type": "Like",
            "actor": f"{c.base_url}/users/carol",
            "object": bobs["uri"],
        }
        assert await _deliver(b, await _account(a, "alice"), like) == 401
    finally:
        await stop_server(c)
