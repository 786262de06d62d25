"""AntiLinkSpamPolicy: posts with links from remote accounts with no posts and no followers
are refused; on dicts and through the receive path."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pyleroma.activities.mrf import Rejected, policies_for
from pyleroma.activities.mrf.anti_link_spam import AntiLinkSpamPolicy, contains_links
from pyleroma.models import Account, Status
from tests.activities.mrf.stateful_helpers import note, receive, remote, run_chain

LINK = '<p>buy now <a href="https://shop.example/pills">cheap</a></p>'
MENTION = (
    '<p><span class="h-card"><a href="https://m.example/@zoe" class="u-url mention">'
    "@<span>zoe</span></a></span> hi</p>"
)
HASHTAG = (
    '<p><a href="https://m.example/tags/cats" class="mention hashtag" rel="tag">'
    "#<span>cats</span></a></p>"
)


@pytest.fixture
def settings(app):
    app.state.settings.mrf_policies = ["AntiLinkSpamPolicy"]
    return app.state.settings


def test_links_are_anchors_that_are_not_mentions_or_hashtags():
    assert contains_links(LINK) is True
    assert contains_links("<a href=''>empty</a>") is True
    assert contains_links(MENTION) is False
    assert contains_links(HASHTAG) is False
    assert contains_links('<a href="https://x.example/tags/a" rel="nofollow tag">#a</a>') is False
    assert contains_links('<a class="zrl" href="https://hubzilla.example/x">x</a>') is False
    assert contains_links("<a name='anchor'>no href</a>") is False
    assert contains_links("see https://shop.example/pills (not a link element)") is False
    assert contains_links(MENTION + LINK) is True
    assert contains_links(None) is False
    assert contains_links("") is False
    assert contains_links("<p><a href='https://x.example'") is False  # cut off: no tag


async def test_a_new_account_posting_a_link_is_refused(settings, db):
    spammer = await remote(db, "spammer", "spam.example")
    with pytest.raises(Rejected) as refused:
        await run_chain(settings, note(spammer, content=LINK), spammer)
    assert str(refused.value) == (
        f"[AntiLinkSpamPolicy] {spammer.ap_id} has no posts nor followers, and the post has links"
    )


async def test_posts_without_links_and_with_mentions_pass(settings, db):
    newcomer = await remote(db, "newcomer", "new.example")
    for content in ("<p>hello</p>", MENTION, HASHTAG, None):
        raw = note(newcomer, content=content)
        taken = await run_chain(settings, raw, newcomer)
        assert taken["object"]["content"] == content


async def test_accounts_with_posts_or_followers_may_post_links(settings, db):
    poster = await remote(db, "poster", "old.example", statuses_count=1)
    followed = await remote(db, "followed", "old.example", followers_count=1)
    for author in (poster, followed):
        taken = await run_chain(settings, note(author, content=LINK), author)
        assert taken["object"]["content"] == LINK


async def test_local_accounts_are_not_judged(settings, factory):
    alice = await factory.account("alice")
    assert (alice.statuses_count, alice.followers_count) == (0, 0)
    taken = await run_chain(settings, note(alice, content=LINK), alice)
    assert taken["object"]["content"] == LINK


async def test_unknown_authors_are_refused_and_updates_pass(settings, db):
    raw = note("https://ghost.example/users/ghost", content="<p>no link</p>")
    with pytest.raises(Rejected, match="ghost.example/users/ghost is not an account we know"):
        await run_chain(settings, raw, None)
    spammer = await remote(db, "spammer", "spam.example")
    update = note(spammer, content=LINK, kind="Update")
    assert (await run_chain(settings, update, spammer))["object"]["content"] == LINK
    like = {"id": f"{spammer.ap_id}/l/1", "type": "Like", "actor": spammer.ap_id, "object": "x"}
    like["object"] = "https://spam.example/users/spammer/statuses/1"
    assert (await run_chain(settings, like, spammer))["type"] == "Like"


async def test_the_author_is_looked_up_when_the_context_has_none(settings, db):
    spammer = await remote(db, "spammer", "spam.example")
    async with db() as session:
        with pytest.raises(Rejected, match="has no posts nor followers"):
            await run_chain(settings, note(spammer, content=LINK), None, session)


def test_describe(settings):
    (policy,) = policies_for(settings)
    assert isinstance(policy, AntiLinkSpamPolicy)
    assert policy.describe() == {}


async def test_receive_refuses_link_spam_and_takes_it_once_the_account_has_posted(
    app, settings, db
):
    spammer = await remote(db, "spammer", "spam.example")
    spam = note(spammer, content=LINK)
    with pytest.raises(Rejected, match=r"^\[AntiLinkSpamPolicy\]"):
        await receive(app, spammer, spam)
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Status)) == 0
        assert (await session.get(Account, spammer.id)).statuses_count == 0
    # A post without a link is taken, and counts: the next post's link is taken too.
    await receive(app, spammer, note(spammer, content="<p>hello</p>"))
    await receive(app, spammer, spam)
    async with db() as session:
        stored = (await session.execute(select(Status.uri).order_by(Status.id))).scalars().all()
        assert (await session.get(Account, spammer.id)).statuses_count == 2
    assert stored[-1] == spam["object"]["id"]
    assert len(stored) == 2
