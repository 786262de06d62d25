"""ForceBotUnlistedPolicy: bots stay off the public timelines (Pleroma's
``ForceBotUnlistedPolicy``), where automated accounts would drown people out.

The sender is a bot, as Pleroma decides it, when its stored row's ``actor_type`` is
``Service`` or ``Application`` (Mastodon's "this is a bot" box), or when its nickname
(``name@host``) ends in "bot" after at least one other character or in "ebooks" (the
naming convention of bot accounts that do not say so). A public Create of a bot is
delisted: it stays on the bot's profile and reaches its followers, but leaves the public
timelines. Unlisted, followers-only and direct posts are untouched.
"""

from __future__ import annotations

import re
from typing import Any

from pyleroma.activities.mrf.base import Policy, delist, is_public, post_of

BOT_TYPES = frozenset({"Service", "Application"})
_BOT_NICKNAME = re.compile(r".bot@|ebooks@", re.IGNORECASE)


def is_bot(actor: Any) -> bool:
    if actor is None:
        return False
    if getattr(actor, "actor_type", None) in BOT_TYPES:
        return True
    nickname = getattr(actor, "nickname", None)
    return isinstance(nickname, str) and _BOT_NICKNAME.search(nickname) is not None


class ForceBotUnlistedPolicy(Policy):
    name = "ForceBotUnlistedPolicy"

    async def filter(self, ctx, activity):
        if activity.get("type") != "Create" or post_of(activity) is None:
            return activity
        if is_public(activity) and is_bot(ctx.actor):
            delist(activity)
        return activity

    def describe(self) -> dict[str, Any]:
        return {}
