"""One web push: the payload Pleroma sends, encrypted for the subscriber and signed for the
push service (run by the "push.deliver" job, jobs/push_jobs.py).

The payload is Pleroma's (``Pleroma.Web.Push.Impl``): ``title``, ``body``, ``icon``,
``notification_id``, ``notification_type``, ``preferred_locale`` and ``pleroma``
``{activity_id, direct_conversation_id}``. Differences: ``access_token`` is never sent (only
token digests are stored, so there is no token to send); ids are strings (64-bit ids do not
fit a JavaScript number); a post with a content warning shows the warning, not the text,
as Mastodon does, since a push lands on a lock screen. With the recipient's
``hide_notification_contents`` on, the payload carries only the generic title, as ``body``.

The body is encrypted with the subscriber's keys (RFC 8291, aes128gcm, for ``standard``
subscriptions; the older aesgcm draft, which Pleroma and Mastodon before 4.4 send, for the
rest) and signed with the instance's VAPID key (RFC 8292). It is posted through the SSRF
guard (federation/net_guard.py) with a deadline; redirects are not followed. Endpoints,
keys and payloads are never logged: an endpoint URL is itself a credential to push to a
device, so only its host is named.
"""

from __future__ import annotations

import email.utils
import html
import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import nh3
import orjson
from pywebpush import WebPusher
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.ids import is_ascii_digits
from pyleroma.federation.net_guard import check_url, guarded_session
from pyleroma.models import (
    Account,
    Conversation,
    ConversationParticipation,
    Notification,
    PushSubscription,
    Status,
)
from pyleroma.services.notifications.vapid import VapidKeys, sign_headers, vapid_subject
from pyleroma.settings import Settings
from pyleroma.urls import avatar_url

BODY_MAX_LENGTH = 80
URGENCY = "normal"
_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p[^>]*>", re.IGNORECASE)
_TITLES = {
    "mention": "New Mention",
    "follow": "New Follower",
    "follow_request": "New Follow Request",
    "reblog": "New Repeat",
    "favourite": "New Favorite",
    "update": "New Update",
    "pleroma:emoji_reaction": "New Reaction",
}


# --- the payload -------------------------------------------------------------------------


def truncate(text: str, max_length: int = BODY_MAX_LENGTH, omission: str = "...") -> str:
    """Pleroma's Formatter.truncate: trailing blanks dropped, then cut with an omission."""
    text = text.rstrip(" \t")
    if len(text) < max_length:
        return text
    return text[: max_length - len(omission)] + omission


def plain_text(content: str) -> str:
    """Post HTML as one line of text: breaks become spaces, tags go, entities are decoded."""
    text = nh3.clean(_BREAK.sub(" ", content), tags=set())
    return " ".join(html.unescape(text).split())


def format_title(kind: str, status: Status | None) -> str:
    if status is not None and status.visibility == "direct" and kind == "mention":
        return "New Direct Message"
    if kind in _TITLES:
        return _TITLES[kind]
    return "New " + kind.capitalize()


def format_body(kind: str, sender: Account, status: Status | None) -> str:
    nick = f"@{sender.nickname}"
    if kind == "follow":
        return f"{nick} has followed you"
    if kind == "follow_request":
        return f"{nick} has requested to follow you"
    if kind == "favourite":
        return f"{nick} has favorited your post"
    if kind == "update":
        return f"{nick} edited a status"
    if kind == "pleroma:emoji_reaction":
        return f"{nick} reacted to your post"
    if status is None:
        return nick
    text = truncate(plain_text(status.spoiler_text or status.content))
    if kind == "reblog":
        return f"{nick} repeated: {text}"
    return f"{nick}: {text}"


async def _participation_id(
    session: AsyncSession, recipient_id: int, status: Status | None
) -> str | None:
    """The recipient's direct conversation (participation) id for a direct post."""
    if status is None or status.visibility != "direct" or status.conversation_id is None:
        return None
    found = await session.scalar(
        select(ConversationParticipation.id)
        .join(Conversation, Conversation.id == ConversationParticipation.conversation_id)
        .where(
            Conversation.thread_id == status.conversation_id,
            ConversationParticipation.account_id == recipient_id,
        )
    )
    return str(found) if found is not None else None


