"""User text to safe HTML, as Pleroma renders it: bios now, statuses and fields later.

Two entry points, one per kind of input:

- ``format_plain_text``: text the user typed (a bio, a ``text/plain`` status). It is escaped,
  then URLs, ``@mentions`` of known accounts and ``#hashtags`` become links, and newlines
  become ``<br/>``. The output is built only from escaped text and tags made here, so it is
  safe without a sanitiser pass.
- ``format_html``: input that may hold HTML (``text/html`` statuses). Links, mentions and
  hashtags are added in text outside existing ``<a>`` elements, then the whole fragment goes
  through ``sanitize_html`` (nh3 with Pleroma's default scrubbing policy).
  ``format_field_value`` does the same for profile field values with Pleroma's stricter
  links-only policy.

Mentions need the database (is ``@bob`` an account we know?), so each entry point has a pure
half (``render_plain_text``, ``linkify_html``) taking already-resolved accounts, and an async
wrapper that resolves them with one query (``resolve_mentions``). Statuses can reuse the pure
halves and the returned ``mentions``/``tags`` lists for addressing and tag indexing.

Only ``http``/``https`` URLs are linked; bare domains (``example.com``) are left as text,
unlike Pleroma's linkifier, which needs a TLD list to guess them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

import nh3
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.models import Account
from pyleroma.settings import Settings
from pyleroma.urls import account_url

_URL = r"(?P<url>https?://[^\s<>\"]+)"
# `@nick` or `@nick@domain[:port]`; not inside an email address or a path (`a@b`, `/@x`).
_MENTION = (
    r"(?<![\w@/.])@(?P<mention>[A-Za-z0-9_-]+(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::\d+)?)?)"
)
# A hashtag needs one letter or underscore (`#1` is not a tag); `&#39;` is an entity, not a tag.
_HASHTAG = r"(?<![\w&/#])#(?P<tag>\w*[^\W\d]\w*)"
TOKEN_RE = re.compile(f"{_URL}|{_MENTION}|{_HASHTAG}")
MENTION_RE = re.compile(_MENTION)
_TRAILING_PUNCTUATION = ".,:;!?'\""
_NEWLINE_RE = re.compile(r"\r?\n")
_TAG_SPLIT_RE = re.compile(r"(<[^>]*>)")

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    # Isolates right-to-left text; Pleroma's and Akkoma's inline quotes ("<bdi>RT:</bdi>").
    "bdi",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "rb",
    "rp",
    "rt",
    "rtc",
    "ruby",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "data-user", "data-tag", "class", "rel", "name", "title"},
    "abbr": {"title"},
    "span": {"class"},
    "code": {"class"},
}
# Attribute values let through (anything else is dropped), as Pleroma's default scrubber.
_ALLOWED_VALUES = {
    ("a", "class"): {"hashtag", "u-url", "mention", "u-url mention", "mention u-url"},
    ("a", "rel"): {
        "tag",
        "nofollow",
        "noopener",
        "noreferrer",
        "ugc",
        "tag ugc",
        "ugc tag",
    },
    ("span", "class"): {"h-card", "quote-inline"},
    ("code", "class"): {"inline"},
}
URL_SCHEMES = {
    "http",
    "https",
    "dat",
    "dweb",
    "gopher",
    "hyper",
    "ipfs",
    "ipns",
    "irc",
    "ircs",
    "magnet",
    "mailto",
    "mumble",
    "ssb",
    "xmpp",
}


@dataclass
class Formatted:
    """Rendered HTML plus what it refers to (mentioned accounts, tags, links), in order."""

    html: str
    mentions: list[Account] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


def escape_html(text: str) -> str:
    """Escape the five HTML-significant characters (as Phoenix.HTML does)."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def _trim_url(url: str) -> str:
    """Drop trailing punctuation that ends a sentence rather than the URL, and a closing
    parenthesis that has no opening one inside the URL (``(see http://x/a)``)."""
    while url:
        last = url[-1]
        unbalanced = last == ")" and url.count("(") < url.count(")")
        if last in _TRAILING_PUNCTUATION or unbalanced:
            url = url[:-1]
        else:
            break
    return url


def find_mention_names(text: str) -> list[str]:
    """Nicknames written as ``@name`` or ``@name@domain`` in ``text`` (no lookups)."""
    names: list[str] = []
    for match in TOKEN_RE.finditer(text):
        name = match.group("mention")
        if name and name not in names:
            names.append(name)
    return names


def _lookup_key(settings: Settings, name: str) -> str:
    """The nickname key an ``@name`` refers to: local accounts are stored without our domain."""
    key = name.lower()
    local, sep, domain = key.partition("@")
    if sep and domain == settings.domain.lower():
        return local
    return key


async def resolve_mentions(
    session: AsyncSession, settings: Settings, names: Iterable[str]
) -> dict[str, Account]:
    """Known accounts for the mentioned names, keyed by the lower-cased name as written."""
    wanted = {name.lower(): _lookup_key(settings, name) for name in names}
    if not wanted:
        return {}
    rows = (
        (
            await session.execute(
                select(Account).where(Account.nickname_key.in_(set(wanted.values())))
            )
        )
        .scalars()
        .all()
    )
    by_key = {account.nickname_key: account for account in rows}
    return {name: by_key[key] for name, key in wanted.items() if key in by_key}


def mention_html(settings: Settings, account: Account, name: str) -> str:
    """Pleroma's mention markup; ``name`` is shown as written (``bob`` or ``bob@host``)."""
    return (
        f'<span class="h-card"><a class="u-url mention" data-user="{account.id}" '
        f'href="{escape_html(account_url(settings, account))}" rel="ugc">'
        f"@<span>{escape_html(name)}</span></a></span>"
    )


