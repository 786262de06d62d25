"""The server's own public pages: landing, profiles, statuses with their thread, tags and
the embeddable status; what crawlers read in their heads; who gets a front end instead."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest

from tests.statement_counter import counting_statements
from tests.web.feed_helpers import HOSTILE, picture, reblog, remote_account, remote_status
from tests.web.feed_helpers import set_fields as change_account

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
BROWSER = {**HTML, "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko Firefox/128.0"}
GOOGLEBOT = {
    **HTML,
    "User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
}
BASE = "http://pyleroma.test"


class _Page(HTMLParser):
    """What a test reads off a page: its meta and link tags, article ids, text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[dict] = []
        self.articles: list[str] = []
        self.focus: str | None = None
        self.anchors: list[str] = []
        self.text_parts: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta[attrs.get("property") or attrs["name"]] = attrs.get("content", "")
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "article":
            ident = attrs["id"].removeprefix("status-")
            self.articles.append(ident)
            if "focus" in attrs.get("class", ""):
                self.focus = ident
        elif tag == "a":
            self.anchors.append(attrs.get("href", ""))

    def handle_data(self, data):
        self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def alternate(self, kind: str) -> str | None:
        for link in self.links:
            if link.get("rel") == "alternate" and link.get("type") == kind:
                return link["href"]
        return None


def _page(response, status: int = 200) -> _Page:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    return _Page(response.text)


async def _posts(factory, author, *texts, **draft):
    return [await factory.status(author.account, text, **draft) for text in texts]


# --- the landing page ------------------------------------------------------------------------


async def test_landing_shows_the_instance_and_its_local_public_posts(client, factory, db, app):
    from pyleroma.models import InstanceRule

    async with db() as session:
        session.add(InstanceRule(id=1, text="Be <kind>", hint="", position=0))
        await session.commit()
    alice = await factory.user("alice")
    public = await factory.status(alice.account, "hello world")
    hidden = [
        await factory.status(alice.account, f"not on the front page {v}", visibility=v)
        for v in ("unlisted", "private", "direct")
    ]
    bob = await remote_account(db)
    remote = await remote_status(db, bob.id)
    response = await client.get("/", headers=HTML)
    page = _page(response)
    assert page.articles == [str(public.id)]
    assert str(remote) not in page.articles and not set(page.articles) & {str(h.id) for h in hidden}
    assert "hello world" in page.text and "not on the front page" not in page.text
    assert app.state.settings.instance_name in page.text
    assert "Be <kind>" in page.text and "Be <kind>" not in response.text  # escaped
    assert "Registrations are open" in page.text and "/registration" in page.anchors
    assert page.meta["og:title"] == app.state.settings.instance_name
    assert page.meta["og:url"] == f"{BASE}/"


async def test_landing_pages_back_through_older_posts(client, factory, app):
    alice = await factory.user("alice")
    posts = await _posts(factory, alice, *[f"post {n}" for n in range(23)])
    first = _page(await client.get("/", headers=HTML))
    assert first.articles == [str(p.id) for p in reversed(posts[3:])]
    older = [a for a in first.anchors if "max_id=" in a]
    assert older == [f"/?max_id={posts[3].id}"]
    second = _page(await client.get(older[0], headers=HTML))
    assert second.articles == [str(p.id) for p in reversed(posts[:3])]
    assert not [a for a in second.anchors if "max_id=" in a]  # the last page
    bad = await client.get("/?max_id=nope", headers=HTML)
    assert bad.status_code == 422 and "max_id" in bad.text


async def test_landing_keeps_a_restricted_timeline_for_members(client, factory, app):
    app.state.settings.restrict_unauthenticated_local_timeline = True
    alice = await factory.user("alice")
    await factory.status(alice.account, "members only")
    page = _page(await client.get("/", headers=HTML))
    assert page.articles == [] and "members only" not in page.text
    assert "for its members" in page.text


async def test_landing_costs_a_few_statements_whatever_its_length(client, factory, app):
    alice = await factory.user("alice")
    bob = await factory.user("bob")

    async def measure() -> int:
        with counting_statements(app.state.engine) as statements:
            assert (await client.get("/", headers=HTML)).status_code == 200
        return len(statements)

    await _posts(factory, alice, "one")
    few = await measure()
    for n in range(10):
        await factory.status((alice if n % 2 else bob).account, f"more {n}")
    assert await measure() <= few + 1


