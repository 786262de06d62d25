"""Following relays: follow, unfollow and list (the ``pyleroma relay`` CLI and the admin
API, api/admin/relays.py, whose staff member is passed as ``actor`` so the moderation log
entry is written in the follow's own transaction).

A relay is named by a URL, as admins find it on relay lists: the relay's actor (LitePub
relays: Pleroma's ``/relay``, activityrelay's ``/actor``) or its inbox (Mastodon-style
relays are published as ``https://relay.example/inbox``). An inbox URL is followed the
Mastodon way, with a Follow of the Public collection; the relay's actor is still needed
(its key signs the Accept and what it relays, and the follows table names it), so it is
fetched from ``/actor`` next to the inbox, where pub-relay, activityrelay, Activity-Relay
and aode-relay all serve it, and must name that inbox as its own.

The follow itself is the pipeline's Follow by the relay actor (federation/relay.py), so
the row, its pending state and the Accept that settles it are the same as any account's;
only the document sent to a Mastodon-style relay differs. Everything a relay sends is
checked by receive.py and nothing here trusts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities import pipeline
from pyleroma.activities.build import build_follow, build_undo_of
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.effects import Delivery
from pyleroma.activities.handlers.relations import drop_follow
from pyleroma.activities.normalize_objects import is_http_url
from pyleroma.errors import BadRequest, Conflict, Forbidden, NotFound, Unprocessable
from pyleroma.federation.errors import FederationError, FetchError
from pyleroma.federation.relay import (
    LITEPUB,
    MASTODON,
    find_relay_actor,
    get_or_create_relay_actor,
    mastodon_follow_json,
    mastodon_undo_json,
    relay_enabled,
    relay_entries,
    set_relay_entry,
)
from pyleroma.models import Account, Follow
from pyleroma.services.moderation.moderation_log import log_action
from pyleroma.settings import Settings

# Actor types relays publish (activityrelay: Application; pub-relay, Activity-Relay:
# Service). Older Pleroma and Akkoma relay actors are Persons at /relay.
RELAY_TYPES = ("Application", "Service")


@dataclass(frozen=True)
class RelayInfo:
    url: str  # what the admin followed: the relay's actor id or its inbox
    actor_id: str
    inbox: str | None
    kind: str  # LITEPUB or MASTODON
    state: str  # pending (no Accept yet) or accepted


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _is_inbox_url(url: str) -> bool:
    return urlsplit(url).path.rstrip("/").endswith("/inbox")


def check_relay_url(settings: Settings, url: str) -> str:
    from pyleroma.federation.fetch import is_local_url

    url = url.strip()
    if not is_http_url(url):
        raise BadRequest(f"not an http(s) URL: {url!r}")
    if is_local_url(settings, url):
        raise BadRequest(f"{url} is on this instance, not a relay")
    return url


def _check_is_relay(relay: Account, url: str) -> None:
    if relay.actor_type in RELAY_TYPES or urlsplit(relay.ap_id).path == "/relay":
        return
    raise Unprocessable(
        f"{url} is not a relay: its actor {relay.ap_id} is a {relay.actor_type}, where relays "
        "are Application or Service actors"
    )


async def _fetch_relay_actor(
    session: AsyncSession, settings: Settings, actor_url: str, url: str
) -> Account:
    from pyleroma.federation.actors import get_or_fetch_actor

    try:
        return await get_or_fetch_actor(session, settings, actor_url, refresh=True)
    except FetchError as exc:
        # The admin's URL does not lead to a relay (nothing answers there, or not an actor):
        # a refusal of that URL, not a fault of this server.
        raise Unprocessable(f"could not fetch the relay at {actor_url}: {exc.reason}") from exc
    except FederationError as exc:
        raise Unprocessable(f"{url} is not a relay: {exc.reason}") from exc


async def resolve_relay(session: AsyncSession, settings: Settings, url: str) -> tuple[str, Account]:
    """(kind, the relay's actor account) for a relay URL, fetched now (a relay's actor may
    have changed since we last saw it)."""
    if not _is_inbox_url(url):
        relay = await _fetch_relay_actor(session, settings, url, url)
        _check_is_relay(relay, url)
        return LITEPUB, relay
    actor_url = f"{_origin(url)}/actor"
    relay = await _fetch_relay_actor(session, settings, actor_url, url)
    if url not in (relay.inbox, relay.shared_inbox):
        raise Unprocessable(
            f"{url} is not a relay's inbox: the actor at {actor_url} takes deliveries at "
            f"{relay.shared_inbox or relay.inbox}"
        )
    _check_is_relay(relay, url)
    return MASTODON, relay


async def _relay_follows(session: AsyncSession, relay_actor: Account):
    rows = await session.execute(
        select(Account, Follow)
        .join(Follow, Follow.followed_id == Account.id)
        .where(Follow.follower_id == relay_actor.id)
        .order_by(Follow.id)
    )
    return rows.all()


def _info(relay_actor: Account, relay: Account, follow: Follow) -> RelayInfo:
    entry = relay_entries(relay_actor).get(relay.ap_id) or {}
    return RelayInfo(
        url=entry.get("url") or relay.ap_id,
        actor_id=relay.ap_id,
        inbox=relay.shared_inbox or relay.inbox,
        kind=entry.get("kind") or LITEPUB,
        state=follow.state,
    )


async def follow_relay(
    session: AsyncSession, settings: Settings, url: str, actor: Account | None = None
) -> RelayInfo:
    """Follow the relay at ``url`` (its actor, or its inbox for a Mastodon-style relay):
    the Follow is sent and the follow stays pending until the relay's Accept arrives.
    ``actor``: the staff member asking (admin API), logged as ``relay_follow``. Commits."""
    if not relay_enabled(settings):
        raise Forbidden(
            "relays are switched off on this instance (instance_allow_relay = false, or "
            "federating = false)"
        )
    url = check_relay_url(settings, url)
    relay_actor = await get_or_create_relay_actor(session, settings)
    # Committed before any fetch: the fetch signs with the instance actor, whose key may be
    # stored in a transaction of its own (federation/keys.py), which must not wait on ours.
    await session.commit()
    kind, relay = await resolve_relay(session, settings, url)
    for account, follow in await _relay_follows(session, relay_actor):
        if account.id == relay.id:
            raise Conflict(f"already following the relay {url} ({follow.state})")
    ctx = PipelineContext(session, settings)
    activity = build_follow(settings, relay_actor, relay)
    effects = await pipeline.handle(ctx, activity)
    if kind == MASTODON:
        document = mastodon_follow_json(activity.id, relay_actor)
        effects.deliveries = [Delivery([relay.id], activity=document, actor_id=relay_actor.id)]
    set_relay_entry(relay_actor, relay.ap_id, {"url": url, "kind": kind})
    if actor is not None:
        await log_action(session, actor, "relay_follow", target=url)
    await pipeline.release_in_transaction(ctx, activity, effects)
    await session.commit()
    return _info(relay_actor, relay, effects.result)


async def unfollow_relay(
    session: AsyncSession, settings: Settings, url: str, actor: Account | None = None
) -> RelayInfo:
    """Stop following the relay that ``url`` names (the URL it was followed by, its actor
    id or its inbox), sending the Undo in the shape of the Follow. Commits. Works while
    relays are switched off too, so an admin can always leave one, and never fetches the
    relay, so a relay that is gone can be left (what Pleroma's ``force`` is for).
    ``actor``: the staff member asking (admin API), logged as ``relay_unfollow``."""
    url = url.strip()
    relay_actor = await find_relay_actor(session, settings)
    found = None
    if relay_actor is not None:
        entries = relay_entries(relay_actor)
        for account, follow in await _relay_follows(session, relay_actor):
            followed_as = (entries.get(account.ap_id) or {}).get("url")
            if url in (account.ap_id, account.inbox, account.shared_inbox, followed_as):
                found = (account, follow)
                break
    if found is None:
        raise NotFound(f"not following a relay at {url}")
    relay, follow = found
    info = _info(relay_actor, relay, follow)
    ctx = PipelineContext(session, settings)
    undo = build_undo_of(settings, "Follow", relay_actor, relay)
    effects = await pipeline.handle(ctx, undo)
    if info.kind == MASTODON and effects.deliveries:
        document = mastodon_undo_json(undo.id, undo.inner.id, relay_actor)
        effects.deliveries = [Delivery([relay.id], activity=document, actor_id=relay_actor.id)]
    # A LitePub relay followed back; leaving it ends that too (activityrelay drops us at
    # the Undo, and its own Undo of the follow-back wraps ours, which names nothing here).
    await drop_follow(session, effects, relay.id, relay_actor.id)
    set_relay_entry(relay_actor, relay.ap_id, None)
    if actor is not None:
        await log_action(session, actor, "relay_unfollow", target=url)
    await pipeline.release_in_transaction(ctx, undo, effects)
    await session.commit()
    return info


async def list_relays(session: AsyncSession, settings: Settings) -> list[RelayInfo]:
    """The relays the relay actor follows or asked to follow, oldest first."""
    relay_actor = await find_relay_actor(session, settings)
    if relay_actor is None:
        return []
    return [
        _info(relay_actor, account, follow)
        for account, follow in await _relay_follows(session, relay_actor)
    ]
