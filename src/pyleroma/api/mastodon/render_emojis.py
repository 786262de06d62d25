"""CustomEmoji entities: the instance's emoji lists and the ``emojis`` of statuses, polls,
edit history entries and accounts, as Pleroma renders them."""

from __future__ import annotations

from pyleroma.services.text.emoji import CustomEmoji, EmojiRegistry


def emojis_to_api(emojis: dict[str, str] | None) -> list[dict]:
    """The ``emojis`` list of an entity from its stored {shortcode: url} map, by shortcode.

    Pleroma marks these ``visible_in_picker: false`` (they are the post's, not the picker's)
    and has no separate static image, so ``static_url`` is the URL itself.
    """
    return [
        {"shortcode": code, "url": url, "static_url": url, "visible_in_picker": False}
        for code, url in sorted((emojis or {}).items())
        if isinstance(url, str)
    ]


def custom_emoji_to_api(registry: EmojiRegistry, emoji: CustomEmoji) -> dict:
    """One entry of GET /api/v1/custom_emojis (Mastodon's CustomEmoji plus Pleroma's tags)."""
    url = registry.url(emoji)
    return {
        "shortcode": emoji.shortcode,
        "url": url,
        "static_url": url,
        "visible_in_picker": True,
        "tags": list(emoji.tags),
        "category": emoji.category,
    }


def pleroma_emoji_index(registry: EmojiRegistry) -> dict[str, dict]:
    """GET /api/v1/pleroma/emoji: {shortcode: {image_url, tags}}, image_url a path."""
    return {e.shortcode: {"image_url": e.url_path, "tags": list(e.tags)} for e in registry.all()}
