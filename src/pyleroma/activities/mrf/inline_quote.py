"""InlineQuotePolicy: a quote post whose text does not link to the post it quotes gets
that link appended (Pleroma's and Akkoma's ``MRF.InlineQuotePolicy``).

Clients that do not show quotes (and servers that receive the post from us later) would
show a quote post as a comment on nothing. The line added is ``mrf_inline_quote_template``
(Pleroma's default ``<bdi>RT:</bdi> {url}``) with ``{url}`` replaced by a link to the quoted
post, inside ``<span class="quote-inline"><br/><br/>…</span>``: the class Mastodon and
Pleroma-FE hide when they show the quote themselves. The span goes inside the last
paragraph when the content ends with ``</p>``, else at the end.

Nothing is added when the content already has the quoted post's URL (the author linked
it), or a ``quote-inline`` span or paragraph (Pleroma, Akkoma, Fedibird and Mastodon add
their own). Creates and Updates alike, so an edit keeps the line.
"""

from __future__ import annotations

import html

from pyleroma.activities.mrf.base import Policy, post_of

MARKERS = ('<span class="quote-inline">', '<p class="quote-inline">')


def has_inline_quote(content: str, quote_url: str) -> bool:
    return (
        quote_url in content
        or html.escape(quote_url) in content
        or any(marker in content for marker in MARKERS)
    )


def inline_quote(template: str, quote_url: str) -> str:
    """The span added to the content, with the template's ``{url}`` made a link."""
    url = html.escape(quote_url)
    line = template.replace("{url}", f'<a href="{url}">{url}</a>')
    return f'<span class="quote-inline"><br/><br/>{line}</span>'


def with_inline_quote(content: str | None, quote_url: str, template: str) -> str | None:
    """``content`` with the quote line, or ``content`` itself when it needs none."""
    content = content or ""
    if has_inline_quote(content, quote_url):
        return content
    line = inline_quote(template, quote_url)
    if content.endswith("</p>"):
        return content[: -len("</p>")] + line + "</p>"
    return content + line


class InlineQuotePolicy(Policy):
    name = "InlineQuotePolicy"

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.template = settings.mrf_inline_quote_template

    async def filter(self, ctx, activity):
        post = post_of(activity)
        quote_url = post.get("quote_url") if post is not None else None
        if not quote_url:
            return activity
        content = post.get("content")
        changed = with_inline_quote(content, quote_url, self.template)
        if changed != (content or ""):
            post["content"] = changed
        return activity
