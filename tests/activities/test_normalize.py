"""The normalisation of incoming ActivityPub JSON (pyleroma.activities.normalize).

Every fixture under tests/fixtures/activitypub/<software>/ is our own JSON written in the
shape that software sends (other/: hostile or malformed shapes from no server in
particular); each is normalised and its canonical values checked (the table EXPECTED, one
entry per fixture: a test fails when a fixture has no entry; ``REFUSED`` marks one that
must be refused, with the message expected). The tests after
the table feed hostile input: wrong types, missing parts, oversized lists, deep nesting.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from pyleroma.activities.normalize import (
    MAX_ATTACHMENTS,
    MAX_AUDIENCE,
    MAX_EMBEDDED_ACTIVITIES,
    MAX_JSON_DEPTH,
    MAX_MENTIONS,
    MAX_OBJECTS,
    MAX_POLL_OPTIONS,
    MAX_TAGS,
    PUBLIC,
    InvalidActivity,
    Limits,
    is_public,
    normalize_activity,
    normalize_actor,
    normalize_object,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "activitypub"

ZOE = "https://pyleroma.example/users/zoe"
ZOE_STATUS = "https://pyleroma.example/objects/0b6d3f1e-6a0f-4c5e-9d7c-2f4e8b1a9c33"
ZOE_QUESTION = "https://pyleroma.example/objects/5e1c7a90-3b2d-4f6e-8a14-7c9d0e2b6f48"
ZOE_FOLLOW = "https://pyleroma.example/activities/7d2e4c1a-9b3f-4e8d-a6c5-1f0b2d3e4a57"
MASTODON = "https://mastodon.example"
PLEROMA = "https://pleroma.example"
AKKOMA = "https://akkoma.example"
MISSKEY = "https://misskey.example"
GTS = "https://gts.example"
ALICE = f"{MASTODON}/users/alice"
BOB = f"{PLEROMA}/users/bob"
CAROL = f"{AKKOMA}/users/carol"
DAVE = f"{MISSKEY}/users/9h4k2m3n5p"
ERIN = f"{GTS}/users/erin"
FRIENDICA = "https://friendica.example"
HEIKE = f"{FRIENDICA}/profile/heike"
WORDPRESS = "https://blog.example"
LEMMY = "https://lemmy.example"
PEERTUBE = "https://peertube.example"
BIRDMAKEUP = "https://birdmakeup.example"
BRIDGY_BSKY = "https://bsky.brid.example"
BRIDGY_WEB = "https://web.brid.example"
BRIDGY_DID = "did:plc:5xq2f7gk3vbmn4rjt6yh2w8c"
BRIDGY_ACTOR = f"{BRIDGY_BSKY}/ap/{BRIDGY_DID}"
BRIDGY_QUOTED = f"{BRIDGY_BSKY}/convert/ap/at://did:plc:aa3kq2mv6pxz4n7rg2tjw5yd/app.bsky.feed.post/3lkp5dvzn4s2x"
# An EXPECTED entry of a fixture that must be refused: the InvalidActivity message.
REFUSED = "!refused"

ACTIVITY_KEYS = {
    "id", "type", "actor", "object", "objects", "target", "to", "cc", "bto", "bcc", "published",
    "content", "misskey_reaction", "reaction", "emojis", "raw",
}  # fmt: skip
OBJECT_KEYS = {
    "id", "type", "attributed_to", "content", "media_type", "language", "summary",
    "sensitive", "name", "in_reply_to", "context", "conversation", "published", "updated",
    "url", "to", "cc", "bto", "bcc", "attachments", "mentions", "hashtags", "emojis",
    "quote_url", "poll", "source", "details", "raw",
}  # fmt: skip
ACTOR_KEYS = {
    "id", "type", "preferred_username", "name", "summary", "url", "inbox", "shared_inbox",
    "outbox", "followers", "following", "featured", "manually_approves_followers",
    "discoverable", "indexable", "also_known_as", "moved_to", "public_key", "icon", "image",
    "fields", "emojis", "bot", "published", "raw",
}  # fmt: skip
ATTACHMENT_KEYS = {
    "type", "url", "media_type", "name", "blurhash", "focal_point", "width", "height",
}  # fmt: skip
POLL_KEYS = {"multiple", "options", "end_time", "closed", "voters_count"}


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def normalize_fixture(raw: dict[str, Any], name: str) -> dict[str, Any]:
    if Path(name).name.startswith("actor_"):
        return normalize_actor(raw)
    return normalize_activity(raw)


def dig(value: Any, path: str) -> Any:
    """``a.b.0.c``; ``*`` maps the rest of the path over a list."""
    parts = path.split(".")
    for i, part in enumerate(parts):
        if part == "*":
            rest = ".".join(parts[i + 1 :])
            return [dig(item, rest) if rest else item for item in value]
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


# What each fixture must normalise to (a path into the result -> its value).
EXPECTED: dict[str, dict[str, Any]] = {
    "akkoma/accept_follow.json": {
        "id": f"{AKKOMA}/activities/a3c00010-5a1e-4c3d-9b2a-1f0e00000010",
        "type": "Accept",
        "actor": CAROL,
        "to": [ZOE],
        "object.id": ZOE_FOLLOW,
        "object.type": "Follow",
        "object.actor": ZOE,
        "object.object": CAROL,
    },
    "akkoma/actor_person.json": {
        "id": CAROL,
        "type": "Person",
        "preferred_username": "carol",
        "name": "Carol :blobcatcoffee:",
        "url": CAROL,
        "inbox": f"{CAROL}/inbox",
        "shared_inbox": f"{AKKOMA}/inbox",
        "followers": f"{CAROL}/followers",
        "featured": f"{CAROL}/collections/featured",
        "public_key.id": f"{CAROL}#main-key",
        "public_key.owner": CAROL,
        "icon": f"{AKKOMA}/media/a3c00001-5a1e-4c3d-9b2a-1f0e00000001/avatar.png",
        "image": f"{AKKOMA}/media/a3c00002-5a1e-4c3d-9b2a-1f0e00000002/banner.jpg",
        "fields.*.name": ["Website", "Languages"],
        "emojis.*.shortcode": ["blobcatcoffee"],
        "also_known_as": [f"{MASTODON}/users/carol"],
        "discoverable": True,
    },
    "akkoma/announce.json": {
        "id": f"{AKKOMA}/activities/a3c00016-5a1e-4c3d-9b2a-1f0e00000016",
        "type": "Announce",
        "actor": CAROL,
        "to": [f"{CAROL}/followers", ZOE],
        "cc": [PUBLIC],
        "object": ZOE_STATUS,
    },
    "akkoma/block.json": {
        "id": f"{AKKOMA}/activities/a3c0001d-5a1e-4c3d-9b2a-1f0e0000001d",
        "type": "Block",
        "actor": CAROL,
        "to": [ZOE],
        "object": ZOE,
    },
    "akkoma/create_note_direct.json": {
        "id": f"{AKKOMA}/activities/a3c0000b-5a1e-4c3d-9b2a-1f0e0000000b",
        "type": "Create",
        "actor": CAROL,
        "to": [ZOE],
        "object.id": f"{AKKOMA}/objects/a3c0000a-5a1e-4c3d-9b2a-1f0e0000000a",
        "object.type": "Note",
        "object.attributed_to": CAROL,
        "object.to": [ZOE],
        "object.language": "en",
        "object.mentions.*.href": [ZOE],
    },
    "akkoma/create_note_followers_only.json": {
        "id": f"{AKKOMA}/activities/a3c0000e-5a1e-4c3d-9b2a-1f0e0000000e",
        "type": "Create",
        "actor": CAROL,
        "to": [f"{CAROL}/followers"],
        "object.id": f"{AKKOMA}/objects/a3c0000d-5a1e-4c3d-9b2a-1f0e0000000d",
        "object.type": "Note",
        "object.attributed_to": CAROL,
        "object.to": [f"{CAROL}/followers"],
        "object.language": "en",
    },
    "akkoma/create_note_public.json": {
        "id": f"{AKKOMA}/activities/a3c00006-5a1e-4c3d-9b2a-1f0e00000006",
        "type": "Create",
        "actor": CAROL,
        "to": [PUBLIC, ZOE],
        "cc": [f"{CAROL}/followers"],
        "object.id": f"{AKKOMA}/objects/a3c00005-5a1e-4c3d-9b2a-1f0e00000005",
        "object.type": "Note",
        "object.attributed_to": CAROL,
        "object.to": [PUBLIC, ZOE],
        "object.cc": [f"{CAROL}/followers"],
        "object.language": "en",
        "object.mentions.*.href": [ZOE],
        "object.hashtags": ["snails"],
        "object.emojis.*.shortcode": ["blobcatcoffee"],
        "object.attachments": [
            {
                "type": "Document",
                "url": f"{AKKOMA}/media/a3c00004-5a1e-4c3d-9b2a-1f0e00000004/snail.png",
                "media_type": "image/png",
                "name": "A garden snail on a lettuce leaf",
                "blurhash": "L9Ay^Xs:00of_3ayIUay~qj[M{fQ",
                "focal_point": None,
                "width": 1200,
                "height": 900,
            }
        ],
        "object.source.media_type": "text/x.misskeymarkdown",
    },
    "akkoma/create_note_quote.json": {
        "id": f"{AKKOMA}/activities/a3c00026-5a1e-4c3d-9b2a-1f0e00000026",
        "type": "Create",
        "actor": CAROL,
        "to": [PUBLIC],
        "cc": [f"{CAROL}/followers", ALICE],
        "object.id": f"{AKKOMA}/objects/a3c00025-5a1e-4c3d-9b2a-1f0e00000025",
        "object.type": "Note",
        "object.attributed_to": CAROL,
        "object.to": [PUBLIC],
        "object.cc": [f"{CAROL}/followers", ALICE],
        "object.language": "en",
        "object.quote_url": f"{ALICE}/statuses/113500000000000001",
    },
    "akkoma/create_note_reply.json": {
        "id": f"{AKKOMA}/activities/a3c00008-5a1e-4c3d-9b2a-1f0e00000008",
        "type": "Create",
        "actor": CAROL,
        "to": [ALICE, PUBLIC],
        "cc": [f"{CAROL}/followers"],
        "object.id": f"{AKKOMA}/objects/a3c00007-5a1e-4c3d-9b2a-1f0e00000007",
        "object.type": "Note",
        "object.attributed_to": CAROL,
        "object.to": [ALICE, PUBLIC],
        "object.cc": [f"{CAROL}/followers"],
        "object.in_reply_to": f"{ALICE}/statuses/113500000000000001",
        "object.language": "en",
        "object.mentions.*.href": [ALICE],
    },
    "akkoma/create_question.json": {
        "id": f"{AKKOMA}/activities/a3c00021-5a1e-4c3d-9b2a-1f0e00000021",
        "type": "Create",
        "actor": CAROL,
        "to": [PUBLIC],
        "cc": [f"{CAROL}/followers"],
        "object.id": f"{AKKOMA}/objects/a3c00020-5a1e-4c3d-9b2a-1f0e00000020",
        "object.type": "Question",
        "object.attributed_to": CAROL,
        "object.to": [PUBLIC],
        "object.cc": [f"{CAROL}/followers"],
        "object.language": "en",
        "object.poll": {
            "multiple": False,
            "options": [
                {"title": "lettuce", "votes": 3},
                {"title": "cucumber", "votes": 2},
                {"title": "cardboard", "votes": 0},
            ],
            "end_time": "2099-01-01T00:00:00.000000",
            "closed": False,
            "voters_count": 4,
        },
    },
    "akkoma/delete_note.json": {
        "id": f"{AKKOMA}/activities/a3c0001c-5a1e-4c3d-9b2a-1f0e0000001c",
        "type": "Delete",
        "actor": CAROL,
        "to": [f"{CAROL}/followers"],
        "object": f"{AKKOMA}/objects/a3c0000d-5a1e-4c3d-9b2a-1f0e0000000d",
    },
    "akkoma/emoji_react_custom.json": {
        "id": f"{AKKOMA}/activities/a3c00015-5a1e-4c3d-9b2a-1f0e00000015",
        "type": "EmojiReact",
        "actor": CAROL,
        "to": [f"{CAROL}/followers", ZOE],
        "cc": [PUBLIC],
        "content": ":blobcatheart:",
        "reaction": ":blobcatheart:",
        "emojis.*.shortcode": ["blobcatheart"],
        "object": ZOE_STATUS,
    },
    "akkoma/flag.json": {
        "id": "https://akkoma.example/activities/7d2c1b0a-0e9f-4a8b-9c7d-6e5f4a3b2c1d",
        "type": "Flag",
        "actor": "https://akkoma.example/internal/fetch",
        "object": ZOE,
        "objects": [
            ZOE,
            "https://pyleroma.example/objects/STATUS_ID",
            "https://pyleroma.example/objects/SOMEONE_ELSES",
        ],
        "content": "<p>harassment in <b>replies</b></p>",
    },
    "akkoma/follow.json": {
        "id": f"{AKKOMA}/activities/a3c0000f-5a1e-4c3d-9b2a-1f0e0000000f",
        "type": "Follow",
        "actor": CAROL,
        "to": [ZOE],
        "object": ZOE,
    },
    "akkoma/like.json": {
        "id": f"{AKKOMA}/activities/a3c00013-5a1e-4c3d-9b2a-1f0e00000013",
        "type": "Like",
        "actor": CAROL,
        "to": [f"{CAROL}/followers", ZOE],
        "cc": [PUBLIC],
        "object": ZOE_STATUS,
    },
    "akkoma/reject_follow.json": {
        "id": f"{AKKOMA}/activities/a3c00011-5a1e-4c3d-9b2a-1f0e00000011",
        "type": "Reject",
        "actor": CAROL,
        "to": [ZOE],
        "object.id": ZOE_FOLLOW,
        "object.type": "Follow",
        "object.actor": ZOE,
        "object.object": CAROL,
    },
    "akkoma/undo_announce.json": {
        "id": f"{AKKOMA}/activities/a3c00017-5a1e-4c3d-9b2a-1f0e00000017",
        "type": "Undo",
        "actor": CAROL,
        "to": [f"{CAROL}/followers", ZOE],
        "cc": [PUBLIC],
        "object": f"{AKKOMA}/activities/a3c00016-5a1e-4c3d-9b2a-1f0e00000016",
    },
    "akkoma/undo_block.json": {
        "id": f"{AKKOMA}/activities/a3c0001e-5a1e-4c3d-9b2a-1f0e0000001e",
        "type": "Undo",
        "actor": CAROL,
        "to": [ZOE],
        "object": f"{AKKOMA}/activities/a3c0001d-5a1e-4c3d-9b2a-1f0e0000001d",
    },
    "akkoma/undo_follow.json": {
        "id": f"{AKKOMA}/activities/a3c00012-5a1e-4c3d-9b2a-1f0e00000012",
        "type": "Undo",
        "actor": CAROL,
        "to": [ZOE],
        "object.id": f"{AKKOMA}/activities/a3c0000f-5a1e-4c3d-9b2a-1f0e0000000f",
        "object.type": "Follow",
        "object.actor": CAROL,
        "object.to": [ZOE],
        "object.object": ZOE,
    },
    "akkoma/undo_like.json": {
        "id": f"{AKKOMA}/activities/a3c00014-5a1e-4c3d-9b2a-1f0e00000014",
        "type": "Undo",
        "actor": CAROL,
        "to": [f"{CAROL}/followers", ZOE],
        "cc": [PUBLIC],
        "object": f"{AKKOMA}/activities/a3c00013-5a1e-4c3d-9b2a-1f0e00000013",
    },
    "akkoma/update_note.json": {
        "id": f"{AKKOMA}/activities/a3c00018-5a1e-4c3d-9b2a-1f0e00000018",
        "type": "Update",
        "actor": CAROL,
        "to": [PUBLIC, ZOE],
        "cc": [f"{CAROL}/followers"],
        "object.id": f"{AKKOMA}/objects/a3c00005-5a1e-4c3d-9b2a-1f0e00000005",
        "object.type": "Note",
        "object.attributed_to": CAROL,
        "object.to": [PUBLIC, ZOE],
        "object.cc": [f"{CAROL}/followers"],
        "object.language": "en",
        "object.updated": "2025-03-14T11:05:40.551203Z",
        "object.mentions.*.href": [ZOE],
        "object.hashtags": ["snails"],
        "object.emojis.*.shortcode": ["blobcatcoffee"],
        "object.attachments": [
            {
                "type": "Document",
                "url": f"{AKKOMA}/media/a3c00004-5a1e-4c3d-9b2a-1f0e00000004/snail.png",
                "media_type": "image/png",
                "name": "A garden snail on a lettuce leaf",
                "blurhash": "L9Ay^Xs:00of_3ayIUay~qj[M{fQ",
                "focal_point": None,
                "width": 1200,
                "height": 900,
            }
        ],
    },
    "akkoma/update_person.json": {
        "id": f"{AKKOMA}/activities/a3c0001b-5a1e-4c3d-9b2a-1f0e0000001b",
        "type": "Update",
        "actor": CAROL,
        "to": [PUBLIC],
        "cc": [f"{CAROL}/followers"],
        "object.id": CAROL,
        "object.type": "Person",
        "object.name": "Carol (moving soon)",
        "object.summary": "<p>carol posts about snails and slow software.</p>",
    },
    "akkoma/vote.json": {
        "id": f"{AKKOMA}/activities/a3c00023-5a1e-4c3d-9b2a-1f0e00000023",
        "type": "Create",
        "actor": CAROL,
        "to": [ZOE],
        "object.id": f"{AKKOMA}/objects/a3c00022-5a1e-4c3d-9b2a-1f0e00000022",
        "object.type": "Note",
        "object.attributed_to": CAROL,
        "object.to": [ZOE],
        "object.in_reply_to": ZOE_QUESTION,
        "object.name": "Ferns",
    },
    "gotosocial/accept_follow.json": {
        "id": f"{GTS}/01JPA0ACCEPT00000000000AH",
        "type": "Accept",
        "actor": ERIN,
        "to": [ZOE],
        "object.id": ZOE_FOLLOW,
        "object.type": "Follow",
        "object.actor": ZOE,
        "object.to": [ERIN],
        "object.object": ERIN,
    },
    "gotosocial/actor_person.json": {
        "id": ERIN,
        "type": "Person",
        "preferred_username": "erin",
        "name": "Erin bakes :catbread:",
        "url": f"{GTS}/@erin",
        "inbox": f"{ERIN}/inbox",
        "followers": f"{ERIN}/followers",
        "featured": f"{ERIN}/collections/featured",
        "public_key.id": f"{ERIN}/main-key",
        "public_key.owner": ERIN,
        "icon": (
            f"{GTS}/fileserver/01HZX0ACCT00000000000000ER/avatar/original/"
            "01HZX0AVATAR0000000000000A.jpeg"
        ),
        "image": (
            f"{GTS}/fileserver/01HZX0ACCT00000000000000ER/header/original/"
            "01HZX0HEADER0000000000000B.jpeg"
        ),
        "fields.*.name": ["Bakes", "Oven"],
        "emojis.*.shortcode": ["catbread"],
        "also_known_as": [f"{MASTODON}/users/erin"],
        "manually_approves_followers": True,
        "discoverable": True,
        "published": "2024-05-20T11:09:18Z",
    },
    "gotosocial/announce.json": {
        "id": f"{ERIN}/statuses/01JPA0B00ST0000000000000AN",
        "type": "Announce",
        "actor": ERIN,
        "to": [f"{ERIN}/followers"],
        "cc": [ZOE, PUBLIC],
        "object": ZOE_STATUS,
    },
    "gotosocial/block.json": {
        "id": f"{ERIN}/blocks/01JPA0BL0CK0000000000000AS",
        "type": "Block",
        "actor": ERIN,
        "to": [ZOE],
        "object": ZOE,
    },
    "gotosocial/create_note_direct.json": {
        "id": f"{ERIN}/statuses/01JPA0D1RECT000000000000AC/activity#Create",
        "type": "Create",
        "actor": ERIN,
        "to": [ZOE],
        "object.id": f"{ERIN}/statuses/01JPA0D1RECT000000000000AC",
        "object.type": "Note",
        "object.attributed_to": ERIN,
        "object.to": [ZOE],
        "object.language": "en",
        "object.mentions.*.href": [ZOE],
    },
    "gotosocial/create_note_followers_only.json": {
        "id": f"{ERIN}/statuses/01JPA0PR1VATE00000000000AD/activity#Create",
        "type": "Create",
        "actor": ERIN,
        "to": [f"{ERIN}/followers"],
        "object.id": f"{ERIN}/statuses/01JPA0PR1VATE00000000000AD",
        "object.type": "Note",
        "object.attributed_to": ERIN,
        "object.to": [f"{ERIN}/followers"],
        "object.language": "en",
    },
    "gotosocial/create_note_public.json": {
        "id": f"{ERIN}/statuses/01JPA0PUBL1C000000000000AA/activity#Create",
        "type": "Create",
        "actor": ERIN,
        "to": [PUBLIC],
        "cc": [f"{ERIN}/followers", ZOE],
        "object.id": f"{ERIN}/statuses/01JPA0PUBL1C000000000000AA",
        "object.type": "Note",
        "object.attributed_to": ERIN,
        "object.to": [PUBLIC],
        "object.cc": [f"{ERIN}/followers", ZOE],
        "object.language": "en",
        "object.mentions.*.href": [ZOE],
        "object.hashtags": ["sourdough"],
        "object.emojis.*.shortcode": ["catbread"],
        "object.attachments": [
            {
                "type": "Image",
                "url": (
                    f"{GTS}/fileserver/01HZX0ACCT00000000000000ER/attachment/original/"
                    "01JPA0MEDIA000000000000001.jpeg"
                ),
                "media_type": "image/jpeg",
                "name": "A round sourdough loaf with an ear, cooling on a rack",
                "blurhash": "LDF=5|~q00Rj_3ofM{of00IU~qxu",
                "focal_point": [0.1, -0.3],
                "width": None,
                "height": None,
            }
        ],
    },
    "gotosocial/create_note_reply.json": {
        "id": f"{ERIN}/statuses/01JPA0REPLY000000000000AB/activity#Create",
        "type": "Create",
        "actor": ERIN,
        "to": [PUBLIC],
        "cc": [f"{ERIN}/followers", ALICE],
        "object.id": f"{ERIN}/statuses/01JPA0REPLY000000000000AB",
        "object.type": "Note",
        "object.attributed_to": ERIN,
        "object.to": [PUBLIC],
        "object.cc": [f"{ERIN}/followers", ALICE],
        "object.in_reply_to": f"{ALICE}/statuses/113500000000000001",
        "object.language": "en",
        "object.mentions.*.href": [ALICE],
    },
    "gotosocial/create_question.json": {
        "id": f"{ERIN}/statuses/01JPA0P0LL00000000000000AE/activity#Create",
        "type": "Create",
        "actor": ERIN,
        "to": [PUBLIC],
        "cc": [f"{ERIN}/followers"],
        "object.id": f"{ERIN}/statuses/01JPA0P0LL00000000000000AE",
        "object.type": "Question",
        "object.attributed_to": ERIN,
        "object.to": [PUBLIC],
        "object.cc": [f"{ERIN}/followers"],
        "object.language": "en",
        "object.poll": {
            "multiple": False,
            "options": [{"title": "rye", "votes": 4}, {"title": "spelt", "votes": 2}],
            "end_time": "2099-03-15T09:45:00Z",
            "closed": False,
            "voters_count": 6,
        },
    },
    "gotosocial/create_question_hidden_counts.json": {
        "id": f"{ERIN}/statuses/01JPA0P0LLH1DDEN00000000AF/activity#Create",
        "type": "Create",
        "actor": ERIN,
        "to": [PUBLIC],
        "cc": [f"{ERIN}/followers"],
        "object.id": f"{ERIN}/statuses/01JPA0P0LLH1DDEN00000000AF",
        "object.type": "Question",
        "object.attributed_to": ERIN,
        "object.to": [PUBLIC],
        "object.cc": [f"{ERIN}/followers"],
        "object.language": "en",
        "object.poll": {
            "multiple": True,
            "options": [{"title": "crackly", "votes": None}, {"title": "chewy", "votes": None}],
            "end_time": "2099-03-15T09:45:00Z",
            "closed": False,
            "voters_count": None,
        },
    },
    "gotosocial/delete_note.json": {
        "id": f"{GTS}/01JPA0DELETE00000000000AR",
        "type": "Delete",
        "actor": ERIN,
        "to": [PUBLIC],
        "cc": [f"{ERIN}/followers", ALICE],
        "object": f"{ERIN}/statuses/01JPA0REPLY000000000000AB",
    },
    "gotosocial/follow.json": {
        "id": f"{ERIN}/follow/01JPA0F0LL0W000000000000AG",
        "type": "Follow",
        "actor": ERIN,
        "to": [ZOE],
        "object": ZOE,
    },
    "gotosocial/like.json": {
        "id": f"{ERIN}/liked/01JPA0L1KE000000000000AL",
        "type": "Like",
        "actor": ERIN,
        "to": [ZOE],
        "object": ZOE_STATUS,
    },
    "gotosocial/reject_follow.json": {
        "id": f"{GTS}/01JPA0REJECT00000000000AJ",
        "type": "Reject",
        "actor": ERIN,
        "to": [ZOE],
        "object.id": ZOE_FOLLOW,
        "object.type": "Follow",
        "object.actor": ZOE,
        "object.to": [ERIN],
        "object.object": ERIN,
    },
    "gotosocial/undo_announce.json": {
        "id": f"{GTS}/01JPA0UND0B00ST0000000AP",
        "type": "Undo",
        "actor": ERIN,
        "to": [f"{ERIN}/followers"],
        "cc": [ZOE, PUBLIC],
        "object.id": f"{ERIN}/statuses/01JPA0B00ST0000000000000AN",
        "object.type": "Announce",
        "object.actor": ERIN,
        "object.to": [f"{ERIN}/followers"],
        "object.cc": [ZOE, PUBLIC],
        "object.object": ZOE_STATUS,
    },
    "gotosocial/undo_block.json": {
        "id": f"{GTS}/01JPA0UND0BL0CK0000000AT",
        "type": "Undo",
        "actor": ERIN,
        "to": [ZOE],
        "object.id": f"{ERIN}/blocks/01JPA0BL0CK0000000000000AS",
        "object.type": "Block",
        "object.actor": ERIN,
        "object.to": [ZOE],
        "object.object": ZOE,
    },
    "gotosocial/undo_follow.json": {
        "id": f"{GTS}/01JPA0UND0F0LL0W000000AK",
        "type": "Undo",
        "actor": ERIN,
        "to": [ZOE],
        "object.id": f"{ERIN}/follow/01JPA0F0LL0W000000000000AG",
        "object.type": "Follow",
        "object.actor": ERIN,
        "object.to": [ZOE],
        "object.object": ZOE,
    },
    "gotosocial/undo_like.json": {
        "id": f"{GTS}/01JPA0UND0L1KE00000000AM",
        "type": "Undo",
        "actor": ERIN,
        "to": [ZOE],
        "object.id": f"{ERIN}/liked/01JPA0L1KE000000000000AL",
        "object.type": "Like",
        "object.actor": ERIN,
        "object.to": [ZOE],
        "object.object": ZOE_STATUS,
    },
    "gotosocial/update_note.json": {
        "id": f"{ERIN}/statuses/01JPA0PUBL1C000000000000AA/activity#Update",
        "type": "Update",
        "actor": ERIN,
        "to": [PUBLIC],
        "cc": [f"{ERIN}/followers", ZOE],
        "object.id": f"{ERIN}/statuses/01JPA0PUBL1C000000000000AA",
        "object.type": "Note",
        "object.attributed_to": ERIN,
        "object.to": [PUBLIC],
        "object.cc": [f"{ERIN}/followers", ZOE],
        "object.language": "en",
        "object.updated": "2025-03-14T12:00:00Z",
        "object.mentions.*.href": [ZOE],
    },
    "gotosocial/update_person.json": {
        "id": f"{ERIN}/updates/01JPA0UPDATE00000000000AQ",
        "type": "Update",
        "actor": ERIN,
        "to": [PUBLIC],
        "bcc": [f"{ERIN}/followers"],
        "object.id": ERIN,
        "object.type": "Person",
        "object.name": "Erin bakes :catbread:",
        "object.manually_approves_followers": True,
        "object.summary": "<p>bread, mostly. sometimes cake.</p>",
    },
    "gotosocial/vote.json": {
        "id": (
            f"{ERIN}/activity#vote0/https://pyleroma.example/objects/"
            "5e1c7a90-3b2d-4f6e-8a14-7c9d0e2b6f48"
        ),
        "type": "Create",
        "actor": ERIN,
        "to": [ZOE],
        "object.id": f"{ERIN}#01JPA0V0TE000000000000000A/votes/1",
        "object.type": "Note",
        "object.attributed_to": ERIN,
        "object.to": [ZOE],
        "object.in_reply_to": ZOE_QUESTION,
        "object.name": "Ferns",
    },
    "lemmy/announce_create_page.json": {
        "id": (
            "https://lemmy.example/activities/announce/create/5f9d1b3e-7a2c-4e6f-8b0d-2c4e6a8c0e1f"
        ),
        "type": "Announce",
        "actor": "https://lemmy.example/c/gardening",
        "to": [PUBLIC],
        "cc": ["https://lemmy.example/c/gardening/followers"],
        "object.id": "https://lemmy.example/activities/create/0e7b3c1a-5d2f-4a6e-9b8c-1d3f5a7c9e0b",
        "object.type": "Create",
        "object.actor": "https://lemmy.example/u/fern_fan",
        "object.to": ["https://lemmy.example/c/gardening", PUBLIC],
        "object.cc": ["https://lemmy.example/c/gardening"],
        "object.object.id": "https://lemmy.example/post/4242",
        "object.object.type": "Page",
        "object.object.attributed_to": "https://lemmy.example/u/fern_fan",
        "object.object.name": "Ferns that survive a winter balcony",
        "object.object.to": ["https://lemmy.example/c/gardening", PUBLIC],
    },
    "lemmy/create_page.json": {
        "id": "https://lemmy.example/activities/create/0e7b3c1a-5d2f-4a6e-9b8c-1d3f5a7c9e0b",
        "type": "Create",
        "actor": "https://lemmy.example/u/fern_fan",
        "to": ["https://lemmy.example/c/gardening", PUBLIC],
        "cc": ["https://lemmy.example/c/gardening"],
        "object.id": "https://lemmy.example/post/4242",
        "object.type": "Page",
        "object.attributed_to": "https://lemmy.example/u/fern_fan",
        "object.to": ["https://lemmy.example/c/gardening", PUBLIC],
        "object.name": "Ferns that survive a winter balcony",
        "object.language": "en",
        "object.hashtags": ["gardening"],
        "object.media_type": "text/html",
        "object.source.media_type": "text/markdown",
    },
    "mastodon/accept_follow.json": {
        "id": f"{ALICE}#accepts/follows/31337",
        "type": "Accept",
        "actor": ALICE,
        "object.id": ZOE_FOLLOW,
        "object.type": "Follow",
        "object.actor": ZOE,
        "object.object": ALICE,
    },
    "mastodon/actor_group.json": {
        "id": f"{MASTODON}/users/bookclub",
        "type": "Group",
        "preferred_username": "bookclub",
        "name": "Slow Readers' Book Club",
        "url": f"{MASTODON}/@bookclub",
        "inbox": f"{MASTODON}/users/bookclub/inbox",
        "shared_inbox": f"{MASTODON}/inbox",
        "followers": f"{MASTODON}/users/bookclub/followers",
        "featured": f"{MASTODON}/users/bookclub/collections/featured",
        "public_key.id": f"{MASTODON}/users/bookclub#main-key",
        "public_key.owner": f"{MASTODON}/users/bookclub",
        "icon": (
            f"{MASTODON}/system/accounts/avatars/111/000/000/000/000/002/original/"
            "1122334455667788.webp"
        ),
        "manually_approves_followers": True,
        "published": "2024-01-15T00:00:00Z",
    },
    "mastodon/actor_person.json": {
        "id": ALICE,
        "type": "Person",
        "preferred_username": "alice",
        "name": "Alice Fernsby :blobfern:",
        "url": f"{MASTODON}/@alice",
        "inbox": f"{ALICE}/inbox",
        "shared_inbox": f"{MASTODON}/inbox",
        "followers": f"{ALICE}/followers",
        "featured": f"{ALICE}/collections/featured",
        "public_key.id": f"{ALICE}#main-key",
        "public_key.owner": ALICE,
        "icon": (
            f"{MASTODON}/system/accounts/avatars/110/000/000/000/000/001/original/"
            "a1b2c3d4e5f60718.png"
        ),
        "image": (
            f"{MASTODON}/system/accounts/headers/110/000/000/000/000/001/original/"
            "0f1e2d3c4b5a6978.jpg"
        ),
        "fields.*.name": ["Pronouns", "Garden log"],
        "emojis.*.shortcode": ["blobfern"],
        "also_known_as": [f"{GTS}/users/alice_old"],
        "discoverable": True,
        "indexable": True,
        "published": "2023-02-01T00:00:00Z",
    },
    "mastodon/announce.json": {
        "id": f"{ALICE}/statuses/113500000000000010/activity",
        "type": "Announce",
        "actor": ALICE,
        "to": [PUBLIC],
        "cc": [ZOE, f"{ALICE}/followers"],
        "object": ZOE_STATUS,
    },
    "mastodon/block.json": {
        "id": f"{MASTODON}/8e5c2a1f-4b7d-4c3e-9f60-2a1b3c4d5e6f",
        "type": "Block",
        "actor": ALICE,
        "object": ZOE,
    },
    "mastodon/create_note_direct.json": {
        "id": f"{ALICE}/statuses/113500000000000003/activity",
        "type": "Create",
        "actor": ALICE,
        "to": [ZOE],
        "object.id": f"{ALICE}/statuses/113500000000000003",
        "object.type": "Note",
        "object.attributed_to": ALICE,
        "object.to": [ZOE],
        "object.language": "en",
        "object.mentions.*.href": [ZOE],
    },
    "mastodon/create_note_followers_only.json": {
        "id": f"{ALICE}/statuses/113500000000000004/activity",
        "type": "Create",
        "actor": ALICE,
        "to": [f"{ALICE}/followers"],
        "object.id": f"{ALICE}/statuses/113500000000000004",
        "object.type": "Note",
        "object.attributed_to": ALICE,
        "object.to": [f"{ALICE}/followers"],
        "object.language": "en",
    },
    "mastodon/create_note_public.json": {
        "id": f"{ALICE}/statuses/113500000000000001/activity",
        "type": "Create",
        "actor": ALICE,
        "to": [PUBLIC],
        "cc": [f"{ALICE}/followers", ZOE],
        "object.id": f"{ALICE}/statuses/113500000000000001",
        "object.type": "Note",
        "object.attributed_to": ALICE,
        "object.to": [PUBLIC],
        "object.cc": [f"{ALICE}/followers", ZOE],
        "object.language": "en",
        "object.mentions.*.href": [ZOE],
        "object.hashtags": ["gardening"],
        "object.emojis.*.shortcode": ["blobfern"],
        "object.attachments": [
            {
                "type": "Document",
                "url": (
                    f"{MASTODON}/system/media_attachments/files/113/500/000/000/000/001/original/"
                    "3f2a9c7e1b5d8a40.jpg"
                ),
                "media_type": "image/jpeg",
                "name": "Three fern fronds uncurling in a terracotta pot",
                "blurhash": "UDF~jW9F00?b_3xuRjof00WB~qayxuofRjay",
                "focal_point": [-0.25, 0.4],
                "width": 1600,
                "height": 1200,
            }
        ],
        "published": "2025-03-14T09:26:53Z",
        "object.url": f"{MASTODON}/@alice/113500000000000001",
        "object.context": f"{MASTODON}/contexts/4410001",
        "object.conversation": (
            "tag:mastodon.example,2025-03-14:objectId=4410001:objectType=Conversation"
        ),
    },
    "mastodon/create_note_quote.json": {
        "id": f"{ALICE}/statuses/113500000000000006/activity",
        "type": "Create",
        "actor": ALICE,
        "to": [PUBLIC],
        "cc": [f"{ALICE}/followers", f"{MASTODON}/users/frank"],
        "object.id": f"{ALICE}/statuses/113500000000000006",
        "object.type": "Note",
        "object.attributed_to": ALICE,
        "object.to": [PUBLIC],
        "object.cc": [f"{ALICE}/followers", f"{MASTODON}/users/frank"],
        "object.language": "en",
        "object.mentions.*.href": [f"{MASTODON}/users/frank"],
        "object.quote_url": f"{MASTODON}/users/frank/statuses/113400000000000099",
    },
    "mastodon/create_note_reply.json": {
        "id": f"{ALICE}/statuses/113500000000000002/activity",
        "type": "Create",
        "actor": ALICE,
        "to": [PUBLIC],
        "cc": [f"{ALICE}/followers", BOB],
        "object.id": f"{ALICE}/statuses/113500000000000002",
        "object.type": "Note",
        "object.attributed_to": ALICE,
        "object.to": [PUBLIC],
        "object.cc": [f"{ALICE}/followers", BOB],
        "object.in_reply_to": f"{PLEROMA}/objects/4c0f5b8e-2d1a-4e7f-9b36-8a2c1d0e5f71",
        "object.language": "en",
        "object.mentions.*.href": [BOB],
    },
    "mastodon/create_note_sensitive_cw.json": {
        "id": f"{ALICE}/statuses/113500000000000005/activity",
        "type": "Create",
        "actor": ALICE,
        "to": [PUBLIC],
        "cc": [f"{ALICE}/followers"],
        "object.id": f"{ALICE}/statuses/113500000000000005",
        "object.type": "Note",
        "object.attributed_to": ALICE,
        "object.to": [PUBLIC],
        "object.cc": [f"{ALICE}/followers"],
        "object.summary": "Spoiler: Kapitel 12",
        "object.sensitive": True,
        "object.language": "de",
        "object.attachments": [
            {
                "type": "Document",
                "url": (
                    f"{MASTODON}/system/media_attachments/files/113/500/000/000/000/005/original/"
                    "9d8c7b6a5f4e3d2c.mp4"
                ),
                "media_type": "video/mp4",
                "name": None,
                "blurhash": "U02rs+j[fQj[j[fQfQfQfQfQfQfQfQfQfQfQ",
                "focal_point": None,
                "width": 1280,
                "height": 720,
            }
        ],
    },
    "mastodon/create_question.json": {
        "id": f"{ALICE}/statuses/113500000000000007/activity",
        "type": "Create",
        "actor": ALICE,
        "to": [PUBLIC],
        "cc": [f"{ALICE}/followers"],
        "object.id": f"{ALICE}/statuses/113500000000000007",
        "object.type": "Question",
        "object.attributed_to": ALICE,
        "object.to": [PUBLIC],
        "object.cc": [f"{ALICE}/followers"],
        "object.language": "en",
        "object.poll": {
            "multiple": False,
            "options": [
                {"title": "The Fern Garden", "votes": 4},
                {"title": "Moss and Time", "votes": 3},
                {"title": "Neither", "votes": 0},
            ],
            "end_time": "2099-03-21T09:26:53Z",
            "closed": False,
            "voters_count": 7,
        },
    },
    "mastodon/delete_actor.json": {
        "id": f"{ALICE}#delete",
        "type": "Delete",
        "actor": ALICE,
        "to": [PUBLIC],
        "object": ALICE,
    },
    "mastodon/delete_note.json": {
        "id": f"{ALICE}/statuses/113500000000000004#delete",
        "type": "Delete",
        "actor": ALICE,
        "to": [PUBLIC],
        "object.id": f"{ALICE}/statuses/113500000000000004",
        "object.type": "Tombstone",
    },
    "mastodon/follow.json": {
        "id": f"{MASTODON}/0b0e1f5a-8c4d-4a7e-b2f3-6d9c1e7a4b20",
        "type": "Follow",
        "actor": ALICE,
        "object": ZOE,
    },
    "mastodon/add_featured.json": {
        "id": None,  # Mastodon sends its pins without an id
        "type": "Add",
        "actor": ALICE,
        "object": f"{ALICE}/statuses/113500000000000001",
        "target": f"{ALICE}/collections/featured",
    },
    "mastodon/flag.json": {
        "id": "https://mastodon.example/0f8e3c2a-5d41-4b7e-9a16-3c2d1e0f9b88",
        "type": "Flag",
        "actor": "https://mastodon.example/actor",
        "object": ZOE,
        "objects": [ZOE, "https://pyleroma.example/objects/STATUS_ID"],
        "content": "Spam & links to scams",
    },
    "mastodon/move.json": {
        "id": f"{ALICE}#moves/3",  # Mastodon's Move: no to/cc, the object is the actor
        "type": "Move",
        "actor": ALICE,
        "object": ALICE,
        "target": f"{MASTODON}/users/alice_new",
        "to": [],
        "cc": [],
    },
    "mastodon/like.json": {
        "id": f"{ALICE}#likes/90210",
        "type": "Like",
        "actor": ALICE,
        "object": ZOE_STATUS,
    },
    "mastodon/reject_follow.json": {
        "id": f"{ALICE}#rejects/follows/31338",
        "type": "Reject",
        "actor": ALICE,
        "object.id": ZOE_FOLLOW,
        "object.type": "Follow",
        "object.actor": ZOE,
        "object.object": ALICE,
    },
    "mastodon/remove_featured.json": {
        "id": None,
        "type": "Remove",
        "actor": ALICE,
        "object": f"{ALICE}/statuses/113500000000000001",
        "target": f"{ALICE}/collections/featured",
    },
    "mastodon/undo_announce.json": {
        "id": f"{ALICE}#announces/113500000000000010/undo",
        "type": "Undo",
        "actor": ALICE,
        "to": [PUBLIC],
        "object.id": f"{ALICE}/statuses/113500000000000010/activity",
        "object.type": "Announce",
        "object.actor": ALICE,
        "object.to": [PUBLIC],
        "object.cc": [ZOE, f"{ALICE}/followers"],
        "object.object": ZOE_STATUS,
    },
    "mastodon/undo_block.json": {
        "id": f"{ALICE}#blocks/777/undo",
        "type": "Undo",
        "actor": ALICE,
        "object.id": f"{MASTODON}/8e5c2a1f-4b7d-4c3e-9f60-2a1b3c4d5e6f",
        "object.type": "Block",
        "object.actor": ALICE,
        "object.object": ZOE,
    },
    "mastodon/undo_follow.json": {
        "id": f"{ALICE}#follows/4242/undo",
        "type": "Undo",
        "actor": ALICE,
        "object.id": f"{MASTODON}/0b0e1f5a-8c4d-4a7e-b2f3-6d9c1e7a4b20",
        "object.type": "Follow",
        "object.actor": ALICE,
        "object.object": ZOE,
    },
    "mastodon/undo_like.json": {
        "id": f"{ALICE}#likes/90210/undo",
        "type": "Undo",
        "actor": ALICE,
        "object.id": f"{ALICE}#likes/90210",
        "object.type": "Like",
        "object.actor": ALICE,
        "object.object": ZOE_STATUS,
    },
    "mastodon/update_note.json": {
        "id": f"{ALICE}/statuses/113500000000000001#updates/1741952413",
        "type": "Update",
        "actor": ALICE,
        "to": [PUBLIC],
        "cc": [f"{ALICE}/followers", ZOE],
        "object.id": f"{ALICE}/statuses/113500000000000001",
        "object.type": "Note",
        "object.attributed_to": ALICE,
        "object.to": [PUBLIC],
        "object.cc": [f"{ALICE}/followers", ZOE],
        "object.language": "en",
        "object.updated": "2025-03-14T11:40:13Z",
        "object.mentions.*.href": [ZOE],
    },
    "mastodon/update_person.json": {
        "id": f"{ALICE}#updates/1741952000",
        "type": "Update",
        "actor": ALICE,
        "to": [PUBLIC],
        "object.id": ALICE,
        "object.type": "Person",
        "object.name": "Alice Fernsby (on holiday)",
        "object.manually_approves_followers": True,
        "object.summary": (
            '<p>Grows ferns, reads slowly. <a href="https://mastodon.example/tags/gardening" '
            'class="mention hashtag" rel="tag">#<span>gardening</span></a></p>'
        ),
    },
    "mastodon/vote.json": {
        "id": f"{ALICE}#votes/8812/activity",
        "type": "Create",
        "actor": ALICE,
        "to": [ZOE],
        "object.id": f"{ALICE}#votes/8812",
        "object.type": "Note",
        "object.attributed_to": ALICE,
        "object.to": [ZOE],
        "object.in_reply_to": ZOE_QUESTION,
        "object.name": "Ferns",
    },
    "misskey/accept_follow.json": {
        "id": f"{MISSKEY}/6f1d3b5a-7c9e-4b2d-8f0a-1c3e5a7b9d2f",
        "type": "Accept",
        "actor": DAVE,
        "object.id": ZOE_FOLLOW,
        "object.type": "Follow",
        "object.actor": ZOE,
        "object.object": DAVE,
    },
    "misskey/actor_person.json": {
        "id": DAVE,
        "type": "Person",
        "preferred_username": "dave",
        "name": "Dave :blobcatheart:",
        "url": f"{MISSKEY}/@dave",
        "inbox": f"{DAVE}/inbox",
        "shared_inbox": f"{MISSKEY}/inbox",
        "followers": f"{DAVE}/followers",
        "featured": f"{DAVE}/collections/featured",
        "public_key.id": f"{DAVE}#main-key",
        "public_key.owner": DAVE,
        "icon": f"{MISSKEY}/files/webpublic-9h4k2m3n5p-avatar.webp",
        "image": f"{MISSKEY}/files/webpublic-9h4k2m3n5p-banner.webp",
        "fields.*.name": ["Location", "Patterns"],
        "emojis.*.shortcode": ["blobcatheart"],
        "also_known_as": [f"{AKKOMA}/users/dave"],
        "discoverable": True,
    },
    "misskey/actor_service.json": {
        "id": f"{MISSKEY}/users/9h4kbotb0t",
        "type": "Service",
        "preferred_username": "weatherbot",
        "name": "Weather Bot",
        "url": f"{MISSKEY}/@weatherbot",
        "inbox": f"{MISSKEY}/users/9h4kbotb0t/inbox",
        "shared_inbox": f"{MISSKEY}/inbox",
        "followers": f"{MISSKEY}/users/9h4kbotb0t/followers",
        "featured": f"{MISSKEY}/users/9h4kbotb0t/collections/featured",
        "public_key.id": f"{MISSKEY}/users/9h4kbotb0t#main-key",
        "public_key.owner": f"{MISSKEY}/users/9h4kbotb0t",
        "icon": f"{MISSKEY}/files/webpublic-9h4kbotb0t-avatar.webp",
        "bot": True,
    },
    "misskey/announce.json": {
        "id": f"{MISSKEY}/notes/9h4kr3n0te/activity",
        "type": "Announce",
        "actor": DAVE,
        "to": [PUBLIC],
        "cc": [f"{DAVE}/followers"],
        "object": ZOE_STATUS,
    },
    "misskey/block.json": {
        "id": f"{MISSKEY}/blocks/9h4kb10cka",
        "type": "Block",
        "actor": DAVE,
        "object": ZOE,
    },
    "misskey/create_note_cw.json": {
        "id": f"{MISSKEY}/notes/9h4kab12cj/activity",
        "type": "Create",
        "actor": DAVE,
        "to": [PUBLIC],
        "cc": [f"{DAVE}/followers"],
        "object.id": f"{MISSKEY}/notes/9h4kab12cj",
        "object.type": "Note",
        "object.attributed_to": DAVE,
        "object.to": [PUBLIC],
        "object.cc": [f"{DAVE}/followers"],
        "object.summary": "yarn saga spoilers",
        "object.sensitive": True,
    },
    "misskey/create_note_direct.json": {
        "id": f"{MISSKEY}/notes/9h4kab12cf/activity",
        "type": "Create",
        "actor": DAVE,
        "to": [ZOE],
        "object.id": f"{MISSKEY}/notes/9h4kab12cf",
        "object.type": "Note",
        "object.attributed_to": DAVE,
        "object.to": [ZOE],
        "object.mentions.*.href": [ZOE],
    },
    "misskey/create_note_followers_only.json": {
        "id": f"{MISSKEY}/notes/9h4kab12cg/activity",
        "type": "Create",
        "actor": DAVE,
        "to": [f"{DAVE}/followers"],
        "object.id": f"{MISSKEY}/notes/9h4kab12cg",
        "object.type": "Note",
        "object.attributed_to": DAVE,
        "object.to": [f"{DAVE}/followers"],
    },
    "misskey/create_note_home.json": {
        "id": f"{MISSKEY}/notes/9h4kab12ch/activity",
        "type": "Create",
        "actor": DAVE,
        "to": [f"{DAVE}/followers"],
        "cc": [PUBLIC],
        "object.id": f"{MISSKEY}/notes/9h4kab12ch",
        "object.type": "Note",
        "object.attributed_to": DAVE,
        "object.to": [f"{DAVE}/followers"],
        "object.cc": [PUBLIC],
    },
    "misskey/create_note_public.json": {
        "id": f"{MISSKEY}/notes/9h4kab12cd/activity",
        "type": "Create",
        "actor": DAVE,
        "to": [PUBLIC],
        "cc": [f"{DAVE}/followers", ZOE],
        "object.id": f"{MISSKEY}/notes/9h4kab12cd",
        "object.type": "Note",
        "object.attributed_to": DAVE,
        "object.to": [PUBLIC],
        "object.cc": [f"{DAVE}/followers", ZOE],
        "object.mentions.*.href": [ZOE],
        "object.hashtags": ["knitting"],
        "object.emojis.*.shortcode": ["blobcatheart"],
        "object.attachments": [
            {
                "type": "Document",
                "url": f"{MISSKEY}/files/webpublic-5b7c9d1e-scarf.webp",
                "media_type": "image/webp",
                "name": "A long striped scarf on a chair",
                "blurhash": None,
                "focal_point": None,
                "width": None,
                "height": None,
            },
            {
                "type": "Document",
                "url": f"{MISSKEY}/files/8e2f4a6c-yarn.jpg",
                "media_type": "image/jpeg",
                "name": None,
                "blurhash": None,
                "focal_point": None,
                "width": None,
                "height": None,
            },
        ],
        "object.source": {
            "content": "@zoe@pyleroma.example finished the scarf :blobcatheart: #knitting",
            "media_type": "text/x.misskeymarkdown",
        },
    },
    "misskey/create_note_quote.json": {
        "id": f"{MISSKEY}/notes/9h4kab12ck/activity",
        "type": "Create",
        "actor": DAVE,
        "to": [PUBLIC],
        "cc": [f"{DAVE}/followers"],
        "object.id": f"{MISSKEY}/notes/9h4kab12ck",
        "object.type": "Note",
        "object.attributed_to": DAVE,
        "object.to": [PUBLIC],
        "object.cc": [f"{DAVE}/followers"],
        "object.quote_url": f"{ALICE}/statuses/113500000000000001",
    },
    "misskey/create_note_reply.json": {
        "id": f"{MISSKEY}/notes/9h4kab12ce/activity",
        "type": "Create",
        "actor": DAVE,
        "to": [PUBLIC],
        "cc": [f"{DAVE}/followers", BOB],
        "object.id": f"{MISSKEY}/notes/9h4kab12ce",
        "object.type": "Note",
        "object.attributed_to": DAVE,
        "object.to": [PUBLIC],
        "object.cc": [f"{DAVE}/followers", BOB],
        "object.in_reply_to": f"{PLEROMA}/objects/4c0f5b8e-2d1a-4e7f-9b36-8a2c1d0e5f71",
        "object.mentions.*.href": [BOB],
    },
    "misskey/create_question.json": {
        "id": f"{MISSKEY}/notes/9h4kab12cm/activity",
        "type": "Create",
        "actor": DAVE,
        "to": [PUBLIC],
        "cc": [f"{DAVE}/followers"],
        "object.id": f"{MISSKEY}/notes/9h4kab12cm",
        "object.type": "Question",
        "object.attributed_to": DAVE,
        "object.to": [PUBLIC],
        "object.cc": [f"{DAVE}/followers"],
        "object.poll": {
            "multiple": True,
            "options": [
                {"title": "3mm", "votes": 5},
                {"title": "4mm", "votes": 9},
                {"title": "8mm", "votes": 1},
            ],
            "end_time": "2025-03-13T09:41:07.512Z",
            "closed": True,
            "voters_count": None,
        },
    },
    "misskey/delete_note.json": {
        "id": f"{MISSKEY}/3e5a7c9e-1f2b-4d4f-8a6c-0e2a4c6e8a0b",
        "type": "Delete",
        "actor": DAVE,
        "object.id": f"{MISSKEY}/notes/9h4kab12cg",
        "object.type": "Tombstone",
    },
    "misskey/follow.json": {
        "id": f"{MISSKEY}/follows/9h4k2m3n5p/9h3q8r7s6t",
        "type": "Follow",
        "actor": DAVE,
        "object": ZOE,
    },
    "misskey/like_legacy_reaction.json": {
        "id": f"{MISSKEY}/likes/9h4kl1k3ac",
        "type": "Like",
        "actor": DAVE,
        "misskey_reaction": "pudding",
        "reaction": "🍮",
        "object": ZOE_STATUS,
    },
    "misskey/like_reaction_custom.json": {
        "id": f"{MISSKEY}/likes/9h4kl1k3ab",
        "type": "Like",
        "actor": DAVE,
        "content": ":blobcatheart:",
        "misskey_reaction": ":blobcatheart:",
        "reaction": ":blobcatheart:",
        "emojis.*.shortcode": ["blobcatheart"],
        "object": ZOE_STATUS,
    },
    "misskey/like_reaction_unicode.json": {
        "id": f"{MISSKEY}/likes/9h4kl1k3aa",
        "type": "Like",
        "actor": DAVE,
        "content": "👍",
        "misskey_reaction": "👍",
        "reaction": "👍",
        "object": ZOE_STATUS,
    },
    "misskey/reject_follow.json": {
        "id": f"{MISSKEY}/2a4c6e8f-0b1d-4f3a-9c5e-7d9f1b3d5e7a",
        "type": "Reject",
        "actor": DAVE,
        "object.id": ZOE_FOLLOW,
        "object.type": "Follow",
        "object.actor": ZOE,
        "object.object": DAVE,
    },
    "misskey/undo_announce.json": {
        "id": f"{MISSKEY}/notes/9h4kr3n0te/activity/undo",
        "type": "Undo",
        "actor": DAVE,
        "object.id": f"{MISSKEY}/notes/9h4kr3n0te/activity",
        "object.type": "Announce",
        "object.actor": DAVE,
        "object.to": [PUBLIC],
        "object.cc": [f"{DAVE}/followers"],
        "object.object": ZOE_STATUS,
    },
    "misskey/undo_block.json": {
        "id": f"{MISSKEY}/blocks/9h4kb10cka/undo",
        "type": "Undo",
        "actor": DAVE,
        "object.id": f"{MISSKEY}/blocks/9h4kb10cka",
        "object.type": "Block",
        "object.actor": DAVE,
        "object.object": ZOE,
    },
    "misskey/undo_follow.json": {
        "id": f"{MISSKEY}/follows/9h4k2m3n5p/9h3q8r7s6t/undo",
        "type": "Undo",
        "actor": DAVE,
        "object.id": f"{MISSKEY}/follows/9h4k2m3n5p/9h3q8r7s6t",
        "object.type": "Follow",
        "object.actor": DAVE,
        "object.object": ZOE,
    },
    "misskey/undo_like.json": {
        "id": f"{MISSKEY}/likes/9h4kl1k3aa/undo",
        "type": "Undo",
        "actor": DAVE,
        "object.id": f"{MISSKEY}/likes/9h4kl1k3aa",
        "object.type": "Like",
        "object.actor": DAVE,
        "object.content": "👍",
        "object.misskey_reaction": "👍",
        "object.reaction": "👍",
        "object.object": ZOE_STATUS,
    },
    "misskey/update_person.json": {
        "id": f"{DAVE}#updates/1741946400000",
        "type": "Update",
        "actor": DAVE,
        "to": [PUBLIC],
        "object.id": DAVE,
        "object.type": "Person",
        "object.name": "Dave (knitting hiatus)",
        "object.summary": "<p><span>dave on misskey.example</span></p>",
    },
    "misskey/vote.json": {
        "id": f"{DAVE}#votes/9h4kv0t3aa/activity",
        "type": "Create",
        "actor": DAVE,
        "to": [ZOE],
        "object.id": f"{DAVE}#votes/9h4kv0t3aa",
        "object.type": "Note",
        "object.attributed_to": DAVE,
        "object.to": [ZOE],
        "object.in_reply_to": ZOE_QUESTION,
        "object.name": "Moss",
    },
    "other/accept_follow_by_reference.json": {
        "id": "https://other.example/activities/1003",
        "type": "Accept",
        "actor": "https://other.example/people/quinn",
        "to": [ZOE],
        "object": ZOE_FOLLOW,
    },
    "other/create_note_quote_fep_e232.json": {
        "id": "https://other.example/activities/1002",
        "type": "Create",
        "actor": "https://other.example/people/quinn",
        "to": [PUBLIC],
        "object.id": "https://other.example/notes/1002",
        "object.type": "Note",
        "object.attributed_to": "https://other.example/people/quinn",
        "object.to": [PUBLIC],
        "object.quote_url": f"{MISSKEY}/notes/9h4kab12cd",
    },
    "other/create_note_type_array.json": {
        "id": "https://other.example/activities/1001",
        "type": "Create",
        "actor": "https://other.example/people/quinn",
        "to": [PUBLIC],
        "cc": ["https://other.example/people/quinn/followers"],
        "object.id": "https://other.example/notes/1001",
        "object.type": "Note",
        "object.attributed_to": "https://other.example/people/quinn",
        "object.to": [PUBLIC],
        "object.cc": ["https://other.example/people/quinn/followers"],
        "object.url": "https://other.example/@quinn/1001",
        "object.published": "2025-03-14T12:00:00+01:00",
    },
    "peertube/create_video.json": {
        "id": "https://peertube.example/videos/watch/2b4d6f8a-0c1e-4a3b-9d5f-7e9a1c3e5b7d/activity",
        "type": "Create",
        "actor": "https://peertube.example/accounts/grower",
        "to": [PUBLIC],
        "cc": ["https://peertube.example/accounts/grower/followers"],
        "object.id": "https://peertube.example/videos/watch/2b4d6f8a-0c1e-4a3b-9d5f-7e9a1c3e5b7d",
        "object.type": "Video",
        "object.attributed_to": "https://peertube.example/accounts/grower",
        "object.to": [PUBLIC],
        "object.cc": ["https://peertube.example/accounts/grower/followers"],
        "object.name": "Dividing a fern, slowly",
        "object.language": "en",
        "object.updated": "2025-03-12T16:20:00.000Z",
        "object.hashtags": ["ferns", "gardening"],
        "object.media_type": "text/markdown",
        "object.url": "https://peertube.example/w/2b4d6f8a-0c1e-4a3b-9d5f-7e9a1c3e5b7d",
    },
    "pleroma/accept_follow.json": {
        "id": f"{PLEROMA}/activities/4c0f0010-5a1e-4c3d-9b2a-1f0e00000010",
        "type": "Accept",
        "actor": BOB,
        "to": [ZOE],
        "object.id": ZOE_FOLLOW,
        "object.type": "Follow",
        "object.actor": ZOE,
        "object.object": BOB,
    },
    "pleroma/actor_person.json": {
        "id": BOB,
        "type": "Person",
        "preferred_username": "bob",
        "name": "Bob :pleromagic:",
        "url": BOB,
        "inbox": f"{BOB}/inbox",
        "shared_inbox": f"{PLEROMA}/inbox",
        "followers": f"{BOB}/followers",
        "featured": f"{BOB}/collections/featured",
        "public_key.id": f"{BOB}#main-key",
        "public_key.owner": BOB,
        "icon": f"{PLEROMA}/media/4c0f0001-5a1e-4c3d-9b2a-1f0e00000001/avatar.png",
        "image": f"{PLEROMA}/media/4c0f0002-5a1e-4c3d-9b2a-1f0e00000002/banner.jpg",
        "fields.*.name": ["Website", "Languages"],
        "emojis.*.shortcode": ["pleromagic"],
        "manually_approves_followers": True,
        "discoverable": True,
    },
    "pleroma/announce.json": {
        "id": f"{PLEROMA}/activities/4c0f0016-5a1e-4c3d-9b2a-1f0e00000016",
        "type": "Announce",
        "actor": BOB,
        "to": [f"{BOB}/followers", ZOE],
        "cc": [PUBLIC],
        "object": ZOE_STATUS,
    },
    "pleroma/announce_embedded.json": {
        "id": f"{PLEROMA}/activities/4c0f0018-5a1e-4c3d-9b2a-1f0e00000018",
        "type": "Announce",
        "actor": BOB,
        "to": [f"{BOB}/followers"],
        "object.id": f"{PLEROMA}/objects/4c0f000d-5a1e-4c3d-9b2a-1f0e0000000d",
        "object.type": "Note",
        "object.attributed_to": BOB,
        "object.to": [f"{BOB}/followers"],
        "object.language": "en",
    },
    "pleroma/block.json": {
        "id": f"{PLEROMA}/activities/4c0f001e-5a1e-4c3d-9b2a-1f0e0000001e",
        "type": "Block",
        "actor": BOB,
        "to": [ZOE],
        "object": ZOE,
    },
    "pleroma/create_note_direct.json": {
        "id": f"{PLEROMA}/activities/4c0f000b-5a1e-4c3d-9b2a-1f0e0000000b",
        "type": "Create",
        "actor": BOB,
        "to": [ZOE],
        "object.id": f"{PLEROMA}/objects/4c0f000a-5a1e-4c3d-9b2a-1f0e0000000a",
        "object.type": "Note",
        "object.attributed_to": BOB,
        "object.to": [ZOE],
        "object.language": "en",
        "object.mentions.*.href": [ZOE],
    },
    "pleroma/create_note_followers_only.json": {
        "id": f"{PLEROMA}/activities/4c0f000e-5a1e-4c3d-9b2a-1f0e0000000e",
        "type": "Create",
        "actor": BOB,
        "to": [f"{BOB}/followers"],
        "object.id": f"{PLEROMA}/objects/4c0f000d-5a1e-4c3d-9b2a-1f0e0000000d",
        "object.type": "Note",
        "object.attributed_to": BOB,
        "object.to": [f"{BOB}/followers"],
        "object.language": "en",
    },
    "pleroma/create_note_public.json": {
        "id": f"{PLEROMA}/activities/4c0f0006-5a1e-4c3d-9b2a-1f0e00000006",
        "type": "Create",
        "actor": BOB,
        "to": [PUBLIC, ZOE],
        "cc": [f"{BOB}/followers"],
        "object.id": f"{PLEROMA}/objects/4c0f0005-5a1e-4c3d-9b2a-1f0e00000005",
        "object.type": "Note",
        "object.attributed_to": BOB,
        "object.to": [PUBLIC, ZOE],
        "object.cc": [f"{BOB}/followers"],
        "object.language": "en",
        "object.mentions.*.href": [ZOE],
        "object.hashtags": ["snails"],
        "object.emojis.*.shortcode": ["pleromagic"],
        "object.attachments": [
            {
                "type": "Document",
                "url": f"{PLEROMA}/media/4c0f0004-5a1e-4c3d-9b2a-1f0e00000004/snail.png",
                "media_type": "image/png",
                "name": "A garden snail on a lettuce leaf",
                "blurhash": "L9Ay^Xs:00of_3ayIUay~qj[M{fQ",
                "focal_point": None,
                "width": 1200,
                "height": 900,
            }
        ],
        "object.context": f"{PLEROMA}/contexts/4c0f0003-5a1e-4c3d-9b2a-1f0e00000003",
        "object.source.media_type": "text/plain",
    },
    "pleroma/create_note_reply.json": {
        "id": f"{PLEROMA}/activities/4c0f0008-5a1e-4c3d-9b2a-1f0e00000008",
        "type": "Create",
        "actor": BOB,
        "to": [ALICE, PUBLIC],
        "cc": [f"{BOB}/followers"],
        "object.id": f"{PLEROMA}/objects/4c0f0007-5a1e-4c3d-9b2a-1f0e00000007",
        "object.type": "Note",
        "object.attributed_to": BOB,
        "object.to": [ALICE, PUBLIC],
        "object.cc": [f"{BOB}/followers"],
        "object.in_reply_to": f"{ALICE}/statuses/113500000000000001",
        "object.language": "en",
        "object.mentions.*.href": [ALICE],
    },
    "pleroma/create_question.json": {
        "id": f"{PLEROMA}/activities/4c0f0022-5a1e-4c3d-9b2a-1f0e00000022",
        "type": "Create",
        "actor": BOB,
        "to": [PUBLIC],
        "cc": [f"{BOB}/followers"],
        "object.id": f"{PLEROMA}/objects/4c0f0021-5a1e-4c3d-9b2a-1f0e00000021",
        "object.type": "Question",
        "object.attributed_to": BOB,
        "object.to": [PUBLIC],
        "object.cc": [f"{BOB}/followers"],
        "object.language": "en",
        "object.poll": {
            "multiple": True,
            "options": [
                {"title": "lettuce", "votes": 3},
                {"title": "cucumber", "votes": 2},
                {"title": "cardboard", "votes": 0},
            ],
            "end_time": "2025-03-10T12:00:00.000000",
            "closed": True,
            "voters_count": 4,
        },
    },
    "pleroma/delete_note.json": {
        "id": f"{PLEROMA}/activities/4c0f001d-5a1e-4c3d-9b2a-1f0e0000001d",
        "type": "Delete",
        "actor": BOB,
        "to": [f"{BOB}/followers"],
        "object": f"{PLEROMA}/objects/4c0f000d-5a1e-4c3d-9b2a-1f0e0000000d",
    },
    "pleroma/emoji_react.json": {
        "id": f"{PLEROMA}/activities/4c0f0015-5a1e-4c3d-9b2a-1f0e00000015",
        "type": "EmojiReact",
        "actor": BOB,
        "to": [f"{BOB}/followers", ZOE],
        "cc": [PUBLIC],
        "content": "🐌",
        "reaction": "🐌",
        "object": ZOE_STATUS,
    },
    "pleroma/emoji_react_custom.json": {
        "id": f"{PLEROMA}/activities/4c0f0030-5a1e-4c3d-9b2a-1f0e00000030",
        "type": "EmojiReact",
        "actor": BOB,
        "to": [f"{BOB}/followers", ZOE],
        "cc": [PUBLIC],
        "content": ":pleromagic:",
        "reaction": ":pleromagic:",
        "emojis.*.shortcode": ["pleromagic"],
        "emojis.*.url": [f"{PLEROMA}/emoji/custom/pleromagic.png"],
        "object": ZOE_STATUS,
    },
    "pleroma/follow.json": {
        "id": f"{PLEROMA}/activities/4c0f000f-5a1e-4c3d-9b2a-1f0e0000000f",
        "type": "Follow",
        "actor": BOB,
        "to": [ZOE],
        "object": ZOE,
    },
    "pleroma/like.json": {
        "id": f"{PLEROMA}/activities/4c0f0013-5a1e-4c3d-9b2a-1f0e00000013",
        "type": "Like",
        "actor": BOB,
        "to": [f"{BOB}/followers", ZOE],
        "cc": [PUBLIC],
        "object": ZOE_STATUS,
    },
    "pleroma/reject_follow.json": {
        "id": f"{PLEROMA}/activities/4c0f0011-5a1e-4c3d-9b2a-1f0e00000011",
        "type": "Reject",
        "actor": BOB,
        "to": [ZOE],
        "object.id": ZOE_FOLLOW,
        "object.type": "Follow",
        "object.actor": ZOE,
        "object.object": BOB,
    },
    "pleroma/undo_announce.json": {
        "id": f"{PLEROMA}/activities/4c0f0017-5a1e-4c3d-9b2a-1f0e00000017",
        "type": "Undo",
        "actor": BOB,
        "to": [f"{BOB}/followers", ZOE],
        "cc": [PUBLIC],
        "object": f"{PLEROMA}/activities/4c0f0016-5a1e-4c3d-9b2a-1f0e00000016",
    },
    "pleroma/undo_block.json": {
        "id": f"{PLEROMA}/activities/4c0f001f-5a1e-4c3d-9b2a-1f0e0000001f",
        "type": "Undo",
        "actor": BOB,
        "to": [ZOE],
        "object": f"{PLEROMA}/activities/4c0f001e-5a1e-4c3d-9b2a-1f0e0000001e",
    },
    "pleroma/undo_follow.json": {
        "id": f"{PLEROMA}/activities/4c0f0012-5a1e-4c3d-9b2a-1f0e00000012",
        "type": "Undo",
        "actor": BOB,
        "to": [ZOE],
        "object.id": f"{PLEROMA}/activities/4c0f000f-5a1e-4c3d-9b2a-1f0e0000000f",
        "object.type": "Follow",
        "object.actor": BOB,
        "object.to": [ZOE],
        "object.object": ZOE,
    },
    "pleroma/undo_like.json": {
        "id": f"{PLEROMA}/activities/4c0f0014-5a1e-4c3d-9b2a-1f0e00000014",
        "type": "Undo",
        "actor": BOB,
        "to": [f"{BOB}/followers", ZOE],
        "cc": [PUBLIC],
        "object": f"{PLEROMA}/activities/4c0f0013-5a1e-4c3d-9b2a-1f0e00000013",
    },
    "pleroma/undo_emoji_react.json": {
        "id": f"{PLEROMA}/activities/4c0f0031-5a1e-4c3d-9b2a-1f0e00000031",
        "type": "Undo",
        "actor": BOB,
        "to": [f"{BOB}/followers", ZOE],
        "cc": [PUBLIC],
        "object": f"{PLEROMA}/activities/4c0f0015-5a1e-4c3d-9b2a-1f0e00000015",
    },
    "pleroma/update_note.json": {
        "id": f"{PLEROMA}/activities/4c0f0019-5a1e-4c3d-9b2a-1f0e00000019",
        "type": "Update",
        "actor": BOB,
        "to": [PUBLIC, ZOE],
        "cc": [f"{BOB}/followers"],
        "object.id": f"{PLEROMA}/objects/4c0f0005-5a1e-4c3d-9b2a-1f0e00000005",
        "object.type": "Note",
        "object.attributed_to": BOB,
        "object.to": [PUBLIC, ZOE],
        "object.cc": [f"{BOB}/followers"],
        "object.language": "en",
        "object.updated": "2025-03-14T11:05:40.551203Z",
        "object.mentions.*.href": [ZOE],
        "object.hashtags": ["snails"],
        "object.emojis.*.shortcode": ["pleromagic"],
        "object.attachments": [
            {
                "type": "Document",
                "url": f"{PLEROMA}/media/4c0f0004-5a1e-4c3d-9b2a-1f0e00000004/snail.png",
                "media_type": "image/png",
                "name": "A garden snail on a lettuce leaf",
                "blurhash": "L9Ay^Xs:00of_3ayIUay~qj[M{fQ",
                "focal_point": None,
                "width": 1200,
                "height": 900,
            }
        ],
    },
    "pleroma/update_person.json": {
        "id": f"{PLEROMA}/activities/4c0f001c-5a1e-4c3d-9b2a-1f0e0000001c",
        "type": "Update",
        "actor": BOB,
        "to": [PUBLIC],
        "cc": [f"{BOB}/followers"],
        "object.id": BOB,
        "object.type": "Person",
        "object.name": "Bob (moving soon)",
        "object.manually_approves_followers": True,
        "object.summary": "<p>bob posts about snails and slow software.</p>",
    },
    "pleroma/vote.json": {
        "id": f"{PLEROMA}/activities/4c0f0024-5a1e-4c3d-9b2a-1f0e00000024",
        "type": "Create",
        "actor": BOB,
        "to": [ZOE],
        "object.id": f"{PLEROMA}/objects/4c0f0023-5a1e-4c3d-9b2a-1f0e00000023",
        "object.type": "Note",
        "object.attributed_to": BOB,
        "object.to": [ZOE],
        "object.in_reply_to": ZOE_QUESTION,
        "object.name": "Ferns",
    },
    "pleroma/vote_answer.json": {
        "id": f"{PLEROMA}/activities/4c0f0026-5a1e-4c3d-9b2a-1f0e00000026",
        "type": "Create",
        "actor": BOB,
        "to": [ZOE],
        "object.id": f"{PLEROMA}/objects/4c0f0025-5a1e-4c3d-9b2a-1f0e00000025",
        "object.type": "Answer",
        "object.attributed_to": BOB,
        "object.to": [ZOE],
        "object.in_reply_to": ZOE_QUESTION,
        "object.name": "Moss",
    },
    "writefreely/create_article.json": {
        "id": "https://writefreely.example/api/posts/k3v9x2m8qw",
        "type": "Create",
        "actor": "https://writefreely.example/api/collections/gardenjournal",
        "to": [PUBLIC],
        "cc": ["https://writefreely.example/api/collections/gardenjournal/followers"],
        "object.id": "https://writefreely.example/api/posts/k3v9x2m8qw",
        "object.type": "Article",
        "object.attributed_to": "https://writefreely.example/api/collections/gardenjournal",
        "object.to": [PUBLIC],
        "object.cc": ["https://writefreely.example/api/collections/gardenjournal/followers"],
        "object.name": "Winter ferns",
        "object.language": "en",
        "object.hashtags": ["ferns"],
        "object.url": "https://writefreely.example/gardenjournal/winter-ferns",
    },
    # -- other servers and hostile shapes (issue 11, robustness) ----------------------------
    "birdmakeup/create_note_tweet.json": {
        "type": "Create",
        "actor": f"{BIRDMAKEUP}/users/fernsdaily",
        "object.type": "Note",
        "object.summary": None,
        "object.url": f"{BIRDMAKEUP}/@fernsdaily/1901234567890123456",
        "object.attachments.*.media_type": ["image/jpeg", "video/mp4"],
        "object.attachments.*.name": [None, ""],
        "object.quote_url": None,
        "object.cc": [f"{BIRDMAKEUP}/users/fernsdaily/followers"],
    },
    "bridgyfed/create_note_bluesky.json": {
        "type": "Create",
        "actor": BRIDGY_ACTOR,
        "object.id": f"{BRIDGY_BSKY}/convert/ap/at://{BRIDGY_DID}/app.bsky.feed.post/3lkq7fzxw2c2b",
        "object.attributed_to": BRIDGY_ACTOR,
        "object.language": "en",
        "object.url": f"https://bsky.app/profile/{BRIDGY_DID}/post/3lkq7fzxw2c2b",
        "object.attachments.*.type": ["Image"],
        "object.attachments.*.name": ["curled fern fronds"],
        "object.attachments.*.media_type": [None],
        "object.hashtags": ["ferns"],
        "object.quote_url": BRIDGY_QUOTED,
        "object.to": [PUBLIC],
    },
    "bridgyfed/create_note_web_title_only.json": {
        "type": "Create",
        "actor": f"{BRIDGY_WEB}/ferngarden.example",
        "object.attributed_to": f"{BRIDGY_WEB}/ferngarden.example",
        "object.content": None,
        "object.name": "Fiddleheads & frost <3",
        "object.url": "https://ferngarden.example/2025/03/fiddleheads",
    },
    "friendica/create_event.json": {
        "type": "Create",
        "actor": HEIKE,
        "object.type": "Event",
        "object.name": "Fern swap",
        "object.content": "Bring a cutting, take a cutting.",
    },
    "friendica/create_note_public.json": {
        "id": f"{FRIENDICA}/objects/7a1c3e5f-1165-a2b4-9e0d-6f2b8c4a1d30/Create",
        "type": "Create",
        "actor": HEIKE,
        "cc": [f"{HEIKE}/followers", ZOE],
        "object.type": "Note",
        "object.summary": None,
        "object.language": "de",
        "object.context": f"{FRIENDICA}/objects/7a1c3e5f-1165-a2b4-9e0d-6f2b8c4a1d30#context",
        "object.attachments.*.url": [f"{FRIENDICA}/photo/3d5f7a9c1e2b-1.jpg"],
        "object.attachments.*.width": [1200],
        "object.mentions.*.href": [ZOE],
        "object.hashtags": ["ferns"],
        "object.emojis.*.shortcode": ["heart_fern"],
        "object.source.media_type": "text/bbcode",
    },
    "lemmy/announce_like.json": {
        "type": "Announce",
        "actor": f"{LEMMY}/c/gardening",
        "object.type": "Like",
        "object.actor": f"{LEMMY}/u/fern_fan",
        "object.object": f"{LEMMY}/post/4242",
    },
    "lemmy/create_note_comment.json": {
        "type": "Create",
        "actor": f"{LEMMY}/u/fern_fan",
        "object.id": f"{LEMMY}/comment/9001",
        "object.in_reply_to": f"{LEMMY}/post/4242",
        "object.language": "en",
        "object.mentions.*.href": [ZOE],
        "object.source.media_type": "text/markdown",
        "object.cc": [f"{LEMMY}/c/gardening", ZOE],
    },
    "lemmy/create_page_image_link.json": {
        "type": "Create",
        "object.type": "Page",
        "object.content": None,
        "object.language": None,
        "object.name": "My maidenhair in spring",
        "object.attachments.*.type": ["Document"],
        "object.attachments.*.media_type": ["image/jpeg"],
        "object.attachments.*.url": [f"{LEMMY}/pictrs/image/b3d9f1a7-maidenhair.jpeg"],
    },
    "other/create_note_attachment_links.json": {
        "object.attachments.*.url": [
            "https://evil.example/photo.png",
            "https://evil.example/clip.webm",
        ],
        "object.attachments.*.media_type": ["image/png", "video/webm"],
    },
    "other/create_note_content_as_map.json": {
        "object.content": "<p>a content map where a string belongs</p>",
        "object.language": "en",
    },
    "other/create_note_content_map_only.json": {
        "object.content": "<p>seulement une carte</p>",
        "object.language": "fr",
    },
    "other/create_note_deep_nesting.json": {REFUSED: "nested more than 32 levels"},
    "other/create_note_many_attachments.json": {
        "object.attachments.*.name": [f"picture {i}" for i in range(MAX_ATTACHMENTS)],
    },
    "other/create_note_many_mentions.json": {
        "object.mentions.*.href": [f"https://evil.example/users/u{i}" for i in range(MAX_MENTIONS)],
    },
    "other/create_note_object_without_id.json": {REFUSED: "Create object id is missing"},
    "other/create_note_odd_html.json": {
        "type": "Create",
        "object.type": "Note",
        "object.summary": "<script>alert('cw')</script>spoiler <b>bold</b>",
    },
    "other/create_note_without_id.json": {REFUSED: "activity id is missing"},
    "other/create_question_many_options.json": {
        "object.type": "Question",
        "object.poll.options.*.title": [f"option {i}" for i in range(MAX_POLL_OPTIONS)],
        "object.poll.multiple": False,
    },
    "other/create_unknown_type.json": {
        "type": "Create",
        "object.type": "Sparkle",
        "object.content": "<p>what is this</p>",
    },
    "other/undo_embedded_too_deep.json": {REFUSED: "embedded more than 3 levels deep"},
    "peertube/create_cache_file.json": {REFUSED: "embedded activity actor is missing"},
    "peertube/create_note_comment.json": {
        "type": "Create",
        "object.type": "Note",
        "object.in_reply_to": f"{PEERTUBE}/videos/watch/2b4d6f8a-0c1e-4a3b-9d5f-7e9a1c3e5b7d",
        "object.media_type": "text/markdown",
        "object.mentions.*.href": [ZOE],
    },
    "peertube/create_video_name_only.json": {
        "object.type": "Video",
        "object.content": None,
        "object.name": "Timelapse: a frond unrolls",
        "object.attributed_to": f"{PEERTUBE}/accounts/grower",
        "object.url": f"{PEERTUBE}/w/9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
        "object.language": None,
        "object.attachments": [],
    },
    "wordpress/create_article.json": {
        "id": f"{WORDPRESS}/?p=412#activity-create",
        "actor": f"{WORDPRESS}/?author=1",
        "object.id": f"{WORDPRESS}/?p=412",
        "object.type": "Article",
        "object.name": "Ferns on a north wall",
        "object.language": "en",
        "object.url": f"{WORDPRESS}/2025/03/17/ferns-on-a-north-wall/",
        "object.attachments.*.type": ["Image", "Audio"],
        "object.attachments.*.name": ["the wall", None],
        "object.hashtags": ["ferns", "northwalls"],
        "object.updated": "2025-03-17T08:02:11Z",
    },
    "wordpress/create_note_comment.json": {
        "object.id": f"{WORDPRESS}/?c=58",
        "object.in_reply_to": ZOE_STATUS,
        "object.mentions.*.href": [ZOE],
        "object.url": f"{WORDPRESS}/2025/03/17/ferns-on-a-north-wall/#comment-58",
    },
    # Scrobbles and chats (Pleroma), events (the pl fork, Mobilizon, Gancio).
    "pleroma/listen.json": {
        "type": "Listen",
        "actor": BOB,
        "to": [PUBLIC],
        "cc": [f"{BOB}/followers"],
        "object.type": "Audio",
        "object.id": f"{PLEROMA}/objects/4c0f0042-5a1e-4c3d-9b2a-1f0e00000042",
        "object.attributed_to": BOB,
        "object.details": {
            "title": "lain radio episode 1",
            "artist": "lain",
            "album": "lain radio",
            "length": 180000,
            "external_link": "https://www.last.fm/music/lain/_/lain+radio+episode+1",
        },
    },
    "pleroma/create_chat_message.json": {
        "type": "Create",
        "to": [ZOE],
        "object.type": "ChatMessage",
        "object.attributed_to": BOB,
        "object.to": [ZOE],
        "object.emojis.*.shortcode": ["pleromagic"],
        "object.attachments": [],
        "object.details": None,
    },
    "pleroma/create_chat_message_attachment.json": {
        "object.type": "ChatMessage",
        "object.content": "",
        "object.attachments.*.url": [f"{PLEROMA}/media/4c0f0049/fern.png"],
        "object.attachments.*.media_type": ["image/png"],
        "object.attachments.*.name": ["a fern"],
    },
    "pl/create_event.json": {
        "type": "Create",
        "object.type": "Event",
        "object.name": "Jam session",
        "object.attributed_to": "https://pl.example/users/kasia",
        "object.hashtags": ["music"],
        "object.details.start_time": "2025-06-14T18:00:00Z",
        "object.details.end_time": "2025-06-14T20:00:00Z",
        "object.details.join_mode": "restricted",
        "object.details.participants_count": 3,
        "object.details.participation_request_count": 1,
        "object.details.location": {
            "name": "Community Garden",
            "url": None,
            "street": "Ogrodowa 5",
            "postal_code": "00-001",
            "locality": "Warszawa",
            "region": None,
            "country": "Polska",
            "longitude": 21.0122,
            "latitude": 52.2297,
        },
    },
    "pl/join.json": {
        "type": "Join",
        "actor": "https://pl.example/users/kasia",
        "object": ZOE_STATUS,
        "raw.participationMessage": "Can I bring a friend?",
    },
    "pl/accept_join.json": {
        "type": "Accept",
        "object": "https://pyleroma.example/activities/5d1e0013-6b2f-4d4e-8c3b-2a1f00000013",
    },
    "pl/reject_join.json": {
        "type": "Reject",
        "object": "https://pyleroma.example/activities/5d1e0013-6b2f-4d4e-8c3b-2a1f00000013",
    },
    "pl/leave.json": {"type": "Leave", "object": ZOE_STATUS},
    "mobilizon/create_event.json": {
        "type": "Create",
        "object.type": "Event",
        "object.name": "Mobilizon Launching Party",
        "object.attributed_to": "https://mobilizon.example/@tcit",
        "object.hashtags": ["mobilizon", "party"],
        "object.details.join_mode": "free",
        "object.details.participants_count": 42,
        "object.details.participation_request_count": None,
        "object.details.location.name": "Cour du Château des Ducs de Bretagne",
        "object.details.location.locality": "Nantes",
        "object.details.location.street": None,
        "object.details.location.latitude": 47.21617415,
    },
    "mobilizon/create_event_with_banner.json": {
        "type": "Create",
        "object.type": "Event",
        "object.name": "Mobilizon Birthday Picnic",
        "object.details.join_mode": "restricted",
        "object.details.timezone": "Europe/Paris",
        "object.attachments.*.url": [
            "https://mobilizon.example/media/4a9e8b5c0d1f2e3a.jpg?name=picnic.jpg"
        ],
        "object.attachments.*.name": ["Banner"],
    },
    "mobilizon/join.json": {
        "type": "Join",
        "actor": "https://mobilizon.example/@tcit",
        "object": ZOE_STATUS,
        "to": [],
    },
    "mobilizon/accept_join.json": {
        "type": "Accept",
        "object.type": "Join",
        "object.actor": ZOE,
        "object.id": "https://pyleroma.example/activities/7d1f3986-8b2c-48c2-b89e-d27ba8459777",
        "object.object": "https://mobilizon.example/events/252d5816-00a3-4a89-a66f-15bf65c33e39",
    },
    "mobilizon/leave.json": {"type": "Leave", "object": ZOE_STATUS, "to": [ZOE]},
    "gancio/create_event.json": {
        "type": "Create",
        "object.type": "Event",
        "object.name": "Cinema under the stars",
        "object.url": "https://gancio.example/event/cinema-under-the-stars",
        "object.attachments.*.url": ["https://gancio.example/media/flyer-317.jpg"],
        "object.details.start_time": "2025-06-20T21:00:00+02:00",
        "object.details.join_mode": "free",
        "object.details.location.street": "Via dei Giardini 12, Bologna",
        "object.details.location.longitude": 11.3426,
    },
}


def fixture_names() -> list[str]:
    return sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*.json"))


def test_every_fixture_has_expectations():
    assert fixture_names() == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_normalises_to_expected_values(name):
    raw = load(name)
    if REFUSED in EXPECTED[name]:
        with pytest.raises(InvalidActivity, match=EXPECTED[name][REFUSED]):
            normalize_fixture(raw, name)
        return
    result = normalize_fixture(raw, name)
    assert result["raw"] is raw
    for path, want in EXPECTED[name].items():
        assert dig(result, path) == want, f"{name}: {path}"


def assert_canonical(result: dict[str, Any]) -> None:
    """Every key present, at every level, with the types the shape promises."""
    if "inbox" in result:
        assert set(result) == ACTOR_KEYS
        assert all(set(f) == {"name", "value"} for f in result["fields"])
    elif "attributed_to" in result:
        assert set(result) == OBJECT_KEYS
        assert isinstance(result["sensitive"], bool)
        assert all(set(a) == ATTACHMENT_KEYS for a in result["attachments"])
        assert all(isinstance(tag, str) for tag in result["hashtags"])
        if result["poll"] is not None:
            assert set(result["poll"]) == POLL_KEYS
    else:
        assert set(result) == ACTIVITY_KEYS
        assert isinstance(result["actor"], str)
        if isinstance(result["object"], dict):
            assert_canonical(result["object"])
    for key in ("to", "cc", "bto", "bcc", "also_known_as"):
        if key in result:
            assert all(isinstance(entry, str) for entry in result[key])
    assert all(set(e) == {"shortcode", "url", "updated"} for e in result["emojis"])


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if REFUSED not in EXPECTED[n]))
def test_fixture_result_has_every_key(name):
    assert_canonical(normalize_fixture(load(name), name))


def test_normalising_leaves_the_input_unchanged():
    raw = load("mastodon/create_note_public.json")
    before = copy.deepcopy(raw)
    normalize_activity(raw)
    assert raw == before


# -- quirks of real servers, spelled out ------------------------------------------------------


def test_mastodon_link_preview_is_not_a_media_attachment():
    raw = load("mastodon/create_note_public.json")
    assert [a["type"] for a in raw["object"]["attachment"]] == ["Document", "Link"]
    assert len(normalize_activity(raw)["object"]["attachments"]) == 1


def test_mastodon_vote_addresses_the_poll_author_with_a_bare_string():
    raw = load("mastodon/vote.json")
    assert raw["to"] == ZOE
    result = normalize_activity(raw)
    assert result["to"] == [ZOE]
    assert result["object"]["content"] is None


def test_mastodon_quote_of_a_deleted_post_is_a_tombstone_and_no_quote_url():
    raw = load("mastodon/create_note_quote.json")
    for key in ("_misskey_quote", "quoteUri"):
        del raw["object"][key]
    raw["object"]["quote"] = {"type": "Tombstone"}
    assert normalize_activity(raw)["object"]["quote_url"] is None


def test_gotosocial_single_tag_and_audience_come_as_scalars():
    raw = load("gotosocial/create_note_reply.json")
    assert isinstance(raw["object"]["tag"], dict)
    assert isinstance(raw["object"]["to"], str)
    obj = normalize_activity(raw)["object"]
    assert obj["mentions"] == [{"href": ALICE, "name": "@alice@mastodon.example"}]
    assert obj["to"] == [PUBLIC]


def test_gotosocial_alt_text_is_in_summary():
    raw = load("gotosocial/create_note_public.json")
    assert "name" not in raw["object"]["attachment"][0]
    attachment = normalize_activity(raw)["object"]["attachments"][0]
    assert attachment["name"] == raw["object"]["attachment"][0]["summary"]


def test_gotosocial_actor_has_no_shared_inbox_and_a_path_key_id():
    actor = normalize_actor(load("gotosocial/actor_person.json"))
    assert actor["shared_inbox"] is None
    assert actor["public_key"]["id"] == f"{ERIN}/main-key"


def test_pleroma_closed_is_the_end_time_not_a_state():
    ended = normalize_activity(load("pleroma/create_question.json"))["object"]["poll"]
    assert ended["end_time"] == "2025-03-10T12:00:00.000000"
    assert ended["closed"] is True
    running = normalize_activity(load("akkoma/create_question.json"))["object"]["poll"]
    assert running["end_time"] == "2099-01-01T00:00:00.000000"
    assert running["closed"] is False


def test_pleroma_undo_names_the_undone_activity_by_id():
    like = normalize_activity(load("pleroma/like.json"))
    undo = normalize_activity(load("pleroma/undo_like.json"))
    assert undo["object"] == like["id"]


def test_pleroma_answer_variant_and_note_vote_read_alike():
    note = normalize_activity(load("pleroma/vote.json"))["object"]
    answer = normalize_activity(load("pleroma/vote_answer.json"))["object"]
    assert (note["type"], answer["type"]) == ("Note", "Answer")
    assert note["in_reply_to"] == answer["in_reply_to"] == ZOE_QUESTION
    assert (note["name"], answer["name"]) == ("Ferns", "Moss")


def test_misskey_sends_the_quote_three_ways_and_mfm_source():
    obj = normalize_activity(load("misskey/create_note_quote.json"))["object"]
    raw = obj["raw"]
    assert raw["_misskey_quote"] == raw["quoteUrl"] == raw["quoteUri"] == obj["quote_url"]
    assert obj["source"] == {
        "content": raw["_misskey_content"],
        "media_type": "text/x.misskeymarkdown",
    }


def test_peertube_picks_the_person_from_attributed_to_and_the_html_url():
    video = normalize_activity(load("peertube/create_video.json"))["object"]
    assert video["attributed_to"] == "https://peertube.example/accounts/grower"
    assert video["url"] == "https://peertube.example/w/2b4d6f8a-0c1e-4a3b-9d5f-7e9a1c3e5b7d"
    assert video["media_type"] == "text/markdown"
    assert video["hashtags"] == ["ferns", "gardening"]


def test_type_arrays_pick_the_first_known_type():
    result = normalize_activity(load("other/create_note_type_array.json"))
    assert result["type"] == "Create"
    assert result["object"]["type"] == "Note"
    assert result["object"]["attributed_to"] == "https://other.example/people/quinn"


def test_is_public():
    assert is_public(normalize_activity(load("misskey/create_note_home.json")))
    assert not is_public(normalize_activity(load("misskey/create_note_followers_only.json")))


# -- hostile and malformed input --------------------------------------------------------------


def minimal(**overrides: Any) -> dict[str, Any]:
    activity = {
        "id": "https://evil.example/activities/1",
        "type": "Like",
        "actor": "https://evil.example/users/mallory",
        "object": ZOE_STATUS,
    }
    activity.update(overrides)
    return {k: v for k, v in activity.items() if v is not ...}


def create(obj: Any, **overrides: Any) -> dict[str, Any]:
    return minimal(type="Create", object=obj, **overrides)


def note(**overrides: Any) -> dict[str, Any]:
    obj = {
        "id": "https://evil.example/notes/1",
        "type": "Note",
        "attributedTo": "https://evil.example/users/mallory",
        "content": "<p>hi</p>",
        "to": [PUBLIC],
    }
    obj.update(overrides)
    return {k: v for k, v in obj.items() if v is not ...}


def refused(raw: Any, message: str) -> None:
    with pytest.raises(InvalidActivity, match=message):
        normalize_activity(raw)


@pytest.mark.parametrize("raw", [None, "a string", 42, [], [minimal()]])
def test_refuses_what_is_not_an_object(raw):
    refused(raw, "must be a JSON object")


def test_invalid_activity_is_a_value_error():
    assert issubclass(InvalidActivity, ValueError)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id": ...}, "activity id is missing"),
        ({"id": None}, "activity id is missing"),
        ({"id": ""}, "activity id is empty"),
        ({"id": 12345}, "activity id must be a string, not int"),
        ({"id": ["https://evil.example/a"]}, "activity id must be a string, not list"),
        ({"id": {"href": "https://evil.example/a"}}, "activity id must be a string, not dict"),
        ({"id": "javascript:alert(1)"}, "activity id is not an http"),
        ({"id": "ftp://evil.example/a"}, "activity id is not an http"),
        ({"id": "/activities/1"}, "activity id is not an http"),
        ({"id": "https://"}, "activity id is not an http"),
        ({"id": "https://evil.example/a b"}, "activity id is not an http"),
        ({"id": "https://evil.example/\x00"}, "activity id is not an http"),
        ({"id": "https://evil.example/" + "a" * 3000}, "longer than 2048"),
        ({"type": ...}, "activity has no usable type"),
        ({"type": 7}, "activity has no usable type"),
        ({"type": []}, "activity has no usable type"),
        ({"type": ""}, "activity has no usable type"),
        ({"type": "<script>"}, "activity has no usable type"),
        ({"type": "Note"}, "activity is a Note, not an activity"),
        ({"type": "Person"}, "activity is a Person, not an activity"),
        ({"actor": ...}, "activity actor is missing"),
        ({"actor": 99}, "activity actor must be a string, not int"),
        ({"actor": "javascript:alert(1)"}, "activity actor is not an http"),
        ({"actor": []}, "activity actor is missing"),
        ({"actor": {"type": "Person"}}, "activity actor is missing"),
        ({"object": ...}, "Like has no object"),
        ({"object": []}, "Like has no object"),
        ({"object": 3.5}, "Like object must be an id or an object, not float"),
        ({"object": "javascript:alert(1)"}, "Like object is not an http"),
        ({"object": {"type": 5}}, "Like object has no usable type"),
    ],
)
def test_refuses_unusable_activities(overrides, message):
    refused(minimal(**overrides), message)


def test_actor_from_an_embedded_object_or_a_list():
    mallory = "https://evil.example/users/mallory"
    assert normalize_activity(minimal(actor={"id": mallory, "type": "Person"}))["actor"] == mallory
    assert normalize_activity(minimal(actor=[mallory, "https://x.example/u"]))["actor"] == mallory
    assert normalize_activity(minimal(actor=[{"id": mallory}]))["actor"] == mallory


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Like", "Like"),
        ("as:Like", "Like"),
        ("https://www.w3.org/ns/activitystreams#Like", "Like"),
        (["Like"], "Like"),
        (["schema:Thing", "Like", "Announce"], "Like"),
        (["Bite", "Frobnicate"], "Bite"),
        ([3, None, "Like"], "Like"),
        ("Bite", "Bite"),
    ],
)
def test_type_is_read_from_strings_and_arrays(value, expected):
    assert normalize_activity(minimal(type=value))["type"] == expected


def test_activities_without_objects_are_allowed_when_they_need_none():
    assert normalize_activity(minimal(type="Bite", object=...))["object"] is None


def test_a_bare_reference_object_is_its_id():
    assert normalize_activity(minimal(object={"id": ZOE_STATUS}))["object"] == ZOE_STATUS


def test_a_list_object_takes_its_first_element():
    flag = minimal(type="Flag", object=[ZOE, ZOE_STATUS], content="spam")
    result = normalize_activity(flag)
    assert (result["object"], result["content"]) == (ZOE, "spam")


def test_audience_normalises_public_and_drops_junk():
    followers = "https://evil.example/users/mallory/followers"
    result = normalize_activity(
        minimal(
            to=["as:Public", "Public", PUBLIC, ZOE, ZOE, 5, None, ["nested"], "javascript:x"],
            cc={"id": followers, "type": "OrderedCollection"},
            bto={"href": ZOE},
            bcc="",
        )
    )
    assert result["to"] == [PUBLIC, ZOE]
    assert result["cc"] == [followers]
    assert result["bto"] == [ZOE]
    assert result["bcc"] == []


def test_audience_is_capped_but_keeps_public():
    many = [f"https://evil.example/users/u{i}" for i in range(MAX_AUDIENCE + 500)]
    result = normalize_activity(minimal(to=[*many, "as:Public"], cc=many))
    assert len(result["cc"]) == MAX_AUDIENCE
    assert result["cc"] == many[:MAX_AUDIENCE]
    assert result["to"][-1] == PUBLIC and len(result["to"]) == MAX_AUDIENCE + 1


def test_deep_nesting_is_refused_without_recursing():
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(100_000):
        node["x"] = {}
        node = node["x"]
    refused(minimal(extra=deep), f"nested more than {MAX_JSON_DEPTH} levels")
    nested_list: Any = ZOE
    for _ in range(MAX_JSON_DEPTH):
        nested_list = [nested_list]
    refused(minimal(to=nested_list), "nested")
    with pytest.raises(InvalidActivity, match="nested"):
        normalize_object(note(extra=deep))
    with pytest.raises(InvalidActivity, match="nested"):
        normalize_actor({"id": ALICE, "type": "Person", "extra": deep})


def test_embedded_activities_are_refused_past_the_limit():
    activity: dict[str, Any] = {
        "type": "Follow",
        "actor": "https://evil.example/users/mallory",
        "object": ZOE,
    }
    for _ in range(MAX_EMBEDDED_ACTIVITIES):
        activity = {
            "type": "Undo",
            "actor": "https://evil.example/users/mallory",
            "object": activity,
        }
    undo = normalize_activity(minimal(type="Undo", object=activity["object"]))
    assert undo["object"]["type"] == "Undo"
    refused(minimal(type="Undo", object=activity), "embedded more than")


def test_embedded_activity_may_lack_an_id_but_not_an_actor():
    follow = {"type": "Follow", "actor": ZOE, "object": ALICE}
    accept = normalize_activity(minimal(type="Accept", object=follow))
    assert accept["object"]["id"] is None
    assert accept["object"]["actor"] == ZOE
    refused(
        minimal(type="Accept", object={"type": "Follow", "object": ALICE}),
        "embedded activity actor is missing",
    )
    refused(
        minimal(type="Accept", object={**follow, "id": "data:,x"}),
        "embedded activity id is not an http",
    )


def test_embedded_objects_need_a_usable_id():
    refused(create(note(id=...)), "Create object id is missing")
    refused(create(note(id="javascript:alert(1)")), "Create object id is not an http")
    refused(create(note(id=42)), "Create object id must be a string")


def test_create_object_takes_the_activity_audience_and_author_when_it_has_none():
    result = normalize_activity(create(note(to=..., attributedTo=...), to=[PUBLIC], cc=[ZOE]))
    assert (result["object"]["to"], result["object"]["cc"]) == ([PUBLIC], [ZOE])
    assert result["object"]["attributed_to"] == "https://evil.example/users/mallory"
    own = normalize_activity(create(note(to=[ZOE]), to=[PUBLIC]))["object"]
    assert (own["to"], own["cc"]) == ([ZOE], [])


def test_content_map_fills_content_and_language():
    obj = normalize_object(note(content=..., contentMap={"fr": "<p>salut</p>", "en": "<p>hi</p>"}))
    assert (obj["content"], obj["language"]) == ("<p>salut</p>", "fr")
    obj = normalize_object(note(contentMap={"de": "<p>hallo</p>", "en": "<p>hi</p>"}))
    assert (obj["content"], obj["language"]) == ("<p>hi</p>", "en")
    obj = normalize_object(note(contentMap={"und": "<p>hi</p>"}))
    assert obj["language"] is None
    obj = normalize_object(note(content=..., contentMap={"en": 5, "x y": "<p>?</p>"}))
    assert (obj["content"], obj["language"]) == ("<p>?</p>", None)
    obj = normalize_object(note(content=["<p>not text</p>"], contentMap="en"))
    assert (obj["content"], obj["language"]) == (None, None)


def test_object_fields_of_the_wrong_type_fall_back_to_defaults():
    obj = normalize_object(
        note(
            summary="",
            sensitive="true",
            name=7,
            published="yesterday",
            updated=1700000000,
            inReplyTo={"id": "javascript:alert(1)"},
            url="javascript:alert(1)",
            context={"id": "https://evil.example/ctx"},
            attachment="https://evil.example/a.png",
            tag="not a tag",
            oneOf=[{"name": "a"}],
        )
    )
    assert obj["summary"] is None
    assert obj["sensitive"] is False
    assert obj["name"] is None
    assert (obj["published"], obj["updated"]) == (None, None)
    assert obj["in_reply_to"] is None and obj["url"] is None and obj["context"] is None
    assert obj["attachments"] == [] and obj["mentions"] == [] and obj["poll"] is None


def test_in_reply_to_from_an_embedded_object_or_a_list():
    parent = "https://mastodon.example/users/alice/statuses/1"
    assert normalize_object(note(inReplyTo={"id": parent, "type": "Note"}))["in_reply_to"] == parent
    assert normalize_object(note(inReplyTo=[parent]))["in_reply_to"] == parent


def test_url_prefers_html_from_lists_and_links():
    page = "https://evil.example/@mallory/1"
    urls = [
        {"type": "Link", "mediaType": "video/mp4", "href": "https://evil.example/1.mp4"},
        "javascript:alert(1)",
        {"type": "Link", "mediaType": "text/html; charset=utf-8", "href": page},
    ]
    assert normalize_object(note(url=urls))["url"] == page
    assert normalize_object(note(url={"type": "Link", "href": page}))["url"] == page
    assert normalize_object(note(url=["javascript:x", page]))["url"] == page


def test_attachments_are_capped_and_cleaned():
    good = {"type": "Image", "url": "https://evil.example/a.png", "mediaType": "image/png"}
    obj = normalize_object(note(attachment=[good] * (MAX_ATTACHMENTS * 5)))
    assert len(obj["attachments"]) == MAX_ATTACHMENTS
    odd = normalize_object(
        note(
            attachment=[
                {"type": "Document", "url": "javascript:alert(1)"},
                {"type": "Document"},
                "https://evil.example/plain-string.png",
                {
                    "url": [
                        {
                            "type": "Link",
                            "href": "https://evil.example/b.webm",
                            "mediaType": "video/webm",
                            "width": 640,
                            "height": 360,
                        }
                    ],
                    "focalPoint": [5, -9],
                    "blurhash": "<script>alert(1)</script>",
                    "width": True,
                    "name": ["not", "text"],
                },
                {
                    "type": "Image",
                    "url": "https://evil.example/c.png",
                    "focalPoint": ["0", 0],
                    "height": -3,
                    "mediaType": "nonsense",
                },
            ]
        )
    )["attachments"]
    assert odd == [
        {
            "type": "Document",
            "url": "https://evil.example/b.webm",
            "media_type": "video/webm",
            "name": None,
            "blurhash": None,
            "focal_point": [1.0, -1.0],
            "width": None,
            "height": 360,
        },
        {
            "type": "Image",
            "url": "https://evil.example/c.png",
            "media_type": None,
            "name": None,
            "blurhash": None,
            "focal_point": None,
            "width": None,
            "height": None,
        },
    ]


def test_tags_are_capped_and_cleaned():
    mentions = [{"type": "Mention", "href": f"https://evil.example/u/{i}"} for i in range(10_000)]
    obj = normalize_object(note(tag=mentions))
    assert len(obj["mentions"]) == MAX_MENTIONS < MAX_TAGS
    assert normalize_object(note(tag=mentions), Limits(mentions=500))["mentions"] == [
        {"href": f"https://evil.example/u/{i}", "name": None} for i in range(MAX_TAGS)
    ]
    obj = normalize_object(
        note(
            tag=[
                {"type": "Hashtag", "name": "#Ferns"},
                {"type": "Hashtag", "name": "ferns"},
                {"type": "Hashtag", "name": "two words"},
                {"type": "Hashtag", "name": "#"},
                {"type": "Hashtag", "name": 5},
                {"type": "Mention", "href": "javascript:alert(1)", "name": "@x"},
                {"type": "Mention", "href": ZOE},
                {
                    "type": "Emoji",
                    "name": ":ok_hand:",
                    "icon": {"url": "https://evil.example/e.png"},
                },
                {
                    "type": "Emoji",
                    "name": ":ok_hand:",
                    "icon": {"url": "https://evil.example/dupe.png"},
                },
                {
                    "type": "Emoji",
                    "name": ":<b>bold</b>:",
                    "icon": {"url": "https://evil.example/b.png"},
                },
                {"type": "Emoji", "name": ":noicon:"},
                {"type": "Emoji", "name": ":js:", "icon": {"url": "javascript:alert(1)"}},
                {
                    "type": "Emoji",
                    "name": ":listed:",
                    "icon": [{"url": "https://evil.example/l.png"}],
                },
                "a string tag",
                None,
            ]
        )
    )
    assert obj["hashtags"] == ["ferns"]
    assert obj["mentions"] == [{"href": ZOE, "name": None}]
    assert obj["emojis"] == [
        {"shortcode": "ok_hand", "url": "https://evil.example/e.png", "updated": None},
        {"shortcode": "listed", "url": "https://evil.example/l.png", "updated": None},
    ]


def test_quote_url_sources_in_order():
    quoted = "https://misskey.example/notes/1"
    link_tag = {
        "type": "Link",
        "mediaType": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        "rel": ["https://misskey-hub.net/ns#_misskey_quote"],
        "href": quoted,
    }
    assert normalize_object(note(tag=[link_tag]))["quote_url"] == quoted
    assert normalize_object(note(tag=[{**link_tag, "rel": "alternate"}]))["quote_url"] is None
    assert (
        normalize_object(note(quoteUrl="javascript:x", _misskey_quote=quoted))["quote_url"]
        == quoted
    )
    assert normalize_object(note(quote={"id": quoted, "type": "Note"}))["quote_url"] == quoted


def test_poll_input_is_read_defensively():
    poll = normalize_object(
        note(
            type="Question",
            oneOf=[
                {"name": "a", "replies": {"totalItems": -1}},
                {"name": "b", "replies": {"totalItems": True}},
                {"name": "c", "replies": {"totalItems": 2.0}},
                {"name": "d", "_misskey_votes": 4},
                {"name": ""},
                {"title": "no name"},
                "e",
            ],
            anyOf=[{"name": "ignored when oneOf is sent"}],
            votersCount="many",
            endTime="soon",
            closed=True,
        )
    )["poll"]
    assert poll == {
        "multiple": False,
        "options": [
            {"title": "a", "votes": None},
            {"title": "b", "votes": None},
            {"title": "c", "votes": 2},
            {"title": "d", "votes": 4},
        ],
        "end_time": None,
        "closed": True,
        "voters_count": None,
    }
    empty = normalize_object(note(type="Question"))["poll"]
    assert empty == {
        "multiple": False,
        "options": [],
        "end_time": None,
        "closed": False,
        "voters_count": None,
    }


def test_normalize_object_refuses_actors_activities_and_bad_ids():
    with pytest.raises(InvalidActivity, match="is a Person, not a post-like object"):
        normalize_object({"id": ALICE, "type": "Person"})
    with pytest.raises(InvalidActivity, match="is a Create, not a post-like object"):
        normalize_object({"id": ALICE, "type": "Create"})
    with pytest.raises(InvalidActivity, match="object id is not an http"):
        normalize_object(note(id="javascript:alert(1)"))
    with pytest.raises(InvalidActivity, match="object has no usable type"):
        normalize_object(note(type=None))
    with pytest.raises(InvalidActivity, match="must be a JSON object"):
        normalize_object("https://evil.example/notes/1")


def test_normalize_actor_refuses_non_actors_and_bad_ids():
    with pytest.raises(InvalidActivity, match="is not an actor type"):
        normalize_actor(note())
    with pytest.raises(InvalidActivity, match="actor id is not an http"):
        normalize_actor({"id": "javascript:alert(1)", "type": "Person"})
    with pytest.raises(InvalidActivity, match="actor id must be a string"):
        normalize_actor({"id": 1, "type": ["Person"]})


def test_actor_fields_of_the_wrong_type_fall_back_to_defaults():
    actor = normalize_actor(
        {
            "id": ALICE,
            "type": ["Service", "Person"],
            "preferredUsername": "",
            "inbox": "javascript:alert(1)",
            "endpoints": "https://mastodon.example/inbox",
            "manuallyApprovesFollowers": "yes",
            "discoverable": 1,
            "alsoKnownAs": "https://old.example/users/alice",
            "movedTo": {"id": "https://new.example/users/alice"},
            "publicKey": [
                {"id": f"{ALICE}#k0", "owner": ALICE},
                {
                    "id": f"{ALICE}#k1",
                    "owner": "javascript:x",
                    "publicKeyPem": "-----BEGIN PUBLIC KEY-----",
                },
            ],
            "icon": [
                {"type": "Image", "url": "javascript:x"},
                {"type": "Image", "url": "https://m.example/a.png"},
            ],
            "image": "https://m.example/h.png",
            "attachment": [
                {"type": "PropertyValue", "name": "ok", "value": "fine"},
                {"type": "PropertyValue", "name": "no value"},
                {"type": "IdentityProof", "name": "proof", "signatureValue": "x"},
                "junk",
            ],
        }
    )
    assert actor["type"] == "Service" and actor["bot"] is True
    assert actor["preferred_username"] is None and actor["inbox"] is None
    assert actor["shared_inbox"] is None
    assert actor["manually_approves_followers"] is False and actor["discoverable"] is False
    assert actor["also_known_as"] == ["https://old.example/users/alice"]
    assert actor["moved_to"] == "https://new.example/users/alice"
    assert actor["public_key"] == {
        "id": f"{ALICE}#k1",
        "owner": None,
        "pem": "-----BEGIN PUBLIC KEY-----",
    }
    assert (actor["icon"], actor["image"]) == ("https://m.example/a.png", "https://m.example/h.png")
    assert actor["fields"] == [{"name": "ok", "value": "fine"}]


def test_reactions():
    like = normalize_activity(minimal(content="🔥"))
    assert like["reaction"] == "🔥"
    plain = normalize_activity(minimal())
    assert (plain["reaction"], plain["content"], plain["misskey_reaction"]) == (None, None, None)
    odd = normalize_activity(minimal(content=["🔥"], _misskey_reaction={"x": 1}))
    assert odd["reaction"] is None
    legacy = normalize_activity(minimal(_misskey_reaction="like"))
    assert legacy["reaction"] == "👍"
    not_a_reaction = normalize_activity(minimal(type="Announce", content="🔥"))
    assert not_a_reaction["reaction"] is None


def test_a_flag_keeps_every_object_id_in_order():
    raw = {
        "id": "https://m.example/flags/1",
        "type": "Flag",
        "actor": "https://m.example/actor",
        "content": "spam",
        "object": [
            "https://p.example/users/zoe",
            {"id": "https://p.example/objects/1", "type": "Note"},
            42,
            "not a url",
            "https://p.example/users/zoe",
            *[f"https://p.example/objects/{n}" for n in range(2, 300)],
        ],
    }
    result = normalize_activity(raw)
    assert result["object"] == "https://p.example/users/zoe"
    assert result["objects"][:3] == [
        "https://p.example/users/zoe",
        "https://p.example/objects/1",
        "https://p.example/objects/2",
    ]
    assert len(result["objects"]) <= MAX_OBJECTS
    assert normalize_activity({**raw, "object": "https://p.example/users/zoe"})["objects"] == [
        "https://p.example/users/zoe"
    ]
