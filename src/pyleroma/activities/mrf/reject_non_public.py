"""RejectNonPublic: only public and unlisted posts are taken (Pleroma's
``:mrf_rejectnonpublic``), for instances that do not want to hold private messages.

A Create's visibility is read as the stored post's would be (federation/from_as_note's
``visibility_of``): the public collection in ``to`` is public, in ``cc`` unlisted; the
author's followers collection addressed is followers-only; anything else is direct.
It is read from the post the Create carries (the activity's own addressing when it
carries none): the post's addressing is what is stored, so a sender cannot pass a direct
message by addressing the activity to the public. Followers-only posts are taken with
``allow_followersonly``, direct ones with ``allow_direct``.
"""

from __future__ import annotations

from typing import Any

from pyleroma.activities.mrf.base import Policy, post_of, reject
from pyleroma.activities.normalize_objects import PUBLIC


def visibility(item: dict[str, Any], followers: str | None) -> str:
    to, cc = item.get("to") or [], item.get("cc") or []
    if PUBLIC in to:
        return "public"
    if PUBLIC in cc:
        return "unlisted"
    if followers and (followers in to or followers in cc):
        return "followers"
    return "direct"


def followers_of(actor: Any) -> str | None:
    """The followers collection of the sender's stored row (the conventional
    ``<actor>/followers`` when its document named none, as from_as_note reads it)."""
    if actor is None:
        return None
    followers = getattr(actor, "followers_url", None)
    ap_id = getattr(actor, "ap_id", None)
    return followers or (f"{ap_id}/followers" if ap_id else None)


class RejectNonPublic(Policy):
    name = "RejectNonPublic"

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.allow_followersonly = bool(settings.mrf_rejectnonpublic_allow_followersonly)
        self.allow_direct = bool(settings.mrf_rejectnonpublic_allow_direct)

    async def filter(self, ctx, activity):
        if activity.get("type") != "Create":
            return activity
        post = post_of(activity)
        seen = visibility(post if post is not None else activity, followers_of(ctx.actor))
        if seen in ("public", "unlisted"):
            return activity
        if seen == "followers" and self.allow_followersonly:
            return activity
        if seen == "direct" and self.allow_direct:
            return activity
        raise reject(self, f"visibility: {seen}")

    def describe(self) -> dict[str, Any]:
        return {
            "mrf_rejectnonpublic": {
                "allow_followersonly": self.allow_followersonly,
                "allow_direct": self.allow_direct,
            }
        }
