"""AntiFollowbotPolicy: Follows from accounts that look like follow bots are refused
(Pleroma's ``MRF.AntiFollowbotPolicy``).

Follow bots follow accounts en masse to pull their posts into a crawler or a relay nobody
asked for. Pleroma scores the follower by what its stored account says, one point each:

- its nickname (``nick@host``, lower-cased) starts with ``followbot@``, ``federationbot@``
  or ``federation_bot@``;
- its display name, lower-cased, is exactly ``federation bot``, ``federationbot`` or
  ``fedibot``;
- its actor type is a bot's: ``Service`` (Pleroma), and here also ``Application``, which
  Mastodon and our own actor documents count as a bot too.

A score of 0.8 or more refuses the Follow, unless the followed account already follows
the bot (accepted): then the bot is wanted, as a relay following back is. Only stored
accounts are read (the signer, and the followed account by a read-only lookup); a Follow
from an account we do not have cannot be scored and passes to the usual checks.
"""

from __future__ import annotations

from sqlalchemy import select

from pyleroma.activities.mrf.base import Policy, reject
from pyleroma.activities.mrf.lookups import account_by_ap_id, ref, sender_of
from pyleroma.models import Follow
from pyleroma.models.relationship import FOLLOW_ACCEPTED

BOT_NICKNAME_PREFIXES = ("followbot@", "federationbot@", "federation_bot@")
BOT_DISPLAY_NAMES = frozenset({"federation bot", "federationbot", "fedibot"})
BOT_ACTOR_TYPES = frozenset({"Service", "Application"})
THRESHOLD = 0.8


def followbot_score(account) -> float:
    """How much ``account`` looks like a follow bot (Pleroma's sum of signals)."""
    nickname = getattr(account, "nickname", None)
    display_name = getattr(account, "display_name", None)
    score = 0.0
    if isinstance(nickname, str) and nickname.lower().startswith(BOT_NICKNAME_PREFIXES):
        score += 1.0
    if isinstance(display_name, str) and display_name.lower() in BOT_DISPLAY_NAMES:
        score += 1.0
    if getattr(account, "actor_type", None) in BOT_ACTOR_TYPES:
        score += 1.0
    return score


class AntiFollowbotPolicy(Policy):
    name = "AntiFollowbotPolicy"

    async def filter(self, ctx, activity):
        if activity.get("type") != "Follow":
            return activity
        follower = await sender_of(ctx, activity)
        if follower is None:
            return activity
        score = followbot_score(follower)
        if score < THRESHOLD or await self._wanted(ctx, activity, follower):
            return activity
        raise reject(self, f"Scored {follower.ap_id} as {score}")

    async def _wanted(self, ctx, activity, follower) -> bool:
        """Whether the followed account already follows the bot (accepted)."""
        target = await account_by_ap_id(ctx, ref(activity.get("object")))
        if target is None or ctx.session is None:
            return False
        found = await ctx.session.scalar(
            select(Follow.id).where(
                Follow.follower_id == target.id,
                Follow.followed_id == follower.id,
                Follow.state == FOLLOW_ACCEPTED,
            )
        )
        return found is not None
