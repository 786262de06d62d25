"""Schemas of the status family as render_statuses.py, render_notifications.py,
render_conversations.py and the status routes build them: Status (with its media, poll,
mentions, tags, application and filter results), its history and source, Context,
ScheduledStatus, Notification and Conversation."""

from __future__ import annotations

from pyleroma.api.openapi.types import (
    ANY_OBJECT,
    BOOL,
    DATETIME,
    ID,
    INT,
    NUM,
    STR,
    arr,
    component,
    enum,
    nullable,
    obj,
    ref,
)
from pyleroma.models.filter import FILTER_ACTIONS, FILTER_CONTEXTS
from pyleroma.models.status import VISIBILITIES

ACCOUNT = ref("Account")
EMOJI = ref("Emoji")
STATUS = ref("Status")

MEDIA_ATTACHMENT = component(
    "MediaAttachment",
    obj(
        {
            "id": ID,
            "type": enum("image", "gifv", "video", "audio", "unknown"),
            "url": STR,
            "preview_url": STR,
            "remote_url": STR,
            "text_url": STR,
            "meta": obj(
                optional={
                    "focus": obj({"x": NUM, "y": NUM}),
                    "original": ANY_OBJECT,
                    "small": ANY_OBJECT,
                }
            ),
            "description": nullable(STR),
            "blurhash": nullable(STR),
            "pleroma": obj({"mime_type": STR}),
        }
    ),
)

POLL = component(
    "Poll",
    obj(
        {
            "id": ID,
            "expires_at": nullable(DATETIME),
            "expired": BOOL,
            "multiple": BOOL,
            "votes_count": INT,
            "voters_count": nullable(INT),
            "options": arr(obj({"title": STR, "votes_count": nullable(INT)})),
            "emojis": arr(EMOJI),
            "pleroma": obj({"non_anonymous": BOOL}),
        },
        # Left out for anonymous viewers, as Mastodon and Pleroma do.
        optional={"voted": BOOL, "own_votes": arr(INT)},
    ),
)

MENTION = component("Mention", obj({"id": ID, "username": STR, "acct": STR, "url": STR}))
STATUS_TAG = component("StatusTag", obj({"name": STR, "url": STR}))

FILTER_V2 = component(
    "Filter",
    obj(
        {
            "id": ID,
            "title": STR,
            "context": arr(enum(*FILTER_CONTEXTS)),
            "expires_at": nullable(DATETIME),
            "filter_action": enum(*FILTER_ACTIONS),
        },
        optional={
            "keywords": arr(ref("FilterKeyword")),
            "statuses": arr(ref("FilterStatus")),
        },
        description="A v2 filter; keywords and statuses only on the filter routes.",
    ),
)

FILTER_RESULT = component(
    "FilterResult",
    obj(
        {
            "filter": FILTER_V2,
            "keyword_matches": nullable(arr(STR)),
            "status_matches": nullable(arr(ID)),
        }
    ),
)

EMOJI_REACTION = component(
    "EmojiReaction",
    obj(
        {
            "name": STR,
            "count": INT,
            "me": BOOL,
            "url": nullable(STR),
            "account_ids": arr(ID),
        },
        description="Reactions with one emoji (render_reactions.status_reactions_to_api).",
    ),
)

PREVIEW_CARD = component(
    "PreviewCard",
    obj(
        {
            "url": STR,
            "title": STR,
            "description": STR,
            "language": nullable(STR),
            "type": enum("link", "photo", "video", "rich"),
            "author_name": STR,
            "author_url": STR,
            "provider_name": STR,
            "provider_url": STR,
            "html": STR,
            "width": INT,
            "height": INT,
            "image": nullable(STR),
            "image_description": STR,
            "embed_url": STR,
            "blurhash": nullable(STR),
            "pleroma": obj({"opengraph": ANY_OBJECT}),
        },
        description="A link preview (api/mastodon/render_cards.card_to_api).",
    ),
)

_STATUS_PLEROMA = obj(
    {
        "local": BOOL,
        "conversation_id": nullable(INT),
        "context": nullable(STR),
        "in_reply_to_account_acct": nullable(STR),
        "content": obj({"text/plain": STR}),
        "spoiler_text": obj({"text/plain": STR}),
        "expires_at": nullable(DATETIME),
        "direct_conversation_id": nullable(INT),
        "thread_muted": BOOL,
        "emoji_reactions": arr(EMOJI_REACTION),
        "parent_visible": BOOL,
        "pinned_at": nullable(DATETIME),
        "quote": nullable(STATUS),
        "quote_id": nullable(ID),
        "quote_url": nullable(STR),
        "quote_visible": BOOL,
        "quotes_count": INT,
    },
    # Events only (the pl fork's; api/pleroma/render_events.py).
    optional={"event": ref("StatusEvent")},
)

