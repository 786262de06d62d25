"""Atom and RSS 2.0 documents for an account's or a hashtag's posts (services/feeds.py).

The documents are made from the Mastodon entities the status batch reads render
(api/mastodon/render_statuses.py), so a feed shows what the API shows an anonymous reader:
the sanitised HTML content, the content warning, attachments, hashtags and custom emoji.

Shape as Pleroma's feed templates: an Atom feed with the ActivityStreams, OStatus and
thread extensions (an ``entry`` per post with its id, a title, the HTML content, published
and updated, the conversation, ``summary`` for the content warning, ``self``/``alternate``
links, a ``category`` per hashtag, an ``enclosure`` link per attachment, ``mentioned`` and
``emoji`` links); an RSS 2.0 channel with an ``item`` per post. Where Pleroma's RSS strays
from the RSS specification (ISO dates, two ``description`` elements), the specification is
followed: dates are RFC 822, ``enclosure`` carries ``url``/``type``/``length``, and the
content warning becomes the item's title.

Every text and attribute goes through ``_text``/``_attr``: XML-escaped, with the characters
XML 1.0 forbids removed, so hostile content (``]]>``, ``<script>``, stray ``&``, control
characters) never breaks the document.
"""

from __future__ import annotations

import datetime as dt
import re
from email.utils import format_datetime
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from pyleroma.settings import Settings

ATOM_TYPE = "application/atom+xml; charset=utf-8"
RSS_TYPE = "application/rss+xml; charset=utf-8"
TITLE_LENGTH = 100
AS_PUBLIC_COLLECTION = "http://activityschema.org/collection/public"
_NOTE = "http://activitystrea.ms/schema/1.0/note"
_POST = "http://activitystrea.ms/schema/1.0/post"
_PERSON = "http://activitystrea.ms/schema/1.0/person"
_COLLECTION = "http://activitystrea.ms/schema/1.0/collection"
_ATOM_NAMESPACES = (
    'xmlns="http://www.w3.org/2005/Atom"'
    ' xmlns:thr="http://purl.org/syndication/thread/1.0"'
    ' xmlns:activity="http://activitystrea.ms/spec/1.0/"'
    ' xmlns:poco="http://portablecontacts.net/spec/1.0"'
    ' xmlns:ostatus="http://ostatus.org/schema/1.0"'
)
_RSS_NAMESPACES = (
    'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/"'
)
# What XML 1.0 does not allow in a document at all (escaping cannot save them).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _clean(value) -> str:
    return _FORBIDDEN.sub("", "" if value is None else str(value))


def _text(value) -> str:
    return escape(_clean(value))


def _attr(value) -> str:
    return quoteattr(_clean(value))


def _parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _rfc822(value: str | None) -> str:
    moment = _parse_time(value) or dt.datetime.now(dt.UTC)
    return format_datetime(moment.astimezone(dt.UTC), usegmt=True)


def _iso(value: str | None) -> str:
    moment = _parse_time(value) or dt.datetime.now(dt.UTC)
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def post_title(status: dict) -> str:
    """The content warning when there is one (never the hidden text), else the start of
    the plain text (``TITLE_LENGTH`` characters, then an ellipsis)."""
    if status.get("spoiler_text"):
        return status["spoiler_text"]
    plain = (status.get("pleroma") or {}).get("content", {}).get("text/plain") or ""
    plain = " ".join(plain.split())
    if len(plain) > TITLE_LENGTH:
        return plain[: TITLE_LENGTH - 3].rstrip() + "..."
    return plain


def _content(status: dict) -> str:
    # Pleroma drops the line breaks of the HTML (it is one line in the document).
    return re.sub(r"[\r\n]", "", status.get("content") or "")


def _media_type(media: dict) -> str:
    mime = (media.get("pleroma") or {}).get("mime_type")
    if mime:
        return mime
    kind = media.get("type")
    return {"image": "image/*", "video": "video/*", "audio": "audio/*", "gifv": "video/*"}.get(
        kind, "application/octet-stream"
    )


def _context(status: dict) -> str | None:
    return (status.get("pleroma") or {}).get("context")


# --- URLs ---------------------------------------------------------------------------------------


