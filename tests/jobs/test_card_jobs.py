"""The parts of link preview cards (services/cards): which link, which URLs, what a page
and an oEmbed document say, and the fetch job's bad arguments. The whole flow, with real
pages on loopback, is tests/api/test_preview_cards.py."""

from __future__ import annotations

import dataclasses

import orjson
import pytest

from pyleroma.jobs import queue
from pyleroma.jobs.runner import JobRunner
from pyleroma.models import Job
from pyleroma.services.cards import links, parse
from pyleroma.services.cards.cards import CARD_JOB, needs_fetch
from pyleroma.settings import Settings

SETTINGS = Settings(base_url="https://our.example").validate()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("<p>no links</p>", None),
        ('<p><a href="https://a.example/x">a</a> <a href="https://b.example/">b</a></p>', "a"),
        (
            '<p><span class="h-card"><a href="https://o.example/@bob" class="u-url mention">'
            '@bob</a></span> <a href="https://o.example/tag/x" class="mention hashtag" '
            'rel="tag">#x</a> <a href="https://b.example/">b</a></p>',
            "b",
        ),
        ('<a rel="tag" href="https://t.example/tags/x">#x</a><a href="https://b.example/">', "b"),
        ('<a class="attachment" href="https://m.example/1.png">f</a>', None),
        # The quote line of a quote post is the quote, not a card.
        (
            '<p>hm<span class="quote-inline"><br/>RE: <a href="https://q.example/1">'
            "https://q.example/1</a></span></p>",
            None,
        ),
        (
            '<p><span class="quote-inline"><a href="https://q.example/1">q</a></span> '
            '<a href="https://b.example/">b</a></p>',
            "b",
        ),
        ("<a>no href</a><a href='  https://b.example/ '>b</a>", "b"),
    ],
)
def test_the_first_link_that_is_no_mention_hashtag_or_quote(content, expected):
    found = links.first_link(content)
    if expected is None:
        assert found is None
    else:
        assert found.startswith(f"https://{expected}.example/")


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://news.example/a", None),
        ("http://news.example/a", None),
        ("ftp://news.example/a", "not an http(s) URL"),
        ("https:///nohost", "not an http(s) URL"),
        ("https://news.example:99999/", "a malformed URL"),
        ("https://our.example/notice/1", "a URL of this instance"),
        ("https://ignored.example/a", "in rich_media_ignore_hosts"),
        ("https://sub.ignored.example/a", "in rich_media_ignore_hosts"),
        ("https://exact.example:8443/a", "in rich_media_ignore_hosts"),
        ("https://printer.local/", ".local is in rich_media_ignore_tld"),
        ("https://router.LAN./", ".lan is in rich_media_ignore_tld"),
        ("https://93.184.216.34/", "an IP address"),
        ("https://[2001:db8::1]/", "an IP address"),
        ("https://long.example/" + "a" * 2100, "the URL is too long"),
    ],
)
def test_which_urls_are_never_fetched(url, why):
    settings = dataclasses.replace(
        SETTINGS, rich_media_ignore_hosts=["*.ignored.example", "exact.example"]
    )
    refused = links.refusal(settings, url)
    if why is None:
        assert refused is None
    else:
        assert refused is not None and why in refused


def test_ip_addresses_are_allowed_with_allow_private_fetch():
    settings = dataclasses.replace(SETTINGS, allow_private_fetch=True)
    assert links.refusal(settings, "http://127.0.0.1:8080/page") is None
    assert links.card_url(settings, '<a href="http://127.0.0.1:8080/page">x</a>') is not None
    assert links.card_url(SETTINGS, '<a href="http://127.0.0.1:8080/page">x</a>') is None


def test_a_page_head_is_read_until_the_body():
    text = """<html lang="pt-BR"><head><title>T &amp; T</title>
    <meta property="og:title" content="First">
    <meta property="og:title" content="Second">
    <meta name="twitter:title" content="Bird">
    <meta name="twitter:description" content="Bird words">
    <meta property="og:image" content="//cdn.example/i.png">
    <meta property="og:video" content="https://v.example/v.mp4">
    <link rel="alternate" type="application/json+oembed" href="/oembed?u=1">
    </head><body><meta property="og:description" content="in the body"></body></html>"""
    meta = parse.read_page(text, "https://page.example/a/b")
    assert meta.opengraph == {
        "title": "First",
        "image": "//cdn.example/i.png",
        "description": "Bird words",
    }
    assert (meta.title, meta.lang) == ("T & T", "pt-BR")
    assert meta.oembed_url == "https://page.example/oembed?u=1"
    fields = parse.build_card("https://page.example/a/b", meta, None)
    assert (fields.title, fields.description, fields.language) == ("First", "Bird words", "pt")
    assert fields.image_url == "https://cdn.example/i.png"
    assert (fields.provider_name, fields.provider_url) == ("page.example", "https://page.example")