async def build_payload(
    session: AsyncSession, settings: Settings, notification: Notification
) -> dict | None:
    """The JSON a subscriber's service worker gets; None when the sender is gone."""
    sender = await session.get(Account, notification.from_account_id)
    recipient = await session.get(Account, notification.account_id)
    if sender is None or recipient is None:
        return None
    status = None
    if notification.status_id is not None:
        status = await session.get(Status, notification.status_id)
    shown = status
    if status is not None and status.reblog_of_id is not None:
        shown = await session.get(Status, status.reblog_of_id) or status
    title = format_title(notification.type, shown)
    if (recipient.notification_settings or {}).get("hide_notification_contents"):
        content = {"body": title}
    else:
        content = {"title": title, "body": format_body(notification.type, sender, shown)}
    return {
        "notification_id": str(notification.id),
        "notification_type": notification.type,
        "icon": avatar_url(settings, sender),
        "preferred_locale": "en",
        "pleroma": {
            "activity_id": str(status.id) if status is not None else None,
            "direct_conversation_id": await _participation_id(session, recipient.id, shown),
        },
        **content,
    }


# --- encryption and sending --------------------------------------------------------------


@dataclass(frozen=True)
class PushResponse:
    status: int
    retry_after: float | None


def encrypt(subscription: PushSubscription, payload: bytes) -> tuple[bytes, dict[str, str]]:
    """The encrypted body and its encoding headers, for the subscription's encoding."""
    pusher = WebPusher(
        {
            "endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.key_p256dh, "auth": subscription.key_auth},
        }
    )
    if subscription.standard:
        encoded = pusher.encode(payload, "aes128gcm")
        return encoded["body"], {"Content-Encoding": "aes128gcm"}
    encoded = pusher.encode(payload, "aesgcm")
    return encoded["body"], {
        "Content-Encoding": "aesgcm",
        "Encryption": "salt=" + encoded["salt"].decode("ascii"),
        "Crypto-Key": "dh=" + encoded["crypto_key"].decode("ascii"),
    }


def request_headers(
    settings: Settings, keys: VapidKeys, subscription: PushSubscription, encoding: dict
) -> dict[str, str]:
    headers = {
        "Content-Type": "application/octet-stream",
        "TTL": str(max(0, settings.push_ttl_seconds)),
        "Urgency": URGENCY,
        **encoding,
    }
    vapid = sign_headers(
        keys,
        subscription.endpoint,
        vapid_subject(settings),
        standard=subscription.standard,
        crypto_key=encoding.get("Crypto-Key", ""),
    )
    headers.update(vapid)
    return headers


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (a number of seconds or an HTTP date), None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if is_ascii_digits(value):
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment is None:
        return None
    return max(0.0, moment.timestamp() - time.time())


def endpoint_host(endpoint: str) -> str:
    """What logs and job errors may say about an endpoint: its host only."""
    try:
        return urlsplit(endpoint).hostname or "?"
    except ValueError:
        return "?"


async def send_push(
    settings: Settings, keys: VapidKeys, subscription: PushSubscription, payload: dict
) -> PushResponse:
    """POST one encrypted push; raises ``BlockedDestination`` for a refused address and
    aiohttp/timeout errors when the push service cannot be reached."""
    check_url(subscription.endpoint, settings.allow_private_fetch)
    body, encoding = encrypt(subscription, orjson.dumps(payload))
    headers = request_headers(settings, keys, subscription, encoding)
    async with (
        guarded_session(settings.allow_private_fetch, settings.push_timeout_seconds) as http,
        http.post(
            subscription.endpoint, data=body, headers=headers, allow_redirects=False
        ) as response,
    ):
        # The body is not read: a push service says all it has to say in the status.
        return PushResponse(response.status, parse_retry_after(response.headers.get("Retry-After")))