async def test_pages_carry_a_strict_content_security_policy(client, factory):
    alice = await factory.user("alice")
    await factory.status(alice.account, "hi")
    for path in ("/", "/@alice", "/tag/cats"):
        response = await client.get(path, headers=HTML)
        policy = response.headers["content-security-policy"]
        assert "unsafe-inline" not in policy and "script-src" not in policy, path
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
        style = re.search(r"<style>(.*?)</style>", response.text, re.S).group(1)
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
        assert "<script" not in response.text
        assert response.headers["x-frame-options"] == "DENY"
        assert "Accept" in response.headers["vary"]


# --- profiles --------------------------------------------------------------------------------


async def test_profile_shows_what_an_anonymous_visitor_may_see(client, factory, db, app):
    alice = await factory.user("alice", display_name=HOSTILE, note_html="<p>I like cats</p>")
    public, unlisted = await _posts(factory, alice, "out loud"), None
    public = public[0]
    unlisted = await factory.status(alice.account, "quietly", visibility="unlisted")
    private = await factory.status(alice.account, "friends only", visibility="private")
    direct = await factory.status(alice.account, "@alice secret", visibility="direct")
    for path in ("/users/alice", "/@alice", "/@ALICE"):
        response = await client.get(path, headers=HTML)
        page = _page(response)
        assert page.articles == [str(unlisted.id), str(public.id)], path
        assert str(private.id) not in response.text and str(direct.id) not in response.text
        assert "friends only" not in page.text and "secret" not in page.text
        assert "<script>x()</script>" not in response.text  # the display name is escaped
        assert HOSTILE in page.text
        assert "I like cats" in page.text
    assert page.meta["og:title"] == f"{HOSTILE} (@alice@pyleroma.test)"
    assert page.meta["og:description"] == "I like cats"
    assert page.meta["og:type"] == "profile"
    assert page.alternate("application/activity+json") == f"{BASE}/users/alice"
    assert page.alternate("application/atom+xml") == f"{BASE}/users/alice/feed.atom"
    assert page.alternate("application/rss+xml") == f"{BASE}/users/alice/feed.rss"


async def test_profile_lists_pins_first_and_boosts(client, factory, app):
    from pyleroma.models import Account, Status
    from pyleroma.services.statuses.pins import pin

    alice = await factory.user("alice")
    bob = await factory.user("bob")
    old, new = await _posts(factory, alice, "pinned one", "newer")
    theirs = await factory.status(bob.account, "bob says")
    await reblog(app, alice.account.id, theirs.id)
    async with app.state.sessionmaker() as session:
        await pin(
            session,
            app.state.settings,
            await session.get(Account, alice.account.id),
            await session.get(Status, old.id),
        )
        await session.commit()
    page = _page(await client.get("/@alice", headers=HTML))
    assert page.articles[0] == str(old.id)  # pinned
    assert page.articles[1:3] == [str(theirs.id), str(new.id)]  # the boost shows its original
    assert "boosted" in page.text and "bob says" in page.text
    assert page.articles.count(str(old.id)) == 1


async def test_profiles_that_are_not_there(client, factory, db, app):
    alice = await factory.user("alice")
    await remote_account(db)
    gone = await factory.user("gone")
    await change_account(app, gone.account.id, is_active=False)
    for path in ("/@nobody", "/users/nobody", "/@gone", "/@bob@remote.example"):
        response = await client.get(path, headers=HTML)
        assert response.status_code == 404, path
        assert "Not found" in response.text and response.headers["content-type"].startswith(
            "text/html"
        )
    app.state.settings.restrict_unauthenticated_profiles = True
    assert (await client.get("/@alice", headers=HTML)).status_code == 404
    assert alice  # (the account exists: the setting hid it)


async def test_noindex_unless_the_account_opted_in(client, factory, app):
    alice = await factory.user("alice")
    post = await factory.status(alice.account, "hi")
    for path in ("/@alice", f"/notice/{post.id}"):
        page = _page(await client.get(path, headers=HTML))
        assert page.meta["robots"] == "noindex, noarchive", path
    await change_account(app, alice.account.id, discoverable=True)
    for path in ("/@alice", f"/notice/{post.id}"):
        page = _page(await client.get(path, headers=HTML))
        assert "robots" not in page.meta, path


# --- statuses --------------------------------------------------------------------------------


