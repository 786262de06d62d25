"""ObjectAgePolicy: posts that arrive long after they were written (Pleroma's
``:mrf_object_age``).

A post whose ``published`` is more than ``threshold`` seconds before our clock
(``MrfContext.now``) gets the configured actions: ``delist`` (a public post becomes
unlisted: it does not land on the federated timeline, where arrival order would put an
old post on top), ``strip_followers`` (the author's followers collection is taken out of
the addressing, so it reaches nobody's home timeline; a followers-only post becomes a
direct one, as in Pleroma) and ``reject``. Posts without a readable ``published``, and
posts dated in the future, are taken as they are.

Unlike Pleroma's delist, a post that is not public is never made unlisted: delisting only
moves the public collection, it never adds it. And a post we fetched ourselves (a thread's
parent, a boosted post: ``fetched`` on the Create chain.filter_fetched_post builds) is
never rejected, only delisted and stripped: it is old because we asked for an old post,
and refusing it would cut threads.
"""

from __future__ import annotations

from typing import Any

from pyleroma.activities.mrf.base import Policy, delist, post_of, reject, strip_followers
from pyleroma.federation.from_as_note import parse_time
from pyleroma.settings import SettingsError

ACTIONS = ("delist", "strip_followers", "reject")


def actions_of(values: list[str]) -> tuple[str, ...]:
    """The configured actions, each once; Pleroma's atoms (``:delist``) are read too."""
    found: list[str] = []
    for value in values:
        action = value.strip().lstrip(":")
        if action not in ACTIONS:
            raise SettingsError(
                f"mrf_object_age_actions: unknown action {value!r} (known: {', '.join(ACTIONS)})"
            )
        if action not in found:
            found.append(action)
    return tuple(found)


class ObjectAgePolicy(Policy):
    name = "ObjectAgePolicy"

    def __init__(self, settings) -> None:
        super().__init__(settings)
        value = settings.mrf_object_age_threshold
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise SettingsError(
                f"mrf_object_age_threshold must be a number of seconds, not {value!r}"
            )
        self.threshold = value
        self.actions = actions_of(settings.mrf_object_age_actions)

    async def filter(self, ctx, activity):
        post = post_of(activity)
        if activity.get("type") != "Create" or post is None or not self.actions:
            return activity
        published = parse_time(post.get("published"), clamp=False)
        if published is None:
            return activity
        age = (ctx.now - published).total_seconds()
        if age <= self.threshold:
            return activity
        if "reject" in self.actions and not activity.get("fetched"):
            raise reject(
                self, f"published {int(age)} s ago, over the threshold of {self.threshold} s"
            )
        if "delist" in self.actions:
            delist(activity)
        if "strip_followers" in self.actions:
            strip_followers(activity, getattr(ctx.actor, "followers_url", None))
        return activity

    def describe(self) -> dict[str, Any]:
        return {"mrf_object_age": {"threshold": self.threshold, "actions": list(self.actions)}}
