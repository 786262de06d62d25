"""DropPolicy: refuses every remote activity (Pleroma's, for closing federation off while
keeping the server up); actor documents are still stored so signatures can be checked."""

from __future__ import annotations

from pyleroma.activities.mrf.base import Policy, reject


class DropPolicy(Policy):
    name = "DropPolicy"

    async def filter(self, ctx, activity):
        raise reject(self, f"drops every activity ({activity.get('type')})")