async def test_status_page_shows_the_visible_thread(client, factory, db, app):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    root = await factory.status(alice.account, "the question")
    answer = await factory.status(bob.account, "@alice the answer", in_reply_to_id=root.id)
    aside = await factory.status(
        bob.account, "@alice between us", in_reply_to_id=root.id, visibility="direct"
    )
    follow_up = await factory.status(alice.account, "@bob thanks", in_reply_to_id=answer.id)
    for path in (f"/notice/{answer.id}", f"/@bob/{answer.id}"):
        response = await client.get(path, headers=HTML)
        page = _page(response)
        assert page.articles == [str(root.id), str(answer.id), str(follow_up.id)], path
        assert page.focus == str(answer.id)
        assert "between us" not in page.text and str(aside.id) not in response.text
    assert page.meta["og:description"] == "@alice the answer"
    assert page.meta["og:type"] == "article"
    assert page.meta["twitter:card"] == "summary"
    assert page.alternate("application/activity+json") == f"{BASE}/objects/{answer.id}"
    oembed = page.alternate("application/json+oembed")
    assert oembed.startswith(f"{BASE}/api/oembed?url=")
    described = await client.get(oembed.removeprefix(BASE))
    assert described.status_code == 200 and described.json()["type"] == "rich"


async def test_status_pages_that_are_not_shown(client, factory, db, app):
    alice = await factory.user("alice")
    await factory.user("bob")
    private = await factory.status(alice.account, "friends only", visibility="private")
    public = await factory.status(alice.account, "public")
    for path in (
        f"/notice/{private.id}",
        f"/@alice/{private.id}",
        f"/@bob/{public.id}",  # another author's address
        "/notice/123456789",
        "/notice/nope",
    ):
        response = await client.get(path, headers=HTML)
        assert response.status_code == 404, path
        assert "friends only" not in response.text


async def test_boosts_remote_posts_and_objects_lead_to_the_right_page(client, factory, db, app):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    post = await factory.status(alice.account, "boost me")
    await reblog(app, bob.account.id, post.id)
    from sqlalchemy import select

    from pyleroma.models import Status

    async with db() as session:
        boost = await session.scalar(select(Status.id).where(Status.reblog_of_id == post.id))
    response = await client.get(f"/notice/{boost}", headers=HTML)
    assert (response.status_code, response.headers["location"]) == (
        302,
        f"{BASE}/notice/{post.id}",
    )
    remote = await remote_status(db, (await remote_account(db)).id)
    response = await client.get(f"/notice/{remote}", headers=HTML)
    assert response.status_code == 302
    assert response.headers["location"] == f"https://remote.example/notice/{remote}"
    response = await client.get(f"/objects/{post.id}", headers=HTML)
    assert (response.status_code, response.headers["location"]) == (
        302,
        f"{BASE}/notice/{post.id}",
    )


async def test_status_with_a_picture_previews_it(client, factory, db, app):
    alice = await factory.user("alice")
    media = await picture(db, alice.account.id)
    post = await factory.status(alice.account, "look", media_ids=[media])
    page = _page(await client.get(f"/notice/{post.id}", headers=HTML))
    assert page.meta["twitter:card"] == "summary_large_image"
    assert page.meta["og:image"].endswith(f"{media}.png")
    hidden = await factory.status(
        alice.account, "careful", media_ids=[await picture(db, alice.account.id)], sensitive=True
    )
    page = _page(await client.get(f"/notice/{hidden.id}", headers=HTML))
    assert page.meta["twitter:card"] == "summary" and "Sensitive media" in page.text


async def test_content_warnings_hide_the_text_from_previews(client, factory):
    alice = await factory.user("alice")
    post = await factory.status(alice.account, "the plot twist", spoiler_text="spoilers")
    page = _page(await client.get(f"/notice/{post.id}", headers=HTML))
    assert page.meta["og:description"] == "spoilers"
    assert "the plot twist" in page.text  # (in the page, inside a details element)


# --- tags and embeds -------------------------------------------------------------------------


async def test_tag_page_lists_public_posts_with_the_tag(client, factory, db):
    alice = await factory.user("alice")
    tagged = await factory.status(alice.account, "I love #Cats")
    await factory.status(alice.account, "no tag here")
    await factory.status(alice.account, "quiet #cats", visibility="unlisted")
    page = _page(await client.get("/tag/cats", headers=HTML))
    assert page.articles == [str(tagged.id)]
    assert page.alternate("application/atom+xml") == f"{BASE}/tags/cats.atom"
    assert _page(await client.get("/tag/dogs", headers=HTML)).articles == []


async def test_embed_may_be_framed_and_only_embeddable_posts(client, factory):
    alice = await factory.user("alice")
    post = await factory.status(alice.account, "embed me")
    private = await factory.status(alice.account, "not me", visibility="private")
    response = await client.get(f"/@alice/{post.id}/embed")
    page = _page(response)
    assert page.articles == [str(post.id)]
    assert "frame-ancestors *" in response.headers["content-security-policy"]
    assert "x-frame-options" not in response.headers
    for path in (f"/@alice/{private.id}/embed", f"/@bob/{post.id}/embed", "/@alice/x/embed"):
        assert (await client.get(path)).status_code == 404, path