def test_a_page_with_nothing_but_a_title_has_no_card():
    meta = parse.read_page("<title>Alone</title><p>text", "https://page.example/")
    assert parse.build_card("https://page.example/", meta, None) is None
    meta = parse.read_page('<meta property="og:type" content="website">', "https://p.example/")
    assert parse.build_card("https://p.example/", meta, None) is None  # and no title at all


def test_texts_are_plain_and_cut_as_pleroma_cuts_them():
    assert parse.plain_text("a &amp; <b>b</b>\n\n c", 100) == "a & b c"
    long = parse.plain_text("word " * 100, parse.TITLE_LIMIT)
    assert len(long) <= parse.TITLE_LIMIT and long.endswith("...")
    assert parse.plain_text(None, 10) == "" and parse.plain_text(42, 10) == ""


def test_pages_are_decoded_in_their_charset():
    assert parse.decode_page("é".encode("latin-1"), "iso-8859-1") == "é"
    sniffed = b'<meta charset="windows-1252"><title>\x93q\x94</title>'
    assert "\u201cq\u201d" in parse.decode_page(sniffed, None)
    assert parse.decode_page(b"\xff ok", "no-such-charset") == "\ufffd ok"


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        (
            '<iframe src="https://v.example/e/1" width="1" onload="x()"></iframe>'
            "<script>alert(1)</script><img src=x onerror=y>",
            '<iframe src="https://v.example/e/1" width="1"></iframe>',
        ),
        ('<iframe src="http://v.example/e/1"></iframe>', ""),
        ('<iframe src="javascript:alert(1)"></iframe>', ""),
        ("<div>no frame</div>", ""),
        (None, ""),
    ],
)
def test_oembed_html_is_kept_only_as_an_https_iframe(markup, expected):
    assert parse.safe_iframe(markup) == expected


def test_oembed_documents_are_normalised():
    body = orjson.dumps(
        {
            "type": "photo",
            "url": "/full.jpg",
            "width": "640",
            "height": -3,
            "title": "<b>Pic</b>",
            "author_url": "javascript:alert(1)",
            "provider_url": "https://p.example/",
        }
    )
    data = parse.read_oembed(body, "https://p.example/oembed")
    assert data["type"] == "photo" and data["url"] == "https://p.example/full.jpg"
    assert (data["width"], data["height"], data["title"]) == (640, None, "Pic")
    assert (data["author_url"], data["provider_url"]) == ("", "https://p.example/")
    assert parse.read_oembed(b"[1]", "https://p.example/") is None
    assert parse.read_oembed(b"not json", "https://p.example/") is None
    odd = parse.read_oembed(b'{"type": "hologram", "title": "x"}', "https://p.example/")
    assert odd["type"] == "link"
    no_frame = parse.read_oembed(b'{"type": "video", "html": "<b>x</b>"}', "https://p.example/")
    assert (no_frame["type"], no_frame["html"]) == ("link", "")


def test_a_photo_card_takes_the_oembed_image():
    meta = parse.read_page("<title>Photo page</title>", "https://p.example/p")
    oembed = parse.read_oembed(
        b'{"type": "photo", "url": "https://p.example/full.jpg", "width": 800, "height": 600}',
        "https://p.example/oembed",
    )
    fields = parse.build_card("https://p.example/p", meta, oembed)
    assert (fields.type, fields.title, fields.image_url) == (
        "photo",
        "Photo page",
        "https://p.example/full.jpg",
    )
    assert (fields.width, fields.height) == (800, 600)


def test_when_a_card_is_fetched_again():
    from pyleroma.db.base import utcnow
    from pyleroma.services.cards.cards import FAILED_RETRY_AFTER

    now = utcnow()
    assert needs_fetch("pending", None)
    assert not needs_fetch("ready", None)
    assert not needs_fetch("failed", now)
    assert needs_fetch("failed", now - FAILED_RETRY_AFTER)
    assert needs_fetch("failed", None)


@pytest.mark.parametrize("args", [{}, {"card_id": "1"}, {"card_id": True}])
async def test_a_fetch_job_without_a_card_id_is_discarded(app, db, args):
    async with db() as session:
        job_id = await queue.enqueue(session, CARD_JOB, args)
        await session.commit()
    await JobRunner(app.state.sessionmaker, app.state.settings).drain()
    async with db() as session:
        stored = await session.get(Job, job_id)
        assert stored.state == "discarded"
        assert "card_id" in stored.last_error


async def test_a_fetch_job_for_a_card_that_is_gone_does_nothing(app, db):
    app.state.settings.rich_media_enabled = True
    async with db() as session:
        job_id = await queue.enqueue(session, CARD_JOB, {"card_id": 12345})
        await session.commit()
    await JobRunner(app.state.sessionmaker, app.state.settings).drain()
    async with db() as session:
        assert (await session.get(Job, job_id)).state == "completed"
