"""ActivityStreams documents we publish: what every converter shares.

The converters are split by what they describe: ``to_as_actor.py`` (actors and their
collections: followers, following, featured, the instance actor) and ``to_as_note.py``
(posts as Note / Question, their Create and a reblog's Announce). This module holds the
JSON-LD ``@context`` they all send, the addressing constants and the small pieces several
documents use (custom emoji tags, timestamps, tombstones, collection pages).

The shapes follow what Pleroma sends (``UserView``, ``ObjectView``, ``Transmogrifier``)
with Mastodon's serializers where Pleroma is silent, because those two are what every other
server has been written to read.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from collections.abc import Iterable
from typing import Any

from pyleroma.urls import masto_datetime

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
AS_TYPE = "application/activity+json"
# What we answer ActivityPub requests with.
AS_CONTENT_TYPE = "application/activity+json; charset=utf-8"

# The JSON-LD context of every document we serve: ActivityStreams, the security vocabulary
# (publicKey), and the extension terms Pleroma, Mastodon, Misskey and Fedibird use, so that a
# JSON-LD processor (Mastodon checks LD signatures with one) expands every key we send.
AS_CONTEXT: list[Any] = [
    "https://www.w3.org/ns/activitystreams",
    "https://w3id.org/security/v1",
    {
        # ActivityStreams terms that the normative context lacks
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "sensitive": "as:sensitive",
        "Hashtag": "as:Hashtag",
        "quoteUrl": "as:quoteUrl",
        "movedTo": {"@id": "as:movedTo", "@type": "@id"},
        "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
        # Mastodon
        "toot": "http://joinmastodon.org/ns#",
        "Emoji": "toot:Emoji",
        "featured": {"@id": "toot:featured", "@type": "@id"},
        "discoverable": "toot:discoverable",
        "indexable": "toot:indexable",
        "suspended": "toot:suspended",
        "blurhash": "toot:blurhash",
        "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
        "votersCount": "toot:votersCount",
        # profile fields
        "schema": "http://schema.org#",
        "PropertyValue": "schema:PropertyValue",
        "value": "schema:value",
        # threads
        "ostatus": "http://ostatus.org#",
        "conversation": "ostatus:conversation",
        # Pleroma (LitePub)
        "litepub": "http://litepub.social/ns#",
        "ChatMessage": "litepub:ChatMessage",
        "capabilities": "litepub:capabilities",
        "acceptsChatMessages": "litepub:acceptsChatMessages",
        "directMessage": "litepub:directMessage",
        "invisible": "litepub:invisible",
        "webfinger": "litepub:webfinger",
        # quotes as Fedibird and Misskey name them
        "fedibird": "http://fedibird.com/ns#",
        "quoteUri": "fedibird:quoteUri",
        "misskey": "https://misskey-hub.net/ns#",
        "_misskey_quote": "misskey:_misskey_quote",
    },
]

# Custom emoji carry no modification time here; Pleroma sends the epoch as well.
EMOJI_UPDATED = "1970-01-01T00:00:00Z"


class NotFederated(Exception):
    """The thing asked for never leaves this server (a local-only post)."""


def with_context(document: dict) -> dict:
    """``document`` as a top-level document: ``@context`` first, then its own keys."""
    return {"@context": AS_CONTEXT, **document}


def as_datetime(value: dt.datetime | None) -> str | None:
    """An ``xsd:dateTime`` in UTC with milliseconds and a Z (what Mastodon's API sends too)."""
    return masto_datetime(value)


def media_type_of(url: str, default: str | None = None) -> str | None:
    """The media type a URL's file extension names (emoji and profile images), or
    ``default``."""
    path = url.split("?", 1)[0]
    guessed, _ = mimetypes.guess_type(path, strict=False)
    return guessed or default


def emoji_tags(emojis: dict[str, str] | None) -> list[dict]:
    """Emoji tags of a document from its stored {shortcode: URL} map, by shortcode."""
    tags = []
    for code, url in sorted((emojis or {}).items()):
        if not isinstance(url, str):
            continue
        icon = {"type": "Image", "url": url}
        media_type = media_type_of(url)
        if media_type:
            icon["mediaType"] = media_type
        tags.append(
            {
                "id": url,
                "type": "Emoji",
                "name": f":{code}:",
                "updated": EMOJI_UPDATED,
                "icon": icon,
            }
        )
    return tags


def tombstone_to_as(uri: str, *, former_type: str | None = None, deleted=None) -> dict:
    """What a deleted object is answered with (and the ``object`` of its Delete)."""
    data: dict[str, Any] = {"id": uri, "type": "Tombstone"}
    if former_type:
        data["formerType"] = former_type
    if deleted is not None:
        data["deleted"] = as_datetime(deleted)
    return data


def page_url(collection: str, **query: Any) -> str:
    """A page of ``collection``: its id with the query (values in the order given)."""
    return collection + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def offset_page(
    collection: str, page: int, items: Iterable[Any], total: int, page_size: int
) -> dict:
    """A numbered ``OrderedCollectionPage`` (followers, following), as Pleroma pages them:
    ``?page=N``, ``next`` while pages remain."""
    data: dict[str, Any] = {
        "id": page_url(collection, page=page),
        "type": "OrderedCollectionPage",
        "partOf": collection,
        "totalItems": total,
        "orderedItems": list(items),
    }
    if page * page_size < total:
        data["next"] = page_url(collection, page=page + 1)
    return data
