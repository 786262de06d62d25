"""The public pages as whole HTML documents: landing, profile, status (with its thread),
tag, the embeddable status and the not-found page.

What makes a page readable by those who never run a front end's JavaScript (search engines,
link previews, text browsers) is in its head: OpenGraph and Twitter card tags, the
ActivityPub document and the feeds as ``<link rel="alternate">``, oEmbed discovery on status
pages, and ``noindex`` for accounts that did not opt in to search engines (Pleroma's
``is_discoverable``). The body is plain semantic HTML with the one stylesheet of
web/page_style.py; no script anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from urllib.parse import quote

from pyleroma.services.text.formatting import html_to_text
from pyleroma.settings import Settings
from pyleroma.web.page_parts import account_header, attr, handle, status_article
from pyleroma.web.page_style import STYLE_TAG

DESCRIPTION_LENGTH = 200
NOINDEX = "noindex, noarchive"


@dataclass
class Head:
    """What a page says about itself to machines."""

    title: str
    description: str = ""
    url: str | None = None
    image: str | None = None
    large_image: bool = False
    kind: str = "website"
    robots: str | None = None
    alternates: list[tuple[str, str]] = field(default_factory=list)  # (type, href)

    def render(self, settings: Settings) -> str:
        tags = [f"<title>{escape(self.title)}</title>"]
        if self.description:
            tags.append(f'<meta name="description" content={attr(self.description)}>')
        if self.robots:
            tags.append(f'<meta name="robots" content={attr(self.robots)}>')
        og = {
            "og:site_name": settings.instance_name,
            "og:title": self.title,
            "og:description": self.description,
            "og:type": self.kind,
            "og:url": self.url,
            "og:image": self.image,
        }
        twitter = {
            "twitter:card": "summary_large_image" if self.large_image else "summary",
            "twitter:title": self.title,
            "twitter:description": self.description,
            "twitter:image": self.image,
        }
        for name, value in og.items():
            if value:
                tags.append(f"<meta property={attr(name)} content={attr(value)}>")
        for name, value in twitter.items():
            if value:
                tags.append(f"<meta name={attr(name)} content={attr(value)}>")
        if self.url:
            tags.append(f'<link rel="canonical" href={attr(self.url)}>')
        for kind, href in self.alternates:
            tags.append(f'<link rel="alternate" type={attr(kind)} href={attr(href)}>')
        return "\n".join(tags)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= DESCRIPTION_LENGTH else text[: DESCRIPTION_LENGTH - 1] + "…"


def document(settings: Settings, head: Head, body: str, *, nav: bool = True) -> str:
    header = ""
    if nav:
        links = ""
        if settings.registrations in ("open", "approval"):
            links = '<a href="/registration">Sign up</a>'
        header = (
            '<header class="site"><nav aria-label="Site">'
            f'<a class="brand" href="/">{escape(settings.instance_name)}</a>{links}'
            "</nav></header>"
        )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="same-origin">\n'
        '<link rel="icon" type="image/png" href="/favicon.png">\n'
        f"{head.render(settings)}\n{STYLE_TAG}\n</head>\n<body>\n"
        '<a class="skip" href="#content">Skip to content</a>\n'
        f'{header}\n<main id="content">\n{body}\n</main>\n</body>\n</html>\n'
    )


def _older(path: str, statuses: list[dict], full: bool) -> str:
    """The "older posts" link past the last status shown (none on a short page)."""
    if not statuses or not full:
        return ""
    last = statuses[-1]["id"]
    link = f'<a href={attr(f"{path}?max_id={last}")} rel="next">Older posts</a>'
    return f'<nav class="pages" aria-label="Pages"><span></span>{link}</nav>'


def _statuses(statuses: list[dict], empty: str) -> str:
    if not statuses:
        return f'<p class="muted">{escape(empty)}</p>'
    return "\n".join(status_article(s) for s in statuses)


def landing_page(
    settings: Settings, facts, statuses: list[dict] | None, full_page: bool, older_than: bool
) -> str:
    """The instance's front page: who it is, its rules, and its local public timeline."""
    registration = {
        "open": 'Registrations are open: <a href="/registration">sign up</a>.',
        "approval": 'Registrations need approval: <a href="/registration">apply</a>.',
        "invite": "Registrations are by invitation.",
        "closed": "Registrations are closed.",
    }[settings.registrations]
    rules = ""
    if facts.rules:
        items = "".join(f"<li>{escape(rule['text'])}</li>" for rule in facts.rules)
        rules = f'<section class="panel"><h2>Rules</h2><ol class="rules">{items}</ol></section>'
    about = (
        '<section class="panel"><h1>' + escape(settings.instance_name) + "</h1>"
        f"<p>{escape(settings.instance_description)}</p>"
        '<ul class="stats">'
        f"<li><strong>{facts.user_count}</strong>users</li>"
        f"<li><strong>{facts.status_count}</strong>posts</li>"
        f"<li><strong>{facts.domain_count}</strong>known instances</li></ul>"
        f"<p>{registration}</p>"
        '<p class="meta">Use any Mastodon or Pleroma app to sign in.'
        ' <a href="/static/terms-of-service.html">Terms of service</a></p></section>'
    )
    if statuses is None:
        timeline = '<p class="muted">The timeline of this instance is for its members.</p>'
    else:
        timeline = _statuses(statuses, "Nothing posted here yet.") + _older(
            "/", statuses, full_page
        )
    heading = "Older posts" if older_than else "Recent posts"
    body = (
        f"{about if not older_than else ''}{rules if not older_than else ''}"
        f'<section aria-labelledby="timeline"><h2 id="timeline">{heading}</h2>{timeline}</section>'
    )
    head = Head(
        title=settings.instance_name,
        description=_short(settings.instance_description),
        url=f"{settings.base_url}/",
    )
    return document(settings, head, body)


