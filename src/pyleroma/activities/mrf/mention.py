"""MentionPolicy: refuse posts that name given actors (Pleroma's ``:mrf_mention``), to
shield an account (often one of ours) from a harassment campaign.

A Create is refused when one of ``mrf_mention_actors`` (AP ids) is among its recipients:
the ``to``/``cc`` of the activity, as Pleroma reads them, and here also the addressing of
the post it carries and the post's Mention tags, since the stored post takes its
mentions and recipients from those (reading only the activity would let a sender put the
name in the object alone).

Pleroma publishes nothing of this policy's configuration (the list names the people being
protected), and neither does this one.
"""

from __future__ import annotations

from typing import Any

from pyleroma.activities.mrf.base import Policy, addressed, post_of, reject
from pyleroma.settings import SettingsError

_AUDIENCE = ("to", "cc", "bto", "bcc")


def actor_ids(setting: str, values: list[str]) -> list[str]:
    """Configured AP ids, each an http(s) URL (``SettingsError`` otherwise)."""
    found = []
    for value in values:
        ident = value.strip()
        if not ident.startswith(("https://", "http://")) or len(ident) <= len("https://"):
            raise SettingsError(f"{setting}: {value!r} is not an actor's id (an http(s) URL)")
        if ident not in found:
            found.append(ident)
    return found


def named_in(activity: dict[str, Any]) -> list[str]:
    """Everyone a Create names: its and its post's recipients, then the post's mentions."""
    names = [
        ident
        for item in addressed(activity)
        for key in _AUDIENCE
        for ident in item.get(key) or []
        if isinstance(ident, str)
    ]
    post = post_of(activity)
    if post is not None:
        names.extend(
            mention["href"]
            for mention in post.get("mentions") or []
            if isinstance(mention, dict) and isinstance(mention.get("href"), str)
        )
    return names


class MentionPolicy(Policy):
    name = "MentionPolicy"

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.actors = frozenset(actor_ids("mrf_mention_actors", settings.mrf_mention_actors))

    async def filter(self, ctx, activity):
        if activity.get("type") != "Create" or not self.actors:
            return activity
        for ident in named_in(activity):
            if ident in self.actors:
                raise reject(self, f"Rejected for mention of {ident}")
        return activity

    def describe(self) -> dict[str, Any]:
        return {}
