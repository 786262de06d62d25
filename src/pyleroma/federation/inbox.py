"""What an inbox checks before it takes an activity: cheap guards, then the signature.

Order matters for cost and safety: the body is parsed and the guard (Pleroma's and
Akkoma's inbox guard) runs first, without any network traffic; then the signer's key is
found (stored, else fetched) and the signature verified over the exact bytes received,
with one re-fetch of the key when it fails (the sender may have rotated it). Nothing about
the activity is stored before all of that passed.

Strangers (actors we have no row for) may only send what starts a relationship with us:
Create, Follow, Like, Announce, EmojiReact, Block, Flag, Join. Anything else from them names
something they cannot have here; a Delete from them (Mastodon sends an account's Delete
to every server it ever talked to) is accepted and dropped, as there is nothing to delete.
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.errors import BadRequest, Forbidden, TooLarge, Unauthorized
from pyleroma.federation.signatures import SignatureError, signature_key_id, verify_any
from pyleroma.models import Account
from pyleroma.settings import Settings

STRANGER_TYPES = frozenset(
    {"Create", "Follow", "Like", "Announce", "EmojiReact", "Block", "Flag", "Join"}
)
# The default of the ``inbox_max_body_bytes`` setting.
MAX_INBOX_BODY = 1024 * 1024


class DropSilently(Exception):  # noqa: N818  (an outcome, not an error)
    """Accept the delivery (202) and do nothing with it."""


def parse_body(body: bytes, limit: int = MAX_INBOX_BODY) -> dict:
    """The delivered JSON object; TooLarge past ``limit`` bytes (``inbox_max_body_bytes``),
    BadRequest for what is not a JSON object."""
    if len(body) > limit:
        raise TooLarge(f"activity larger than {limit} bytes")
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest("the body is not JSON") from exc
    if not isinstance(data, dict):
        raise BadRequest("the body is not a JSON object")
    return data


def activity_actor(data: dict) -> str:
    actor = data.get("actor")
    if isinstance(actor, list) and actor:
        actor = actor[0]
    if isinstance(actor, dict):
        actor = actor.get("id")
    if not isinstance(actor, str) or not actor:
        raise BadRequest("the activity names no actor")
    return actor


def _type(data: dict) -> str:
    kind = data.get("type")
    if isinstance(kind, list) and kind:
        kind = kind[0]
    if not isinstance(kind, str):
        raise BadRequest("the activity has no type")
    return kind.removeprefix("as:")


async def guard(session: AsyncSession, data: dict) -> str:
    """The cheap checks; returns the actor id the signature must belong to."""
    actor_id = activity_actor(data)
    kind = _type(data)
    known = await session.scalar(select(Account.id).where(Account.ap_id == actor_id))
    if known is None and kind not in STRANGER_TYPES:
        if kind == "Delete":
            raise DropSilently()
        raise Forbidden(f"{kind} from an actor this server does not know")
    return actor_id


async def verify_signer(
    session: AsyncSession,
    settings: Settings,
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    body: bytes,
    actor_id: str,
) -> Account:
    """The account whose key signed this delivery, which must be the activity's actor."""
    signer = await signing_account(session, settings, method, path_with_query, headers, body)
    if signer.ap_id != actor_id:
        raise Unauthorized("the signature is not the activity actor's")
    return signer


async def signing_account(
    session: AsyncSession,
    settings: Settings,
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    body: bytes,
) -> Account:
    """The remote account whose key signed this request (a delivery or a fetch); 401 for
    an unsigned or badly signed one.

    The key is looked up among stored accounts first (the common case costs one indexed
    read); an unknown key, or a stored one that fails, is fetched from its owner once.
    """
    try:
        key_id = signature_key_id(headers)
    except SignatureError as exc:
        raise Unauthorized(f"unsigned request: {exc}") from exc
    scheme = "https" if settings.base_url.startswith("https") else "http"
    signer = (
        await session.execute(
            select(Account).where(Account.key_id == key_id, Account.local.is_(False))
        )
    ).scalar_one_or_none()
    failure = None
    if signer is not None and signer.public_key:
        try:
            verify_any(method, path_with_query, headers, body, signer.public_key, scheme=scheme)
        except SignatureError as exc:
            failure = exc
    if signer is None or failure is not None:
        # Unknown key, or the sender may have rotated it: fetch its owner once.
        try:
            signer = await _fetch_signer(session, settings, key_id, refresh=failure is not None)
        except Unauthorized:
            if failure is not None:
                raise Unauthorized(f"bad signature: {failure}") from failure
            raise
        if signer is None or not signer.public_key:
            raise Unauthorized("the signing key could not be found")
        try:
            verify_any(method, path_with_query, headers, body, signer.public_key, scheme=scheme)
        except SignatureError as exc:
            raise Unauthorized(f"bad signature: {exc}") from exc
    if signer.local:
        raise Unauthorized("a local account's key signed a remote request")
    return signer


async def _fetch_signer(session, settings, key_id: str, *, refresh: bool) -> Account | None:
    from pyleroma.federation.actors import get_or_fetch_by_key_id
    from pyleroma.federation.errors import FederationError

    try:
        return await get_or_fetch_by_key_id(session, settings, key_id, refresh=refresh)
    except FederationError as exc:
        raise Unauthorized(f"the signing key could not be fetched: {exc}") from exc