def hashtag_html(settings: Settings, tag: str) -> str:
    key = tag.lower()
    return (
        f'<a class="hashtag" data-tag="{escape_html(key)}" '
        f'href="{settings.base_url}/tag/{quote(key, safe="")}" rel="tag ugc">'
        f"#{escape_html(tag)}</a>"
    )


def link_html(href: str, text: str) -> str:
    return f'<a href="{href}" rel="ugc">{text}</a>'


def _linkify(
    settings: Settings,
    text: str,
    mentions: dict[str, Account],
    result: Formatted,
    *,
    escaped: bool,
) -> str:
    """Replace URLs, known mentions and hashtags in ``text``.

    ``escaped`` says whether ``text`` is already HTML (a text node of an HTML fragment), in
    which case it is copied as is; otherwise the plain text between links is escaped.
    """
    out: list[str] = []
    position = 0

    def plain(chunk: str) -> str:
        return chunk if escaped else escape_html(chunk)

    for match in TOKEN_RE.finditer(text):
        start, end = match.span()
        replacement: str | None = None
        if match.group("url"):
            url = _trim_url(match.group("url"))
            end = start + len(url)
            if len(url) > len("https://"):
                shown = url if escaped else escape_html(url)
                replacement = link_html(shown, shown)
                result.links.append(url)
        elif match.group("mention"):
            name = match.group("mention")
            account = mentions.get(name.lower())
            if account is not None:
                replacement = mention_html(settings, account, name)
                if account not in result.mentions:
                    result.mentions.append(account)
        elif match.group("tag"):
            tag = match.group("tag")
            replacement = hashtag_html(settings, tag)
            if tag.lower() not in result.tags:
                result.tags.append(tag.lower())
        if replacement is None:
            continue
        out.append(plain(text[position:start]))
        out.append(replacement)
        position = end
    out.append(plain(text[position:]))
    return "".join(out)


def render_plain_text(settings: Settings, text: str, mentions: dict[str, Account]) -> Formatted:
    """Plain text to HTML with links; ``mentions`` comes from ``resolve_mentions``."""
    result = Formatted(html="")
    html = _linkify(settings, text, mentions, result, escaped=False)
    result.html = _NEWLINE_RE.sub("<br/>", html)
    return result


async def format_plain_text(session: AsyncSession, settings: Settings, text: str) -> Formatted:
    if not text:
        return Formatted(html="")
    mentions = await resolve_mentions(session, settings, find_mention_names(text))
    return render_plain_text(settings, text, mentions)


def linkify_html(settings: Settings, html: str, mentions: dict[str, Account]) -> Formatted:
    """Add links to the text of an HTML fragment, leaving tags and existing links alone.

    The result is not sanitised yet: callers pass it through ``sanitize_html``.
    """
    result = Formatted(html="")
    out: list[str] = []
    inside_link = 0
    for part in _TAG_SPLIT_RE.split(html):
        if part.startswith("<"):
            name = part[1:].strip().lstrip("/").split(None, 1)[0].lower() if part[1:] else ""
            name = name.rstrip(">/")
            if name == "a":
                inside_link += -1 if part.startswith("</") else 1
                inside_link = max(inside_link, 0)
            out.append(part)
        elif inside_link:
            out.append(part)
        else:
            out.append(_linkify(settings, part, mentions, result, escaped=True))
    result.html = "".join(out)
    return result


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    allowed = _ALLOWED_VALUES.get((tag, attribute))
    if allowed is not None and value not in allowed:
        return None
    return value


def sanitize_html(html: str) -> str:
    """Keep only the tags, attributes, classes and URL schemes Pleroma's default policy keeps;
    script and style elements go with their content."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


async def format_html(session: AsyncSession, settings: Settings, html: str) -> Formatted:
    """HTML input (or text that may contain HTML) to sanitised HTML with links added."""
    if not html:
        return Formatted(html="")
    mentions = await resolve_mentions(session, settings, find_mention_names(html))
    result = linkify_html(settings, html, mentions)
    result.html = sanitize_html(result.html)
    return result


LINKS_ONLY_REL = {"tag", "nofollow", "noopener", "noreferrer", "me", "ugc", "tag ugc", "ugc tag"}


def _links_only_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "rel" and value not in LINKS_ONLY_REL:
        return None
    return value


def sanitize_links_only(html: str) -> str:
    """Pleroma's links-only policy, used for profile field values: every tag but ``<a>`` is
    removed (its text kept)."""
    return nh3.clean(
        html,
        tags={"a"},
        clean_content_tags={"script", "style"},
        attributes={"a": {"href", "rel", "name", "title"}},
        attribute_filter=_links_only_filter,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


async def format_field_value(session: AsyncSession, settings: Settings, value: str) -> Formatted:
    """A profile field value: may hold HTML (as Pleroma allows); links are added, then
    everything but links is stripped. Field *names* are plain text and are not formatted."""
    if not value:
        return Formatted(html="")
    mentions = await resolve_mentions(session, settings, find_mention_names(value))
    result = linkify_html(settings, value, mentions)
    result.html = sanitize_links_only(result.html)
    return result


_BLOCK_BREAK_RE = re.compile(r"<br\s*/?>|</p>\s*<p[^>]*>", re.IGNORECASE)
_ANY_TAG_RE = re.compile(r"<[^>]+>")


def html_to_text(content: str) -> str:
    """Plain text of rendered HTML (Pleroma's ``content["text/plain"]``): line breaks and
    paragraph breaks become newlines, other tags go, entities are decoded."""
    import html as html_module

    if not content:
        return ""
    text = _BLOCK_BREAK_RE.sub("\n", content)
    text = _ANY_TAG_RE.sub("", text)
    return html_module.unescape(text)
