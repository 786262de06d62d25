"""Two pyleroma servers on loopback (127.0.0.2 and 127.0.0.3), driven through their client
APIs over real HTTP: what one does arrives on the other."""

from __future__ import annotations

from tests.federation.servers import Server, settle


async def _resolve(server: Server, user, handle: str) -> dict:
    """Find a remote account the way apps do (search with resolve=true)."""
    response = await server.get("/api/v2/search", user, q=f"@{handle}", resolve="true")
    assert response.status_code == 200, response.text
    accounts = response.json()["accounts"]
    assert accounts, f"{handle} not resolved"
    return accounts[0]


async def _follow(a: Server, user, b: Server, nickname: str) -> dict:
    target = await _resolve(a, user, b.handle(nickname))
    response = await a.post(f"/api/v1/accounts/{target['id']}/follow", user)
    assert response.status_code == 200, response.text
    await settle(a, b)
    return target


async def _relationship(server: Server, user, account_id: str) -> dict:
    response = await server.get("/api/v1/accounts/relationships", user, **{"id[]": account_id})
    assert response.status_code == 200
    return response.json()[0]


async def _home(server: Server, user) -> list[dict]:
    response = await server.get("/api/v1/timelines/home", user)
    assert response.status_code == 200
    return response.json()


async def _notifications(server: Server, user) -> list[dict]:
    response = await server.get("/api/v1/notifications", user)
    assert response.status_code == 200
    return response.json()


async def _remote_copy(server: Server, user, uri: str) -> dict:
    """The local copy of a remote status, found by its URI (search resolves URIs)."""
    response = await server.get("/api/v2/search", user, q=uri, resolve="true")
    [status] = response.json()["statuses"]
    return status


async def test_follow_post_reply_like_boost_edit_delete(servers):
    a, b = servers
    alice = await a.user("alice")
    bob = await b.user("bob")

    bob_on_a = await _follow(a, alice, b, "bob")
    assert bob_on_a["acct"] == b.handle("bob")
    relationship = await _relationship(a, alice, bob_on_a["id"])
    assert relationship["following"] is True
    followers = await b.get(f"/api/v1/accounts/{bob.account.id}/followers", bob)
    assert [f["acct"] for f in followers.json()] == [a.handle("alice")]

    # bob posts: alice's home on the other server gets it.
    posted = await b.post("/api/v1/statuses", bob, status="hello from #b", visibility="public")
    assert posted.status_code == 200, posted.text
    await settle(a, b)
    [entry] = await _home(a, alice)
    assert entry["account"]["acct"] == b.handle("bob")
    assert "hello from" in entry["content"]
    assert entry["uri"] == posted.json()["uri"]
    remote_id = entry["id"]

    # alice replies, likes and boosts: bob hears of each.
    reply = await a.post(
        "/api/v1/statuses",
        alice,
        status=f"@{b.handle('bob')} hi back",
        in_reply_to_id=remote_id,
    )
    assert reply.status_code == 200, reply.text
    assert (await a.post(f"/api/v1/statuses/{remote_id}/favourite", alice)).status_code == 200
    assert (await a.post(f"/api/v1/statuses/{remote_id}/reblog", alice)).status_code == 200
    await settle(a, b)
    kinds = sorted(n["type"] for n in await _notifications(b, bob))
    assert kinds == ["favourite", "follow", "mention", "reblog"]
    original = await b.get(f"/api/v1/statuses/{posted.json()['id']}", bob)
    assert original.json()["favourites_count"] == 1
    assert original.json()["reblogs_count"] == 1
    assert original.json()["replies_count"] == 1
    context = await b.get(f"/api/v1/statuses/{posted.json()['id']}/context", bob)
    [descendant] = context.json()["descendants"]
    assert "hi back" in descendant["content"]
    assert descendant["account"]["acct"] == a.handle("alice")

    # bob edits: alice sees the new text and the history.
    edited = await b.http.put(
        f"/api/v1/statuses/{posted.json()['id']}",
        headers=bob.headers,
        json={"status": "hello again from #b"},
    )
    assert edited.status_code == 200, edited.text
    await settle(a, b)
    seen = await a.get(f"/api/v1/statuses/{remote_id}", alice)
    assert "hello again" in seen.json()["content"]
    assert seen.json()["edited_at"] is not None
    history = await a.get(f"/api/v1/statuses/{remote_id}/history", alice)
    assert len(history.json()) == 2

    # bob deletes: it is gone on alice's side too.
    deleted = await b.http.delete(f"/api/v1/statuses/{posted.json()['id']}", headers=bob.headers)
    assert deleted.status_code == 200
    await settle(a, b)
    assert (await a.get(f"/api/v1/statuses/{remote_id}", alice)).status_code == 404
    assert [s for s in await _home(a, alice) if s["id"] == remote_id] == []


