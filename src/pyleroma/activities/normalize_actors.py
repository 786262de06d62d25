"""Actors as other servers send them (Person, Service, Group, Application, Organization),
turned into one canonical shape: the actor half of normalize_objects.py, on its helpers
and with its rules (hostile input: capped lists, http(s) ids, every key always present).

An actor::

    id type preferred_username name summary url inbox shared_inbox outbox followers
    following featured manually_approves_followers discoverable indexable also_known_as
    moved_to public_key {id owner pem} icon image fields [{name value}] emojis bot
    published raw
"""

from __future__ import annotations

from typing import Any

from pyleroma.activities.normalize_limits import DEFAULT_LIMITS, Limits
from pyleroma.activities.normalize_objects import (
    ACTOR_TYPES,
    MAX_URL_CANDIDATES,
    InvalidActivity,
    check_depth,
    check_id,
    date,
    emojis,
    flag,
    is_http_url,
    link,
    nonempty_text,
    opt_ref,
    pick_type,
    tags,
    text,
)

MAX_FIELDS = 50
MAX_ALIASES = 100


def normalize_actor(raw: dict[str, Any], limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """An actor document in the canonical shape; InvalidActivity when it has no usable id,
    is not an actor type or is nested deeper than ``limits.json_depth``."""
    if not isinstance(raw, dict):
        raise InvalidActivity("actor must be a JSON object")
    check_depth(raw, limits.json_depth)
    return actor_core(raw, limits=limits)


def actor_core(
    raw: dict[str, Any], what: str = "actor", limits: Limits = DEFAULT_LIMITS
) -> dict[str, Any]:
    """``normalize_actor`` without the checks of the whole input (already done)."""
    kind = pick_type(raw.get("type"))
    if kind not in ACTOR_TYPES:
        raise InvalidActivity(f"{what} type {kind or raw.get('type')!r:.80} is not an actor type")
    actor_id = check_id(raw.get("id"), f"{what} id")
    endpoints = raw.get("endpoints")
    shared_inbox = endpoints.get("sharedInbox") if isinstance(endpoints, dict) else None
    tag_list = tags(raw, limits.tags)
    return {
        "id": actor_id,
        "type": kind,
        "preferred_username": nonempty_text(raw.get("preferredUsername")),
        "name": text(raw.get("name")),
        "summary": text(raw.get("summary")),
        "url": link(raw.get("url"), prefer_html=True),
        "inbox": opt_ref(raw.get("inbox")),
        "shared_inbox": opt_ref(shared_inbox) or opt_ref(raw.get("sharedInbox")),
        "outbox": opt_ref(raw.get("outbox")),
        "followers": opt_ref(raw.get("followers")),
        "following": opt_ref(raw.get("following")),
        "featured": opt_ref(raw.get("featured")),
        "manually_approves_followers": flag(raw.get("manuallyApprovesFollowers")),
        "discoverable": flag(raw.get("discoverable")),
        "indexable": flag(raw.get("indexable")),
        "also_known_as": _aliases(raw.get("alsoKnownAs")),
        "moved_to": opt_ref(raw.get("movedTo")),
        "public_key": _public_key(raw.get("publicKey")),
        "icon": link(raw.get("icon")),
        "image": link(raw.get("image")),
        "fields": _fields(raw.get("attachment")),
        "emojis": emojis(tag_list),
        "bot": kind in ("Service", "Application"),
        "published": date(raw.get("published")),
        "raw": raw,
    }


def _aliases(value: Any) -> list[str]:
    items = value[:MAX_ALIASES] if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        item_id = opt_ref(item) if isinstance(item, (str, dict)) else None
        if item_id is not None and item_id not in out:
            out.append(item_id)
    return out


def _public_key(value: Any) -> dict[str, Any] | None:
    """The first key with an id and a PEM (some servers send a list of keys)."""
    items = value[:MAX_URL_CANDIDATES] if isinstance(value, list) else [value]
    for item in items:
        if not isinstance(item, dict):
            continue
        key_id, pem = item.get("id"), item.get("publicKeyPem")
        if is_http_url(key_id) and isinstance(pem, str) and pem:
            return {"id": key_id, "owner": opt_ref(item.get("owner")), "pem": pem}
    return None


def _fields(value: Any) -> list[dict[str, str]]:
    """Profile fields: the ``PropertyValue`` entries of ``attachment``."""
    items = value[:MAX_FIELDS] if isinstance(value, list) else [value]
    out = []
    for item in items:
        if not isinstance(item, dict) or pick_type(item.get("type")) != "PropertyValue":
            continue
        name, value_html = item.get("name"), item.get("value")
        if isinstance(name, str) and isinstance(value_html, str):
            out.append({"name": name, "value": value_html})
    return out
