"""HellthreadPolicy: posts addressed to crowds (Pleroma's ``:mrf_hellthread``).

A "hellthread" is a reply chain that keeps every participant addressed, so each new post
notifies dozens of people. The recipients are counted as Pleroma counts them: everyone a
Create of a post is addressed to, less the public collection and the author's followers
collection. Here the addressing of the activity and of the post it carries are counted
together (distinct ids, ``bto``/``bcc`` included), because the stored post takes its
recipients from the post's own addressing: counting only the activity's would let a
sender hide the crowd in the object.

Over ``reject_threshold`` the post is refused, whatever its visibility (a direct message
to fifty people is as much a hellthread). Over ``delist_threshold`` a public post is
delisted the way Pleroma delists it: it is then addressed only to the followers collection
(if it was addressed to it) with the public collection in ``cc``, so it leaves the
timelines and the accounts that were only addressed (not tagged) are no longer named.
Followers-only and direct posts are never delisted (they are not on public timelines).
0 turns a threshold off.
"""

from __future__ import annotations

from typing import Any

from pyleroma.activities.mrf.base import Policy, addressed, post_of, reject
from pyleroma.activities.normalize_objects import PUBLIC
from pyleroma.settings import SettingsError

_AUDIENCE = ("to", "cc", "bto", "bcc")


def threshold(setting: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SettingsError(f"{setting} must be 0 (off) or a positive number, not {value!r}")
    return value


def recipients(activity: dict[str, Any], followers: str | None) -> tuple[bool, int]:
    """(whether it is addressed to the public, how many others it is addressed to)."""
    named: set[str] = set()
    for item in addressed(activity):
        for key in _AUDIENCE:
            named.update(ident for ident in item.get(key) or [] if isinstance(ident, str))
    public = PUBLIC in named
    named.discard(PUBLIC)
    if followers:
        named.discard(followers)
    return public, len(named)


class HellthreadPolicy(Policy):
    name = "HellthreadPolicy"

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.delist_threshold = threshold(
            "mrf_hellthread_delist_threshold", settings.mrf_hellthread_delist_threshold
        )
        self.reject_threshold = threshold(
            "mrf_hellthread_reject_threshold", settings.mrf_hellthread_reject_threshold
        )

    async def filter(self, ctx, activity):
        if activity.get("type") != "Create" or post_of(activity) is None:
            return activity
        followers = getattr(ctx.actor, "followers_url", None)
        public, count = recipients(activity, followers)
        if self.reject_threshold and count > self.reject_threshold:
            raise reject(self, f"{count} recipients is over the limit of {self.reject_threshold}")
        if self.delist_threshold and public and count > self.delist_threshold:
            items = addressed(activity)
            was_followed = bool(followers) and any(
                followers in (item.get("to") or []) or followers in (item.get("cc") or [])
                for item in items
            )
            for item in items:
                item["to"] = [followers] if was_followed else []
                item["cc"] = [PUBLIC]
        return activity

    def describe(self) -> dict[str, Any]:
        return {
            "mrf_hellthread": {
                "delist_threshold": self.delist_threshold,
                "reject_threshold": self.reject_threshold,
            }
        }
