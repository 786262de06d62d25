"""Web push subscriptions: validating them, keeping one per access token, and deciding which
notifications are pushed.

As in Mastodon and Pleroma, a subscription belongs to the access token that made it:
subscribing again with the same token replaces it, and revoking the token deletes it (the
foreign key cascades). ``check_*`` validate a whole request before anything is written.

``queue_deliveries`` is called by ``notifications.notify`` for every notification it stores:
it adds a "push.deliver" job per subscription of the recipient that wants that type from
that sender, in the notification's own transaction, so a push is sent exactly when the
notification commits. Notifications stored already seen (a muted sender or thread) are not
pushed, as Pleroma does not send them (``do_send: false``).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.db.upsert import insert_or_update
from pyleroma.errors import Forbidden, NotFound, Unprocessable
from pyleroma.federation.net_guard import BlockedDestination, check_url, is_loopback_host
from pyleroma.jobs.queue import enqueue
from pyleroma.models import Account, Notification, OAuthToken, PushSubscription
from pyleroma.models.push_subscription import PUSH_POLICIES
from pyleroma.policy.relations import is_following
from pyleroma.services.notifications.vapid import b64url_decode, b64url_encode
from pyleroma.settings import Settings
from pyleroma.values import parse_bool

PUSH_JOB = "push.deliver"
# Given here too, not only where the kind registers: a web process that leaves jobs to
# workers never imports the job module, and enqueue would fall back to the defaults.
PUSH_QUEUE = "push"
PUSH_MAX_ATTEMPTS = 5
# The alert switches a subscription may set: Mastodon's, with Pleroma's own types. A
# notification type without a switch here ("move", "pleroma:report") is never pushed.
ALERT_TYPES = (
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "pleroma:emoji_reaction",
    "pleroma:chat_mention",
)
ENDPOINT_MAX_LENGTH = 2048
P256DH_LENGTH = 65
AUTH_LENGTH = 16


@dataclass(frozen=True)
class SubscriptionRequest:
    endpoint: str
    key_p256dh: str
    key_auth: str
    standard: bool


@dataclass(frozen=True)
class SubscriptionData:
    alerts: dict[str, bool]
    policy: str


# --- validation --------------------------------------------------------------------------


def check_endpoint(raw, settings: Settings) -> str:
    """An https URL of a public host. Plain http (and loopback hosts) only with
    ``allow_private_fetch``, which tests and loopback setups turn on."""
    if not isinstance(raw, str) or not raw.strip():
        raise Unprocessable("subscription[endpoint]: can't be blank")
    endpoint = raw.strip()
    if len(endpoint) > ENDPOINT_MAX_LENGTH:
        raise Unprocessable(
            f"subscription[endpoint]: is too long (maximum is {ENDPOINT_MAX_LENGTH} characters)"
        )
    try:
        parts = check_url(endpoint, settings.allow_private_fetch)
    except BlockedDestination as exc:
        raise Unprocessable(f"subscription[endpoint]: {exc}") from exc
    if parts.scheme != "https" and not (
        settings.allow_private_fetch and is_loopback_host(parts.hostname or "")
    ):
        raise Unprocessable("subscription[endpoint]: must be an https URL")
    return endpoint


def _check_key(keys: dict, name: str, length: int) -> bytes:
    raw = keys.get(name)
    if raw is None or raw == "":
        raise Unprocessable(f"subscription[keys][{name}]: can't be blank")
    try:
        data = b64url_decode(raw)
    except ValueError as exc:
        raise Unprocessable(f"subscription[keys][{name}]: must be base64url") from exc
    if len(data) != length:
        raise Unprocessable(f"subscription[keys][{name}]: must encode {length} bytes")
    return data


def check_subscription(subscription: dict, settings: Settings) -> SubscriptionRequest:
    """``subscription[endpoint]``, ``subscription[keys][p256dh|auth]`` and Mastodon 4.4's
    ``subscription[standard]``. The p256dh key must be a point on P-256: a key we could not
    encrypt to would only fail later, at every push."""
    if not isinstance(subscription, dict) or not subscription:
        raise Unprocessable("subscription: can't be blank")
    endpoint = check_endpoint(subscription.get("endpoint"), settings)
    keys = subscription.get("keys")
    if not isinstance(keys, dict):
        raise Unprocessable("subscription[keys]: must be an object with p256dh and auth")
    p256dh = _check_key(keys, "p256dh", P256DH_LENGTH)
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), p256dh)
    except ValueError as exc:
        raise Unprocessable("subscription[keys][p256dh]: is not a P-256 public key") from exc
    auth = _check_key(keys, "auth", AUTH_LENGTH)
    standard_raw = subscription.get("standard")
    standard = (
        False
        if standard_raw is None or standard_raw == ""
        else parse_bool(standard_raw, "subscription[standard]")
    )
    return SubscriptionRequest(endpoint, b64url_encode(p256dh), b64url_encode(auth), standard)


def check_data(data) -> SubscriptionData:
    """``data[alerts][<type>]`` switches and ``data[policy]``. Unknown alert names are
    ignored (clients send Mastodon's admin ones too); a switch that is not a boolean is 422."""
    if data is None or data == "":
        data = {}
    if not isinstance(data, dict):
        raise Unprocessable("data: must be an object")
    raw_alerts = data.get("alerts")
    if raw_alerts is None or raw_alerts == "":
        raw_alerts = {}
    if not isinstance(raw_alerts, dict):
        raise Unprocessable("data[alerts]: must be an object")
    alerts = {
        name: parse_bool(raw_alerts[name], f"data[alerts][{name}]")
        for name in ALERT_TYPES
        if name in raw_alerts and raw_alerts[name] is not None
    }
    policy = data.get("policy")
    if policy is None or policy == "":
        policy = "all"
    if policy not in PUSH_POLICIES:
        raise Unprocessable(f"data[policy]: must be one of {', '.join(PUSH_POLICIES)}")
    return SubscriptionData(alerts, policy)


def _require_token(token: OAuthToken | None) -> OAuthToken:
    if token is None:
        raise Forbidden("Push subscriptions need an OAuth access token")
    return token


# --- the owner's verbs -------------------------------------------------------------------


async def get_subscription(session: AsyncSession, token: OAuthToken | None) -> PushSubscription:
    """The token's subscription; 404 when it has none."""
    token = _require_token(token)
    subscription = await session.scalar(
        select(PushSubscription)
        .where(PushSubscription.token_id == token.id)
        .execution_options(populate_existing=True)
    )
    if subscription is None:
        raise NotFound("Record not found")
    return subscription


async def subscribe(
    session: AsyncSession,
    account: Account,
    token: OAuthToken | None,
    request: SubscriptionRequest,
    data: SubscriptionData,
) -> PushSubscription:
    """Create the token's subscription, replacing any it had (a new id, as Mastodon).

    One upsert on the token's unique key: two simultaneous subscribes with one token leave
    one subscription, never an error.
    """
    token = _require_token(token)
    now = utcnow()
    await insert_or_update(
        session,
        PushSubscription,
        {
            "id": new_id(),
            "account_id": account.id,
            "token_id": token.id,
            "endpoint": request.endpoint,
            "key_p256dh": request.key_p256dh,
            "key_auth": request.key_auth,
            "alerts": data.alerts,
            "policy": data.policy,
            "standard": request.standard,
            "created_at": now,
            "updated_at": now,
        },
        ["token_id"],
        [
            "id",
            "account_id",
            "endpoint",
            "key_p256dh",
            "key_auth",
            "alerts",
            "policy",
            "standard",
            "created_at",
            "updated_at",
        ],
    )
    await session.commit()
    return await get_subscription(session, token)


async def update_data(
    session: AsyncSession, token: OAuthToken | None, data: SubscriptionData
) -> PushSubscription:
    """Replace the alerts and policy (Mastodon replaces the whole ``data``: an alert not
    sent is off); the endpoint and keys only change by subscribing again. 404 if none."""
    subscription = await get_subscription(session, token)
    subscription.alerts = data.alerts
    subscription.policy = data.policy
    subscription.updated_at = utcnow()
    await session.commit()
    return subscription


async def unsubscribe(session: AsyncSession, token: OAuthToken | None) -> None:
    subscription = await get_subscription(session, token)
    await session.delete(subscription)
    await session.commit()


# --- which notifications are pushed ------------------------------------------------------


def alert_enabled(alerts: dict, kind: str) -> bool:
    """Whether ``alerts`` switch on pushes of notification type ``kind``.

    A follow request follows the ``follow_request`` switch when the client set it (Mastodon)
    and the ``follow`` switch otherwise (Pleroma has only that one).
    """
    if kind == "follow_request" and "follow_request" not in alerts:
        kind = "follow"
    return kind in ALERT_TYPES and alerts.get(kind) is True


def alerts_to_api(alerts: dict) -> dict[str, bool]:
    """Every switch with its effective value, so clients see what will be pushed."""
    return {name: alert_enabled(alerts, name) for name in ALERT_TYPES}


async def policy_admits(
    session: AsyncSession, policy: str, recipient_id: int, sender_id: int
) -> bool:
    """Mastodon's policies: ``followed`` pushes only what accounts the recipient follows
    cause, ``follower`` only what the recipient's followers cause, ``none`` nothing."""
    if policy == "all":
        return True
    if policy == "followed":
        return await is_following(session, recipient_id, sender_id)
    if policy == "follower":
        return await is_following(session, sender_id, recipient_id)
    return False


async def wanted_subscriptions(
    session: AsyncSession, notification: Notification
) -> list[PushSubscription]:
    """The recipient's subscriptions that want this notification pushed."""
    subscriptions = (
        await session.scalars(
            select(PushSubscription).where(PushSubscription.account_id == notification.account_id)
        )
    ).all()
    verdicts: dict[str, bool] = {}
    wanted = []
    for subscription in subscriptions:
        if not alert_enabled(subscription.alerts or {}, notification.type):
            continue
        if subscription.policy not in verdicts:
            verdicts[subscription.policy] = await policy_admits(
                session, subscription.policy, notification.account_id, notification.from_account_id
            )
        if verdicts[subscription.policy]:
            wanted.append(subscription)
    return wanted


async def queue_deliveries(session: AsyncSession, notification: Notification) -> None:
    """Enqueue one push job per subscription that wants ``notification`` (not committed).

    One job per subscription, so a push service failing and retrying never makes another
    device get the same push twice.
    """
    if notification.seen:
        return
    for subscription in await wanted_subscriptions(session, notification):
        await enqueue(
            session,
            PUSH_JOB,
            {"notification_id": notification.id, "subscription_id": subscription.id},
            queue=PUSH_QUEUE,
            max_attempts=PUSH_MAX_ATTEMPTS,
        )


async def delete_subscription(session: AsyncSession, subscription_id: int) -> None:
    """Forget a subscription its push service says is gone (404/410). Does not commit."""
    await session.execute(delete(PushSubscription).where(PushSubscription.id == subscription_id))