async def test_locked_account_vote_profile_unfollow_block_and_dm(servers):
    a, b = servers
    alice = await a.user("alice")
    carol = await b.user("carol", locked=True)
    dave = await b.user("dave")

    carol_on_a = await _follow(a, alice, b, "carol")
    relationship = await _relationship(a, alice, carol_on_a["id"])
    assert relationship["requested"] is True
    requests = await b.get("/api/v1/follow_requests", carol)
    [requester] = requests.json()
    assert requester["acct"] == a.handle("alice")
    assert (
        await b.post(f"/api/v1/follow_requests/{requester['id']}/authorize", carol)
    ).status_code == 200
    await settle(a, b)
    relationship = await _relationship(a, alice, carol_on_a["id"])
    assert relationship["following"] is True

    # A poll on b, a vote from a.
    poll = await b.post(
        "/api/v1/statuses",
        carol,
        status="tea or coffee?",
        poll={"options": ["tea", "coffee"], "expires_in": 3600},
    )
    assert poll.status_code == 200, poll.text
    await settle(a, b)
    [entry] = await _home(a, alice)
    assert [o["title"] for o in entry["poll"]["options"]] == ["tea", "coffee"]
    voted = await a.post(f"/api/v1/polls/{entry['poll']['id']}/votes", alice, choices=[1])
    assert voted.status_code == 200, voted.text
    await settle(a, b)
    tallies = await b.get(f"/api/v1/polls/{poll.json()['poll']['id']}", carol)
    assert [o["votes_count"] for o in tallies.json()["options"]] == [0, 1]

    # carol renames herself: alice's copy follows.
    renamed = await b.http.patch(
        "/api/v1/accounts/update_credentials",
        headers=carol.headers,
        json={"display_name": "Carol C."},
    )
    assert renamed.status_code == 200, renamed.text
    await settle(a, b)
    profile = await a.get(f"/api/v1/accounts/{carol_on_a['id']}", alice)
    assert profile.json()["display_name"] == "Carol C."

    # A direct message reaches carol only, not dave on the same server.
    dm = await a.post(
        "/api/v1/statuses", alice, status=f"@{b.handle('carol')} psst", visibility="direct"
    )
    assert dm.status_code == 200, dm.text
    await settle(a, b)
    assert [n["type"] for n in await _notifications(b, carol)][0] == "mention"
    assert all("psst" not in s["content"] for s in await _home(b, dave))
    conversations = await b.get("/api/v1/conversations", carol)
    assert "psst" in conversations.json()[0]["last_status"]["content"]

    # alice unfollows: carol's followers count drops.
    unfollowed = await a.post(f"/api/v1/accounts/{carol_on_a['id']}/unfollow", alice)
    assert unfollowed.status_code == 200
    await settle(a, b)
    me = await b.get("/api/v1/accounts/verify_credentials", carol)
    assert me.json()["followers_count"] == 0

    # dave blocks alice, alice can no longer follow dave's posts into her home.
    dave_on_a = await _follow(a, alice, b, "dave")
    alice_on_b = await _resolve(b, dave, a.handle("alice"))
    assert (await b.post(f"/api/v1/accounts/{alice_on_b['id']}/block", dave)).status_code == 200
    await settle(a, b)
    relationship = await _relationship(a, alice, dave_on_a["id"])
    assert relationship["following"] is False
    assert relationship["blocked_by"] is True


