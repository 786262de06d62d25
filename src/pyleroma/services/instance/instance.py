"""Instance metadata: the one place that builds what /api/v1/instance, /api/v2/instance and
nodeinfo say about this server.

Everything comes from the settings and the database, never from constants that could drift:
the three documents share the builders below (limits, registrations, federation, features),
so a setting changed once shows up alike in all of them.

Usage counts are computed per request. They are cheap queries on indexed columns; Pleroma
caches them for five minutes, which a large instance may want later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma import VERSION_STRING, __version__
from pyleroma.db.base import utcnow
from pyleroma.models import Account, InstanceRule, OAuthToken
from pyleroma.services.instance.features import features, federates
from pyleroma.services.notifications import vapid
from pyleroma.settings import Settings
from pyleroma.urls import source_archive_url

NODEINFO_VERSIONS = ("2.0", "2.1")
NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/{version}"
# Pleroma serves any media type; it says so with the catch-all type.
SUPPORTED_MIME_TYPES = ["application/octet-stream"]
MONTH_DAYS = 30
HALFYEAR_DAYS = 180


@dataclass
class InstanceFacts:
    """What the database says about the instance, read once per request."""

    user_count: int
    status_count: int
    domain_count: int
    active_month: int
    active_halfyear: int
    staff_ap_ids: list[str]
    contact: Account | None
    rules: list[dict] = field(default_factory=list)
    # Web push's VAPID public key (services/notifications/vapid.py), advertised for clients to
    # subscribe.
    vapid_public_key: str | None = None


# ---------------------------------------------------------------- database facts


def _local_active():
    """Local accounts that count as users: not deactivated, and not a service actor (the
    relay actor is ``invisible``, as Pleroma leaves such actors out of its counts)."""
    return (
        Account.local.is_(True),
        Account.is_active.is_(True),
        Account.invisible.is_(False),
    )


async def user_count(session: AsyncSession) -> int:
    """Local accounts that are not deactivated nor invisible (Pleroma's `user_count`)."""
    return await session.scalar(select(func.count()).select_from(Account).where(*_local_active()))


async def status_count(session: AsyncSession) -> int:
    """Posts by local accounts, summed from the per-account counters as Pleroma does."""
    total = await session.scalar(
        select(func.coalesce(func.sum(Account.statuses_count), 0)).where(Account.local.is_(True))
    )
    return int(total or 0)


async def known_domains(session: AsyncSession) -> list[str]:
    """Remote domains we know an account of: the peers list and its count."""
    rows = await session.scalars(
        select(Account.domain)
        .where(Account.local.is_(False), Account.domain.is_not(None))
        .distinct()
        .order_by(Account.domain)
    )
    return list(rows)


async def domain_count(session: AsyncSession) -> int:
    return await session.scalar(
        select(func.count(distinct(Account.domain))).where(
            Account.local.is_(False), Account.domain.is_not(None)
        )
    )


async def active_user_count(session: AsyncSession, days: int, now: dt.datetime | None = None):
    """Local accounts active in the last ``days`` days.

    Pleroma tracks a per-request `last_active_at`; we have no such column yet, so "active"
    means the account was issued an access token (signed in or refreshed) or posted in the
    window. Both happen at least once a month for anyone using the server.
    """
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    signed_in = select(OAuthToken.account_id).where(
        OAuthToken.account_id.is_not(None), OAuthToken.created_at >= cutoff
    )
    return await session.scalar(
        select(func.count())
        .select_from(Account)
        .where(
            *_local_active(),
            or_(Account.id.in_(signed_in), Account.last_status_at >= cutoff),
        )
    )


async def staff_ap_ids(session: AsyncSession) -> list[str]:
    """ActivityPub ids of active local admins and moderators (nodeinfo `staffAccounts`)."""
    rows = await session.scalars(
        select(Account.ap_id)
        .where(
            *_local_active(),
            or_(Account.is_admin.is_(True), Account.is_moderator.is_(True)),
            Account.ap_id.is_not(None),
        )
        .order_by(Account.id)
    )
    return list(rows)


async def contact_account(session: AsyncSession, settings: Settings) -> Account | None:
    """Who to contact about the instance.

    The account named by ``instance_contact_username`` when it exists and is active; when the
    setting is empty, the first active local admin (the one who set the instance up), so a
    fresh instance names a real person instead of nobody. A name that does not resolve gives
    None: the admin asked for someone in particular, so nobody else is shown in their place.
    """
    nickname = settings.instance_contact_username.strip().lstrip("@")
    named = Account.nickname_key == nickname.lower()
    condition = named if nickname else Account.is_admin.is_(True)
    return (
        await session.execute(
            select(Account).where(condition, *_local_active()).order_by(Account.id).limit(1)
        )
    ).scalar_one_or_none()


async def instance_rules(session: AsyncSession) -> list[dict]:
    """The instance's rules in display order, as Mastodon's Rule entity (id, text, hint)."""
    rows = await session.scalars(
        select(InstanceRule).order_by(InstanceRule.position, InstanceRule.id)
    )
    return [{"id": str(rule.id), "text": rule.text, "hint": rule.hint} for rule in rows]


async def gather_facts(session: AsyncSession, settings: Settings) -> InstanceFacts:
    return InstanceFacts(
        user_count=await user_count(session),
        status_count=await status_count(session),
        domain_count=await domain_count(session),
        active_month=await active_user_count(session, MONTH_DAYS),
        active_halfyear=await active_user_count(session, HALFYEAR_DAYS),
        staff_ap_ids=await staff_ap_ids(session),
        contact=await contact_account(session, settings),
        rules=await instance_rules(session),
        vapid_public_key=(await vapid.get_keys(session, settings)).public_key,
    )


# ---------------------------------------------------------------- settings-derived pieces


def absolute_url(settings: Settings, path: str) -> str:
    """A configured path made absolute on base_url; absolute URLs are kept as they are."""
    if path.startswith(("http://", "https://")):
        return path
    return settings.base_url + "/" + path.lstrip("/")


def streaming_url(settings: Settings) -> str:
    """ws(s)://host, as Pleroma's Endpoint.websocket_url; clients append /api/v1/streaming."""
    if settings.base_url.startswith("https://"):
        return "wss://" + settings.base_url.removeprefix("https://")
    return "ws://" + settings.base_url.removeprefix("http://")


def short_description(settings: Settings) -> str:
    return settings.instance_short_description or settings.instance_description


def registrations_open(settings: Settings) -> bool:
    """Anyone may sign up (possibly pending approval); invite-only is not open, as in Pleroma."""
    return settings.registrations in ("open", "approval")


def approval_required(settings: Settings) -> bool:
    return settings.registrations == "approval"


def invites_enabled(settings: Settings) -> bool:
    return settings.registrations == "invite"


def poll_limits(settings: Settings) -> dict:
    return {
        "max_options": settings.poll_max_options,
        "max_option_chars": settings.poll_max_option_chars,
        "min_expiration": settings.poll_min_expiration,
        "max_expiration": settings.poll_max_expiration,
    }


def fields_limits(settings: Settings) -> dict:
    return {
        "max_fields": settings.max_account_fields,
        "max_remote_fields": settings.max_remote_account_fields,
        "name_length": settings.account_field_name_length,
        "value_length": settings.account_field_value_length,
    }


def federation(settings: Settings) -> dict:
    """Pleroma's federation block: whether the instance federates and, with MRF
    transparency on, its policies and their configuration (activities/mrf/chain.py)."""
    from pyleroma.activities.mrf import transparency

    return {"enabled": federates(settings), **transparency(settings)}


def source_url(settings: Settings) -> str:
    """Where the running code can be read (AGPL section 13): the configured ``source_url``
    (an admin running a fork points it at their repository), else the archive of the
    installed code that this instance serves itself."""
    return settings.source_url or source_archive_url(settings)


def software(settings: Settings, version: str) -> dict:
    """Nodeinfo's ``software``: Pleroma's name by default, so that clients which only enable
    Pleroma features for ``pleroma`` (Pleroma-FE, megalodon's detector) do so here, with the
    real name and version in the version string; ``nodeinfo_software_name = "pyleroma"``
    gives the plain name and version. 2.1 adds the repository (2.0's schema forbids it)."""
    name = settings.nodeinfo_software_name
    described: dict = {
        "name": name,
        "version": __version__ if name == "pyleroma" else VERSION_STRING,
    }
    if version == "2.1":
        described["repository"] = source_url(settings)
        if settings.source_url:
            described["homepage"] = settings.source_url
    return described


def restrict_unauthenticated(settings: Settings) -> dict:
    """What anonymous visitors may not see (Pleroma-FE hides what is restricted)."""
    profiles = settings.restrict_unauthenticated_profiles
    return {
        "timelines": {"local": False, "federated": False},
        "profiles": {"local": profiles, "remote": profiles},
        "activities": {"local": False, "remote": False},
    }


def _configuration(settings: Settings) -> dict:
    """Mastodon's `configuration` object, shared by v1 (Pleroma adds it there) and v2."""
    return {
        "accounts": {
            "max_featured_tags": 0,
            "max_pinned_statuses": settings.max_pinned_statuses,
        },
        "statuses": {
            "max_characters": settings.max_status_chars,
            "max_media_attachments": settings.max_media_attachments,
            # Links are counted at their full length, as Pleroma counts them.
            "characters_reserved_per_url": 0,
        },
        "media_attachments": {
            "supported_mime_types": list(SUPPORTED_MIME_TYPES),
            "image_size_limit": settings.max_upload_size,
            "video_size_limit": settings.max_upload_size,
            "description_limit": settings.media_description_limit,
        },
        "polls": {
            "max_options": settings.poll_max_options,
            "max_characters_per_option": settings.poll_max_option_chars,
            "min_expiration": settings.poll_min_expiration,
            "max_expiration": settings.poll_max_expiration,
        },
    }


def _pleroma(settings: Settings, facts: InstanceFacts) -> dict:
    """The `pleroma` object Pleroma clients read for features and limits."""
    return {
        "metadata": {
            "account_activation_required": settings.account_activation_required,
            "features": features(settings),
            "federation": federation(settings),
            "fields_limits": fields_limits(settings),
            "post_formats": list(settings.allowed_post_formats),
            # Registration does not ask for a birthday; say so rather than omit the keys.
            "birthday_required": False,
            "birthday_min_age": 0,
            "restrict_unauthenticated": restrict_unauthenticated(settings),
        },
        "stats": {"mau": facts.active_month},
        "vapid_public_key": facts.vapid_public_key,
        "oauth_consumer_strategies": [],
    }


# ---------------------------------------------------------------- the documents


def instance_v1(settings: Settings, facts: InstanceFacts, contact_json: dict | None) -> dict:
    """GET /api/v1/instance: Mastodon 2.7-era keys plus Pleroma's extras.

    ``contact_json`` is ``facts.contact`` rendered as an Account by the caller (the API
    layer owns entity rendering).
    """
    document = {
        "uri": settings.domain,
        "title": settings.instance_name,
        "description": settings.instance_description,
        "short_description": short_description(settings),
        "version": VERSION_STRING,
        "urls": {"streaming_api": streaming_url(settings)},
        "stats": {
            "user_count": facts.user_count,
            "status_count": facts.status_count,
            "domain_count": facts.domain_count,
        },
        "thumbnail": absolute_url(settings, settings.instance_thumbnail),
        "languages": list(settings.instance_languages),
        "registrations": registrations_open(settings),
        "approval_required": approval_required(settings),
        "invites_enabled": invites_enabled(settings),
        "contact_account": contact_json,
        "configuration": _configuration(settings),
        "rules": list(facts.rules),
        # Extra (not in Mastodon), as Pleroma renders them:
        "max_toot_chars": settings.max_status_chars,
        "max_media_attachments": settings.max_media_attachments,
        "poll_limits": poll_limits(settings),
        "upload_limit": settings.max_upload_size,
        "avatar_upload_limit": settings.max_avatar_size,
        "background_upload_limit": settings.max_background_size,
        "banner_upload_limit": settings.max_banner_size,
        "background_image": absolute_url(settings, settings.instance_background_image),
        "description_limit": settings.media_description_limit,
        "pleroma": _pleroma(settings, facts),
    }
    if settings.instance_email:
        # Left out rather than "" when unset: an empty string is not an address.
        document["email"] = settings.instance_email
    return document


def _contact(settings: Settings, contact_json: dict | None) -> dict:
    """v2's contact: the account, and the email only when one is configured."""
    contact: dict = {"account": contact_json}
    if settings.instance_email:
        contact["email"] = settings.instance_email
    return contact


def instance_v2(settings: Settings, facts: InstanceFacts, contact_json: dict | None) -> dict:
    """GET /api/v2/instance: Mastodon 4's shape, with Pleroma's `pleroma` object added."""
    configuration = _configuration(settings)
    configuration["urls"] = {"streaming": streaming_url(settings), "status": None}
    configuration["translation"] = {"enabled": False}
    configuration["vapid"] = {"public_key": facts.vapid_public_key}
    pleroma = _pleroma(settings, facts)
    pleroma["metadata"].update(
        {
            "avatar_upload_limit": settings.max_avatar_size,
            "background_upload_limit": settings.max_background_size,
            "banner_upload_limit": settings.max_banner_size,
            "background_image": absolute_url(settings, settings.instance_background_image),
            "description_limit": settings.media_description_limit,
        }
    )
    return {
        "domain": settings.domain,
        "title": settings.instance_name,
        "version": VERSION_STRING,
        "source_url": source_url(settings),
        "description": short_description(settings),
        "usage": {"users": {"active_month": facts.active_month}},
        "thumbnail": {"url": absolute_url(settings, settings.instance_thumbnail)},
        "languages": list(settings.instance_languages),
        "configuration": configuration,
        "registrations": {
            "enabled": registrations_open(settings),
            "approval_required": approval_required(settings),
            "message": None,
            "url": None,
        },
        "contact": _contact(settings, contact_json),
        "rules": list(facts.rules),
        "pleroma": pleroma,
    }


def nodeinfo_links(settings: Settings) -> dict:
    """/.well-known/nodeinfo: where each supported nodeinfo schema version lives."""
    return {
        "links": [
            {
                "rel": NODEINFO_SCHEMA.format(version=version),
                "href": f"{settings.base_url}/nodeinfo/{version}.json",
            }
            for version in NODEINFO_VERSIONS
        ]
    }


def nodeinfo_content_type(version: str) -> str:
    return f'application/json; profile="{NODEINFO_SCHEMA.format(version=version)}#"; charset=utf-8'


def nodeinfo(settings: Settings, facts: InstanceFacts, version: str) -> dict:
    """Nodeinfo 2.0 or 2.1 (2.1 adds software.repository/homepage) with Pleroma's metadata.

    ``protocols`` lists ActivityPub only while the instance federates; otherwise it is empty,
    a deliberate departure from the schema's ``minItems: 1``, which has no way to say "none".
    """
    return {
        "version": version,
        "software": software(settings, version),
        "protocols": ["activitypub"] if federates(settings) else [],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": registrations_open(settings),
        "usage": {
            "users": {
                "total": facts.user_count,
                "activeMonth": facts.active_month,
                "activeHalfyear": facts.active_halfyear,
            },
            "localPosts": facts.status_count,
        },
        "metadata": {
            "nodeName": settings.instance_name,
            "nodeDescription": short_description(settings),
            "private": False,
            "suggestions": {"enabled": False},
            "staffAccounts": list(facts.staff_ap_ids),
            "federation": federation(settings),
            "pollLimits": poll_limits(settings),
            "postFormats": list(settings.allowed_post_formats),
            "uploadLimits": {
                "general": settings.max_upload_size,
                "avatar": settings.max_avatar_size,
                "banner": settings.max_banner_size,
                "background": settings.max_background_size,
            },
            "fieldsLimits": {
                "maxFields": settings.max_account_fields,
                "maxRemoteFields": settings.max_remote_account_fields,
                "nameLength": settings.account_field_name_length,
                "valueLength": settings.account_field_value_length,
            },
            "accountActivationRequired": settings.account_activation_required,
            "invitesEnabled": invites_enabled(settings),
            "mailerEnabled": settings.mailer_enabled,
            "features": features(settings),
            "restrictedNicknames": list(settings.reserved_nicknames),
            # No thread containment is done, which is what Pleroma's default (skip) means.
            "skipThreadContainment": True,
            "publicTimelineVisibility": {"local": True, "federated": True},
            "federatedTimelineAvailable": True,
            # Akkoma's bubble timeline: none here. akkoma-fe reads the list's length and
            # draws no navigation bar without it; empty, it offers no bubble timeline.
            "localBubbleInstances": [],
        },
    }
