"""Incoming ActivityPub JSON, in the shapes Mastodon, Pleroma, Akkoma, Misskey, GoToSocial
(and Lemmy, PeerTube, WriteFreely) send, turned into one canonical dict.

Pure functions on dicts, run before anything is looked up: no database, no HTTP, no
framework. ``normalize_activity`` reads an activity; the object or actor it embeds is read
by ``normalize_object`` (normalize_objects.py) or ``normalize_actor`` (normalize_actors.py),
an embedded activity (Accept of a Follow, Undo of a Like, Lemmy's Announce of a Create) by
this module again, at most ``limits.embedded_activities`` deep. Anything unusable raises
``InvalidActivity`` (a ValueError) whose message says what was wrong: no id, type or actor;
an id that is not a string or not an http(s) URL; JSON nested more than
``limits.json_depth`` levels. What is merely odd is read leniently: a bad URL in ``url`` or
``inReplyTo`` becomes None, a bad audience entry is dropped, and lists are cut at their caps
(``MAX_AUDIENCE`` to/cc entries; tags, mentions, attachments and poll options at the
``Limits`` passed in, normalize_limits.py, which the receive path builds from the settings;
a cut is logged). Content, names and summaries are passed through whole and unsanitised:
their length limits and their sanitising belong to the caller.

The canonical activity::

    id          str (None only for an activity embedded in another one, or an Add or Remove,
                sent without id)
    type        str, without an as: prefix; from a list, the first known AS2 type
    actor       str: from a string, an embedded actor's id, or a list's first element
    object      str id, or a normalised dict: an object (``normalize_object``), an actor
                (``normalize_actor``) or an activity (this function); None if not sent
    objects     every id the object names, in order (a Flag names the reported account and
                posts: ``object`` is only the first), at most ``MAX_OBJECTS``
    target      str id or None
    to cc bto bcc   lists of ids; as:Public and Public become the full Public IRI
    published   str (ISO 8601, checked to parse) or None
    content     str or None (a reaction's emoji, a report's comment)
    misskey_reaction  str or None (Misskey's ``_misskey_reaction``)
    reaction    Like/EmojiReact: the emoji reacted with (``_misskey_reaction``, else
                ``content``; Misskey's legacy names such as "pudding" become the emoji),
                None for a plain favourite
    emojis      the custom emoji of its tags ([{shortcode, url, updated}])
    raw         the input dict

An embedded Create/Update object that sends no ``to``/``cc`` takes the activity's (as
Mastodon reads it), and one without an author takes the activity's actor.
"""

from __future__ import annotations

from typing import Any

from pyleroma.activities.normalize_actors import actor_core, normalize_actor
from pyleroma.activities.normalize_limits import DEFAULT_LIMITS, Limits
from pyleroma.activities.normalize_objects import (
    ACTIVITY_TYPES,
    ACTOR_TYPES,
    MAX_ATTACHMENTS,
    MAX_AUDIENCE,
    MAX_ID_LENGTH,
    MAX_JSON_DEPTH,
    MAX_MENTIONS,
    MAX_POLL_OPTIONS,
    MAX_TAGS,
    POST_TYPES,
    PUBLIC,
    InvalidActivity,
    audience,
    check_depth,
    check_id,
    date,
    emojis,
    normalize_object,
    object_core,
    opt_ref,
    pick_type,
    ref_value,
    tags,
    text,
)

__all__ = [
    "MAX_ATTACHMENTS",
    "MAX_AUDIENCE",
    "MAX_EMBEDDED_ACTIVITIES",
    "MAX_ID_LENGTH",
    "MAX_JSON_DEPTH",
    "MAX_MENTIONS",
    "MAX_OBJECTS",
    "MAX_POLL_OPTIONS",
    "MAX_TAGS",
    "PUBLIC",
    "InvalidActivity",
    "Limits",
    "is_public",
    "normalize_activity",
    "normalize_actor",
    "normalize_object",
]

# Activities that may come without an id (Mastodon's Add and Remove of a pinned post).
_ID_OPTIONAL = frozenset({"Add", "Remove"})
# Ids kept of an object list (a Flag names an account and some of its posts).
MAX_OBJECTS = 100
# Activities inside activities: Undo(Accept(Follow)) is two, Lemmy's Announce(Create) one.
MAX_EMBEDDED_ACTIVITIES = DEFAULT_LIMITS.embedded_activities

# Activities that mean nothing without an object.
_NEEDS_OBJECT = frozenset(
    {
        "Accept", "Add", "Announce", "Block", "Create", "Delete", "Dislike", "EmojiReact",
        "Flag", "Follow", "Like", "Move", "Reject", "Remove", "Undo", "Update",
    }
)  # fmt: skip
_REACTIONS = frozenset({"Like", "EmojiReact"})
# Misskey before v12 reacted with names; it still sends them for old reactions.
_MISSKEY_LEGACY_REACTIONS = {
    "like": "👍",
    "love": "❤",
    "laugh": "😆",
    "hmm": "🤔",
    "surprise": "😮",
    "congrats": "🎉",
    "angry": "💢",
    "confused": "😥",
    "rip": "😇",
    "pudding": "🍮",
    "star": "⭐",
}


