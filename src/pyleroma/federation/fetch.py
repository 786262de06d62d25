"""Fetching ActivityPub documents from other servers: signed, guarded, bounded, contained.

``fetch_object(settings, url)`` is the one way the server reads a remote actor, key or
object. Every fetch:

- is refused before any network traffic when the URL is on our own host (``base_url``'s
  host and port): a local object is read from the database, and one that is not there
  cannot be authentic (Akkoma's ``contain_local_fetch``);
- passes the SSRF guard (net_guard.py) at every hop: ``check_url`` on each URL, and the
  guarded resolver of the shared session when connecting (``allow_private_fetch`` lifts
  both, for tests and federation on loopback);
- is signed (draft-cavage, ``(request-target) host date``) by the instance actor
  ``/internal/fetch`` (or the ``signer`` given), as Mastodon's secure mode and
  authorized-fetch servers require; each redirect hop is signed for its own URL;
- asks for ``application/activity+json, application/ld+json; profile="…activitystreams"``
  and accepts only those two types, as Akkoma's ``Pleroma.Object.Fetcher.get_object`` does:
  ``application/activity+json`` with any parameters, ``application/ld+json`` only when its
  ``profile`` names ActivityStreams. Plain ``application/json`` (and HTML, which a server
  sends when it ignored the Accept header) is refused;
- reads at most ``federation_max_body_bytes`` (a longer Content-Length is refused before
  reading, a longer stream is cut off; the count is of decompressed bytes) within
  ``federation_timeout_seconds`` for the whole fetch, redirects included, and JSON nested
  at most ``max_remote_json_depth`` deep;
- spends one fetch of the received activity's budget (fetch_budget.py), if one is open;
- follows at most ``MAX_REDIRECTS`` redirects itself, each to the same host only;
- checks containment (Akkoma's ``Containment``): the document's ``id`` must be the final
  URL (fragment, trailing slash and host case aside), so it also has the requested URL's
  host; and a document naming an ``actor``/``attributedTo`` must name one on that host
  (``contain_origin``): a server speaks only for its own actors.

``canonical=False`` is for URLs a person typed (a profile or post page): Mastodon and
others serve the AS2 document under such URLs without redirecting, so an ``id`` other than
the URL leads to exactly one more fetch, from that id, which must then match strictly
(Akkoma's refetch on ``:strict_id``). The id may be on another host then: the second fetch
is what proves it.

Failures raise ``FetchError`` (federation/errors.py) with a message that says what went
wrong; ``gone`` marks 404 and 410, which callers holding a copy may take as a deletion.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import aiohttp
import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma import __version__
from pyleroma.activities import mrf
from pyleroma.activities.normalize_objects import (
    InvalidActivity,
    check_depth,
    is_http_url,
    ref_value,
)
from pyleroma.federation.errors import FetchError
from pyleroma.federation.fetch_budget import charge
from pyleroma.federation.http_client import federation_session
from pyleroma.federation.net_guard import BlockedDestination, check_url
from pyleroma.federation.signatures import sign_request
from pyleroma.settings import Settings
from pyleroma.urls import instance_actor_id

AS_PROFILE = "https://www.w3.org/ns/activitystreams"
AS_LD_TYPE = f'application/ld+json; profile="{AS_PROFILE}"'
AS_ACCEPT = f"application/activity+json, {AS_LD_TYPE}"
MAX_REDIRECTS = 3
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_CHUNK = 64 * 1024

# (key id, private key PEM) of the actor a fetch is signed as.
Signer = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Reply:
    """A 2xx answer: the final URL (after redirects), its media type (lower-cased, without
    parameters), the media type's parameters and the body (at most the size cap)."""

    url: str
    status: int
    media_type: str
    params: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Document:
    """A fetched AS2 document and the URL it was finally read from."""

    url: str
    data: dict[str, Any]


# --- URLs ---------------------------------------------------------------------------------------


def authority(url: str) -> str:
    """``host[:port]`` of an http(s) URL, host lower-cased, the scheme's default port left
    out (``https://A.example:443/x`` and ``https://a.example/y`` share one). Empty for a URL
    that has none."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS.get(parts.scheme.lower()):
        return host
    return f"{host}:{port}"


def same_host(a: str, b: str) -> bool:
    first = authority(a)
    return bool(first) and first == authority(b)


def is_local_url(settings: Settings, url: str) -> bool:
    """Whether ``url`` is on this instance's own host (and port)."""
    return same_host(url, settings.base_url)


