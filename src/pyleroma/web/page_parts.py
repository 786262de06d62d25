"""HTML fragments of the public pages: a status, an account's header, custom emoji.

They are built from the client API's entities (the Status and Account dicts of
api/mastodon/render_*.py), so a page shows exactly what an anonymous API reader gets.
Everything that comes from a user is escaped here, except a status's ``content`` and an
account's ``note``, which are HTML already sanitised when they were stored (our formatter for
local posts, the federation sanitiser for remote ones). Custom emoji become images only in
the text between tags, never inside an attribute.
"""

from __future__ import annotations

import datetime as dt
import re
from html import escape

_TAG_SPLIT = re.compile(r"(<[^>]*>)")
_SHORTCODE = re.compile(r":([A-Za-z0-9_+-]+):")


def attr(value: object) -> str:
    """A quoted, escaped attribute value."""
    return '"' + escape(str(value if value is not None else ""), quote=True) + '"'


def with_emoji(html_text: str, emojis: list[dict]) -> str:
    """``html_text`` (safe HTML) with ``:shortcode:`` of ``emojis`` drawn as images."""
    if not emojis or ":" not in html_text:
        return html_text
    known = {e.get("shortcode"): e.get("url") for e in emojis if e.get("shortcode")}

    def image(found: re.Match) -> str:
        url = known.get(found.group(1))
        if not url:
            return found.group(0)
        code = escape(found.group(0))
        return f'<img class="emoji" src={attr(url)} alt="{code}" title="{code}">'

    parts = _TAG_SPLIT.split(html_text)
    return "".join(p if p.startswith("<") else _SHORTCODE.sub(image, p) for p in parts)


def display_name(account: dict) -> str:
    """The account's display name (or nickname), escaped, its custom emoji drawn."""
    name = account.get("display_name") or account.get("username") or ""
    return with_emoji(escape(name), account.get("emojis") or [])


def handle(account: dict) -> str:
    return "@" + (account.get("fqn") or account.get("acct") or "")


def when(value: str | None) -> str:
    """An entity's ISO time as a ``<time>`` a person reads (UTC)."""
    if not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return escape(value)
    shown = moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<time datetime={attr(value)}>{shown}</time>"


def _attachment(media: dict) -> str:
    url = media.get("url") or media.get("remote_url") or ""
    preview = media.get("preview_url") or url
    description = media.get("description") or ""
    kind = media.get("type")
    if kind == "image":
        return f"<a href={attr(url)}><img src={attr(preview)} alt={attr(description)}></a>"
    if kind in ("video", "gifv"):
        return (
            f'<video controls preload="none" src={attr(url)} poster={attr(preview)} '
            f"aria-label={attr(description or 'video')}></video>"
        )
    if kind == "audio":
        return (
            f'<audio controls preload="none" src={attr(url)} '
            f"aria-label={attr(description or 'audio')}></audio>"
        )
    return f"<a href={attr(url)}>{escape(description or url)}</a>"


def _attachments(status: dict) -> str:
    media = status.get("media_attachments") or []
    if not media:
        return ""
    grid = '<div class="attachments">' + "".join(_attachment(m) for m in media) + "</div>"
    if status.get("sensitive"):
        return f"<details><summary>Sensitive media ({len(media)})</summary>{grid}</details>"
    return grid


def _poll(status: dict) -> str:
    poll = status.get("poll")
    if not poll:
        return ""
    rows = []
    for option in poll.get("options") or []:
        votes = option.get("votes_count")
        tally = (
            "" if votes is None else f' <span class="meta">{count(votes, "vote", "votes")}</span>'
        )
        title = with_emoji(escape(option.get("title") or ""), poll.get("emojis") or [])
        rows.append(f"<li>{title}{tally}</li>")
    state = "closed" if poll.get("expired") else "open"
    return f'<ul class="poll" aria-label="Poll ({state})">{"".join(rows)}</ul>'


def _author(account: dict) -> str:
    return (
        '<div class="author">'
        f'<img src={attr(account.get("avatar_static") or account.get("avatar"))} alt="">'
        f'<div><a href={attr(account.get("url"))}><span class="name">{display_name(account)}'
        f'</span><span class="meta">{escape(handle(account))}</span></a></div></div>'
    )


def count(value: object, one: str, many: str) -> str:
    number = int(value or 0)
    return f"{number} {one if number == 1 else many}"


def _counts(status: dict) -> str:
    pieces = [
        f"<a href={attr(status.get('url'))}>{when(status.get('created_at'))}</a>",
        count(status.get("replies_count"), "reply", "replies"),
        count(status.get("reblogs_count"), "boost", "boosts"),
        count(status.get("favourites_count"), "favourite", "favourites"),
    ]
    if status.get("edited_at"):
        pieces.append("edited")
    return '<footer class="meta">' + "".join(f"<span>{p}</span>" for p in pieces) + "</footer>"


def status_article(status: dict, *, focus: bool = False) -> str:
    """One status (a boost shows its original, saying who boosted it)."""
    booster = None
    if status.get("reblog"):
        booster, status = status["account"], status["reblog"]
    content = with_emoji(status.get("content") or "", status.get("emojis") or [])
    body = f'<div class="content">{content}</div>{_attachments(status)}{_poll(status)}'
    spoiler = status.get("spoiler_text")
    if spoiler:
        summary = with_emoji(escape(spoiler), status.get("emojis") or [])
        body = f"<details><summary>{summary}</summary>{body}</details>"
    boosted = ""
    if booster is not None:
        boosted = (
            f'<p class="reblogged meta"><a href={attr(booster.get("url"))}>'
            f"{display_name(booster)}</a> boosted</p>"
        )
    classes = "status focus" if focus else "status"
    language = f" lang={attr(status['language'])}" if status.get("language") else ""
    return (
        f'<article class="{classes}" id={attr("status-" + str(status.get("id")))}{language}>'
        f"{boosted}{_author(status.get('account') or {})}{body}{_counts(status)}</article>"
    )


def account_header(account: dict) -> str:
    """The top of a profile: banner, avatar, names, bio, fields and counts."""
    fields = ""
    if account.get("fields"):
        rows = "".join(
            f"<dt>{with_emoji(escape(f.get('name') or ''), account.get('emojis') or [])}</dt>"
            f"<dd>{with_emoji(f.get('value') or '', account.get('emojis') or [])}</dd>"
            for f in account["fields"]
        )
        fields = f"<dl>{rows}</dl>"
    note = with_emoji(account.get("note") or "", account.get("emojis") or [])
    counts = (
        '<ul class="stats">'
        f"<li><strong>{int(account.get('statuses_count') or 0)}</strong>posts</li>"
        f"<li><strong>{int(account.get('following_count') or 0)}</strong>following</li>"
        f"<li><strong>{int(account.get('followers_count') or 0)}</strong>followers</li></ul>"
    )
    bot = ' <span class="meta">(bot)</span>' if account.get("bot") else ""
    moved = ""
    if account.get("moved"):
        target = account["moved"]
        moved = (
            '<p class="alert">This account has moved to '
            f"<a href={attr(target.get('url'))}>{escape(handle(target))}</a>.</p>"
        )
    return (
        '<section class="panel profile">'
        f'<img class="banner" src={attr(account.get("header_static"))} alt="">'
        f'<div class="who"><img src={attr(account.get("avatar_static"))} alt="">'
        f"<div><h1>{display_name(account)}{bot}</h1>"
        f'<p class="meta">{escape(handle(account))}</p></div></div>'
        f'{moved}<div class="note">{note}</div>{fields}{counts}</section>'
    )