# --- front ends and crawlers -----------------------------------------------------------------


@pytest.fixture
async def front_end(app, tmp_path):
    from tests.web.test_frontend_serving import BUNDLE, INDEX, install

    await install(app, tmp_path, "test-fe", "v1", BUNDLE)
    app.state.settings.frontends_primary = {"name": "test-fe", "ref": "v1"}
    return INDEX


async def test_browsers_get_the_front_end_and_crawlers_the_page(client, factory, front_end, app):
    alice = await factory.user("alice")
    post = await factory.status(alice.account, "hello")
    paths = ("/", "/@alice", "/users/alice", f"/notice/{post.id}", "/tag/cats")
    for path in paths:
        response = await client.get(path, headers=BROWSER)
        assert (response.status_code, response.content) == (200, front_end), path
        assert "User-Agent" in response.headers["vary"]
        for crawler in (GOOGLEBOT, HTML, {**HTML, "User-Agent": "Lynx/2.9.0 libwww-FM/2.14"}):
            page = await client.get(path, headers=crawler)
            assert page.status_code == 200 and b"<article" in page.content or path == "/tag/cats"
            assert page.content != front_end, (path, crawler)
    app.state.settings.static_fe_enabled = True
    response = await client.get("/@alice", headers=BROWSER)
    assert str(post.id) in _page(response).articles


async def test_activitypub_still_gets_documents(client, factory):
    alice = await factory.user("alice")
    post = await factory.status(alice.account, "hello")
    ap = {"Accept": "application/activity+json"}
    assert (await client.get("/users/alice", headers=ap)).json()["type"] == "Person"
    assert (await client.get(f"/objects/{post.id}", headers=ap)).json()["type"] == "Note"
    assert (await client.get(f"/notice/{post.id}", headers=ap)).status_code == 302
    # a pasted web address (Mastodon's search fetches it as ActivityPub) leads to the document
    for path, document in (("/@alice", "Person"), (f"/@alice/{post.id}", "Note")):
        response = await client.get(path, headers=ap, follow_redirects=True)
        assert response.json()["type"] == document, path
        assert (
            response.json()["id"]
            == f"{BASE}/{'users/alice' if document == 'Person' else f'objects/{post.id}'}"
        )


async def test_the_pages_icon_is_the_instances_own_when_it_has_one(client, app):
    for path in ("/favicon.png", "/favicon.ico"):
        response = await client.get(path)
        assert response.status_code == 200 and response.headers["content-type"] == "image/png"
        assert response.content.startswith(b"\x89PNG")
    page = await client.get("/", headers=HTML)
    assert '<link rel="icon" type="image/png" href="/favicon.png">' in page.text
    own = app.state.settings.data_dir / "static" / "favicon.png"
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_bytes(b"\x89PNG\r\n\x1a\n our own")
    assert (await client.get("/favicon.png")).content == own.read_bytes()


async def test_a_moved_account_says_where_it_went(client, factory, db, app):
    alice = await factory.user("alice")
    bob = await remote_account(db)
    await change_account(app, alice.account.id, moved_to_id=bob.id)
    page = _page(await client.get("/@alice", headers=HTML))
    assert "This account has moved to @bob@remote.example" in page.text
    assert bob.ap_id in page.anchors


@pytest.mark.parametrize(
    ("agent", "person"),
    [
        ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", True),
        ("Mozilla/5.0 (Linux; Android 9; CUBOT X19) AppleWebKit/537.36 Mobile Safari", True),
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/156.0", True),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", False),
        ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", False),
        ("Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)", False),
        ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", False),
        ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", False),
        ("http.rb/5.1.1 (Mastodon/4.3.0; +https://mastodon.example/)", False),
        ("Mozilla/5.0 (compatible; Akkoma 3.13; https://akkoma.example)", False),
        ("Lynx/2.9.0dev.12 libwww-FM/2.14 SSL-MM/1.4.1", False),
        ("python-httpx/0.28.1", False),
        ("", False),
    ],
)
def test_who_runs_a_front_end(agent, person):
    from starlette.requests import Request

    from pyleroma.api.web_pages import runs_front_end

    headers = [(b"user-agent", agent.encode())] if agent else []
    assert runs_front_end(Request({"type": "http", "headers": headers})) is person
