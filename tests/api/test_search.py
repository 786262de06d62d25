"""GET /api/v2/search: statuses by full text (visibility, index upkeep, paging), hashtags,
the response shape and errors. Accounts are in test_search_accounts.py."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.db.fulltext import fts_table
from tests.api.relationship_helpers import remote_account
from tests.api.timeline_helpers import follow, remote_status, sid, users

URL = "/api/v2/search"


async def search(client, q, user=None, **params) -> dict:
    headers = user.headers if user is not None else {}
    response = await client.get(URL, params={"q": q, **params}, headers=headers)
    assert response.status_code == 200, response.text
    data = response.json()
    assert set(data) == {"accounts", "statuses", "hashtags"}
    return data


async def status_ids(client, q, user=None, **params) -> list[str]:
    data = await search(client, q, user, type="statuses", **params)
    assert data["accounts"] == [] and data["hashtags"] == []
    return [s["id"] for s in data["statuses"]]


async def indexed_ids(db) -> set[int] | None:
    """The status ids in the SQLite FTS table (None on PostgreSQL: the index is a GIN
    index over the table itself, nothing to list)."""
    async with db() as session:
        if session.bind.dialect.name != "sqlite":
            return None
        return set((await session.scalars(select(fts_table.c.rowid))).all())


# --- what a word query finds -------------------------------------------------------------------


async def indexable_users(factory, *names):
    """Users who opted in to search (``indexable``): their public posts can be found."""
    return [await factory.user(name, indexable=True) for name in names]


async def test_word_query_finds_matching_posts_newest_first_with_full_entities(client, factory):
    alice, bob = await indexable_users(factory, "alice", "bob")
    first = await factory.status(alice.account, "Penguins waddle on the <b>ice</b>")
    second = await factory.status(bob.account, "I saw PENGUINS today", spoiler_text="birds")
    await factory.status(bob.account, "nothing to see")
    await factory.status(alice.account, "a penguin alone (singular)")

    data = await search(client, "penguins", alice)
    assert [s["id"] for s in data["statuses"]] == [sid(second), sid(first)]
    entity = data["statuses"][0]
    assert entity["account"]["acct"] == "bob" and entity["spoiler_text"] == "birds"
    assert {"content", "visibility", "media_attachments", "pleroma"} <= set(entity)
    # Spoiler text is searched; markup and entities are not words of the post.
    assert await status_ids(client, "birds", alice) == [sid(second)]
    assert await status_ids(client, "ice", alice) == [sid(first)]
    assert await status_ids(client, "lt", alice) == []
    assert await status_ids(client, "class", alice) == []


async def test_query_language_phrases_or_and_exclusion(client, factory):
    alice = await factory.user("alice")
    red_fox = await factory.status(alice.account, "the quick red fox")
    red_hen = await factory.status(alice.account, "a red hen and a fox")
    blue = await factory.status(alice.account, "blue whale")

    assert await status_ids(client, '"red fox"', alice) == [sid(red_fox)]
    assert await status_ids(client, "red fox", alice) == [sid(red_hen), sid(red_fox)]
    assert await status_ids(client, "fox -hen", alice) == [sid(red_fox)]
    assert await status_ids(client, "hen or whale", alice) == [sid(blue), sid(red_hen)]
    for odd in ('"unclosed', "-", "!!!", "a AND (b", "NEAR(x y)", "*", '""', "   ", "x" * 5000):
        assert isinstance(await status_ids(client, odd, alice), list)
    # NUL characters (which PostgreSQL cannot store) are refused, as in every parameter
    # (test_nul_characters.py).
    for path in ("/api/v2/search", "/api/v1/accounts/search"):
        response = await client.get(path, params={"q": "red\x00 fox"}, headers=alice.headers)
        assert response.status_code == 422, response.text
        assert response.json() == {"error": "q: must not contain NUL characters"}


async def test_private_direct_and_blocked_posts_only_reach_who_may_see_them(client, factory):
    alice, carol, dave = await users(factory, "alice", "carol", "dave")
    [bob] = await indexable_users(factory, "bob")
    public = await factory.status(bob.account, "secret plans public")
    unlisted = await factory.status(bob.account, "secret plans unlisted", visibility="unlisted")
    private = await factory.status(bob.account, "secret plans private", visibility="private")
    direct = await factory.status(bob.account, "@carol secret plans direct", visibility="direct")
    everything = [sid(direct), sid(private), sid(unlisted), sid(public)]
    await follow(client, alice, bob.account)

    # Others find the public post of an author who opted in, and what they were
    # mentioned in; the author finds everything.
    assert await status_ids(client, "secret", bob) == everything
    assert await status_ids(client, "secret", alice) == [sid(public)]
    assert await status_ids(client, "secret", carol) == [sid(direct), sid(public)]
    assert await status_ids(client, "secret", dave) == [sid(public)]
    assert await status_ids(client, "secret") == [sid(public)]
    # What alice favourited is hers to find, if she may still see it.
    response = await client.post(f"/api/v1/statuses/{private.id}/favourite", headers=alice.headers)
    assert response.status_code == 200
    assert await status_ids(client, "secret", alice) == [sid(private), sid(public)]

    # Blocks either way hide the author's posts; a mute hides them from the muter.
    response = await client.post(f"/api/v1/accounts/{bob.id}/block", headers=dave.headers)
    assert response.status_code == 200
    assert await status_ids(client, "secret", dave) == []
    response = await client.post(f"/api/v1/accounts/{carol.id}/block", headers=bob.headers)
    assert response.status_code == 200
    assert await status_ids(client, "secret", carol) == []
    response = await client.post(f"/api/v1/accounts/{bob.id}/mute", headers=alice.headers)
    assert response.status_code == 200
    assert await status_ids(client, "secret", alice) == []


async def test_only_consenting_authors_are_searched_besides_ones_own_and_interactions(
    client, factory, db
):
    """Mastodon's rule: another's post is found when its author is ``indexable`` (and the
    post public), or when the viewer favourited, boosted, bookmarked or was mentioned in
    it; one's own posts always. ``indexable`` is set with update_credentials."""
    alice, bob, carol = await users(factory, "alice", "bob", "carol")
    quiet = await factory.status(bob.account, "meadow flowers")
    boosted = await factory.status(bob.account, "meadow bees")
    marked = await factory.status(bob.account, "meadow grass", visibility="unlisted")
    mentioning = await factory.status(carol.account, "@alice meadow walk")
    own = await factory.status(alice.account, "meadow picnic")
    assert await status_ids(client, "meadow", alice) == [sid(own), sid(mentioning)]
    assert await status_ids(client, "meadow") == []

    headers = alice.headers
    assert (await client.post(f"/api/v1/statuses/{boosted.id}/reblog", headers=headers)).is_success
    assert (await client.post(f"/api/v1/statuses/{marked.id}/bookmark", headers=headers)).is_success
    found = await status_ids(client, "meadow", alice)
    assert found == [sid(own), sid(mentioning), sid(marked), sid(boosted)]

    # bob opts in: his public posts are found by anyone, his unlisted one only by alice.
    response = await client.patch(
        "/api/v1/accounts/update_credentials", data={"indexable": "true"}, headers=bob.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["indexable"] is True
    assert await status_ids(client, "meadow", carol) == [sid(mentioning), sid(boosted), sid(quiet)]
    anonymous = await status_ids(client, "meadow")
    assert anonymous == [sid(boosted), sid(quiet)]
    # A remote author's choice comes from its actor document.
    zed = await remote_account(db, "zed", "far.example", indexable=True)
    remote = await remote_status(db, zed, "meadow from afar")
    shy = await remote_account(db, "shy", "far.example")
    await remote_status(db, shy, "meadow unseen")
    assert (await status_ids(client, "meadow", carol))[0] == sid(remote)
    assert len(await status_ids(client, "meadow", carol)) == 4


async def test_reblogs_are_never_results_and_are_not_indexed(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    original = await factory.status(alice.account, "boostable words")
    response = await client.post(f"/api/v1/statuses/{original.id}/reblog", headers=bob.headers)
    assert response.status_code == 200
    reblog_id = int(response.json()["id"])

    assert await status_ids(client, "boostable", bob) == [sid(original)]
    # Not even a query that matches texts without a word finds the textless reblog.
    assert await status_ids(client, "boostable or -zzz", bob) == [sid(original)]
    assert await status_ids(client, f"http://pyleroma.test/notice/{reblog_id}", bob) == []
    indexed = await indexed_ids(db)
    if indexed is not None:
        assert indexed == {original.id} and reblog_id not in indexed


async def test_deleted_post_disappears_and_edited_post_is_found_by_its_new_words(
    client, factory, db
):
    alice = await factory.user("alice")
    doomed = await factory.status(alice.account, "ephemeral thought")
    edited = await factory.status(alice.account, "original wording")
    assert await status_ids(client, "ephemeral", alice) == [sid(doomed)]

    response = await client.delete(f"/api/v1/statuses/{doomed.id}", headers=alice.headers)
    assert response.status_code == 200
    assert await status_ids(client, "ephemeral", alice) == []

    response = await client.put(
        f"/api/v1/statuses/{edited.id}",
        json={"status": "revised phrasing", "spoiler_text": "cw words"},
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text
    assert await status_ids(client, "original", alice) == []
    assert await status_ids(client, "revised", alice) == [sid(edited)]
    assert await status_ids(client, "cw", alice) == [sid(edited)]
    indexed = await indexed_ids(db)
    if indexed is not None:
        assert indexed == {edited.id}


async def test_deleting_an_account_removes_its_posts_from_the_index(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    await factory.status(bob.account, "cascade words")
    kept = await factory.status(alice.account, "cascade words too")
    async with db() as session:
        await session.delete(await session.get(type(bob.account), bob.account.id))
        await session.commit()
    assert await status_ids(client, "cascade", alice) == [sid(kept)]
    indexed = await indexed_ids(db)
    if indexed is not None:
        assert indexed == {kept.id}


async def test_anonymous_viewers_find_local_posts_only_unless_configured(client, factory, db):
    alice = await factory.user("alice", indexable=True)
    local = await factory.status(alice.account, "galaxy news")
    stranger = await remote_account(db, "zed", "far.example", indexable=True)
    remote = await remote_status(db, stranger, "galaxy rumours")

    assert await status_ids(client, "galaxy") == [sid(local)]
    assert await status_ids(client, "galaxy", alice) == [sid(remote), sid(local)]


@pytest.mark.parametrize(
    "settings_overrides",
    [{"limit_to_local_content": "all"}, {"limit_to_local_content": "none"}],
)
async def test_limit_to_local_content_setting(client, factory, db, settings_overrides):
    alice = await factory.user("alice", indexable=True)
    local = await factory.status(alice.account, "galaxy news")
    zed = await remote_account(db, "zed", "far.example", indexable=True)
    remote = await remote_status(db, zed, "galaxy")
    if settings_overrides["limit_to_local_content"] == "all":
        assert await status_ids(client, "galaxy", alice) == [sid(local)]
    else:
        assert await status_ids(client, "galaxy") == [sid(remote), sid(local)]


# --- paging and narrowing ----------------------------------------------------------------------


async def test_limit_offset_and_id_bounds_page_newest_first(client, factory):
    alice = await factory.user("alice")
    posts = [await factory.status(alice.account, f"pagecheck number {n}") for n in range(6)]
    newest = [sid(p) for p in reversed(posts)]

    async def page(**params):
        return await status_ids(client, "pagecheck", alice, **params)

    assert await page() == newest
    assert await page(limit=2) == newest[:2]
    assert await page(limit=2, offset=2) == newest[2:4]
    assert await page(max_id=newest[1]) == newest[2:]
    assert await page(since_id=newest[2]) == newest[:2]
    assert await page(min_id=newest[5], limit=2) == newest[3:5]  # right after it, newest first
    assert await page(limit=1000) == newest  # clamped to 40
    assert await page(limit=0) == newest[:1]


async def test_limit_is_capped_at_40(client, factory):
    alice = await factory.user("alice")
    for n in range(42):
        await factory.status(alice.account, f"bulk post {n}")
    assert len(await status_ids(client, "bulk", alice, limit=100)) == 40
    assert len(await status_ids(client, "bulk", alice)) == 20


async def test_account_id_narrows_statuses_to_that_author(client, factory):
    alice, bob = await indexable_users(factory, "alice", "bob")
    mine = await factory.status(alice.account, "shared topic")
    theirs = await factory.status(bob.account, "shared topic")

    assert await status_ids(client, "topic", alice, account_id=bob.id) == [sid(theirs)]
    assert await status_ids(client, "topic", alice, account_id="alice") == [sid(mine)]
    assert await status_ids(client, "topic", alice) == [sid(theirs), sid(mine)]


async def test_type_asks_for_one_kind_only(client, factory):
    alice = await factory.user("alice", display_name="Catherine")
    await factory.status(alice.account, "kitten pictures #cats")

    everything = await search(client, "cat", alice)
    assert [a["acct"] for a in everything["accounts"]] == ["alice"]
    assert len(everything["statuses"]) == 0  # "cat" is not "cats": words, not prefixes
    assert [t["name"] for t in everything["hashtags"]] == ["cats"]
    only = await search(client, "cat", alice, type="accounts")
    assert only["statuses"] == [] and only["hashtags"] == [] and len(only["accounts"]) == 1
    only = await search(client, "cats", alice, type="hashtags")
    assert only["accounts"] == [] and only["statuses"] == [] and len(only["hashtags"]) == 1
    only = await search(client, "pictures", alice, type="statuses")
    assert only["accounts"] == [] and only["hashtags"] == [] and len(only["statuses"]) == 1


async def test_status_url_finds_that_status_only_when_visible(client, factory, db):
    alice, bob = await users(factory, "alice", "bob")
    public = await factory.status(alice.account, "findable by link")
    private = await factory.status(alice.account, "hidden by link", visibility="private")
    base = "http://pyleroma.test"

    for url in (
        f"{base}/notice/{public.id}",
        f"{base}/objects/{public.id}",
        f"{base}/@alice/{public.id}",
    ):
        assert await status_ids(client, url, bob) == [sid(public)], url
    assert await status_ids(client, f"{base}/notice/{private.id}", bob) == []
    assert await status_ids(client, f"{base}/notice/{private.id}", alice) == [sid(private)]
    assert await status_ids(client, f"{base}/notice/999", bob) == []
    assert await status_ids(client, "https://elsewhere.example/notice/1", bob) == []
    # A remote status by its stored uri (anonymous searchers find local statuses only).
    remote = await remote_status(db, await remote_account(db, "zed", "far.example"), "far off")
    assert await status_ids(client, remote.uri, bob) == [sid(remote)]
    assert await status_ids(client, remote.uri) == []


# --- hashtags ----------------------------------------------------------------------------------


async def test_hashtags_by_prefix_exact_first_with_following(client, factory):
    alice = await factory.user("alice")
    await factory.status(alice.account, "#catsofpyleroma #cat #cats #dogs")
    response = await client.post("/api/v1/tags/cats/follow", headers=alice.headers)
    assert response.status_code == 200

    data = await search(client, "#cats", alice, type="hashtags")
    assert data["hashtags"] == [
        {"name": "cats", "url": "http://pyleroma.test/tag/cats", "history": [], "following": True},
        {
            "name": "catsofpyleroma",
            "url": "http://pyleroma.test/tag/catsofpyleroma",
            "history": [],
            "following": False,
        },
    ]
    names = [t["name"] for t in (await search(client, "CAT", None, type="hashtags"))["hashtags"]]
    assert names == ["cat", "cats", "catsofpyleroma"]
    anonymous = (await search(client, "#cats", None, type="hashtags"))["hashtags"]
    assert [t["following"] for t in anonymous] == [False, False]
    # Explicit #tags win over the other words; several words are several prefixes.
    names = [t["name"] for t in (await search(client, "dog #cats", alice))["hashtags"]]
    assert names == ["cats", "catsofpyleroma"]
    names = [t["name"] for t in (await search(client, "dog cats", alice))["hashtags"]]
    assert names == ["cats", "dogs", "catsofpyleroma"]
    # A tag URL finds the tag; paging applies.
    names = [
        t["name"]
        for t in (await search(client, "http://pyleroma.test/tag/dogs", alice))["hashtags"]
    ]
    assert names == ["dogs"]
    page = await search(client, "cat", alice, type="hashtags", limit=1, offset=1)
    assert [t["name"] for t in page["hashtags"]] == ["cats"]
    assert (await search(client, "#", alice, type="hashtags"))["hashtags"] == []
    assert (await search(client, "%", alice, type="hashtags"))["hashtags"] == []


# --- errors and access -------------------------------------------------------------------------


async def test_errors(client, factory):
    alice = await factory.user("alice")
    response = await client.get(URL, headers=alice.headers)
    assert response.status_code == 400
    assert response.json() == {"error": "Missing field: q."}
    response = await client.get(URL, params={"q": "x", "type": "people"}, headers=alice.headers)
    assert response.status_code == 400 and "type" in response.json()["error"]
    for bad in ({"limit": "many"}, {"offset": "-1"}, {"max_id": "nope"}, {"following": "hm"}):
        response = await client.get(URL, params={"q": "x", **bad}, headers=alice.headers)
        assert response.status_code == 422, bad
        assert "error" in response.json()
    response = await client.get(URL, params={"q": "x", "account_id": "999"}, headers=alice.headers)
    assert response.status_code == 404
    assert response.json() == {"error": "Can't find user"}
    writer = await factory.user("writer", scopes=["write"])
    response = await client.get(URL, params={"q": "x"}, headers=writer.headers)
    assert response.status_code == 403
    response = await client.get(URL, params={"q": "x"}, headers={"Authorization": "Bearer bad"})
    assert response.status_code == 401
    narrow = await factory.user("narrow", scopes=["read:search"])
    response = await client.get(URL, params={"q": "narr"}, headers=narrow.headers)
    assert response.status_code == 200
    assert [a["acct"] for a in response.json()["accounts"]] == ["narrow"]
    # Accepted and ignored.
    response = await client.get(
        URL,
        params={"q": "x", "resolve": "true", "exclude_unreviewed": "1"},
        headers=alice.headers,
    )
    assert response.status_code == 200
    # No /api/v1/search (Mastodon removed it; Akkoma does not serve it).
    assert (await client.get("/api/v1/search", params={"q": "x"})).status_code == 404


@pytest.mark.parametrize("settings_overrides", [{"restrict_unauthenticated_profiles": True}])
async def test_restricted_profiles_need_a_login_to_search(client, factory):
    alice = await factory.user("alice")
    await factory.status(alice.account, "hello")
    response = await client.get(URL, params={"q": "hello"})
    assert response.status_code == 401
    assert (await search(client, "hello", alice))["statuses"] != []
