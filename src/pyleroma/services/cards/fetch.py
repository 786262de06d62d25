"""The GETs of a card: the page, its oEmbed document and its image, all guarded alike.

Every request of a card:

- goes through the federation session (federation/http_client.py), whose resolver refuses
  names resolving to private, loopback or link-local addresses (net_guard.GuardedResolver);
- follows at most ``MAX_REDIRECTS`` redirects itself, and checks each hop before
  connecting: ``net_guard.check_url`` (an address written in the URL), this instance's own
  host, instances this one blocks, and the card rules of links.py (ignored hosts and
  top-level domains, IP addresses). ``allow_private_fetch`` lifts the address checks only;
- must finish, redirects included, within ``rich_media_timeout_seconds``;
- reads at most ``rich_media_max_body_bytes`` of the body (decompressed). A longer page is
  cut there and its beginning used, as Mastodon does (the metadata is in the head); a
  longer oEmbed document or image is refused (a cut one is useless).

Failures raise ``CardFetchError`` with a message saying what went wrong.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urljoin

import aiohttp

from pyleroma import __version__
from pyleroma.activities import mrf
from pyleroma.federation.fetch import authority, is_local_url, parse_media_type
from pyleroma.federation.http_client import federation_session
from pyleroma.federation.net_guard import BlockedDestination, check_url
from pyleroma.services.cards.links import refusal
from pyleroma.settings import Settings

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024

HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
OEMBED_ACCEPT = "application/json+oembed, application/json;q=0.9"
OEMBED_TYPES = frozenset({"application/json", "application/json+oembed", "text/javascript"})
IMAGE_ACCEPT = "image/png, image/jpeg, image/gif, image/webp, image/*;q=0.8"


class CardFetchError(Exception):
    """A card's page, oEmbed document or image could not be used; the text says why."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """A 2xx answer: the final URL, its media type and parameters, the body read (at most
    the cap) and whether the body was cut at the cap."""

    url: str
    media_type: str
    params: dict[str, str]
    body: bytes
    cut: bool


def _check_hop(settings: Settings, url: str) -> None:
    try:
        check_url(url, settings.allow_private_fetch)
    except BlockedDestination as exc:
        raise CardFetchError(f"refused to fetch {url}: {exc}") from None
    if is_local_url(settings, url):
        raise CardFetchError(f"refused to fetch {url}: a URL of this instance")
    if mrf.is_blocked_host(settings, authority(url)):
        raise CardFetchError(f"refused to fetch {url}: a blocked instance")
    why = refusal(settings, url)
    if why is not None:
        raise CardFetchError(f"refused to fetch {url}: {why}")


async def _read(reply: aiohttp.ClientResponse, limit: int, cut: bool, url: str) -> tuple:
    length = reply.content_length
    if not cut and length is not None and length > limit:
        raise CardFetchError(f"{url} is {length} bytes, more than the {limit} bytes allowed")
    chunks: list[bytes] = []
    total = 0
    async for chunk in reply.content.iter_chunked(_CHUNK):
        room = limit - total
        if len(chunk) > room:
            if not cut:
                raise CardFetchError(f"{url} sent more than the {limit} bytes allowed")
            chunks.append(chunk[:room])
            reply.close()  # read no further
            return b"".join(chunks), True
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks), False


async def _get(settings: Settings, url: str, accept: str, cut: bool) -> Fetched:
    http = federation_session(settings)
    limit = settings.rich_media_max_body_bytes
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        _check_hop(settings, current)
        headers = {
            "Accept": accept,
            "User-Agent": f"pyleroma/{__version__}; +{settings.base_url}",
        }
        async with http.get(current, headers=headers, allow_redirects=False) as reply:
            if reply.status in REDIRECT_STATUSES:
                location = reply.headers.get("Location")
                if not location:
                    raise CardFetchError(f"{current} answered {reply.status} without a Location")
                current = urljoin(current, location.strip())
                continue
            if not 200 <= reply.status < 300:
                raise CardFetchError(f"{current} answered {reply.status}")
            media_type, params = parse_media_type(reply.headers.get("Content-Type"))
            body, was_cut = await _read(reply, limit, cut, current)
            return Fetched(current, media_type, params, body, was_cut)
    raise CardFetchError(f"{url} redirects more than {MAX_REDIRECTS} times")


async def guarded_get(settings: Settings, url: str, *, accept: str, cut: bool = False) -> Fetched:
    """GET ``url`` through every guard of the module docstring; ``cut``: a body longer
    than the cap is cut there instead of refused."""
    deadline = settings.rich_media_timeout_seconds
    try:
        async with asyncio.timeout(deadline):
            return await _get(settings, url, accept, cut)
    except TimeoutError:
        raise CardFetchError(f"{url}: no complete answer within {deadline:g} s") from None
    except BlockedDestination as exc:  # the resolver refused the name when connecting
        raise CardFetchError(f"refused to fetch {url}: {exc}") from None
    except (aiohttp.ClientError, OSError, ValueError) as exc:
        detail = str(exc) or type(exc).__name__
        raise CardFetchError(f"could not fetch {url}: {detail}") from None


async def fetch_page(settings: Settings, url: str) -> Fetched:
    """The HTML page at ``url`` (cut at the cap); anything but HTML is refused."""
    page = await guarded_get(settings, url, accept=HTML_ACCEPT, cut=True)
    if page.media_type not in HTML_TYPES:
        shown = page.media_type or "no content type"
        raise CardFetchError(f"{page.url} is {shown}, not an HTML page")
    return page


async def fetch_oembed(settings: Settings, url: str) -> bytes:
    """The JSON body of an oEmbed endpoint (whole, within the cap)."""
    reply = await guarded_get(settings, url, accept=OEMBED_ACCEPT)
    if reply.media_type not in OEMBED_TYPES:
        raise CardFetchError(f"{reply.url} is {reply.media_type or 'untyped'}, not oEmbed JSON")
    return reply.body


async def fetch_image(settings: Settings, url: str) -> bytes:
    """The bytes of a card's image (whole, within the cap); decoding checks what it is."""
    reply = await guarded_get(settings, url, accept=IMAGE_ACCEPT)
    if not reply.media_type.startswith("image/") and reply.media_type not in (
        "",
        "application/octet-stream",
    ):
        raise CardFetchError(f"{reply.url} is {reply.media_type}, not an image")
    return reply.body
