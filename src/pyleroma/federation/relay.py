"""The relay actor (``/relay``) and what the rest of federation asks about relays.

A relay is a server that passes the public posts one subscribed instance sends it on to
every other subscribed instance, so small instances see more of the network. Two protocols
exist and both are followed here (services/instance/relays.py):

- LitePub relays (Pleroma's relay actor, activityrelay, Akkoma): the instance's relay
  actor follows the relay's actor like any account; the relay answers with an Accept,
  usually follows back, and sends each post on as an Announce by its own actor.
- Mastodon-style relays (pub-relay, Activity-Relay, and activityrelay too): the relay is
  named by its inbox; the Follow's object is the Public collection, and the relay forwards
  the original Create, signed by the relay rather than by the post's author.

The relay actor is a local Account row, made on first use as Pleroma's
``User.get_or_create_service_actor_by_ap_id`` does: nickname ``relay`` (reserved for users),
an ``Application`` with a key pair like any local account, and ``invisible`` so that it is
never listed, searched or counted as a user. Which relays it follows is the follows table
(relay actor -> the relay's actor account), the Accept arriving through the normal inbox
path; how each was followed (which URL, which protocol) is kept on the relay actor's
``settings_store`` so that the Undo is sent in the same shape as the Follow.

``instance_allow_relay`` (Pleroma's ``:instance, :allow_relay``) switches all of it off:
/relay answers 404, nothing is sent to relays and relays get no special treatment.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.ids import new_id
from pyleroma.db.upsert import insert_or_ignore
from pyleroma.errors import Conflict
from pyleroma.models import Account, Follow
from pyleroma.models.relationship import FOLLOW_ACCEPTED
from pyleroma.settings import Settings
from pyleroma.urls import relay_actor_urls

RELAY_NICKNAME = "relay"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
# How a relay was followed: the relay's actor (LitePub) or Public at its inbox (Mastodon).
LITEPUB = "litepub"
MASTODON = "mastodon"
# The relay actor's settings_store key: {relay actor id: {"url": followed URL, "kind": ...}}.
RELAYS_KEY = "relays"

_RELAY_ACTOR_ID = select(Account.id).where(
    Account.ap_id == bindparam("relay_ap_id"), Account.local.is_(True)
)
_INBOX = func.coalesce(Account.shared_inbox, Account.inbox)
# Whether the relay actor has an accepted follow of the account: one indexed read.
_FOLLOWED_RELAY = (
    select(Follow.id)
    .where(
        Follow.follower_id == _RELAY_ACTOR_ID.scalar_subquery(),
        Follow.followed_id == bindparam("account_id"),
        Follow.state == FOLLOW_ACCEPTED,
    )
    .limit(1)
)
# The inboxes of the relays that accepted us.
_RELAY_INBOXES = (
    select(_INBOX)
    .join(Follow, Follow.followed_id == Account.id)
    .where(
        Follow.follower_id == _RELAY_ACTOR_ID.scalar_subquery(),
        Follow.state == FOLLOW_ACCEPTED,
        Account.local.is_(False),
        Account.is_active.is_(True),
        _INBOX.is_not(None),
    )
    .distinct()
)


def relay_enabled(settings: Settings) -> bool:
    """Whether relays are on: the instance federates and the admin allows relays."""
    from pyleroma.services.instance.features import federates

    return federates(settings) and settings.instance_allow_relay


def relay_ap_id(settings: Settings) -> str:
    return relay_actor_urls(settings)["ap_id"]


async def find_relay_actor(session: AsyncSession, settings: Settings) -> Account | None:
    """The relay actor's row, None before its first use."""
    return (
        await session.execute(
            select(Account).where(Account.ap_id == relay_ap_id(settings), Account.local.is_(True))
        )
    ).scalar_one_or_none()


