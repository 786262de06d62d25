"""A card's metadata, read from the page's head and its oEmbed document.

The page (decoded with its declared charset) is read up to its ``<body>``:

- OpenGraph (``<meta property="og:*">``) and Twitter card (``<meta name|property=
  "twitter:*">``) tags. OpenGraph wins where both say something (Mastodon's order; the
  first tag of a name wins); Twitter fills the gaps. The keys kept (Pleroma's filter:
  ``title``, ``description``, ``image`` and ``image:*``, ``type``, ``url``, ``card``,
  ``ttl``, and ``site_name``, ``locale``) become the card's ``pleroma.opengraph``;
- the ``<title>``, used only when the page has some OpenGraph or Twitter metadata or an
  oEmbed document (Pleroma's rule: a page with none of these gets no card);
- ``<html lang>`` (the card's language), and the first ``<link type=
  "application/json+oembed">`` (oEmbed discovery).

An oEmbed document is normalised as Pleroma does (types link, photo, video and rich;
dimensions and lengths bounded). Its HTML is kept only as one ``<iframe>`` with an https
``src`` (sanitised with nh3: no scripts, no event handlers, no other element); a video
or rich embed without such an iframe becomes a plain link card. oEmbed fields win over
the page's (they are meant for embedding), the page fills the gaps.

Texts are plain: tags stripped, entities decoded (once more than the HTML parser did:
sites often escape twice, and Pleroma and Mastodon decode again too), whitespace
collapsed, and cut as Pleroma cuts them (a title at 120 characters, a description at 200,
ending in "...").
"""

from __future__ import annotations

import codecs
import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import nh3
import orjson

TITLE_LIMIT = 120
DESCRIPTION_LIMIT = 200
NAME_LIMIT = 500
URL_LIMIT = 2048
OPENGRAPH_VALUE_LIMIT = 2048
OMISSION = "..."
OEMBED_TYPES = ("link", "photo", "video", "rich")
MAX_DIMENSION = 100_000
KEPT_KEYS = frozenset(
    {"title", "description", "image", "type", "url", "card", "ttl", "site_name", "locale"}
)
IFRAME_ATTRIBUTES = {"src", "width", "height", "allowfullscreen", "frameborder", "title", "allow"}

_TAG_RE = re.compile(r"<[^>]*>")
_SPACE_RE = re.compile(r"\s+")
_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)


class _Done(Exception):  # noqa: N818  (stops the parser at <body>)
    pass


class _HeadParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.og: dict[str, str] = {}
        self.twitter: dict[str, str] = {}
        self.title: str | None = None
        self.lang: str | None = None
        self.oembed: str | None = None
        self._in_title = False
        self._title_parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = {name.lower(): value for name, value in attrs if value is not None}
        if tag == "body":
            raise _Done
        if tag == "html" and values.get("lang"):
            self.lang = values["lang"]
        elif tag == "title" and self.title is None:
            self._in_title = True
        elif tag == "meta":
            self._meta(values)
        elif tag == "link" and self.oembed is None:
            kind = (values.get("type") or "").strip().lower()
            if kind == "application/json+oembed" and values.get("href"):
                self.oembed = values["href"].strip()

    def _meta(self, values: dict[str, str]) -> None:
        content = values.get("content")
        if content is None:
            return
        for attribute in ("property", "name"):
            key = (values.get(attribute) or "").strip().lower()
            if key.startswith("og:"):
                self.og.setdefault(key[3:], content)
            elif key.startswith("twitter:"):
                self.twitter.setdefault(key[8:], content)

    def handle_data(self, data):
        if self._in_title:
            self._title_parts.append(data)

    def handle_endtag(self, tag):
        if tag == "title" and self._in_title:
            self._in_title = False
            self.title = "".join(self._title_parts)
        elif tag == "head":
            raise _Done


@dataclass
class PageMeta:
    """What a page's head says about it."""

    opengraph: dict[str, str] = field(default_factory=dict)
    title: str | None = None
    lang: str | None = None
    oembed_url: str | None = None


def decode_page(body: bytes, charset: str | None) -> str:
    """The page's text: its declared charset (header, else ``<meta charset>``), else UTF-8;
    undecodable bytes are replaced."""
    if not charset:
        found = _CHARSET_RE.search(body[:4096])
        charset = found.group(1).decode("ascii", "replace") if found else None
    try:
        codec = codecs.lookup(charset or "utf-8").name
    except LookupError:
        codec = "utf-8"
    return body.decode(codec, errors="replace")


def read_page(text: str, page_url: str) -> PageMeta:
    """The metadata of a page (CPU-bound for a large head: run it in a thread)."""
    parser = _HeadParser()
    try:
        parser.feed(text)
        parser.close()
    except (_Done, AssertionError):
        pass
    merged = {k: v for k, v in parser.og.items() if _kept(k)}
    for key, value in parser.twitter.items():
        if key == "image:src":
            key = "image"
        if _kept(key):
            merged.setdefault(key, value)
    opengraph = {key: value[:OPENGRAPH_VALUE_LIMIT] for key, value in list(merged.items())[:30]}
    oembed = urljoin(page_url, parser.oembed) if parser.oembed else None
    return PageMeta(opengraph, parser.title, parser.lang, oembed)