def profile_page(
    settings: Settings,
    account: dict,
    pinned: list[dict],
    statuses: list[dict],
    full_page: bool,
    discoverable: bool,
) -> str:
    nickname = account["username"]
    feeds = f"{settings.base_url}/users/{quote(nickname)}/feed"
    head = Head(
        title=f"{account.get('display_name') or nickname} ({handle(account)})",
        description=_short(html_to_text(account.get("note") or "")),
        url=account.get("url"),
        image=account.get("avatar_static"),
        kind="profile",
        robots=None if discoverable else NOINDEX,
        alternates=[
            ("application/activity+json", account.get("url") or ""),
            ("application/atom+xml", feeds + ".atom"),
            ("application/rss+xml", feeds + ".rss"),
        ],
    )
    parts = [account_header(account)]
    if pinned:
        parts.append(
            '<section aria-labelledby="pinned"><h2 id="pinned">Pinned</h2>'
            + "\n".join(status_article(s) for s in pinned)
            + "</section>"
        )
    path = f"/users/{quote(nickname)}"
    parts.append(
        '<section aria-labelledby="posts"><h2 id="posts">Posts</h2>'
        + _statuses(statuses, "No public posts.")
        + _older(path, statuses, full_page)
        + "</section>"
    )
    return document(settings, head, "\n".join(parts))


def _status_head(settings: Settings, status: dict, discoverable: bool) -> Head:
    account = status.get("account") or {}
    images = [m for m in status.get("media_attachments") or [] if m.get("type") == "image"]
    text = html_to_text(status.get("content") or "")
    if status.get("spoiler_text"):
        text = status["spoiler_text"]  # (a content warning hides the text in previews too)
    image = account.get("avatar_static")
    if images and not status.get("sensitive"):
        image = images[0].get("preview_url") or images[0].get("url")
    url = status.get("url")
    return Head(
        title=f"{account.get('display_name') or account.get('username')} ({handle(account)})",
        description=_short(text),
        url=url,
        image=image,
        large_image=bool(images) and not status.get("sensitive"),
        kind="article",
        robots=None if discoverable else NOINDEX,
        alternates=[
            ("application/activity+json", status.get("uri") or ""),
            (
                "application/json+oembed",
                f"{settings.base_url}/api/oembed?url={quote(url or '', safe='')}",
            ),
        ],
    )


def status_page(
    settings: Settings,
    status: dict,
    ancestors: list[dict],
    descendants: list[dict],
    discoverable: bool,
) -> str:
    """The post, marked as the focus, between the visible posts above and below it."""
    body = "\n".join(
        [
            *(status_article(s) for s in ancestors),
            status_article(status, focus=True),
            *(status_article(s) for s in descendants),
        ]
    )
    body = f'<section aria-label="Thread">{body}</section>'
    return document(settings, _status_head(settings, status, discoverable), body)


def tag_page(settings: Settings, tag: str, statuses: list[dict], full_page: bool) -> str:
    base = f"{settings.base_url}/tags/{quote(tag)}"
    head = Head(
        title=f"#{tag}",
        description=f"Public posts with #{tag} on {settings.instance_name}",
        url=f"{settings.base_url}/tag/{quote(tag)}",
        alternates=[
            ("application/atom+xml", base + ".atom"),
            ("application/rss+xml", base + ".rss"),
        ],
    )
    body = (
        f"<h1>#{escape(tag)}</h1>"
        + _statuses(statuses, "No public posts with this hashtag.")
        + _older(f"/tag/{quote(tag)}", statuses, full_page)
    )
    return document(settings, head, body)


def embed_page(settings: Settings, status: dict) -> str:
    """The post alone, to be framed in another site's page (oEmbed's iframe)."""
    account = status.get("account") or {}
    head = Head(
        title=f"{account.get('display_name') or account.get('username')} ({handle(account)})",
        url=status.get("url"),
        robots=NOINDEX,
    )
    return document(settings, head, status_article(status), nav=False)


def not_found_page(settings: Settings, message: str = "This page does not exist.") -> str:
    head = Head(title=f"Not found - {settings.instance_name}", robots=NOINDEX)
    body = (
        f'<section class="panel"><h1>Not found</h1><p>{escape(message)}</p>'
        '<p><a href="/">Back to the front page</a></p></section>'
    )
    return document(settings, head, body)
