"""``Effects``: what a ``handle_*`` function wants to happen besides its own writes.

Handlers persist rows but never commit and never emit: they return this value, and
``pipeline.run`` releases it around the one commit. Jobs (home fan-out, deliveries, web
push) are written in the same transaction, so they exist exactly when the change does;
stream events go out only after the commit (a client never hears of a change that was
rolled back). ``result`` is what the local caller gets back (the reblog row, the follow).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pyleroma.models import Notification


@dataclass
class Delivery:
    """A local activity to send to the recipients' inboxes (remote ones only; local
    recipients already have it). ``activity`` is the AS2 JSON, rendered by the pipeline
    from the activity being run when the handler leaves it None; ``actor_id`` signs it
    (None: the activity's actor)."""

    recipient_ids: list[int] = field(default_factory=list)
    # Also every follower of the signing actor (their shared inboxes, deduplicated).
    to_followers: bool = False
    activity: dict[str, Any] | None = None
    actor_id: int | None = None
    # Also the inboxes of the relays that accepted the relay actor (public posts only;
    # none while relays are off: federation/relay.py).
    to_relays: bool = False
    # Inboxes on these hosts are left out (a forwarded activity's origin already has it:
    # federation/forwarding.py).
    exclude_hosts: tuple[str, ...] = ()


@dataclass
class Effects:
    events: list[dict[str, Any]] = field(default_factory=list)
    # (kind, args, enqueue options: run_at, unique_key)
    jobs: list[tuple[str, dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    result: Any = None

    def stream(self, event: dict[str, Any]) -> None:
        """A stream event, published after the commit."""
        self.events.append(event)

    def job(
        self,
        kind: str,
        args: dict[str, Any],
        *,
        run_at: dt.datetime | None = None,
        unique_key: str | None = None,
    ) -> None:
        """A job, written in the activity's transaction (``jobs.queue.enqueue``'s options:
        a later start, at most one pending job per unique key)."""
        self.jobs.append((kind, args, {"run_at": run_at, "unique_key": unique_key}))

    def deliver(
        self,
        recipient_ids=(),
        *,
        to_followers: bool = False,
        activity=None,
        actor_id=None,
        to_relays: bool = False,
        exclude_hosts=(),
    ):
        """Send the activity (or ``activity``, another one, signed by ``actor_id``) to the
        remote ones among ``recipient_ids`` and, with ``to_followers``, the followers; with
        ``to_relays``, the followed relays too; never to inboxes on ``exclude_hosts``."""
        self.deliveries.append(
            Delivery(
                list(recipient_ids),
                to_followers,
                activity,
                actor_id,
                to_relays,
                tuple(exclude_hosts),
            )
        )

    def notified(self, notification: Notification | None) -> None:
        """The stream event of a notification the handler created (muted ones are silent:
        they are stored seen, Pleroma's ``do_send: false``)."""
        if notification is not None and not notification.seen:
            event = {"notification_id": notification.id, "account_id": notification.account_id}
            self.stream({"type": "notification", **event})

    def merge(self, other: Effects) -> None:
        self.events.extend(other.events)
        self.jobs.extend(other.jobs)
        self.deliveries.extend(other.deliveries)
