"""AS2 JSON of the activities the pipeline sends: Like, Announce, Follow, Accept, Reject,
Block and the Undo of each (Create and Update render their object with to_as).

Addressing follows what Mastodon and Pleroma send: a Like, Follow or Block goes to the one
account it concerns; an Announce is addressed like the boost's visibility (public: to the
public collection, cc the followers and the original's author; unlisted: the other way
round; followers-only: to the followers). An Undo, Accept or Reject embeds the activity it
names, so the receiver can match it without having stored it.
"""

from __future__ import annotations

from typing import Any

from pyleroma.activities.activity import Activity
from pyleroma.models import Account, Status
from pyleroma.settings import Settings
from pyleroma.urls import status_uri

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
CONTEXT = "https://www.w3.org/ns/activitystreams"


def _followers(account: Account) -> str:
    return account.followers_url or f"{account.ap_id}/followers"


def announce_addressing(actor: Account, original_author: str, visibility: str) -> dict:
    followers = _followers(actor)
    if visibility == "public":
        return {"to": [PUBLIC], "cc": [followers, original_author]}
    if visibility == "unlisted":
        return {"to": [followers], "cc": [PUBLIC, original_author]}
    return {"to": [followers], "cc": []}


def _object_ref(settings: Settings, activity: Activity, authors: dict[int, str]) -> Any:
    obj = activity.object
    if isinstance(obj, Activity):
        return activity_json(settings, obj, authors, embedded=True)
    if isinstance(obj, Status):
        return status_uri(settings, obj)
    if isinstance(obj, Account):
        return obj.ap_id
    return obj


def _addressing(activity: Activity, authors: dict[int, str]) -> dict:
    obj = activity.object
    if activity.type in ("Undo", "Accept", "Reject"):
        inner = activity.inner
        if activity.type == "Undo":
            return _addressing(inner, authors)
        return {"to": [inner.actor.ap_id], "cc": []}
    if activity.type == "Announce":
        author = authors.get(obj.account_id, "")
        return announce_addressing(activity.actor, author, activity.options["visibility"])
    if isinstance(obj, Status):
        return {"to": [authors.get(obj.account_id, "")], "cc": []}
    if isinstance(obj, Account):
        return {"to": [obj.ap_id], "cc": []}
    return {"to": [], "cc": []}


def activity_json(
    settings: Settings, activity: Activity, authors: dict[int, str], *, embedded: bool = False
) -> dict:
    """The AS2 document of ``activity``; ``authors`` maps the account ids of the statuses it
    names to their actor ids (the caller loads them in one query)."""
    document: dict[str, Any] = {} if embedded else {"@context": CONTEXT}
    document.update(
        {
            "id": activity.id,
            "type": activity.type,
            "actor": activity.actor.ap_id,
            "object": _object_ref(settings, activity, authors),
        }
    )
    document.update(_addressing(activity, authors))
    return document


def accept_follow_json(settings: Settings, followed: Account, follow: Activity) -> dict:
    """The Accept that answers a remote Follow of an account that needs no approval."""
    from pyleroma.activities.build import build_accept

    accept = build_accept(settings, followed, follow.actor)
    accept.object = follow
    return activity_json(settings, accept, {})
