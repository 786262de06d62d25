"""AS2 JSON of the activities the pipeline sends: Like, Announce, Follow, Accept, Reject,
Block, EmojiReact and the Undo of each (Create and Update render their object with to_as),
and a forwarded report's Flag (``flag_to_as``).

Addressing follows what Mastodon and Pleroma send: a Like, Follow or Block goes to the one
account it concerns; an Announce is addressed like the boost's visibility (public: to the
public collection, cc the followers and the original's author; unlisted: the other way
round; followers-only: to the followers). An Undo, Accept or Reject embeds the activity it
names, so the receiver can match it without having stored it.
"""

from __future__ import annotations

from typing import Any

from pyleroma.activities.activity import Activity
from pyleroma.federation.to_as import emoji_tags
from pyleroma.models import Account, Status
from pyleroma.settings import Settings
from pyleroma.urls import context_uri, status_uri

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
    if activity.type == "EmojiReact":
        return reaction_addressing(activity.actor, authors.get(obj.account_id, ""), obj.visibility)
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
    if activity.type == "EmojiReact":
        document.update(_reaction_fields(settings, activity))
    return document


def reaction_addressing(actor: Account, author: str, visibility: str) -> dict:
    """Pleroma's addressing of a reaction: the post's author, with the reactor's followers
    and the public collection when the post is public or unlisted."""
    if visibility in ("public", "unlisted"):
        return {"to": [_followers(actor), author], "cc": [PUBLIC]}
    return {"to": [author], "cc": []}


def _reaction_fields(settings: Settings, activity: Activity) -> dict:
    """An EmojiReact's emoji as Pleroma and Akkoma send it: ``content`` the unicode emoji,
    or ``:shortcode:`` with an Emoji tag holding its image; and the post's ``context``."""
    emoji, url = activity.options["emoji"], activity.options.get("emoji_url")
    fields: dict[str, Any] = {"content": emoji}
    if url:
        fields["content"] = f":{emoji}:"
        fields["tag"] = emoji_tags({emoji: url})
    status = activity.object
    context = status.context or (
        context_uri(settings, status.conversation_id) if status.conversation_id else None
    )
    if context:
        fields["context"] = context
    return fields


def flag_to_as(
    flag_id: str, actor_ap_id: str, target_ap_id: str, status_uris: list[str], comment: str
) -> dict:
    """A report forwarded to the reported account's server, in the shape both Pleroma and
    Mastodon send and read: ``object`` the account first, then the ids of its posts (plain
    ids, as Pleroma's ``strip_report_status_data`` leaves them: Pleroma 2.x reads ids,
    Mastodon looks each one up as one of its own statuses); ``content`` the comment, always
    present (Pleroma's receiver matches only a Flag that has it, empty or not); addressed
    as Pleroma addresses a forwarded report (``cc`` the account), and ``state`` as Pleroma
    stores it. No ``to``: nobody but the reported server is meant to see it."""
    return {
        "@context": CONTEXT,
        "id": flag_id,
        "type": "Flag",
        "actor": actor_ap_id,
        "content": comment,
        "object": [target_ap_id, *status_uris],
        "to": [],
        "cc": [target_ap_id],
        "state": "open",
    }


def accept_follow_json(settings: Settings, followed: Account, follow: Activity) -> dict:
    """The Accept that answers a remote Follow of an account that needs no approval."""
    from pyleroma.activities.build import build_accept

    accept = build_accept(settings, followed, follow.actor)
    accept.object = follow
    return activity_json(settings, accept, {})
