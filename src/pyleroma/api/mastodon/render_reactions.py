"""EmojiReaction entities, as Pleroma renders them: in a Status (``emoji_reactions`` at the
top, Akkoma's place, and ``pleroma.emoji_reactions``, Pleroma's) and in the lists of
``GET /api/v1/pleroma/statuses/:id/reactions``.

A reaction entry groups the reactions made with one emoji: unicode ones by the emoji, custom
ones by their image (two servers' ``:blobcat:`` are two entries, as in Pleroma's object
``reactions``). Entries come in the order their emoji was first used, accounts oldest
first. ``name`` is the emoji, a custom one's shortcode without colons, and
``shortcode@host`` for another server's custom emoji (what a client sends back to join
it); ``url`` is a custom emoji's image, null for unicode.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from pyleroma.settings import Settings


def emoji_name(settings: Settings, emoji: str, url: str | None) -> str:
    """The name clients see and send back: ``shortcode@host`` for a remote custom emoji."""
    if url is None:
        return emoji
    host = urlsplit(url).netloc.lower()
    if not host or host == urlsplit(settings.base_url).netloc.lower():
        return emoji
    return f"{emoji}@{host}"


def group_reactions(
    settings: Settings, reactions: Iterable[tuple[str, str | None, int]]
) -> list[tuple[str, str | None, list[int]]]:
    """(name, url, account ids) per emoji from (emoji, url, account id) rows, oldest
    first; entries left without an account are dropped."""
    groups: dict[tuple[str, str | None], list[int]] = {}
    for emoji, url, account_id in reactions:
        # Custom emoji by image too (a shortcode is only unique on its server).
        groups.setdefault((emoji, url), []).append(account_id)
    return [
        (emoji_name(settings, emoji, url), url, ids) for (emoji, url), ids in groups.items() if ids
    ]


def status_reactions_to_api(
    settings: Settings,
    reactions: list[tuple[str, str | None, int]],
    viewer_id: int | None,
    hidden: set[int],
) -> list[dict]:
    """The ``emoji_reactions`` of a Status for a viewer: the accounts in ``hidden``
    (deactivated, blocked, muted) left out of the counts, entries they alone made gone."""
    if not reactions:
        return []
    shown = [r for r in reactions if r[2] not in hidden] if hidden else reactions
    return [
        {
            "name": name,
            "count": len(ids),
            "me": viewer_id is not None and viewer_id in ids,
            "url": url,
            "account_ids": [str(i) for i in ids],
        }
        for name, url, ids in group_reactions(settings, shown)
    ]
