"""Schemas of the account family as render_accounts.py and relationships_view.py build them:
Account, CredentialAccount, Relationship, and the emoji and field objects they carry."""

from __future__ import annotations

from pyleroma.api.openapi.types import (
    ANY_OBJECT,
    BOOL,
    DATE,
    DATETIME,
    ID,
    INT,
    NULL,
    STR,
    arr,
    component,
    nullable,
    obj,
    ref,
)

EMOJI = component(
    "Emoji",
    obj(
        {"shortcode": STR, "url": STR, "static_url": STR, "visible_in_picker": BOOL},
        description="A custom emoji used in a text (render_emojis.emojis_to_api).",
    ),
)

CUSTOM_EMOJI = component(
    "CustomEmoji",
    obj(
        {
            "shortcode": STR,
            "url": STR,
            "static_url": STR,
            "visible_in_picker": BOOL,
            "tags": arr(STR),
            "category": nullable(STR),
        },
        description="One of the instance's custom emoji (GET /api/v1/custom_emojis).",
    ),
)

PLEROMA_EMOJI_INDEX = component(
    "PleromaEmojiIndex",
    {
        "type": "object",
        "description": "Shortcode -> {image_url (a path), tags}.",
        "additionalProperties": obj({"image_url": STR, "tags": arr(STR)}),
    },
)

RELATIONSHIP = component(
    "Relationship",
    obj(
        {
            "id": ID,
            "following": BOOL,
            "followed_by": BOOL,
            "blocking": BOOL,
            "blocked_by": BOOL,
            "muting": BOOL,
            "muting_notifications": BOOL,
            "subscribing": BOOL,
            "notifying": BOOL,
            "requested": BOOL,
            "requested_by": BOOL,
            "domain_blocking": BOOL,
            "showing_reblogs": BOOL,
            "endorsed": BOOL,
            "note": STR,
        }
    ),
)

_FIELD = obj({"name": STR, "value": STR, "verified_at": nullable(DATETIME)})
_SOURCE_FIELD = obj({"name": STR, "value": STR})

_SOURCE = obj(
    {
        "note": STR,
        "sensitive": BOOL,
        "fields": arr(_SOURCE_FIELD),
        "pleroma": obj(
            {"discoverable": BOOL, "actor_type": STR},
            optional={"show_role": BOOL, "no_rich_text": BOOL, "show_birthday": BOOL},
        ),
    },
    optional={
        "privacy": STR,
        "language": nullable(STR),
        "follow_requests_count": INT,
    },
)

_ACCOUNT_PLEROMA = obj(
    {
        "ap_id": STR,
        "also_known_as": arr(STR),
        "is_confirmed": BOOL,
        "is_suggested": BOOL,
        "tags": arr(STR),
        "hide_followers_count": BOOL,
        "hide_follows_count": BOOL,
        "hide_followers": BOOL,
        "hide_follows": BOOL,
        "hide_favorites": BOOL,
        "relationship": {
            "description": "The viewer's Relationship when asked for, else {}",
            "anyOf": [ref("Relationship"), {"type": "object", "maxProperties": 0}],
        },
        "skip_thread_containment": BOOL,
        "background_image": nullable(STR),
        "favicon": NULL,
        "accepts_chat_messages": nullable(BOOL),
    },
    optional={
        # Staff flags: when the account shows its role, or to itself.
        "is_admin": BOOL,
        "is_moderator": BOOL,
        # To admins only.
        "deactivated": BOOL,
        # To the account itself only.
        "notification_settings": ANY_OBJECT,
        "allow_following_move": BOOL,
        "email": nullable(STR),
        # CredentialAccount only.
        "settings_store": ANY_OBJECT,
        "unread_conversation_count": INT,
        "unread_notifications_count": INT,
        # To the account itself, and to everyone while it shows its birthday.
        "birthday": nullable({"type": "string", "format": "date"}),
    },
)

ACCOUNT = component(
    "Account",
    obj(
        {
            "id": ID,
            "username": STR,
            "acct": STR,
            "display_name": STR,
            "locked": BOOL,
            "created_at": DATETIME,
            "followers_count": INT,
            "following_count": INT,
            "statuses_count": INT,
            "note": STR,
            "url": STR,
            "avatar": STR,
            "avatar_static": STR,
            "header": STR,
            "header_static": STR,
            "emojis": arr(EMOJI),
            "fields": arr(_FIELD),
            "bot": BOOL,
            "group": BOOL,
            "discoverable": BOOL,
            "indexable": BOOL,
            "source": _SOURCE,
            "last_status_at": nullable(DATE),
            "fqn": STR,
            "pleroma": _ACCOUNT_PLEROMA,
        },
        optional={
            # To the account itself.
            "accepts_direct_messages_from": STR,
            # In GET /api/v1/mutes.
            "mute_expires_at": nullable(DATETIME),
            # The account it moved to (itself without ``moved``), when it has moved.
            "moved": ref("Account"),
        },
        description="An account as the viewer sees it (render_accounts.account_to_api).",
    ),
)

_ROLE = obj({"id": STR, "name": STR, "color": STR, "permissions": STR, "highlighted": BOOL})

CREDENTIAL_ACCOUNT = component(
    "CredentialAccount",
    {
        "description": "The user's own account, with the settings store and counters.",
        "allOf": [
            ACCOUNT,
            obj(
                {
                    "follow_requests_count": INT,
                    "role": nullable(_ROLE),
                    "accepts_direct_messages_from": STR,
                }
            ),
        ],
    },
)

MUTED_ACCOUNT = component(
    "MutedAccount",
    {"allOf": [ACCOUNT, obj({"mute_expires_at": nullable(DATETIME)})]},
)

SUGGESTION = component(
    "Suggestion",
    obj({"source": STR, "account": ACCOUNT}, description="GET /api/v2/suggestions entry."),
)

FAMILIAR_FOLLOWERS = component(
    "FamiliarFollowers",
    obj({"id": ID, "accounts": arr(ACCOUNT)}),
)