def account_feed_url(settings: Settings, nickname: str, fmt: str) -> str:
    return f"{settings.base_url}/users/{quote(nickname, safe='')}/feed.{fmt}"


def tag_feed_url(settings: Settings, tag: str, fmt: str) -> str:
    return f"{settings.base_url}/tags/{quote(tag, safe='')}.{fmt}"


def _next_url(feed_url: str, statuses: list[dict]) -> str | None:
    return f"{feed_url}?max_id={statuses[-1]['id']}" if statuses else None


# --- Atom ---------------------------------------------------------------------------------------


def _atom_author(account: dict) -> str:
    return (
        "<author>"
        f"<uri>{_text(account.get('url'))}</uri>"
        f"<name>{_text(account.get('acct'))}</name>"
        f"<activity:object-type>{_PERSON}</activity:object-type>"
        f"<poco:preferredUsername>{_text(account.get('username'))}</poco:preferredUsername>"
        f"<poco:displayName>{_text(account.get('display_name'))}</poco:displayName>"
        f"<poco:note>{_text(account.get('note'))}</poco:note>"
        f'<link rel="avatar" href={_attr(account.get("avatar"))}/>'
        "</author>"
    )


def _atom_entry(status: dict, *, with_author: bool) -> str:
    parts = [
        "<entry>",
        f"<activity:object-type>{_NOTE}</activity:object-type>",
        f"<activity:verb>{_POST}</activity:verb>",
    ]
    if with_author:
        parts.append(_atom_author(status["account"]))
    published = _iso(status.get("created_at"))
    parts += [
        f"<id>{_text(status.get('uri'))}</id>",
        f"<title>{_text(post_title(status))}</title>",
        f'<content type="html">{_text(_content(status))}</content>',
        f"<published>{published}</published>",
        f"<updated>{_iso(status.get('edited_at') or status.get('created_at'))}</updated>",
    ]
    context = _context(status)
    if context:
        parts.append(
            f"<ostatus:conversation ref={_attr(context)}>{_text(context)}</ostatus:conversation>"
            f'<link href={_attr(context)} rel="ostatus:conversation"/>'
        )
    if status.get("spoiler_text"):
        parts.append(f"<summary>{_text(status['spoiler_text'])}</summary>")
    parts.append(
        f'<link type="application/activity+json" href={_attr(status.get("uri"))} rel="self"/>'
        f'<link type="text/html" href={_attr(status.get("url"))} rel="alternate"/>'
    )
    for tag in status.get("tags") or ():
        parts.append(f"<category term={_attr(tag['name'])}/>")
    for media in status.get("media_attachments") or ():
        parts.append(
            f'<link rel="enclosure" href={_attr(media.get("url"))}'
            f" type={_attr(_media_type(media))}/>"
        )
    if status.get("visibility") == "public":
        parts.append(
            f'<link rel="mentioned" ostatus:object-type="{_COLLECTION}"'
            f' href="{AS_PUBLIC_COLLECTION}"/>'
        )
    for mention in status.get("mentions") or ():
        parts.append(
            f'<link rel="mentioned" ostatus:object-type="{_PERSON}" href={_attr(mention["url"])}/>'
        )
    for emoji in status.get("emojis") or ():
        parts.append(
            f'<link name={_attr(emoji["shortcode"])} rel="emoji" href={_attr(emoji["url"])}/>'
        )
    parts.append("</entry>")
    return "".join(parts)


def _atom_document(
    *,
    feed_url: str,
    title: str,
    subtitle: str,
    alternate: str,
    logo: str | None,
    updated: str | None,
    author: dict | None,
    statuses: list[dict],
) -> str:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f"<feed {_ATOM_NAMESPACES}>",
        f"<id>{_text(feed_url)}</id>",
        f"<title>{_text(title)}</title>",
        f"<subtitle>{_text(subtitle)}</subtitle>",
        f"<updated>{_iso(updated)}</updated>",
    ]
    if logo:
        parts.append(f"<logo>{_text(logo)}</logo>")
    parts.append(f'<link rel="self" href={_attr(feed_url)} type="application/atom+xml"/>')
    parts.append(f'<link rel="alternate" href={_attr(alternate)} type="text/html"/>')
    if author is not None:
        parts.append(_atom_author(author))
    following = _next_url(feed_url, statuses)
    if following:
        parts.append(f'<link rel="next" href={_attr(following)} type="application/atom+xml"/>')
    parts.extend(_atom_entry(s, with_author=author is None) for s in statuses)
    parts.append("</feed>\n")
    return "".join(parts)


