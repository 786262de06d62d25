"""TagPolicy: moderation by the ``mrf_tag:*`` tags moderators put on accounts (Pleroma's
``MRF.TagPolicy``; the tags live in ``accounts.tags``, set through the admin API).

Tags let a moderator act on one account without blocking its instance:

- ``mrf_tag:media-force-nsfw``: its posts (Create, Update) with attachments are marked
  sensitive;
- ``mrf_tag:media-strip``: its posts (Create, Update) lose their attachments;
- ``mrf_tag:force-unlisted``: its public posts (Create) become unlisted: the Public
  collection moves from ``to`` to ``cc`` and its followers are addressed instead;
- ``mrf_tag:sandbox``: its public and unlisted posts (Create) become followers-only;
- ``mrf_tag:disable-remote-subscription``: Follows of this (local) account from other
  servers are refused;
- ``mrf_tag:disable-any-subscription``: every Follow of this (local) account is refused.

As in Pleroma, the tags read are the sender's for posts and the followed account's for
Follows. Only tags of accounts already stored are read (a read-only lookup): the policy runs
before anything the activity names is resolved. Fetched posts pass too, as the Create that
would have brought them.
"""

from __future__ import annotations

from typing import Any

from pyleroma.activities.mrf.base import Policy, addressed, post_of, reject
from pyleroma.activities.mrf.lookups import account_by_ap_id, ref, sender_of
from pyleroma.activities.normalize_objects import PUBLIC

PREFIX = "mrf_tag:"
MEDIA_FORCE_NSFW = "mrf_tag:media-force-nsfw"
MEDIA_STRIP = "mrf_tag:media-strip"
FORCE_UNLISTED = "mrf_tag:force-unlisted"
SANDBOX = "mrf_tag:sandbox"
DISABLE_REMOTE_SUBSCRIPTION = "mrf_tag:disable-remote-subscription"
DISABLE_ANY_SUBSCRIPTION = "mrf_tag:disable-any-subscription"
TAGS = (
    MEDIA_FORCE_NSFW,
    MEDIA_STRIP,
    FORCE_UNLISTED,
    SANDBOX,
    DISABLE_REMOTE_SUBSCRIPTION,
    DISABLE_ANY_SUBSCRIPTION,
)


def tags_of(account) -> list[str]:
    """The account's MRF tags, in the order they were set (other tags are not ours)."""
    tags = getattr(account, "tags", None)
    if not isinstance(tags, list):
        return []
    return [tag for tag in tags if isinstance(tag, str) and tag.startswith(PREFIX)]


def _without(values: list[str], unwanted: str | None) -> list[str]:
    return [value for value in values if value != unwanted]


def _with(values: list[str], wanted: str | None) -> list[str]:
    return values if not wanted or wanted in values else [*values, wanted]


def force_unlisted(activity: dict[str, Any], followers_url: str | None) -> dict[str, Any]:
    """Pleroma's force-unlisted: a post addressed to Public (in ``to``) is addressed to the
    followers instead, Public moving to ``cc``; unlisted and narrower posts are unchanged."""
    items = addressed(activity)
    if not any(PUBLIC in (item.get("to") or []) for item in items):
        return activity
    for item in items:
        item["to"] = _with(_without(list(item.get("to") or []), PUBLIC), followers_url)
        item["cc"] = _with(_without(list(item.get("cc") or []), followers_url), PUBLIC)
    return activity


def sandbox(activity: dict[str, Any], followers_url: str | None) -> dict[str, Any]:
    """Pleroma's sandbox: a public or unlisted post loses the Public collection and is
    addressed to the followers: it is off every public timeline."""
    items = addressed(activity)
    if not any(PUBLIC in (item.get(key) or []) for item in items for key in ("to", "cc")):
        return activity
    for item in items:
        item["to"] = _with(_without(list(item.get("to") or []), PUBLIC), followers_url)
        item["cc"] = _without(list(item.get("cc") or []), PUBLIC)
    return activity


class TagPolicy(Policy):
    name = "TagPolicy"

    async def filter(self, ctx, activity):
        kind = activity.get("type")
        if kind == "Follow":
            return await self._follow(ctx, activity)
        if kind in ("Create", "Update") and post_of(activity) is not None:
            return await self._post(ctx, activity)
        return activity

    async def _post(self, ctx, activity):
        sender = await sender_of(ctx, activity)
        tags = tags_of(sender)
        if not tags:
            return activity
        post = post_of(activity)
        followers = getattr(sender, "followers_url", None)
        for tag in tags:
            if tag == MEDIA_FORCE_NSFW and post.get("attachments"):
                post["sensitive"] = True
            elif tag == MEDIA_STRIP and post.get("attachments"):
                post["attachments"] = []
            elif tag == FORCE_UNLISTED and activity["type"] == "Create":
                force_unlisted(activity, followers)
            elif tag == SANDBOX and activity["type"] == "Create":
                sandbox(activity, followers)
        return activity

    async def _follow(self, ctx, activity):
        """The followed account's tags decide: only a local account's (a Follow of anyone
        else is not ours to take anyway)."""
        target = await account_by_ap_id(ctx, ref(activity.get("object")), local=True)
        tags = tags_of(target)
        if not tags:
            return activity
        why = f"Follow from {ref(activity.get('actor'))}: {target.ap_id} is tagged"
        for tag in tags:
            if tag == DISABLE_ANY_SUBSCRIPTION:
                raise reject(self, f"{why} {tag}")
            if tag == DISABLE_REMOTE_SUBSCRIPTION:
                follower = await sender_of(ctx, activity)
                if not getattr(follower, "local", False):
                    raise reject(self, f"{why} {tag}")
        return activity