async def get_or_create_relay_actor(session: AsyncSession, settings: Settings) -> Account:
    """The relay actor, made now (with its key pair) if it does not exist yet; the caller
    commits. Two processes making it at once both end with the one row (the nickname is
    unique). A user account that took the nickname ``relay`` before it was reserved is a
    ``Conflict``: the actor cannot be made under another name without confusing relays."""
    from pyleroma.federation.keys import ensure_keys

    account = await find_relay_actor(session, settings)
    if account is None:
        await insert_or_ignore(
            session,
            Account,
            {
                "id": new_id(),
                "nickname": RELAY_NICKNAME,
                "nickname_key": RELAY_NICKNAME,
                "local": True,
                **relay_actor_urls(settings),
                "display_name": settings.instance_name,
                "note_html": "",
                "note_source": "",
                "actor_type": "Application",
                "invisible": True,
                "discoverable": False,
                "locked": False,
                "fields": [],
                "also_known_as": [],
                "tags": [],
                "settings_store": {},
                "emojis": {},
            },
            ("nickname_key",),
        )
        account = await find_relay_actor(session, settings)
    if account is None:
        raise Conflict(
            f"a local account is already named {RELAY_NICKNAME!r}: the relay actor needs "
            "that nickname (rename or delete that account first)"
        )
    await ensure_keys(session, account)
    return account


async def is_followed_relay(session: AsyncSession, settings: Settings, account_id: int) -> bool:
    """Whether ``account_id`` is a relay that accepted our relay actor's follow (and relays
    are on): what it relays is then taken into the federated timeline."""
    if not relay_enabled(settings):
        return False
    found = await session.scalar(
        _FOLLOWED_RELAY, {"relay_ap_id": relay_ap_id(settings), "account_id": account_id}
    )
    return found is not None


async def relay_inboxes(session: AsyncSession, settings: Settings) -> list[str]:
    """The inboxes our public posts go to: every relay that accepted the relay actor's
    follow, none while relays are off."""
    if not relay_enabled(settings):
        return []
    rows = await session.execute(_RELAY_INBOXES, {"relay_ap_id": relay_ap_id(settings)})
    return sorted(rows.scalars())


def relay_entries(relay_actor: Account) -> dict[str, dict[str, Any]]:
    """How each followed relay was followed, by its actor id (see RELAYS_KEY)."""
    entries = (relay_actor.settings_store or {}).get(RELAYS_KEY)
    return entries if isinstance(entries, dict) else {}


def set_relay_entry(relay_actor: Account, relay_id: str, entry: dict[str, Any] | None) -> None:
    """Record (or with None forget) how ``relay_id`` was followed; the caller commits."""
    store = dict(relay_actor.settings_store or {})
    entries = dict(relay_entries(relay_actor))
    if entry is None:
        entries.pop(relay_id, None)
    else:
        entries[relay_id] = entry
    store[RELAYS_KEY] = entries
    relay_actor.settings_store = store  # a new dict: the ORM sees the change


def relay_actor_document(settings: Settings, account, public_key_pem: str) -> dict:
    """The relay actor's AS2 document: a local actor's, marked ``invisible`` (LitePub's
    term for service actors) as Pleroma marks it."""
    from pyleroma.federation.to_as_actor import account_to_as

    document = account_to_as(settings, account, public_key_pem)
    document["type"] = "Application"
    document["invisible"] = True
    document.pop("featured", None)  # it pins nothing
    return document


def mastodon_follow_json(follow_id: str, relay_actor: Account) -> dict:
    """The Follow a Mastodon-style relay expects: of the Public collection (Mastodon's
    ``Relay#follow_activity``), addressed to nobody in particular."""
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": follow_id,
        "type": "Follow",
        "actor": relay_actor.ap_id,
        "object": PUBLIC,
    }


def mastodon_undo_json(undo_id: str, follow_id: str, relay_actor: Account) -> dict:
    """The Undo of that Follow, which embeds it so the relay can match it."""
    follow = mastodon_follow_json(follow_id, relay_actor)
    follow.pop("@context")
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": undo_id,
        "type": "Undo",
        "actor": relay_actor.ap_id,
        "object": follow,
    }
