"""UserAllowListPolicy: from some instances, only some accounts (Pleroma's
``:mrf_user_allowlist``), to hear a few people on a server one would otherwise not.

``mrf_user_allowlist`` lists actor AP ids. Pleroma configures it as a map of host to
allowed actors; here the hosts are read from the ids: a host with at least one entry
takes activities only from the listed actors, and hosts without an entry are unaffected.
Every activity is checked (a Follow, a Like, a Delete from an unlisted actor of such a
host is refused too), as in Pleroma. Transparency publishes, per host, how many actors are
allowed, not who they are (Pleroma's shape).
"""

from __future__ import annotations

from typing import Any

from pyleroma.activities.mrf.base import Policy, host_of, reject
from pyleroma.activities.mrf.mention import actor_ids


class UserAllowListPolicy(Policy):
    name = "UserAllowListPolicy"

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.allowed: dict[str, frozenset[str]] = {}
        for ident in actor_ids("mrf_user_allowlist", settings.mrf_user_allowlist):
            host = host_of(ident)
            self.allowed[host] = self.allowed.get(host, frozenset()) | {ident}

    async def filter(self, ctx, activity):
        actor = activity.get("actor")
        allowed = self.allowed.get(host_of(actor) or "")
        if allowed is not None and actor not in allowed:
            raise reject(self, f"{actor} not in the list")
        return activity

    def describe(self) -> dict[str, Any]:
        return {"mrf_user_allowlist": {host: len(ids) for host, ids in self.allowed.items()}}
