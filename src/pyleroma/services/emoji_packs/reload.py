"""Rereading the custom emoji packs on an admin's word (``POST /reload_emoji``, ``pyleroma
emoji reload``), for files put in the emoji directory by hand.

The directory is marked changed (services/text/emoji.py ``packs_changed``), so every
process sharing it rereads the packs at its next lookup: the servers and workers too when
the CLI asks. This process's registry is reread at once.
"""

from __future__ import annotations

import asyncio

from pyleroma.errors import Unavailable
from pyleroma.services.text.emoji import load_packs, packs_changed, registry_for
from pyleroma.settings import Settings


def _reload(settings: Settings) -> int:
    try:
        packs_changed(settings)
    except OSError as exc:
        raise Unavailable(
            f"could not mark the emoji directory {settings.emoji_directory} changed: "
            f"{exc.strerror or exc}"
        ) from exc
    return len(registry_for(settings).all())


async def reload_emoji(settings: Settings) -> int:
    """Reread the packs everywhere; answers how many emoji this process has now."""
    return await asyncio.to_thread(_reload, settings)


def _loaded_packs(settings: Settings) -> dict[str, int]:
    counts: dict[str, int] = {}
    for emoji in load_packs(settings.emoji_directory, settings.emoji_pack_extensions).values():
        counts[emoji.pack] = counts.get(emoji.pack, 0) + 1
    return dict(sorted(counts.items()))


async def loaded_packs(settings: Settings) -> dict[str, int]:
    """Each pack of the emoji directory with the number of its emoji, as the server loads
    them now (pack.json, emoji.txt and plain folders alike; refused files not counted)."""
    return await asyncio.to_thread(_loaded_packs, settings)
