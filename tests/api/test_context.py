"""GET /api/v1/statuses/:id/context: ancestors and descendants the viewer may see."""

from __future__ import annotations

from tests.api.status_read_helpers import block, follow, mute, mute_thread, reblog
from tests.statement_counter import counting_statements

BAD_TOKEN = {"Authorization": "Bearer not-a-token"}


def _ids(items) -> list[str]:
    return [item["id"] for item in items]


async def _context(client, status, viewer=None) -> dict:
    response = await client.get(
        f"/api/v1/statuses/{status.id}/context", headers=viewer.headers if viewer else {}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def _branching_thread(factory):
    """root <- a <- a1, a <- a2, root <- b <- b1; posted root, a, b, a1, b1, a2."""
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    carol = await factory.user("carol")
    root = await factory.status(alice.account, "root")
    a = await factory.status(bob.account, "a", in_reply_to_id=root.id)
    b = await factory.status(carol.account, "b", in_reply_to_id=root.id)
    a1 = await factory.status(carol.account, "a1", in_reply_to_id=a.id)
    b1 = await factory.status(alice.account, "b1", in_reply_to_id=b.id)
    a2 = await factory.status(alice.account, "a2", in_reply_to_id=a.id)
    users = {"alice": alice, "bob": bob, "carol": carol}
    statuses = {"root": root, "a": a, "b": b, "a1": a1, "b1": b1, "a2": a2}
    return users, statuses


async def test_descendants_depth_first_and_ancestors_top_down(client, factory):
    users, s = await _branching_thread(factory)
    ids = {name: str(status.id) for name, status in s.items()}

    whole = await _context(client, s["root"])
    assert whole["ancestors"] == []
    # Depth first, replies oldest first: not the posting order (a, b, a1, b1, a2).
    assert _ids(whole["descendants"]) == [ids["a"], ids["a1"], ids["a2"], ids["b"], ids["b1"]]

    middle = await _context(client, s["a"], users["alice"])
    assert _ids(middle["ancestors"]) == [ids["root"]]
    assert _ids(middle["descendants"]) == [ids["a1"], ids["a2"]]

    leaf = await _context(client, s["b1"])
    assert _ids(leaf["ancestors"]) == [ids["root"], ids["b"]]
    assert leaf["descendants"] == []
    # Entities are full Status entities rendered for the viewer.
    assert leaf["ancestors"][1]["in_reply_to_id"] == ids["root"]
    assert leaf["ancestors"][1]["account"]["acct"] == "carol"


async def test_hidden_statuses_are_skipped_but_the_walk_goes_through(client, factory, db):
    """root(alice) <- secret(bob, private) <- below(alice) <- dm(bob to alice), last(alice)."""
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    follower = await factory.user("follower")
    await follow(db, follower.account, bob.account)
    await follow(db, alice.account, bob.account)
    root = await factory.status(alice.account, "root")
    secret = await factory.status(
        bob.account, "for followers", visibility="private", in_reply_to_id=root.id
    )
    below = await factory.status(
        alice.account, "public under it", visibility="public", in_reply_to_id=secret.id
    )
    dm = await factory.status(
        bob.account, "@alice psst", visibility="direct", in_reply_to_id=below.id
    )
    last = await factory.status(alice.account, "last", in_reply_to_id=below.id)

    def named(*statuses):
        return [str(s.id) for s in statuses]

    # A hidden reply does not hide the public answers below it.
    assert _ids((await _context(client, root))["descendants"]) == named(below, last)
    stranger = await factory.user("stranger")
    assert _ids((await _context(client, root, stranger))["descendants"]) == named(below, last)
    # Following bob shows the followers-only reply, not the DM to alice.
    assert _ids((await _context(client, root, follower))["descendants"]) == named(
        secret, below, last
    )
    assert _ids((await _context(client, root, alice))["descendants"]) == named(
        secret, below, dm, last
    )

    # Ancestors: invisible ones are skipped, the chain continues above them.
    assert _ids((await _context(client, last))["ancestors"]) == named(root, below)
    assert _ids((await _context(client, last, bob))["ancestors"]) == named(root, secret, below)
    assert _ids((await _context(client, dm, alice))["ancestors"]) == named(root, secret, below)


async def test_blocks_and_mutes_hide_authors_but_a_muted_thread_stays_readable(client, factory, db):
    users, s = await _branching_thread(factory)
    viewer = await factory.user("viewer")
    await block(db, viewer.account, users["carol"].account)
    await mute(db, viewer.account, users["bob"].account)
    await mute_thread(db, viewer.account, s["root"].id)

    seen = await _context(client, s["root"], viewer)
    # bob's a and carol's a1 and b are hidden; alice's replies below them still show.
    assert _ids(seen["descendants"]) == [str(s["a2"].id), str(s["b1"].id)]
    up = await _context(client, s["b1"], viewer)
    assert _ids(up["ancestors"]) == [str(s["root"].id)]

    # Someone blocked by carol no longer sees carol's posts either.
    other = await factory.user("other")
    await block(db, users["carol"].account, other.account)
    assert _ids((await _context(client, s["root"], other))["descendants"]) == [
        str(s["a"].id),
        str(s["a2"].id),
        str(s["b1"].id),
    ]


async def test_reblog_id_gives_the_original_thread(client, factory, db):
    users, s = await _branching_thread(factory)
    boost = await reblog(db, users["carol"].account, s["a"])
    seen = await _context(client, boost)
    assert _ids(seen["ancestors"]) == [str(s["root"].id)]
    assert _ids(seen["descendants"]) == [str(s["a1"].id), str(s["a2"].id)]
    # The boost itself never shows up in anyone's thread.
    assert str(boost.id) not in _ids((await _context(client, s["root"]))["descendants"])


async def test_context_query_count_does_not_grow_with_the_thread(client, factory, app):
    alice = await factory.user("alice")
    bob = await factory.user("bob")

    async def measure(status) -> tuple[int, int]:
        """Statements with empty entity caches, then with warm ones."""
        app.state.entity_cache.forget_all()
        counts = []
        for _ in range(2):
            with counting_statements(app.state.engine) as statements:
                await _context(client, status, bob)
            counts.append(len(statements))
        return counts[0], counts[1]

    small_root = await factory.status(alice.account, "small")
    parent = small_root
    for i in range(2):
        parent = await factory.status(bob.account, f"r{i}", in_reply_to_id=parent.id)
    big_root = await factory.status(alice.account, "big")
    parent = big_root
    for i in range(12):
        author = alice if i % 2 else bob
        parent = await factory.status(author.account, f"r{i} #tag @alice", in_reply_to_id=parent.id)
    small, big = await measure(small_root), await measure(big_root)
    assert small == big, (small, big)
    assert small[0] > small[1] > 3, small


async def test_context_errors(client, factory, db):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "hello")
    private = await factory.status(alice.account, "mine", visibility="private")
    stranger = await factory.user("stranger")
    url = f"/api/v1/statuses/{status.id}/context"
    writer = await factory.user("writer", scopes=["write"])
    assert (await client.get(url, headers=writer.headers)).status_code == 403
    assert (await client.get(url, headers=BAD_TOKEN)).status_code == 401
    assert (await client.get("/api/v1/statuses/5/context")).status_code == 404
    assert (await client.get("/api/v1/statuses/x/context")).status_code == 404
    hidden = await client.get(f"/api/v1/statuses/{private.id}/context", headers=stranger.headers)
    assert hidden.status_code == 404 and hidden.json() == {"error": "Record not found"}
    empty = await _context(client, status)
    assert empty == {"ancestors": [], "descendants": []}
