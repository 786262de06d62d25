"""Schemas of the instance documents (services/instance/instance.py) and the well-known discovery
answers (nodeinfo, WebFinger, host-meta) and the healthcheck.

The keys clients rely on are typed exactly; the large ``configuration`` and ``pleroma``
objects are typed at their top level and left open below it (they grow with features).
"""

from __future__ import annotations

from pyleroma.api.openapi.types import (
    ANY_OBJECT,
    BOOL,
    ID,
    INT,
    NUM,
    STR,
    arr,
    component,
    nullable,
    obj,
    ref,
)

RULE = component("Rule", obj({"id": ID, "text": STR, "hint": STR}))

_PLEROMA = obj(
    {
        "metadata": obj({"features": arr(STR), "federation": ANY_OBJECT}),
        "stats": ANY_OBJECT,
        "vapid_public_key": nullable(STR),
    }
)

INSTANCE_V1 = component(
    "InstanceV1",
    obj(
        {
            "uri": STR,
            "title": STR,
            "description": STR,
            "short_description": STR,
            "version": STR,
            "urls": obj({"streaming_api": STR}),
            "stats": obj({"user_count": INT, "status_count": INT, "domain_count": INT}),
            "thumbnail": STR,
            "languages": arr(STR),
            "registrations": BOOL,
            "approval_required": BOOL,
            "invites_enabled": BOOL,
            "contact_account": nullable(ref("Account")),
            "configuration": ANY_OBJECT,
            "rules": arr(RULE),
            "max_toot_chars": INT,
            "poll_limits": ANY_OBJECT,
            "upload_limit": INT,
            "pleroma": _PLEROMA,
        },
        optional={"email": STR},
        description="GET /api/v1/instance: Mastodon's v1 keys with Pleroma's.",
    ),
)

INSTANCE_V2 = component(
    "InstanceV2",
    obj(
        {
            "domain": STR,
            "title": STR,
            "version": STR,
            "source_url": STR,
            "description": STR,
            "usage": obj({"users": obj({"active_month": INT})}),
            "thumbnail": obj({"url": STR}),
            "languages": arr(STR),
            "configuration": ANY_OBJECT,
            "registrations": obj({"enabled": BOOL, "approval_required": BOOL}),
            "contact": obj({"account": nullable(ref("Account"))}, optional={"email": STR}),
            "rules": arr(RULE),
            "pleroma": _PLEROMA,
        },
        description="GET /api/v2/instance: Mastodon 4's shape with Pleroma's object.",
    ),
)

NODEINFO_LINKS = component("NodeinfoLinks", obj({"links": arr(obj({"rel": STR, "href": STR}))}))

NODEINFO = component(
    "Nodeinfo",
    obj(
        {
            "version": STR,
            "software": obj(
                {"name": {**STR, "pattern": "^[a-z0-9-]+$"}, "version": STR},
                optional={"repository": STR, "homepage": STR},
            ),
            "protocols": arr(STR),
            "services": obj({"inbound": arr(STR), "outbound": arr(STR)}),
            "openRegistrations": BOOL,
            "usage": obj({"users": ANY_OBJECT}),
            "metadata": ANY_OBJECT,
        }
    ),
)

JRD = component(
    "WebFingerJRD",
    obj(
        {
            "subject": STR,
            "aliases": arr(STR),
            "links": arr(obj({"rel": STR})),
        }
    ),
)

HEALTHCHECK = component(
    "Healthcheck",
    obj(
        {
            "pool_size": INT,
            "active": INT,
            "idle": INT,
            "memory_used": NUM,
            "healthy": BOOL,
            "job_queue_stats": ANY_OBJECT,
        },
        description="The report; {} (503) when the admin switched the endpoint off.",
    ),
)