async def test_a_mention_of_an_unknown_remote_account_reaches_it(servers):
    """Posting ``@erin@host`` looks erin up over WebFinger first (nobody here knew her)."""
    a, b = servers
    alice = await a.user("alice")
    erin = await b.user("erin")
    posted = await a.post("/api/v1/statuses", alice, status=f"hello @{b.handle('erin')}!")
    assert posted.status_code == 200, posted.text
    [mention] = posted.json()["mentions"]
    assert mention["acct"] == b.handle("erin")
    await settle(a, b)
    [notification] = await _notifications(b, erin)
    assert notification["type"] == "mention"
    assert notification["account"]["acct"] == a.handle("alice")
    assert "hello" in notification["status"]["content"]


async def test_a_deleted_account_is_deleted_everywhere(servers):
    """Deleting an account sends its Delete to every inbox the server knows, signed with
    the key its tombstone keeps; the other server removes its posts."""
    from pyleroma.models import Account
    from pyleroma.services.accounts.account_deletion import delete_local_account

    a, b = servers
    alice = await a.user("alice")
    bob = await b.user("bob")
    await _follow(b, bob, a, "alice")
    posted = await a.post("/api/v1/statuses", alice, status="soon gone")
    assert posted.status_code == 200
    await settle(a, b)
    [entry] = await _home(b, bob)
    alice_on_b = entry["account"]["id"]

    async with a.app.state.sessionmaker() as session:
        await delete_local_account(
            session, a.app.state.settings, await session.get(Account, alice.account.id)
        )
        await session.commit()
    await settle(a, b)
    assert await _home(b, bob) == []
    gone = await b.get(f"/api/v1/accounts/{alice_on_b}", bob)
    assert gone.status_code == 404


async def test_unknown_boosted_posts_and_missing_parents_are_fetched(servers):
    """A boost of a post we never saw, and a reply whose parent we never saw: both are
    fetched from their origin (signed, contained) and stored like delivered posts."""
    a, b = servers
    alice = await a.user("alice")
    bob = await b.user("bob")
    carol = await b.user("carol")
    carol_on_a = await _follow(a, alice, b, "carol")  # alice does not follow bob

    original = await b.post("/api/v1/statuses", bob, status="bob's own words")
    boosted = await b.post(f"/api/v1/statuses/{original.json()['id']}/reblog", carol)
    assert boosted.status_code == 200
    await settle(a, b)
    [boost] = await _home(a, alice)
    assert boost["account"]["acct"] == b.handle("carol")
    assert boost["reblog"]["account"]["acct"] == b.handle("bob")
    assert "bob's own words" in boost["reblog"]["content"]

    question = await b.post("/api/v1/statuses", bob, status="who is there?")
    answer = await b.post(
        "/api/v1/statuses",
        carol,
        status=f"@{b.handle('bob')} me!",
        in_reply_to_id=question.json()["id"],
    )
    assert answer.status_code == 200
    await settle(a, b)
    # A reply to someone alice does not follow stays out of her home, as in Mastodon: it
    # is found on carol's profile.
    statuses = await a.get(f"/api/v1/accounts/{carol_on_a['id']}/statuses", alice)
    reply = next(s for s in statuses.json() if "me!" in s["content"])
    context = await a.get(f"/api/v1/statuses/{reply['id']}/context", alice)
    [ancestor] = context.json()["ancestors"]
    assert "who is there?" in ancestor["content"]
    assert reply["in_reply_to_id"] == ancestor["id"]

    # A post found by its id URL in a search (resolve=true) is fetched too.
    later = await b.post("/api/v1/statuses", bob, status="findable later")
    found = await a.get("/api/v2/search", alice, q=later.json()["uri"], resolve="true")
    [status] = found.json()["statuses"]
    assert "findable later" in status["content"]


async def test_a_quoted_post_we_lack_is_fetched(servers):
    a, b = servers
    alice = await a.user("alice")
    bob = await b.user("bob")
    carol = await b.user("carol")
    await _follow(a, alice, b, "carol")
    quoted = await b.post("/api/v1/statuses", bob, status="worth quoting")
    quoting = await b.post(
        "/api/v1/statuses", carol, status="look at this", quote_id=quoted.json()["id"]
    )
    assert quoting.status_code == 200, quoting.text
    await settle(a, b)
    [entry] = await _home(a, alice)
    assert "look at this" in entry["content"]
    assert "worth quoting" in entry["quote"]["content"]
    assert entry["quote"]["account"]["acct"] == b.handle("bob")
