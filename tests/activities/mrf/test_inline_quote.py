"""InlineQuotePolicy: a quote post without a link to the quoted post gets one; on dicts and
through the receive path."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pyleroma.activities.mrf import policies_for
from pyleroma.activities.mrf.inline_quote import InlineQuotePolicy, with_inline_quote
from pyleroma.federation.from_as_note import sanitize_remote_html
from pyleroma.models import Status
from tests.activities.mrf.stateful_helpers import note, receive, remote, run_chain

QUOTED = "https://gleasonator.example/objects/1234"
LINE = f'<span class="quote-inline"><br/><br/><bdi>RT:</bdi> <a href="{QUOTED}">{QUOTED}</a></span>'


@pytest.fixture
def settings(app):
    app.state.settings.mrf_policies = ["InlineQuotePolicy"]
    return app.state.settings


async def test_the_link_is_added_at_the_end_of_plain_content(settings, db):
    author = await remote(db, "alex", "gleasonator.example")
    taken = await run_chain(settings, note(author, content="Nice post", quoteUrl=QUOTED), author)
    assert taken["object"]["content"] == "Nice post" + LINE
    assert taken["object"]["quote_url"] == QUOTED


async def test_the_link_goes_inside_the_last_paragraph(settings, db):
    author = await remote(db, "alex", "gleasonator.example")
    raw = note(author, content="<p>one</p><p>Nice post</p>", quoteUrl=QUOTED)
    taken = await run_chain(settings, raw, author)
    assert taken["object"]["content"] == f"<p>one</p><p>Nice post{LINE}</p>"


async def test_a_custom_template(settings, db):
    settings.mrf_inline_quote_template = "{url}'s quoting"
    author = await remote(db, "alex", "gleasonator.example")
    taken = await run_chain(settings, note(author, content="Nice", quoteUrl=QUOTED), author)
    assert taken["object"]["content"] == (
        f'Nice<span class="quote-inline"><br/><br/><a href="{QUOTED}">{QUOTED}</a>'
        "'s quoting</span>"
    )


async def test_content_that_has_the_link_or_a_quote_line_is_left_alone(settings, db):
    author = await remote(db, "alex", "gleasonator.example")
    already = [
        f'<p>see <a href="{QUOTED}">this</a></p>',
        f"<p>{QUOTED}</p>",
        '<p>x<span class="quote-inline"><br/><br/>RT: https://else.example/1</span></p>',
        '<p>x</p><p class="quote-inline">RE: <a href="https://else.example/1">…</a></p>',
    ]
    for content in already:
        taken = await run_chain(settings, note(author, content=content, quoteUrl=QUOTED), author)
        assert taken["object"]["content"] == content


async def test_posts_without_a_quote_and_other_activities_pass(settings, db):
    author = await remote(db, "alex", "gleasonator.example")
    taken = await run_chain(settings, note(author, content="<p>plain</p>"), author)
    assert taken["object"]["content"] == "<p>plain</p>"
    like = {"id": f"{author.ap_id}/likes/1", "type": "Like", "actor": author.ap_id}
    like["object"] = QUOTED
    assert (await run_chain(settings, like, author))["object"] == QUOTED


async def test_empty_content_and_updates(settings, db):
    author = await remote(db, "alex", "gleasonator.example")
    taken = await run_chain(settings, note(author, content=None, quoteUrl=QUOTED), author)
    assert taken["object"]["content"] == LINE
    update = note(author, content="<p>edited</p>", quoteUrl=QUOTED, kind="Update")
    assert (await run_chain(settings, update, author))["object"]["content"] == (
        f"<p>edited{LINE}</p>"
    )


def test_urls_are_escaped_in_the_line():
    url = 'https://q.example/objects/1?a=1&b="2"'
    escaped = "https://q.example/objects/1?a=1&amp;b=&quot;2&quot;"
    assert with_inline_quote("x", url, "{url}") == (
        f'x<span class="quote-inline"><br/><br/><a href="{escaped}">{escaped}</a></span>'
    )
    # Content that links it (escaped, as HTML has it) is left alone.
    linked = f'<a href="{escaped}">q</a>'
    assert with_inline_quote(linked, url, "{url}") == linked


def test_describe(settings):
    (policy,) = policies_for(settings)
    assert isinstance(policy, InlineQuotePolicy)
    assert policy.template == "<bdi>RT:</bdi> {url}"
    assert policy.describe() == {}


async def test_receive_stores_the_quote_with_its_inline_link(app, settings, factory, db):
    alice = await factory.account("alice")
    quoted = await factory.status(alice, "quote me")
    author = await remote(db, "alex", "gleasonator.example")
    raw = note(author, content="<p>so true</p>", quoteUrl=quoted.uri)
    await receive(app, author, raw)
    line = (
        '<span class="quote-inline"><br/><br/><bdi>RT:</bdi> '
        f'<a href="{quoted.uri}">{quoted.uri}</a></span>'
    )
    async with db() as session:
        stored = (
            await session.execute(select(Status).where(Status.uri == raw["object"]["id"]))
        ).scalar_one()
    assert stored.quote_id == quoted.id
    assert stored.content == sanitize_remote_html(f"<p>so true{line}</p>")
    # The sanitiser keeps the inline quote whole, ``bdi`` included (Pleroma's scrubber does).
    assert stored.content.startswith('<p>so true<span class="quote-inline"><br><br>')
    assert stored.content.endswith(f' <a href="{quoted.uri}">{quoted.uri}</a></span></p>')
    assert stored.content.count("RT:") == 1
    assert "<bdi>RT:</bdi>" in stored.content
