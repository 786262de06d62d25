"""Turning committed events into the messages each connected socket should get.

For one event the dispatcher finds the candidate sockets in the registry (no query), asks the
database once per question for all of them together (streaming/audience.py), renders the
entity once per distinct viewer with the API's own renderers, applies that viewer's filters
for the stream's context, and queues the text frames. Messages are Mastodon's:
``{"stream": [...], "event": "update", "payload": "<the entity as a JSON string>"}``.

Event types (emitted by the services, see docs/api/streaming.md):

- ``status`` / ``status_edited`` ``{status_id}``: ``update`` / ``status.update`` to the
  ``user`` (and, for direct posts, ``direct``) sockets of accounts whose home holds it, to
  the public, remote and hashtag streams, and to the lists that show it;
- ``delete`` ``{status_id, author_id, visibility, local, has_media, reblog, domain, tags,
  holder_ids}``: a snapshot taken before the row went, payload the id;
- ``notification`` ``{notification_id, account_id}``: ``user`` and ``user:notification``;
- ``conversation`` ``{thread_id}``: the Conversation entity to each participant's ``direct``;
- ``follow_relationship`` ``{state, follower_id, following_id}``: Pleroma's
  ``pleroma:follow_relationships_update`` to the follower's ``user`` sockets;
- ``filters_changed`` ``{account_id}``: ``filters_changed`` to the account's ``user``;
- ``token_revoked`` ``{token_ids}``: sockets holding those tokens are closed;
- ``chat_update`` ``{account_id, chat_id, reference_id}``: Pleroma's
  ``pleroma:chat_update`` (the Chat) to the owner's ``user`` and ``user:pleroma_chat``
  (streaming/chat_updates.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pyleroma.api.mastodon.render_conversations import conversation_to_api
from pyleroma.api.mastodon.render_notifications import notifications_to_api
from pyleroma.api.mastodon.render_statuses import statuses_to_api
from pyleroma.models import (
    Account,
    Conversation,
    ConversationParticipation,
    Follow,
    Notification,
    Status,
)
from pyleroma.services.filters.filters import (
    filter_notifications,
    filter_statuses,
    load_active_filters,
)
from pyleroma.services.notifications.notifications import readable_conditions
from pyleroma.settings import Settings
from pyleroma.streaming import audience
from pyleroma.streaming.connections import CLOSE_POLICY, Connection, Registry
from pyleroma.streaming.topics import Topic, filter_context, label

log = logging.getLogger("pyleroma.streaming")

Delivery = tuple[Topic, Connection]


def message(topic: Topic, event: str, payload: str | None) -> str:
    data: dict = {"stream": label(topic), "event": event}
    if payload is not None:
        data["payload"] = payload
    return orjson.dumps(data).decode()


def _json(value) -> str:
    return orjson.dumps(value).decode()


def _copy(value: dict) -> dict:
    """A deep copy (filters write ``filtered`` into the entity they are given)."""
    return orjson.loads(orjson.dumps(value))


class Dispatcher:
    def __init__(
        self,
        registry: Registry,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
    ):
        self.registry = registry
        self.sessionmaker = sessionmaker
        self.settings = settings
        self._handlers: dict[str, Callable[[dict], Awaitable[None]]] = {
            "status": lambda e: self._status(e, "update"),
            "status_edited": lambda e: self._status(e, "status.update"),
            "delete": self._delete,
            "notification": self._notification,
            "conversation": self._conversation,
            "follow_relationship": self._follow_relationship,
            "filters_changed": self._filters_changed,
            "token_revoked": self._token_revoked,
            "chat_update": self._chat_update,
        }

    async def dispatch(self, events: list[dict]) -> None:
        """Deliver ``events`` in order; a failing event is logged and the rest go on."""
        for event in events:
            if not self.registry.connections:
                return
            handler = self._handlers.get(event.get("type")) if isinstance(event, dict) else None
            if handler is None:
                log.warning("unknown stream event %r", event)
                continue
            try:
                await handler(event)
            except Exception:
                log.exception("dispatching stream event %r failed", event)

    # --- statuses --------------------------------------------------------------------------

    async def _status_deliveries(self, session: AsyncSession, status: Status) -> list[Delivery]:
        reg = self.registry
        deliveries: list[Delivery] = []
        direct = status.visibility == "direct"
        home_candidates = set(reg.keys("user"))
        if direct:
            home_candidates.update(reg.keys("direct"))
        if home_candidates:
            for account_id in await audience.home_holders(session, status.id, home_candidates):
                names = ("user", "direct") if direct else ("user",)
                for name in names:
                    topic = (name, account_id)
                    deliveries += [(topic, c) for c in reg.subscribers(*topic)]
        if status.visibility in ("public", "local") and status.reblog_of_id is None:
            tags = await audience.tag_names(session, status.id) if audience.wants_tags(reg) else []
            domain = None
            if not status.local and audience.wants_remote(reg):
                domain = await session.scalar(
                    select(Account.domain).where(Account.id == status.account_id)
                )
            for topic in audience.public_topics(
                reg,
                visibility=status.visibility,
                local=status.local,
                has_media=status.has_media,
                is_reblog=False,
                domain=domain,
                tags=tags,
            ):
                deliveries += [(topic, c) for c in reg.subscribers(*topic)]
        list_ids = reg.keys("list")
        if list_ids:
            for list_id, owner_id in await audience.matching_lists(session, status, list_ids):
                topic = ("list", list_id)
                deliveries += [
                    (topic, c) for c in reg.subscribers(*topic) if c.account_id == owner_id
                ]
        return deliveries

    async def _status(self, event: dict, name: str) -> None:
        async with self.sessionmaker() as session:
            status = await session.get(Status, event.get("status_id"))
            if status is None:
                return
            deliveries = await self._status_deliveries(session, status)
            if not deliveries:
                return
            viewer_ids = {c.account_id for _, c in deliveries if c.account_id is not None}
            allowed = (
                await audience.visible_to(session, status, viewer_ids) if viewer_ids else set()
            )
            anonymous = any(c.account_id is None for _, c in deliveries)
            anonymous_ok = anonymous and await audience.anonymous_sees(session, status)
            viewers: dict[int, Account] = {}
            if allowed:
                rows = await session.execute(select(Account).where(Account.id.in_(allowed)))
                viewers = {a.id: a for a in rows.scalars()}
            rendered: dict[int | None, dict | None] = {}
            payloads: dict[tuple[int | None, str], str | None] = {}
            for topic, conn in deliveries:
                viewer_id = conn.account_id
                if viewer_id is None and not anonymous_ok:
                    continue
                if viewer_id is not None and viewer_id not in viewers:
                    continue
                context = filter_context(topic[0])
                key = (viewer_id, context)
                if key not in payloads:
                    if viewer_id not in rendered:
                        found = await statuses_to_api(
                            session, self.settings, [status], viewers.get(viewer_id)
                        )
                        rendered[viewer_id] = found[0] if found else None
                    entity = rendered[viewer_id]
                    payload = None
                    if entity is not None:
                        kept = await filter_statuses(session, viewer_id, context, [_copy(entity)])
                        payload = _json(kept[0]) if kept else None
                    payloads[key] = payload
                if payloads[key] is not None:
                    conn.send(message(topic, name, payloads[key]))

    async def _delete(self, event: dict) -> None:
        reg = self.registry
        status_id = event.get("status_id")
        visibility = event.get("visibility")
        deliveries: list[Delivery] = []
        for account_id in event.get("holder_ids") or ():
            names = ("user", "direct") if visibility == "direct" else ("user",)
            for name in names:
                topic = (name, account_id)
                deliveries += [(topic, c) for c in reg.subscribers(*topic)]
        if not event.get("chunk"):  # id lists split in chunks: the rest goes out once
            for topic in audience.public_topics(
                reg,
                visibility=visibility,
                local=bool(event.get("local")),
                has_media=bool(event.get("has_media")),
                is_reblog=bool(event.get("reblog")),
                domain=event.get("domain"),
                tags=event.get("tags") or (),
            ):
                deliveries += [(topic, c) for c in reg.subscribers(*topic)]
            list_ids = reg.keys("list")
            if list_ids and visibility != "direct" and event.get("author_id") is not None:
                async with self.sessionmaker() as session:
                    found = await audience.lists_with_member(session, event["author_id"], list_ids)
                for list_id in found:
                    topic = ("list", list_id)
                    deliveries += [(topic, c) for c in reg.subscribers(*topic)]
        payload = str(status_id)
        for topic, conn in deliveries:
            conn.send(message(topic, "delete", payload))

    # --- notifications and conversations ---------------------------------------------------

    async def _notification(self, event: dict) -> None:
        account_id = event.get("account_id")
        deliveries: list[Delivery] = []
        for name in ("user", "user:notification"):
            topic = (name, account_id)
            deliveries += [(topic, c) for c in self.registry.subscribers(*topic)]
        if not deliveries:
            return
        async with self.sessionmaker() as session:
            row = (
                await session.execute(
                    select(Notification, Account)
                    .join(Account, Account.id == Notification.from_account_id)
                    .where(
                        Notification.id == event.get("notification_id"),
                        *readable_conditions(account_id, Account),
                    )
                )
            ).first()
            viewer = await session.get(Account, account_id)
            if row is None or viewer is None or not viewer.is_active:
                return
            notification, sender = row
            if notification.type == "reblog" and await self._hides_reblogs(
                session, account_id, sender.id
            ):
                return  # Akkoma: reblog notifications of reblog-muted accounts stay quiet
            rendered = await notifications_to_api(session, self.settings, [row], viewer)
            active = await load_active_filters(session, account_id, "notifications")
            kept = filter_notifications(rendered, active)
        if not kept:
            return
        payload = _json(kept[0])
        for topic, conn in deliveries:
            conn.send(message(topic, "notification", payload))

    async def _hides_reblogs(self, session: AsyncSession, account_id: int, booster_id: int):
        found = await session.scalar(
            select(Follow.id).where(
                Follow.follower_id == account_id,
                Follow.followed_id == booster_id,
                Follow.show_reblogs.is_(False),
            )
        )
        return found is not None

    async def _conversation(self, event: dict) -> None:
        account_ids = self.registry.keys("direct")
        if not account_ids:
            return
        async with self.sessionmaker() as session:
            rows = await session.execute(
                select(ConversationParticipation, Account)
                .join(Conversation, Conversation.id == ConversationParticipation.conversation_id)
                .join(Account, Account.id == ConversationParticipation.account_id)
                .where(
                    Conversation.thread_id == event.get("thread_id"),
                    ConversationParticipation.account_id.in_(account_ids),
                    ConversationParticipation.last_status_id.is_not(None),
                )
            )
            for participation, viewer in rows.all():
                entity = await conversation_to_api(session, self.settings, participation, viewer)
                topic = ("direct", viewer.id)
                text = message(topic, "conversation", _json(entity))
                for conn in self.registry.subscribers(*topic):
                    conn.send(text)

    # --- accounts and tokens ---------------------------------------------------------------

    async def _follow_relationship(self, event: dict) -> None:
        follower_id, following_id = event.get("follower_id"), event.get("following_id")
        topic = ("user", follower_id)
        sockets = self.registry.subscribers(*topic)
        if not sockets:
            return
        async with self.sessionmaker() as session:
            rows = await session.execute(
                select(Account).where(Account.id.in_([follower_id, following_id]))
            )
            accounts = {a.id: a for a in rows.scalars()}
        if follower_id not in accounts or following_id not in accounts:
            return

        def counts(account: Account) -> dict:
            return {
                "id": str(account.id),
                "follower_count": account.followers_count,
                "following_count": account.following_count,
            }

        payload = {
            "state": event.get("state"),
            "follower": counts(accounts[follower_id]),
            "following": counts(accounts[following_id]),
        }
        text = message(topic, "pleroma:follow_relationships_update", _json(payload))
        for conn in list(sockets):
            conn.send(text)

    async def _filters_changed(self, event: dict) -> None:
        topic = ("user", event.get("account_id"))
        text = message(topic, "filters_changed", None)
        for conn in list(self.registry.subscribers(*topic)):
            conn.send(text)

    async def _chat_update(self, event: dict) -> None:
        from pyleroma.streaming.chat_updates import dispatch_chat_update

        await dispatch_chat_update(
            self.registry, self.sessionmaker, self.settings, event, message, _json
        )

    async def _token_revoked(self, event: dict) -> None:
        for conn in self.registry.with_tokens(event.get("token_ids") or ()):
            conn.close(CLOSE_POLICY, "Access token revoked")
