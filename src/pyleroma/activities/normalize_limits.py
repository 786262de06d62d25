"""How much of another server's JSON normalisation reads: one small value, passed in.

normalize.py, normalize_objects.py and normalize_actors.py stay pure (no settings, no
database), so the caps on hostile input come in as a ``Limits``: the receive path builds
one from the settings (``Limits.from_settings``), and the defaults serve tests and
callers without settings. What happens past each cap is decided here, once:

- cut (the extra entries are dropped and an INFO line names the object and the count):
  ``attachments``, ``tags`` (every ``tag`` entry read: mentions, hashtags, emoji),
  ``mentions``, ``poll_options``. A post with too many of these is still a post;
  cutting keeps it readable and bounds the rows and notifications it can cause.
- refused (``InvalidActivity``): ``json_depth`` (JSON nested deeper) and
  ``embedded_activities`` (activities inside activities deeper). Past those there is no
  honest partial reading: a cut-off nesting would be a different document.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("pyleroma.federation.normalize")


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps on what normalisation reads of one document (see the module docstring)."""

    attachments: int = 20
    tags: int = 200
    mentions: int = 100
    poll_options: int = 100
    json_depth: int = 32
    embedded_activities: int = 3

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        """The limits an instance's settings name (settings.py, "Limits on remote input")."""
        return cls(
            attachments=settings.max_remote_attachments,
            tags=settings.max_remote_tags,
            mentions=settings.max_remote_mentions,
            poll_options=settings.max_remote_poll_options,
            json_depth=settings.max_remote_json_depth,
            embedded_activities=settings.max_remote_embedded_activities,
        )


DEFAULT_LIMITS = Limits()


def cut(items: list[Any], limit: int, what: str, owner: Any, sent: int | None = None) -> list[Any]:
    """``items`` cut to ``limit``, with a logged reason when anything was dropped (``sent``:
    how many the sender listed, when ``items`` is already a bounded reading of them)."""
    if len(items) <= limit:
        return items
    total = len(items) if sent is None else sent
    log.info("%s: %d %s sent, the first %d kept", _name(owner), total, what, limit)
    return items[:limit]


def _name(owner: Any) -> str:
    ident = owner.get("id") if isinstance(owner, dict) else None
    return ident[:200] if isinstance(ident, str) else "an object without id"
