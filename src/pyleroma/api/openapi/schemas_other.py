"""Schemas of the smaller entities: lists, filters, markers, preferences, reports,
announcements, tags, search results, web push, the OAuth entities and the error body."""

from __future__ import annotations

from pyleroma.api.openapi.types import (
    BOOL,
    DATETIME,
    EMPTY_OBJECT,
    ID,
    INT,
    STR,
    arr,
    component,
    enum,
    nullable,
    obj,
    ref,
)
from pyleroma.models.filter import FILTER_CONTEXTS
from pyleroma.models.push_subscription import PUSH_POLICIES
from pyleroma.services.notifications.push_subscriptions import ALERT_TYPES
from pyleroma.services.timelines.lists import REPLIES_POLICIES

ERROR = component(
    "Error",
    obj(
        {"error": STR},
        description='Every 4xx answer of the API: {"error": "what was wrong"}.',
    ),
)

EMPTY = component(
    "Empty", {**EMPTY_OBJECT, "description": "{}: the change was made (or had been)."}
)

LIST = component(
    "List",
    obj(
        {
            "id": ID,
            "title": STR,
            "replies_policy": enum(*REPLIES_POLICIES),
            "exclusive": BOOL,
        }
    ),
)

FILTER_V1 = component(
    "FilterV1",
    obj(
        {
            "id": ID,
            "phrase": STR,
            "context": arr(enum(*FILTER_CONTEXTS)),
            "expires_at": nullable(DATETIME),
            "irreversible": BOOL,
            "whole_word": BOOL,
        },
        description="A v1 filter: one keyword of a v2 filter, with the keyword's id.",
    ),
)
FILTER_KEYWORD = component("FilterKeyword", obj({"id": ID, "keyword": STR, "whole_word": BOOL}))
FILTER_STATUS = component("FilterStatus", obj({"id": ID, "status_id": ID}))

MARKER = component(
    "Marker",
    obj(
        {
            "last_read_id": STR,
            "version": INT,
            "updated_at": DATETIME,
            "pleroma": obj({"unread_count": INT}),
        }
    ),
)
MARKERS = component(
    "Markers",
    obj(
        optional={"home": MARKER, "notifications": MARKER},
        closed=True,
        description="The saved markers by timeline; only those asked for and saved.",
    ),
)

PREFERENCES = component(
    "Preferences",
    obj(
        {
            "posting:default:visibility": STR,
            "posting:default:sensitive": BOOL,
            "posting:default:language": nullable(STR),
            "reading:expand:media": STR,
            "reading:expand:spoilers": BOOL,
        }
    ),
)

REPORT = component(
    "Report",
    obj(
        {
            "id": ID,
            "action_taken": BOOL,
            "action_taken_at": nullable(DATETIME),
            "category": STR,
            "comment": STR,
            "forwarded": BOOL,
            "created_at": DATETIME,
            "status_ids": arr(ID),
            "rule_ids": arr(ID),
            "target_account": ref("Account"),
        }
    ),
)

ANNOUNCEMENT = component(
    "Announcement",
    obj(
        {
            "id": ID,
            "content": STR,
            "starts_at": nullable(DATETIME),
            "ends_at": nullable(DATETIME),
            "all_day": BOOL,
            "published_at": DATETIME,
            "updated_at": DATETIME,
            "read": BOOL,
            "mentions": arr(obj()),
            "statuses": arr(obj()),
            "tags": arr(obj()),
            "emojis": arr(obj()),
            "reactions": arr(obj({"name": STR, "count": INT, "me": BOOL})),
        }
    ),
)

_HISTORY = arr(obj({"day": STR, "uses": STR, "accounts": STR}))
TAG = component(
    "Tag",
    obj(
        {"name": STR, "url": STR, "history": _HISTORY},
        optional={"following": BOOL},
        description="A hashtag; following is there when a viewer is known.",
    ),
)

SEARCH_RESULTS = component(
    "SearchResults",
    obj(
        {
            "accounts": arr(ref("Account")),
            "statuses": arr(ref("Status")),
            "hashtags": arr(TAG),
        }
    ),
)

PUSH_SUBSCRIPTION = component(
    "PushSubscription",
    obj(
        {
            "id": ID,
            "endpoint": STR,
            "alerts": obj({name: BOOL for name in ALERT_TYPES}),
            "policy": enum(*PUSH_POLICIES),
            "standard": BOOL,
            "server_key": STR,
        }
    ),
)

APPLICATION = component(
    "Application",
    obj(
        {
            "id": ID,
            "name": STR,
            "website": nullable(STR),
            "redirect_uri": STR,
            "client_id": STR,
            "client_secret": STR,
            "vapid_key": nullable(STR),
        },
        description="A registered app, with its secrets (only its registration shows them).",
    ),
)
APPLICATION_PUBLIC = component(
    "ApplicationPublic",
    obj({"name": STR, "website": nullable(STR)}, optional={"vapid_key": STR}),
)

TOKEN = component(
    "Token",
    obj(
        {
            "id": ID,
            "token_type": STR,
            "access_token": STR,
            "refresh_token": nullable(STR),
            "scope": STR,
            "created_at": INT,
            "expires_in": INT,
        },
        optional={"me": nullable(STR)},
    ),
)

REGISTRATION_PENDING = component(
    "RegistrationPending",
    obj(
        {"identifier": STR, "message": STR},
        description="Registration done, but the account must wait (approval or email).",
    ),
)

OAUTH_SESSION = component(
    "OAuthSession",
    obj({"id": ID, "app_name": nullable(STR), "valid_until": STR}),
)