def normalize_activity(raw: dict[str, Any], limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """``raw`` (a parsed activity) in the canonical shape (see the module docstring), read
    within ``limits``."""
    if not isinstance(raw, dict):
        raise InvalidActivity(f"activity must be a JSON object, not {type(raw).__name__}")
    check_depth(raw, limits.json_depth)
    return _activity(raw, 0, limits)


def is_public(normalized: dict[str, Any]) -> bool:
    """Whether a normalised activity or object is addressed to the public collection."""
    return PUBLIC in normalized["to"] or PUBLIC in normalized["cc"]


def _activity(raw: dict[str, Any], depth: int, limits: Limits) -> dict[str, Any]:
    where = "activity" if depth == 0 else "embedded activity"
    kind = pick_type(raw.get("type"))
    if kind is None:
        raise InvalidActivity(f"{where} has no usable type: {raw.get('type')!r:.80}")
    if kind in ACTOR_TYPES or kind in POST_TYPES:
        raise InvalidActivity(f"{where} is a {kind}, not an activity")
    if (depth > 0 or kind in _ID_OPTIONAL) and raw.get("id") is None:
        # Accept/Undo may embed what they name without its id; Mastodon sends its pins
        # (Add, Remove) with none.
        activity_id = None
    else:
        activity_id = check_id(raw.get("id"), f"{where} id")
    actor = check_id(ref_value(raw.get("actor")), f"{where} actor")
    to, cc = audience(raw.get("to")), audience(raw.get("cc"))
    content = text(raw.get("content"))
    misskey_reaction = text(raw.get("_misskey_reaction"))
    reaction = None
    if kind in _REACTIONS:
        reaction = misskey_reaction or content or None
        reaction = _MISSKEY_LEGACY_REACTIONS.get(reaction or "", reaction)
    return {
        "id": activity_id,
        "type": kind,
        "actor": actor,
        "object": _object(raw, kind, actor, to, cc, depth, limits),
        "objects": _object_ids(raw.get("object")),
        "target": opt_ref(raw.get("target")),
        "to": to,
        "cc": cc,
        "bto": audience(raw.get("bto")),
        "bcc": audience(raw.get("bcc")),
        "published": date(raw.get("published")),
        "content": content,
        "misskey_reaction": misskey_reaction,
        "reaction": reaction,
        "emojis": emojis(tags(raw, limits.tags)),
        "raw": raw,
    }


def _object_ids(value: Any) -> list[str]:
    """The ids of ``object`` (one, or a list of ids and objects), bad entries left out."""
    items = value[:MAX_OBJECTS] if isinstance(value, list) else [value]
    found = []
    for item in items:
        ident = opt_ref(item) if isinstance(item, str | dict) else None
        if ident is not None and ident not in found:
            found.append(ident)
    return found


def _object(
    raw: dict[str, Any],
    kind: str,
    actor: str,
    to: list[str],
    cc: list[str],
    depth: int,
    limits: Limits,
) -> str | dict[str, Any] | None:
    """The activity's object: an id, or the embedded thing normalised by its type."""
    value = raw.get("object")
    if isinstance(value, list):  # a Flag names several; the first is what is acted on
        value = value[0] if value else None
    if value is None:
        if kind in _NEEDS_OBJECT:
            raise InvalidActivity(f"{kind} has no object")
        return None
    if isinstance(value, str):
        return check_id(value, f"{kind} object")
    if not isinstance(value, dict):
        raise InvalidActivity(
            f"{kind} object must be an id or an object, not {type(value).__name__}"
        )

    inner = pick_type(value.get("type"))
    if inner is None:
        if "type" not in value and "id" in value:  # a bare reference: {"id": ...}
            return check_id(value["id"], f"{kind} object id")
        raise InvalidActivity(f"{kind} object has no usable type")
    if inner in ACTOR_TYPES:
        return actor_core(value, f"{kind} object", limits)
    if inner in ACTIVITY_TYPES or (inner not in POST_TYPES and "object" in value):
        if depth >= limits.embedded_activities:
            raise InvalidActivity(
                f"activities embedded more than {limits.embedded_activities} levels deep"
            )
        return _activity(value, depth + 1, limits)
    obj = object_core(value, f"{kind} object", limits)
    if kind in ("Create", "Update"):
        if obj["attributed_to"] is None:
            obj["attributed_to"] = actor
        if "to" not in value and "cc" not in value:
            obj["to"], obj["cc"] = list(to), list(cc)
    return obj
