"""services/text/formatting.py: plain text and HTML to safe HTML, as Pleroma renders them."""

from __future__ import annotations

from pyleroma.models import Account
from pyleroma.services.text import formatting
from pyleroma.settings import Settings

SETTINGS = Settings(base_url="http://local.test").validate()
BOB = Account(id=7, nickname="bob", nickname_key="bob", ap_id="http://local.test/users/bob")
CAT = Account(
    id=8,
    nickname="cat@remote.example",
    nickname_key="cat@remote.example",
    ap_id="https://remote.example/users/cat",
)


def mention(account: Account, shown: str) -> str:
    return (
        f'<span class="h-card"><a class="u-url mention" data-user="{account.id}" '
        f'href="{account.ap_id}" rel="ugc">@<span>{shown}</span></a></span>'
    )


def test_plain_text_is_escaped_and_newlines_become_breaks():
    result = formatting.render_plain_text(SETTINGS, "<b>hi</b> & 'you'\r\nnext", {})
    assert result.html == "&lt;b&gt;hi&lt;/b&gt; &amp; &#39;you&#39;<br/>next"


def test_known_mentions_are_linked_and_unknown_ones_left_as_text():
    text = "hi @bob and @cat@remote.example, not @nobody or mail bob@x.org"
    names = formatting.find_mention_names(text)
    assert names == ["bob", "cat@remote.example", "nobody"]
    result = formatting.render_plain_text(SETTINGS, text, {"bob": BOB, "cat@remote.example": CAT})
    assert result.html == (
        f"hi {mention(BOB, 'bob')} and {mention(CAT, 'cat@remote.example')}, "
        "not @nobody or mail bob@x.org"
    )
    assert result.mentions == [BOB, CAT]


def test_urls_drop_trailing_punctuation_and_unbalanced_parentheses():
    result = formatting.render_plain_text(
        SETTINGS, "(see https://en.wikipedia.org/wiki/Foo_(bar)). and http://a.example/?q=1&r=2", {}
    )
    assert result.html == (
        '(see <a href="https://en.wikipedia.org/wiki/Foo_(bar)" rel="ugc">'
        "https://en.wikipedia.org/wiki/Foo_(bar)</a>). and "
        '<a href="http://a.example/?q=1&amp;r=2" rel="ugc">http://a.example/?q=1&amp;r=2</a>'
    )
    assert result.links == ["https://en.wikipedia.org/wiki/Foo_(bar)", "http://a.example/?q=1&r=2"]


def test_hashtags_need_a_letter_and_are_lowercased_in_data_and_href():
    result = formatting.render_plain_text(SETTINGS, "#Cofe #123 issue#4 #café", {})
    assert result.html == (
        '<a class="hashtag" data-tag="cofe" href="http://local.test/tag/cofe" rel="tag ugc">'
        "#Cofe</a> #123 issue#4 "
        '<a class="hashtag" data-tag="café" href="http://local.test/tag/caf%C3%A9" '
        'rel="tag ugc">#café</a>'
    )
    assert result.tags == ["cofe", "café"]


def test_linkify_html_skips_tags_and_existing_links():
    html = '<p><a href="https://x.example">https://x.example #no</a> #yes</p>'
    result = formatting.linkify_html(SETTINGS, html, {})
    assert result.html == (
        '<p><a href="https://x.example">https://x.example #no</a> '
        '<a class="hashtag" data-tag="yes" href="http://local.test/tag/yes" rel="tag ugc">'
        "#yes</a></p>"
    )
    assert result.links == []


def test_sanitize_html_keeps_pleroma_markup_and_drops_the_rest():
    dirty = (
        '<p onclick="x()">a<script>alert(1)</script><img src=x onerror=y>'
        '<a href="javascript:alert(1)" class="evil">j</a>'
        '<a href="https://ok.example" class="mention" rel="ugc">ok</a>'
        '<span class="h-card">c</span><span class="bad">d</span></p><!-- hidden -->'
    )
    assert formatting.sanitize_html(dirty) == (
        '<p>a<a>j</a><a href="https://ok.example" class="mention" rel="ugc">ok</a>'
        '<span class="h-card">c</span><span>d</span></p>'
    )


def test_links_only_keeps_nothing_but_links():
    assert (
        formatting.sanitize_links_only(
            '<b>bold</b> <a href="https://x.example" rel="me" class="c">x</a><br>'
        )
        == 'bold <a href="https://x.example" rel="me">x</a>'
    )
