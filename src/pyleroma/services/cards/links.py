"""Which link of a post becomes its card, and which URLs are never fetched.

The link is the first ``<a href>`` of the post's HTML that is not a mention, a hashtag or
an attachment link (Pleroma's ``a:not(.mention,.hashtag,.attachment,[rel~=tag])``; the
microformat classes ``u-url`` and ``h-card`` that Mastodon skips too) and is not inside
the ``quote-inline`` line of a quote post (the quote is shown as a quote, not a card).
As in Pleroma, only that first link is considered: when it may not be fetched, the post
has no card (a later link is not tried).

A URL may be fetched when it is http(s), at most ``MAX_URL_LENGTH`` bytes, not on this
instance (Mastodon's rule: a post of ours is no preview), its host is not in
``rich_media_ignore_hosts`` (``*.example.com`` is the domain and its subdomains) nor its
last label in ``rich_media_ignore_tld``, and its host is a name, not an IP address
(Pleroma's rule), unless ``allow_private_fetch`` is on (tests and federation on
loopback). The SSRF guard (federation/net_guard.py) still checks every hop when fetching.
"""

from __future__ import annotations

import ipaddress
from html.parser import HTMLParser
from urllib.parse import urlsplit

from pyleroma.activities.mrf.base import HostList
from pyleroma.federation.fetch import authority, is_local_url
from pyleroma.settings import Settings

# The ``preview_cards.url`` column's size; a longer URL gets no card.
MAX_URL_LENGTH = 2048
SKIPPED_CLASSES = frozenset({"mention", "hashtag", "attachment", "u-url", "h-card"})
QUOTE_CLASS = "quote-inline"


class _FirstLink(HTMLParser):
    """Stops at the first ``<a href>`` that may be a card's link (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: str | None = None
        self._open: list[bool] = []  # per open element: whether it is a quote-inline one

    def handle_starttag(self, tag, attrs):
        if self.found is not None:
            return
        values = dict(attrs)
        classes = set((values.get("class") or "").split())
        if tag not in _VOID:
            self._open.append(QUOTE_CLASS in classes)
        if tag != "a" or not values.get("href") or any(self._open[:-1]):
            return
        rels = set((values.get("rel") or "").split())
        if classes & SKIPPED_CLASSES or "tag" in rels or QUOTE_CLASS in classes:
            return
        self.found = values["href"].strip()

    def handle_startendtag(self, tag, attrs):
        if tag == "a":
            self.handle_starttag(tag, attrs)
            if self._open:
                self._open.pop()

    def handle_endtag(self, tag):
        if tag not in _VOID and self._open:
            self._open.pop()


_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


def first_link(content: str | None) -> str | None:
    """The href of the first link of HTML ``content`` that may be a card's (or None)."""
    if not content or "<a" not in content:
        return None
    finder = _FirstLink()
    try:
        finder.feed(content)
        finder.close()
    except AssertionError:  # HTMLParser on badly broken markup
        return finder.found
    return finder.found


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def refusal(settings: Settings, url: str) -> str | None:
    """Why ``url`` is never fetched for a card, or None when it may be."""
    if len(url.encode()) > MAX_URL_LENGTH:
        return "the URL is too long"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
        parts.port  # noqa: B018  (raises ValueError on a port that is not a number)
    except ValueError:
        return "a malformed URL"
    if parts.scheme.lower() not in ("http", "https") or not host:
        return "not an http(s) URL"
    if is_local_url(settings, url):
        return "a URL of this instance"
    if HostList.parse(settings.rich_media_ignore_hosts).matches(authority(url)):
        return f"{host} is in rich_media_ignore_hosts"
    tld = host.rsplit(".", 1)[-1].lower()
    if tld in {t.lower().lstrip(".") for t in settings.rich_media_ignore_tld}:
        return f".{tld} is in rich_media_ignore_tld"
    if _is_ip(host) and not settings.allow_private_fetch:
        return "an IP address, not a host name"
    return None


def card_url(settings: Settings, content: str | None) -> str | None:
    """The URL whose card a post with HTML ``content`` shows, if any."""
    url = first_link(content)
    if url is None or refusal(settings, url) is not None:
        return None
    return url
