"""Job kind "push.deliver" ``{"notification_id": id, "subscription_id": id}``: one web push.

Enqueued by ``services.push_subscriptions.queue_deliveries`` in the transaction that stores
the notification, one job per subscription, so a retry never repeats a push to another
device. What the push service answers decides what happens next:

- 2xx: delivered.
- 404 or 410: the subscription is gone at the push service (the app was uninstalled or the
  browser unsubscribed): it is deleted, as Mastodon does.
- 429 and 5xx, or no answer in ``push_timeout_seconds``: retried with backoff (after
  ``Retry-After`` when the service gives one), up to the kind's attempts.
- any other 4xx: the push service will never accept this push; given up, not retried.
- an endpoint refused by the SSRF guard: given up.

A notification or subscription deleted before the job runs, or a subscription that no
longer wants this notification (alerts or policy changed), is nothing to do.
"""

from __future__ import annotations

import logging

import aiohttp

from pyleroma.db.ids import parse_id
from pyleroma.federation.net_guard import BlockedDestination
from pyleroma.jobs.registry import DiscardJob, JobContext, RetryJob, register
from pyleroma.models import Notification, PushSubscription
from pyleroma.services.notifications import push_subscriptions as subscriptions
from pyleroma.services.notifications.push_delivery import build_payload, endpoint_host, send_push
from pyleroma.services.notifications.vapid import get_keys

log = logging.getLogger("pyleroma.push")

GONE_STATUSES = frozenset({404, 410})


@register(
    subscriptions.PUSH_JOB,
    queue=subscriptions.PUSH_QUEUE,
    max_attempts=subscriptions.PUSH_MAX_ATTEMPTS,
)
async def deliver(ctx: JobContext) -> None:
    notification_id = parse_id(ctx.args.get("notification_id"))
    subscription_id = parse_id(ctx.args.get("subscription_id"))
    if notification_id is None or subscription_id is None:
        raise DiscardJob("push.deliver needs a notification_id and a subscription_id")
    session = ctx.session
    notification = await session.get(Notification, notification_id)
    subscription = await session.get(PushSubscription, subscription_id)
    if notification is None or subscription is None:
        return
    if not subscriptions.alert_enabled(subscription.alerts or {}, notification.type):
        return
    if not await subscriptions.policy_admits(
        session, subscription.policy, notification.account_id, notification.from_account_id
    ):
        return
    payload = await build_payload(session, ctx.settings, notification)
    if payload is None:
        return
    keys = await get_keys(session, ctx.settings)
    host = endpoint_host(subscription.endpoint)
    try:
        response = await send_push(ctx.settings, keys, subscription, payload)
    except BlockedDestination as exc:
        raise DiscardJob(f"push endpoint refused: {exc}") from None
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise RetryJob(f"push service {host} unreachable ({type(exc).__name__})") from None
    status = response.status
    if 200 <= status < 300:
        return
    if status in GONE_STATUSES:
        log.info("push subscription %s gone at %s (%d): deleted", subscription.id, host, status)
        await subscriptions.delete_subscription(session, subscription.id)
        return
    if status == 429 or status >= 500:
        delay = response.retry_after
        if delay is not None:
            delay = min(delay, ctx.settings.job_backoff_max_seconds)
        raise RetryJob(f"push service {host} answered {status}", delay=delay)
    raise DiscardJob(f"push service {host} refused the push with {status}")
