"""ActivityPub over HTTP: actors, objects and collections (``actors.py``, ``objects.py``).

What every route here shares:

- Content negotiation (``wants_activitypub``). An actor, object or notice URL is also the
  address of a web page; the ActivityStreams document is answered when the ``Accept``
  header prefers ``application/activity+json``, ``application/ld+json`` (any profile) or
  ``application/json`` (Pleroma serves AP for plain JSON too) to HTML. Answers vary by
  ``Accept`` and say so. Profiles and posts have web pages (api/web_pages.py); an activity
  or the relay actor has none, and ``web_page`` answers 404 for it.
- Documents leave as ``application/activity+json; charset=utf-8``, serialised by orjson.
- A signed fetch names its actor (``signed_requester``: the HTTP signature verified, 401
  when it does not), so that recipients of a followers-only or direct post can fetch it.
  Objects, activities and collections (``authorized_fetcher``) refuse fetches from blocked
  instances (403), and with ``authorized_fetch_mode`` on, unsigned fetches (401). Actor
  documents and the instance actor stay open to anyone: a server verifying our signature
  must be able to read our keys, as with Mastodon's secure mode.
"""

from __future__ import annotations

import math

from starlette.requests import Request
from starlette.responses import Response

from pyleroma.api.errors import error_response
from pyleroma.api.openapi import INT, STR, arr, obj, param
from pyleroma.api.openapi.types import component
from pyleroma.api.responses import JSONResponse
from pyleroma.errors import Forbidden, NotFound, Unauthorized
from pyleroma.federation.to_as import AS_CONTENT_TYPE, AS_TYPE
from pyleroma.settings import Settings

# Media types that ask for the ActivityStreams document.
ACTIVITYPUB_TYPES = ("application/activity+json", "application/ld+json", "application/json")
HTML_TYPES = ("text/html", "application/xhtml+xml")
VARY = {"Vary": "Accept"}

# The Accept header, declared on the negotiating routes.
ACCEPT = param(
    "Accept",
    STR,
    "application/activity+json (or application/ld+json, application/json) for the document",
    example=AS_TYPE,
)

# Response schemas (loose: the documents carry many optional extension terms).
_CONTEXT = {"type": ["array", "string", "object"]}
AS_OBJECT = component(
    "ActivityPubObject",
    obj({"@context": _CONTEXT, "id": STR, "type": STR}),
)
AS_ACTOR = component(
    "ActivityPubActor",
    obj(
        {
            "@context": _CONTEXT,
            "id": STR,
            "type": STR,
            "inbox": STR,
            "outbox": STR,
            "followers": STR,
            "following": STR,
            "preferredUsername": STR,
            "publicKey": obj({"id": STR, "owner": STR, "publicKeyPem": STR}),
        },
        optional={"endpoints": obj(optional={"sharedInbox": STR}), "name": STR},
    ),
)
AS_COLLECTION = component(
    "ActivityPubCollection",
    obj(
        {"@context": _CONTEXT, "id": STR, "type": STR},
        optional={
            "totalItems": INT,
            "first": {"type": ["string", "object"]},
            "next": STR,
            "partOf": STR,
            "orderedItems": arr({}),
        },
    ),
)


def _media_ranges(accept: str):
    for part in accept.split(","):
        pieces = part.split(";")
        media = pieces[0].strip().lower()
        quality = 1.0
        for extra in pieces[1:]:
            key, _, value = extra.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
                if not math.isfinite(quality) or not 0.0 <= quality <= 1.0:
                    quality = 0.0
        yield media, quality


def wants_activitypub(accept: str | None) -> bool:
    """Whether an ``Accept`` header asks for the ActivityStreams document rather than the
    web page: an AP type (or JSON) named with a quality at least that of HTML. Wildcards
    (``*/*``, a browser's fallback) ask for the page."""
    if not accept:
        return False
    best_ap = best_html = 0.0
    for media, quality in _media_ranges(accept):
        if media in ACTIVITYPUB_TYPES:
            best_ap = max(best_ap, quality)
        elif media in HTML_TYPES:
            best_html = max(best_html, quality)
    return best_ap > 0.0 and best_ap >= best_html


def as_response(document: dict, *, negotiated: bool = False) -> Response:
    """An ActivityStreams document (``negotiated``: the URL also names a web page)."""
    return JSONResponse(document, media_type=AS_CONTENT_TYPE, headers=VARY if negotiated else None)


def not_found(*, negotiated: bool = False) -> Response:
    return error_response(404, "Not found", VARY if negotiated else None)


def web_page() -> Response:
    """The web page of an activity or the relay actor: there is none, so a 404 that varies by
    Accept like the document it stands beside."""
    return not_found(negotiated=True)


def requester(request: Request):
    """The actor a signed fetch was made for, as ``signed_requester`` found it (None for
    an anonymous fetch, or before ``signed_requester`` ran for this request)."""
    return request.state.__dict__.get("fetcher")


async def signed_requester(request: Request, session, settings: Settings):
    """The remote account whose HTTP signature this GET carries (verified: 401 when it does
    not verify), None for an unsigned fetch. Recipients of a followers-only or direct post
    fetch it this way (Mastodon's and Pleroma's signed fetches)."""
    from pyleroma.federation.inbox import signing_account

    headers = request.headers
    if "signature" not in headers and "signature-input" not in headers:
        return None
    path = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string") or b""
    target = path.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")
    fetcher = await signing_account(session, settings, request.method, target, headers, b"")
    request.state.fetcher = fetcher
    return fetcher


async def authorized_fetcher(request: Request, session, settings: Settings):
    """The signed fetcher of an object or collection GET (None: anonymous), refused when
    its instance is blocked (403), or when the fetch is unsigned in authorized fetch mode
    (401). With the mode off, a blocked host is recognised by the signature's key id
    without verifying it: a forged key id only shuts out its forger."""
    from pyleroma.activities.mrf import is_blocked_host
    from pyleroma.federation.fetch import authority
    from pyleroma.federation.signatures import SignatureError, signature_key_id

    if not settings.authorized_fetch_mode:
        try:
            key_id = signature_key_id(request.headers)
        except SignatureError:
            return None
        if is_blocked_host(settings, authority(key_id)):
            raise Forbidden("this instance does not serve yours")
        return None
    fetcher = requester(request)
    if fetcher is None:
        fetcher = await signed_requester(request, session, settings)
    if fetcher is None:
        raise Unauthorized("Request not signed")
    if is_blocked_host(settings, fetcher.domain):
        raise Forbidden("this instance does not serve yours")
    return fetcher


def require_federating(settings: Settings) -> None:
    """Nothing is served over ActivityPub while the instance does not federate (switched
    off by the admin, or not announced yet: services/instance/features.py), so that what
    answers always matches what nodeinfo and WebFinger claim."""
    from pyleroma.services.instance.features import federates

    if not federates(settings):
        raise NotFound("Not found")
