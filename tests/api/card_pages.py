"""The web pages the card tests link to, served for real on 127.0.0.1 (aiohttp).

``PageServer`` answers each path from ``pages`` (status, content type, body, extra
headers; a query string is ignored unless ``pages`` has the path with it); ``seen``
records the paths asked, in order. ``/slow`` waits (until the server
stops), ``/redirect/<n>`` answers 302 to ``redirects[n]``. ``standard_pages`` builds the
site every test uses: an OpenGraph article, a Twitter card, a video with oEmbed discovery,
a rich oEmbed of scripts only, a page with only a <title>, a PDF, a huge page and an image.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from dataclasses import dataclass, field

from aiohttp import web
from PIL import Image

from tests.federation.loopback import LoopbackServer


def png(width: int = 1200, height: int = 600, color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class PageServer(LoopbackServer):
    pages: dict[str, Page] = field(default_factory=dict)
    redirects: list[str] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def redirect_to(self, target: str) -> str:
        """A path of this server answering 302 to ``target``."""
        self.redirects.append(target)
        return f"/redirect/{len(self.redirects) - 1}"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path_qs
        self.seen.append(path)
        if request.path == "/slow":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), 30)
            return web.Response(text="<title>late</title>", content_type="text/html")
        if request.path.startswith("/redirect/"):
            target = self.redirects[int(request.path.rsplit("/", 1)[1])]
            return web.Response(status=302, headers={"Location": target})
        page = self.pages.get(path) or self.pages.get(request.path)
        if page is None:
            return web.Response(status=404, text="not here")
        headers = {"Content-Type": page.content_type, **page.headers}
        return web.Response(status=page.status, body=page.body, headers=headers)


def html_page(head: str, body: str = "<p>Hello</p>", lang: str = "en") -> Page:
    text = f'<!DOCTYPE html><html lang="{lang}"><head>{head}</head><body>{body}</body></html>'
    return Page(text.encode())


OG_HEAD = """
<meta charset="utf-8">
<title>Ignored title | Site</title>
<meta property="og:title" content="Fish &amp;amp; Chips &lt;b&gt;daily&lt;/b&gt;">
<meta property="og:description" content="All about   fish,
 and chips.">
<meta property="og:image" content="/img.png">
<meta property="og:image:alt" content="A red square">
<meta property="og:site_name" content="Chip Shop">
<meta property="og:type" content="article">
<meta name="twitter:title" content="Twitter loses to OpenGraph">
<meta property="og:unknown_key" content="dropped">
"""

TWITTER_HEAD = """
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:title" content="A tweet-sized title">
<meta name="twitter:description" content="Described for birds">
<meta name="twitter:image:src" content="img.png">
"""

VIDEO_HEAD = """
<meta property="og:title" content="Page title of the video">
<meta property="og:description" content="A video page">
<link rel="alternate" type="application/json+oembed" href="/oembed/video.json" title="oEmbed">
"""

VIDEO_OEMBED = {
    "version": "1.0",
    "type": "video",
    "title": "The Video",
    "author_name": "Vid Maker",
    "author_url": "https://video.example/@maker",
    "provider_name": "VideoSite",
    "provider_url": "https://video.example/",
    "width": 480,
    "height": "270",
    "thumbnail_url": "/img.png",
    "html": '<iframe src="https://video.example/embed/1" width="480" height="270" '
    'onload="steal()" allowfullscreen></iframe><script>alert(1)</script>',
}

RICH_OEMBED = {
    "type": "rich",
    "title": "Scripted widget",
    "html": '<script src="https://widgets.example/w.js"></script><div>hi</div>',
}


def standard_pages(server: PageServer) -> None:
    huge_body = "<p>" + "x" * 3_000_000 + "</p>"
    late_head = "<!--" + "p" * 300_000 + '--><meta property="og:title" content="Too late">'
    server.pages.update(
        {
            "/article": html_page(OG_HEAD, lang="en-GB"),
            "/twitter": html_page(TWITTER_HEAD),
            "/video": html_page(VIDEO_HEAD),
            "/oembed/video.json": Page(json.dumps(VIDEO_OEMBED).encode(), "application/json"),
            "/rich": html_page(
                '<title>Rich page</title><link type="application/json+oembed" '
                'href="/oembed/rich.json">'
            ),
            "/oembed/rich.json": Page(json.dumps(RICH_OEMBED).encode(), "application/json"),
            "/title-only": html_page("<title>Only a title</title>"),
            "/file.pdf": Page(b"%PDF-1.4 not html", "application/pdf"),
            "/huge": html_page(OG_HEAD, body=huge_body),
            "/late": html_page(late_head),
            "/img.png": Page(png(), "image/png"),
            "/other": html_page('<meta property="og:title" content="The other page">'),
            "/latin1": Page(
                '<html><head><meta charset="iso-8859-1"><meta property="og:title" '
                'content="Caf\xe9 cr\xe8me"></head></html>'.encode("latin-1"),
                "text/html",
            ),
        }
    )
