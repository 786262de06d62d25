"""The PreviewCard entity (a status's ``card`` and ``GET /api/v1/statuses/:id/card``).

Mastodon's fields (url, title, description, language, type, author and provider, html,
width, height, image, image_description, embed_url, blurhash) and Pleroma's
``pleroma.opengraph``: the page's OpenGraph and Twitter card tags as read, with ``url``
the linked URL. Images are never hot-linked: ``image`` (and ``embed_url`` of a photo
card, and ``pleroma.opengraph.image``) is the copy stored here, and the page's own image
URLs are left out.
"""

from __future__ import annotations

from typing import Any

from pyleroma.settings import Settings
from pyleroma.urls import upload_url

# OpenGraph keys naming the remote image itself (shown as the stored copy, or not at all).
_REMOTE_IMAGE_KEYS = frozenset({"image", "image:url", "image:secure_url", "image:src"})


def card_to_api(settings: Settings, card: Any) -> dict:
    """``card``: a PreviewCard or a row of services/cards/batches.py."""
    image = upload_url(settings, card.image_path)
    opengraph = {k: v for k, v in (card.opengraph or {}).items() if k not in _REMOTE_IMAGE_KEYS}
    opengraph["url"] = card.url
    if image is not None:
        opengraph["image"] = image
    return {
        "url": card.url,
        "title": card.title,
        "description": card.description,
        "language": card.language,
        "type": card.type,
        "author_name": card.author_name,
        "author_url": card.author_url,
        "provider_name": card.provider_name,
        "provider_url": card.provider_url,
        "html": card.html,
        "width": card.width,
        "height": card.height,
        "image": image,
        "image_description": (card.opengraph or {}).get("image:alt", ""),
        "embed_url": (image or "") if card.type == "photo" else card.embed_url,
        "blurhash": card.blurhash,
        "pleroma": {"opengraph": opengraph},
    }