def _identity(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path[:-1] if parts.path.endswith("/") else parts.path
    return urlunsplit((parts.scheme.lower(), authority(url), path, parts.query, ""))


def same_resource(a: str, b: str) -> bool:
    """Whether two URLs name one document: equal but for the ``#fragment``, a trailing slash
    and the case of scheme and host (Akkoma's ``compare_uri_identities``)."""
    try:
        return _identity(a) == _identity(b)
    except ValueError:
        return False


def parse_media_type(value: str | None) -> tuple[str, dict[str, str]]:
    """(``type/subtype`` lower-cased, {parameter: value}) of a Content-Type header value."""
    if not value:
        return "", {}
    head, *rest = value.split(";")
    params: dict[str, str] = {}
    for item in rest:
        name, sep, param = item.partition("=")
        if sep:
            params[name.strip().lower()] = param.strip().strip('"')
    return head.strip().lower(), params


def is_activity_json(media_type: str, params: dict[str, str]) -> bool:
    """``application/activity+json``, or ``application/ld+json`` whose ``profile`` (a
    space-separated list) names ActivityStreams."""
    if media_type == "application/activity+json":
        return True
    return media_type == "application/ld+json" and AS_PROFILE in params.get("profile", "").split()


# --- the guarded GET ------------------------------------------------------------------------------


def _check_destination(settings: Settings, url: str) -> None:
    if is_local_url(settings, url):
        raise FetchError(
            f"{url} is on this instance: local objects are read from the database", url=url
        )
    try:
        check_url(url, settings.allow_private_fetch)
    except BlockedDestination as exc:
        raise FetchError(f"refused to fetch {url}: {exc}", url=url) from None
    if mrf.is_blocked_host(settings, authority(url)):
        raise FetchError(f"refused to fetch {url}: a blocked instance", url=url, blocked=True)


async def _read_capped(reply: aiohttp.ClientResponse, limit: int, url: str) -> bytes:
    length = reply.content_length
    if length is not None and length > limit:
        raise FetchError(
            f"{url} is {length} bytes, more than the {limit} bytes a fetch may read", url=url
        )
    chunks: list[bytes] = []
    total = 0
    async for chunk in reply.content.iter_chunked(_CHUNK):
        total += len(chunk)
        if total > limit:
            reply.close()
            raise FetchError(f"{url} sent more than the {limit} bytes a fetch may read", url=url)
        chunks.append(chunk)
    return b"".join(chunks)


def _error_for_status(url: str, status: int) -> FetchError:
    if status in (404, 410):
        return FetchError(
            f"{url} is gone: the server answered {status}", url=url, gone=True, status=status
        )
    if status in (401, 403):
        return FetchError(
            f"{url} answered {status}: the server refuses to show it to us", url=url, status=status
        )
    return FetchError(f"{url} answered {status}", url=url, status=status)


async def _get(
    settings: Settings,
    url: str,
    accept: str,
    signer: Signer | None,
    cross_host_redirects: bool,
    max_bytes: int | None = None,
) -> Reply:
    http = federation_session(settings)
    limit = settings.federation_max_body_bytes if max_bytes is None else max_bytes
    origin = authority(url)
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        _check_destination(settings, current)
        if not cross_host_redirects and authority(current) != origin:
            raise FetchError(
                f"{url} redirects to another host ({authority(current)}); not followed", url=url
            )
        headers = {"Accept": accept, "User-Agent": f"pyleroma/{__version__}; +{settings.base_url}"}
        if signer is not None:
            headers = sign_request("GET", current, headers, None, signer[0], signer[1])
        try:
            async with http.get(current, headers=headers, allow_redirects=False) as reply:
                if reply.status in REDIRECT_STATUSES:
                    location = reply.headers.get("Location")
                    if not location:
                        raise FetchError(
                            f"{current} answered {reply.status} without a Location", url=url
                        )
                    current = urljoin(current, location.strip())
                    continue
                if not 200 <= reply.status < 300:
                    raise _error_for_status(current, reply.status)
                media_type, params = parse_media_type(reply.headers.get("Content-Type"))
                body = await _read_capped(reply, limit, current)
                return Reply(current, reply.status, media_type, params, body)
        except BlockedDestination as exc:  # the resolver refused the name when connecting
            raise FetchError(f"refused to fetch {current}: {exc}", url=url) from None
        except TimeoutError:
            raise FetchError(f"{current} did not answer in time", url=url) from None
        except (aiohttp.ClientError, OSError) as exc:
            detail = str(exc) or type(exc).__name__
            raise FetchError(f"could not fetch {current}: {detail}", url=url) from None
    raise FetchError(f"{url} redirects more than {MAX_REDIRECTS} times", url=url)


async def guarded_get(
    settings: Settings,
    url: str,
    *,
    accept: str,
    signer: Signer | None = None,
    cross_host_redirects: bool = False,
    max_bytes: int | None = None,
) -> Reply:
    """GET ``url`` through every guard of the module docstring but the content checks (the
    caller knows which types it takes); the whole fetch, redirects included, must finish
    within ``federation_timeout_seconds``. Cross-host redirects are refused unless
    ``cross_host_redirects`` (WebFinger, where the answer is checked afterwards).
    ``max_bytes`` lowers the body cap for callers that want less than
    ``federation_max_body_bytes`` (an emoji image: MRF StealEmojiPolicy). Each call spends
    one fetch of the budget of the activity being received, if any (fetch_budget.py)."""
    charge(url)
    deadline = settings.federation_timeout_seconds
    try:
        async with asyncio.timeout(deadline):
            return await _get(settings, url, accept, signer, cross_host_redirects, max_bytes)
    except TimeoutError:
        raise FetchError(f"{url}: no complete answer within {deadline:g} s", url=url) from None


# --- AS2 documents --------------------------------------------------------------------------------


def json_object(reply: Reply, url: str) -> dict[str, Any]:
    """The JSON object ``reply`` holds; ``FetchError`` (naming the URL it came from) for
    anything else."""
    try:
        data = orjson.loads(reply.body)
    except orjson.JSONDecodeError:
        raise FetchError(f"{reply.url} did not answer valid JSON", url=url) from None
    if not isinstance(data, dict):
        raise FetchError(f"{reply.url} did not answer a JSON object", url=url)
    return data


async def instance_signer(session: AsyncSession, settings: Settings) -> Signer:
    """The instance actor's key id and private key (made once per instance; call this before
    the caller's transaction writes anything, as keys.instance_key_pair asks)."""
    from pyleroma.federation.keys import instance_key_pair

    private_pem, _public = await instance_key_pair(session)
    return f"{instance_actor_id(settings)}#main-key", private_pem


def _origin_actor(data: dict[str, Any]) -> str | None:
    """The actor a document speaks for (``actor``, else ``attributedTo``; from a list the
    first entry, as Akkoma's ``Containment.get_actor``), if it names one."""
    value = data.get("actor")
    if value is None:
        value = data.get("attributedTo")
    value = ref_value(value)
    return value if isinstance(value, str) else None


def _contain_origin(url: str, data: dict[str, Any]) -> None:
    actor = _origin_actor(data)
    if actor is not None and not same_host(actor, url):
        raise FetchError(
            f"{url} names an actor on another host ({authority(actor) or actor[:80]!r}): "
            "a server speaks only for its own actors",
            url=url,
        )


async def fetch_document(
    settings: Settings,
    url: str,
    *,
    session: AsyncSession | None = None,
    signer: Signer | None = None,
) -> Document:
    """An AS2 JSON object from ``url`` with every check but the id's: for documents whose
    id is not their URL by design (a GoToSocial key URL serving its owner's stub). The final
    URL is on the requested URL's host, and ``actor``/``attributedTo`` too."""
    if signer is None and session is not None:
        signer = await instance_signer(session, settings)
    reply = await guarded_get(settings, url, accept=AS_ACCEPT, signer=signer)
    if not is_activity_json(reply.media_type, reply.params):
        shown = reply.media_type or "no content type"
        raise FetchError(f"{reply.url} answered with {shown}, not ActivityPub JSON", url=url)
    data = json_object(reply, url)
    try:
        check_depth(data, settings.max_remote_json_depth)
    except InvalidActivity as exc:
        raise FetchError(f"{reply.url}: {exc}", url=url) from None
    _contain_origin(reply.url, data)
    return Document(reply.url, data)


def _check_id(document: Document, requested: str) -> dict[str, Any] | str:
    """The data when its id is the URL it came from, else the id it claims (or "")."""
    doc_id = document.data.get("id")
    if isinstance(doc_id, str) and same_resource(doc_id, document.url):
        return document.data
    return doc_id if is_http_url(doc_id) else ""


async def fetch_object(
    settings: Settings,
    url: str,
    *,
    session: AsyncSession | None = None,
    signer: Signer | None = None,
    canonical: bool = True,
) -> dict[str, Any]:
    """The AS2 document at ``url``, checked as the module docstring says.

    Signed by ``signer`` (key id, private PEM), else by the instance actor whose key is read
    through ``session``; with neither, unsigned. ``canonical`` (the default): ``url`` is an
    ActivityPub id, so the document's id must be the final URL. ``canonical=False``: a page
    URL, whose document may name its real id; that id is fetched once more, strictly.
    """
    if signer is None and session is not None:
        signer = await instance_signer(session, settings)
    document = await fetch_document(settings, url, signer=signer)
    checked = _check_id(document, url)
    if isinstance(checked, dict):
        return checked
    if not canonical and checked and not same_resource(checked, url):
        document = await fetch_document(settings, checked, signer=signer)
        again = _check_id(document, checked)
        if isinstance(again, dict):
            return again
        checked = again
    if checked:
        raise FetchError(
            f"the document at {document.url} says its id is {checked[:200]!r}, not its own URL",
            url=url,
        )
    raise FetchError(f"the document at {document.url} has no usable id", url=url)