component(
    "Status",
    obj(
        {
            "id": ID,
            "uri": STR,
            "url": STR,
            "account": ACCOUNT,
            "in_reply_to_id": nullable(ID),
            "in_reply_to_account_id": nullable(ID),
            "reblog": nullable(STATUS),
            "card": nullable(PREVIEW_CARD),
            "content": STR,
            "text": nullable(STR),
            "created_at": DATETIME,
            "edited_at": nullable(DATETIME),
            "reblogs_count": INT,
            "replies_count": INT,
            "favourites_count": INT,
            "reblogged": BOOL,
            "favourited": BOOL,
            "bookmarked": BOOL,
            "muted": BOOL,
            "pinned": BOOL,
            "sensitive": BOOL,
            "spoiler_text": STR,
            "visibility": enum(*VISIBILITIES),
            "media_attachments": arr(MEDIA_ATTACHMENT),
            "poll": nullable(POLL),
            "mentions": arr(MENTION),
            "tags": arr(STATUS_TAG),
            "application": nullable(obj({"name": STR, "website": nullable(STR)})),
            "language": nullable(STR),
            "emojis": arr(EMOJI),
            "quote": nullable(STATUS),
            "quote_id": nullable(ID),
            "emoji_reactions": arr(EMOJI_REACTION),
            "filtered": arr(FILTER_RESULT),
            "pleroma": _STATUS_PLEROMA,
        },
        description="A status as the viewer sees it (render_statuses.statuses_to_api).",
    ),
)

STATUS_EDIT = component(
    "StatusEdit",
    obj(
        {
            "content": STR,
            "spoiler_text": STR,
            "sensitive": BOOL,
            "created_at": DATETIME,
            "account": ACCOUNT,
            "media_attachments": arr(MEDIA_ATTACHMENT),
            "emojis": arr(EMOJI),
            "poll": nullable(obj({"options": arr(obj({"title": STR}))})),
        },
        description="One version of a status (GET /api/v1/statuses/:id/history).",
    ),
)

STATUS_SOURCE = component(
    "StatusSource",
    obj({"id": ID, "text": STR, "spoiler_text": STR, "content_type": STR}),
)

CONTEXT = component("Context", obj({"ancestors": arr(STATUS), "descendants": arr(STATUS)}))

SCHEDULED_STATUS = component(
    "ScheduledStatus",
    obj(
        {
            "id": ID,
            "scheduled_at": DATETIME,
            "params": obj(
                {
                    "text": nullable(STR),
                    "sensitive": nullable(BOOL),
                    "spoiler_text": nullable(STR),
                    "visibility": nullable(STR),
                    "scheduled_at": DATETIME,
                    "poll": nullable(ANY_OBJECT),
                    "in_reply_to_id": nullable(ID),
                    "expires_in": nullable(INT),
                    "media_ids": nullable(arr(ID)),
                    "language": nullable(STR),
                }
            ),
            "media_attachments": arr(MEDIA_ATTACHMENT),
        }
    ),
)

NOTIFICATION = component(
    "Notification",
    obj(
        {
            "id": ID,
            "type": STR,
            "created_at": DATETIME,
            "account": ACCOUNT,
            "pleroma": obj({"is_seen": BOOL, "is_muted": BOOL}),
        },
        # For the types about a status (mention, status, reblog, favourite, poll, update...).
        # ``target``: a move's new account (``account`` is the old one).
        # ``emoji``, ``emoji_url``: a pleroma:emoji_reaction's emoji and custom image.
        optional={
            "status": STATUS,
            "target": ACCOUNT,
            "emoji": STR,
            "emoji_url": nullable(STR),
        },
    ),
)

CONVERSATION = component(
    "Conversation",
    obj(
        {
            "id": ID,
            "unread": BOOL,
            "accounts": arr(ACCOUNT),
            "last_status": nullable(STATUS),
            "pleroma": obj({"recipients": arr(ACCOUNT)}),
        }
    ),
)