def _kept(key: str) -> bool:
    return key in KEPT_KEYS or key.startswith("image:")


def plain_text(value: Any, limit: int) -> str:
    """``value`` as plain text of at most ``limit`` characters (see the module docstring)."""
    if not isinstance(value, str):
        return ""
    text = html.unescape(_TAG_RE.sub(" ", value))
    text = _SPACE_RE.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: limit - len(OMISSION)].rstrip() + OMISSION
    return text


def http_url(value: Any, base: str) -> str:
    """``value`` as an absolute http(s) URL (relative ones resolved against ``base``), or
    "" when it is not one or too long."""
    if not isinstance(value, str) or not value.strip():
        return ""
    try:
        url = urljoin(base, value.strip())
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return ""
    if scheme not in ("http", "https") or len(url) > URL_LIMIT:
        return ""
    return url


def _dimension(value: Any) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_DIMENSION:
        return value
    return None


def safe_iframe(markup: Any) -> str:
    """oEmbed HTML reduced to its iframes with https sources (nh3), or "" when none is left."""
    if not isinstance(markup, str) or not markup.strip():
        return ""
    cleaned = nh3.clean(
        markup[:100_000],
        tags={"iframe"},
        attributes={"iframe": IFRAME_ATTRIBUTES},
        url_schemes={"https"},
        link_rel=None,
    )
    if not re.search(r'<iframe\b[^>]*\bsrc="https://', cleaned):
        return ""
    return cleaned.strip()


def read_oembed(body: bytes, endpoint: str) -> dict[str, Any] | None:
    """The normalised oEmbed document (see the module docstring), or None when the body is
    no usable oEmbed JSON."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    kind = data.get("type") if data.get("type") in OEMBED_TYPES else "link"
    result: dict[str, Any] = {
        "type": kind,
        "title": plain_text(data.get("title"), TITLE_LIMIT),
        "author_name": plain_text(data.get("author_name"), NAME_LIMIT),
        "author_url": http_url(data.get("author_url"), endpoint),
        "provider_name": plain_text(data.get("provider_name"), NAME_LIMIT),
        "provider_url": http_url(data.get("provider_url"), endpoint),
        "thumbnail_url": http_url(data.get("thumbnail_url"), endpoint),
        "url": http_url(data.get("url"), endpoint),
        "width": _dimension(data.get("width")),
        "height": _dimension(data.get("height")),
        "html": "",
    }
    if kind in ("video", "rich"):
        result["html"] = safe_iframe(data.get("html"))
        if not result["html"]:
            result["type"] = "link"
    if kind == "photo" and not result["url"]:
        result["type"] = "link"
    return result


@dataclass
class CardFields:
    """What a fetched card stores (models/preview_card.PreviewCard's columns), and the URL
    of the image to fetch (``image_url``), before the image is stored."""

    type: str = "link"
    title: str = ""
    description: str = ""
    author_name: str = ""
    author_url: str = ""
    provider_name: str = ""
    provider_url: str = ""
    html: str = ""
    width: int = 0
    height: int = 0
    language: str | None = None
    opengraph: dict[str, str] = field(default_factory=dict)
    image_url: str = ""


def _language(meta: PageMeta) -> str | None:
    raw = meta.lang or meta.opengraph.get("locale") or ""
    code = re.split(r"[-_]", raw.strip(), maxsplit=1)[0].lower()
    return code if code.isalpha() and 2 <= len(code) <= 3 else None


def build_card(page_url: str, meta: PageMeta, oembed: dict[str, Any] | None) -> CardFields | None:
    """The card of a page, or None when it has no usable metadata (no title)."""
    og = meta.opengraph
    if not og and oembed is None:
        return None
    oembed = oembed or {}
    title = oembed.get("title") or plain_text(og.get("title") or meta.title, TITLE_LIMIT)
    if not title:
        return None
    parts = urlsplit(page_url)
    host = parts.hostname or ""
    fields = CardFields(
        type=oembed.get("type", "link"),
        title=title,
        description=plain_text(og.get("description"), DESCRIPTION_LIMIT),
        author_name=oembed.get("author_name", ""),
        author_url=oembed.get("author_url", ""),
        provider_name=oembed.get("provider_name")
        or plain_text(og.get("site_name"), NAME_LIMIT)
        or host,
        provider_url=oembed.get("provider_url") or f"{parts.scheme}://{parts.netloc}",
        html=oembed.get("html", ""),
        language=_language(meta),
        opengraph=og,
    )
    if fields.type in ("video", "rich", "photo"):
        fields.width = oembed.get("width") or 0
        fields.height = oembed.get("height") or 0
    if fields.type == "photo":
        fields.image_url = oembed.get("url", "")
    else:
        fields.image_url = oembed.get("thumbnail_url") or http_url(og.get("image"), page_url)
    return fields
