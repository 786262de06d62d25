"""SimplePolicy: what to do with activities from given hosts (Pleroma's ``:mrf_simple``).

``reject`` is the instance block (also enforced outside the chain: no intake, delivery or
fetch for those hosts, their posts off the timelines; see docs/mrf.md); ``accept``, when
not empty, takes activities only from its hosts; ``media_removal`` strips a post's
attachments, ``media_nsfw`` marks them sensitive, ``federated_timeline_removal`` delists
public posts, ``followers_only`` makes posts followers-only; ``report_removal`` refuses
Flags, ``reject_deletes`` refuses Deletes; ``avatar_removal`` / ``banner_removal`` drop
the pictures of actor documents.
"""

from __future__ import annotations

from pyleroma.activities.mrf.base import (
    HostList,
    Policy,
    delist,
    followers_only,
    host_of,
    post_of,
    reject,
)
from pyleroma.activities.normalize_objects import ACTOR_TYPES

ACTIONS = (
    "reject",
    "accept",
    "media_removal",
    "media_nsfw",
    "federated_timeline_removal",
    "followers_only",
    "report_removal",
    "avatar_removal",
    "banner_removal",
    "reject_deletes",
)


class SimplePolicy(Policy):
    name = "SimplePolicy"

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.lists = {
            action: HostList.parse(getattr(settings, f"mrf_simple_{action}")) for action in ACTIONS
        }
        self.reject_hosts = self.lists["reject"]

    def _listed(self, action: str, host: str | None) -> bool:
        return self.lists[action].matches(host)

    async def filter(self, ctx, activity):
        host = host_of(activity.get("actor"))
        accept = self.lists["accept"]
        if accept and not accept.matches(host):
            raise reject(self, f"{host} is not in the accepted instances")
        if self._listed("reject", host):
            raise reject(self, f"{host} is a rejected instance")
        kind = activity.get("type")
        target = activity.get("object")
        target_id = target.get("id") if isinstance(target, dict) else target
        if kind == "Announce" and self._listed("reject", host_of(target_id)):
            raise reject(self, f"a boost of a post from the rejected instance {host_of(target_id)}")
        if kind == "Flag" and self._listed("report_removal", host):
            raise reject(self, f"reports from {host} are removed")
        if kind == "Delete" and self._listed("reject_deletes", host):
            raise reject(self, f"deletes from {host} are rejected")
        post = post_of(activity)
        if post is not None:
            if post.get("attachments") and self._listed("media_removal", host):
                post["attachments"] = []
            if post.get("attachments") and self._listed("media_nsfw", host):
                post["sensitive"] = True
            if self._listed("federated_timeline_removal", host):
                delist(activity)
            if self._listed("followers_only", host):
                followers = getattr(ctx.actor, "followers_url", None)
                followers_only(activity, followers)
        elif kind == "Update" and isinstance(target, dict) and target.get("type") in ACTOR_TYPES:
            activity["object"] = self.filter_actor(ctx, target)
        return activity

    def filter_actor(self, ctx, actor):
        host = host_of(actor.get("id"))
        if self._listed("reject", host):
            raise reject(self, f"{host} is a rejected instance")
        if self._listed("avatar_removal", host):
            actor["icon"] = None
        if self._listed("banner_removal", host):
            actor["image"] = None
        return actor

    def describe(self):
        hosts, info = {}, {}
        for action, listed in self.lists.items():
            names, reasons = listed.described()
            hosts[action] = names
            with_reasons = {host: value for host, value in reasons.items() if value["reason"]}
            if with_reasons:
                info[action] = with_reasons
        return {"mrf_simple": hosts, "mrf_simple_info": info}
