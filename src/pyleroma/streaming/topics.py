"""Stream names: parsing a client's ``stream`` (+ ``tag``/``list``/``instance``) and deciding
whether this socket may have it, as Akkoma's ``Streamer.get_topic``.

A topic is ``(name, key)``: the account id for the per-user streams, the lower-cased tag for
hashtag streams, the list id for a list, the domain for ``public:remote``, None otherwise.
Rules:

- ``public``, ``public:media``, ``public:remote[:media]`` (with ``instance``), ``hashtag``:
  anyone, unless ``restrict_unauthenticated_federated_timeline`` is on; then a logged-in
  token with ``read:statuses`` (or ``read``). The ``:local`` variants follow
  ``restrict_unauthenticated_local_timeline`` the same way.
- ``user`` and ``direct`` need a user token with ``read:statuses``; ``user:notification``
  one with ``read:notifications``; ``user:pleroma_chat`` (Pleroma's) one with
  ``read:chats``; ``list`` one with ``read:lists`` and the list must be the
  token owner's (someone else's list is "not found", as a missing one).

Failures carry an HTTP status for the handshake (401 unauthorized, 404 unknown stream, as
Akkoma answers) and Mastodon's error texts for an open socket's ``subscribe``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.ids import parse_id
from pyleroma.models import List
from pyleroma.policy.scopes import satisfies
from pyleroma.settings import Settings

Topic = tuple[str, Any]

USER_STREAMS = ("user", "user:notification", "direct", "user:pleroma_chat")
LOCAL_PUBLIC = ("public:local", "public:local:media", "hashtag:local")
PUBLIC_STREAMS = ("public", "public:local", "public:media", "public:local:media")
REMOTE_STREAMS = ("public:remote", "public:remote:media")
HASHTAG_STREAMS = ("hashtag", "hashtag:local")
ALL_STREAMS = (*USER_STREAMS, *PUBLIC_STREAMS, *REMOTE_STREAMS, *HASHTAG_STREAMS, "list")

# The scope a per-user stream needs besides ``read:statuses`` (Pleroma's chat stream).
USER_STREAM_SCOPES = {"user:notification": "read:notifications", "user:pleroma_chat": "read:chats"}

# The filter context (services/filters/filters.py) a stream's statuses are checked against.
FILTER_CONTEXT = {
    "user": "home",
    "list": "home",
    "direct": "thread",
    "user:notification": "notifications",
}


def filter_context(name: str) -> str:
    return FILTER_CONTEXT.get(name, "public")


@dataclass
class Viewer:
    """Who a socket speaks for: an account with a token, an app token, or nobody."""

    account_id: int | None = None
    token_id: int | None = None
    scopes: set[str] = field(default_factory=set)
    valid_until: dt.datetime | None = None


class StreamError(Exception):
    """A stream this socket may not have; ``status`` is the handshake's HTTP answer."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def label(topic: Topic) -> list[str]:
    """The ``stream`` array of a message, as Mastodon sends it: ``["user"]``,
    ``["hashtag", "cats"]``, ``["list", "42"]``."""
    name, key = topic
    if name in USER_STREAMS or key is None:
        return [name]
    return [name, str(key)]


def _require(viewer: Viewer, *scopes: str) -> None:
    if viewer.account_id is None:
        raise StreamError(401, "Missing access token")
    if not satisfies(viewer.scopes, scopes):
        raise StreamError(401, "Access token does not have the required scopes")


def _check_public(settings: Settings, viewer: Viewer, name: str) -> None:
    local = name in LOCAL_PUBLIC
    restricted = (
        settings.restrict_unauthenticated_local_timeline
        if local
        else settings.restrict_unauthenticated_federated_timeline
    )
    if restricted:
        _require(viewer, "read:statuses")


def _text(params: dict, key: str) -> str:
    value = params.get(key)
    return value.strip() if isinstance(value, str) else ""


async def resolve(
    session: AsyncSession, settings: Settings, name: Any, params: dict, viewer: Viewer
) -> Topic:
    """The topic for stream ``name`` with ``params`` (tag, list, instance), or StreamError."""
    if not isinstance(name, str) or name not in ALL_STREAMS:
        raise StreamError(404, "Unknown stream type")
    if name in USER_STREAMS:
        scope = USER_STREAM_SCOPES.get(name, "read:statuses")
        _require(viewer, scope)
        return (name, viewer.account_id)
    if name == "list":
        _require(viewer, "read:lists")
        list_id = parse_id(params.get("list"))
        if list_id is None:
            raise StreamError(404, "No list id provided")
        found = await session.get(List, list_id)
        if found is None or found.account_id != viewer.account_id:
            raise StreamError(404, "List not found")
        return (name, list_id)
    _check_public(settings, viewer, name)
    if name in HASHTAG_STREAMS:
        tag = _text(params, "tag").lstrip("#").lower()
        if not tag:
            raise StreamError(404, "No tag for stream provided")
        return (name, tag)
    if name in REMOTE_STREAMS:
        instance = _text(params, "instance").lower()
        if not instance:
            raise StreamError(404, "No instance for stream provided")
        return (name, instance)
    return (name, None)