# --- RSS ----------------------------------------------------------------------------------------


def _rss_item(status: dict) -> str:
    account = status["account"]
    parts = [
        "<item>",
        f'<guid isPermaLink="false">{_text(status.get("uri"))}</guid>',
        f"<title>{_text(post_title(status))}</title>",
        f"<link>{_text(status.get('url'))}</link>",
        f"<description>{_text(_content(status))}</description>",
        f"<pubDate>{_rfc822(status.get('created_at'))}</pubDate>",
        f"<dc:creator>{_text(account.get('acct'))}</dc:creator>",
    ]
    for tag in status.get("tags") or ():
        parts.append(f"<category>{_text(tag['name'])}</category>")
    # RSS allows one enclosure an item (readers take the first): the first attachment.
    for media in (status.get("media_attachments") or ())[:1]:
        parts.append(
            f"<enclosure url={_attr(media.get('url'))} type={_attr(_media_type(media))}"
            ' length="0"/>'
        )
    parts.append("</item>")
    return "".join(parts)


def _rss_document(
    *,
    feed_url: str,
    title: str,
    description: str,
    alternate: str,
    logo: str | None,
    updated: str | None,
    statuses: list[dict],
) -> str:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<rss version="2.0" {_RSS_NAMESPACES}>',
        "<channel>",
        f"<title>{_text(title)}</title>",
        f"<link>{_text(alternate)}</link>",
        f"<description>{_text(description)}</description>",
        f"<lastBuildDate>{_rfc822(updated)}</lastBuildDate>",
        f'<atom:link rel="self" href={_attr(feed_url)} type="application/rss+xml"/>',
    ]
    following = _next_url(feed_url, statuses)
    if following:
        parts.append(f'<atom:link rel="next" href={_attr(following)} type="application/rss+xml"/>')
    if logo:
        parts.append(
            f"<image><url>{_text(logo)}</url><title>{_text(title)}</title>"
            f"<link>{_text(alternate)}</link></image>"
        )
    parts.extend(_rss_item(s) for s in statuses)
    parts.append("</channel></rss>\n")
    return "".join(parts)


# --- the two feeds ------------------------------------------------------------------------------


def account_feed_document(settings: Settings, fmt: str, account: dict, statuses: list[dict]) -> str:
    """The feed of ``account`` (its Account entity) in ``fmt`` ("atom" or "rss")."""
    nickname = account["username"]
    feed_url = account_feed_url(settings, nickname, fmt)
    title = f"{nickname}'s timeline"
    name = account.get("display_name") or nickname
    subtitle = f"Public posts by {name} (@{account['acct']}@{settings.domain})"
    updated = statuses[0]["created_at"] if statuses else account.get("created_at")
    common = {
        "feed_url": feed_url,
        "title": title,
        "alternate": account.get("url") or feed_url,
        "logo": account.get("avatar"),
        "updated": updated,
        "statuses": statuses,
    }
    if fmt == "atom":
        return _atom_document(subtitle=subtitle, author=account, **common)
    return _rss_document(description=subtitle, **common)


def tag_feed_document(settings: Settings, fmt: str, tag: str, statuses: list[dict]) -> str:
    """The feed of the hashtag ``tag`` in ``fmt`` ("atom" or "rss")."""
    feed_url = tag_feed_url(settings, tag, fmt)
    description = f"Public posts tagged #{tag} on {settings.domain}"
    common = {
        "feed_url": feed_url,
        "title": f"#{tag}",
        "alternate": f"{settings.base_url}/tag/{quote(tag, safe='')}",
        "logo": None,
        "updated": statuses[0]["created_at"] if statuses else None,
        "statuses": statuses,
    }
    if fmt == "atom":
        return _atom_document(subtitle=description, author=None, **common)
    return _rss_document(description=description, **common)
