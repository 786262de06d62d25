"""The inbox intake: what answering one delivery costs, kept to checks in memory and a
share of one commit.

An inbox under load takes hundreds of deliveries a second, mostly from actors it already
knows. For each, federation/inbox.py's checks must pass before anything is stored: the
body parsed, the guard, the signer's key found and the signature verified over the exact
bytes received. Done with a database read per delivery and a commit each, the database is
the bottleneck (on SQLite above all, one writer at a time). Here:

- Signers known from a previous delivery are kept in the entity cache (cache/entities.py,
  name space ``signer``: key id -> account id, actor id, public key), exactly as long as
  their account row is unchanged in any process, so a known sender's delivery is verified
  without a statement. A key that does not verify is never refused from the cache: the
  delivery takes the database path, which re-reads the key and fetches it from its owner
  once (rotation), as before. A cached signer is a known actor, so the stranger guard has
  nothing to refuse.
- Local inboxes (``/users/<nickname>/inbox``) are remembered the same way (``local_inbox``).
- A delivery from a blocked instance (MRF SimplePolicy ``reject``) is answered 202 and
  dropped before anything is looked up, fetched or stored.
- A Create, Update or Delete signed by someone other than its actor (inbox forwarding,
  federation/forwarding.py) is taken like a relay's: the receive job trusts nothing of it
  and reads the object from its origin.
- The receive job is stored by the process's group commit (jobs/group_commit.py): the 202
  still comes only after the commit that holds the job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pyleroma.activities import mrf
from pyleroma.cache.changes import stamp_of, usable_cache
from pyleroma.cache.entities import KIND_ACCOUNT, EntityCache, NamedEntry
from pyleroma.errors import NotFound, Unauthorized, Unavailable
from pyleroma.federation.forwarding import is_forwardable
from pyleroma.federation.inbox import (
    DropSilently,
    activity_actor,
    guard,
    parse_body,
    signing_account,
)
from pyleroma.federation.instances import host_of
from pyleroma.federation.signatures import SignatureError, signature_key_id, verify_any
from pyleroma.jobs.group_commit import GroupCommitter, StoreFailed
from pyleroma.jobs.receive_jobs import RECEIVE_JOB, RECEIVE_QUEUE
from pyleroma.models import Account
from pyleroma.settings import Settings

SIGNERS = "signer"
LOCAL_INBOXES = "local_inbox"

LOCAL_BY_NICKNAME = select(Account.id).where(
    Account.nickname_key == bindparam("nickname"), Account.local.is_(True)
)


@dataclass(frozen=True, slots=True)
class Signer:
    account_id: int
    ap_id: str
    public_key: str


class InboxIntake:
    """One per app: ``await accept(...)`` returns once the delivery is stored (or dropped)
    and raises the domain error to answer otherwise."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        cache: EntityCache,
    ):
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.cache = cache
        self.scheme = "https" if settings.base_url.startswith("https") else "http"
        self.jobs = GroupCommitter(sessionmaker)

    async def accept(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        body: bytes,
        nickname: str | None = None,
    ) -> None:
        """Check a delivery to the shared inbox (``nickname`` None) or a local account's,
        and store it as a receive job. ``target`` is the request target as sent."""
        if nickname is not None and self.cache.get_named(LOCAL_INBOXES, nickname.lower()) is None:
            async with self.sessionmaker() as session:
                await self._check_local_inbox(session, nickname.lower())
        data = parse_body(body, self.settings.inbox_max_body_bytes)
        actor_id = activity_actor(data)
        if mrf.is_blocked_host(self.settings, host_of(actor_id)):
            return  # an instance block: taken (202) and dropped, nothing fetched or stored
        signer = self._verified_by_cached_key(method, target, headers, body)
        if signer is None:
            async with self.sessionmaker() as session:
                try:
                    await guard(session, data)
                except DropSilently:
                    return
                account = await signing_account(
                    session, self.settings, method, target, headers, body
                )
                signer = Signer(account.id, account.ap_id, account.public_key)
                self._remember(session, SIGNERS, signature_key_id(headers), signer, account.id)
                # A signer fetched just now is stored before its activity's job runs.
                await session.commit()
        if (
            signer.ap_id != actor_id
            and not is_forwardable(data)
            and not await self._forwarded_by_relay(signer)
        ):
            raise Unauthorized("the signature is not the activity actor's")
        if signer.ap_id != actor_id and mrf.is_blocked_host(self.settings, host_of(signer.ap_id)):
            return  # passed on by a blocked instance: dropped like its own activities
        try:
            args = {"activity": data, "actor_id": signer.account_id}
            await self.jobs.add(RECEIVE_JOB, args, queue=RECEIVE_QUEUE)
        except StoreFailed as exc:
            raise Unavailable("the activity could not be stored; try again later") from exc

    async def _forwarded_by_relay(self, signer: Signer) -> bool:
        """Whether ``signer`` is a relay we follow: Mastodon-style relays forward other
        actors' activities signed with their own key. The receive job then takes only the
        post it names, fetched from its origin (federation/receive.py), never the body."""
        from pyleroma.federation.relay import is_followed_relay, relay_enabled

        if not relay_enabled(self.settings):
            return False
        async with self.sessionmaker() as session:
            return await is_followed_relay(session, self.settings, signer.account_id)

    def _verified_by_cached_key(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> Signer | None:
        """The cached signer whose key verifies this request, else None (the database
        path then decides, and says why it refuses)."""
        try:
            key_id = signature_key_id(headers)
        except SignatureError:
            return None
        signer = self.cache.get_named(SIGNERS, key_id)
        if signer is None:
            return None
        try:
            verify_any(method, target, headers, body, signer.public_key, scheme=self.scheme)
        except SignatureError:
            return None
        return signer

    async def _check_local_inbox(self, session: AsyncSession, nickname: str) -> None:
        account_id = await session.scalar(LOCAL_BY_NICKNAME, {"nickname": nickname})
        if account_id is None:
            raise NotFound("Not found")
        self._remember(session, LOCAL_INBOXES, nickname, account_id, account_id)

    def _remember(
        self, session: AsyncSession, space: str, name: str, value, account_id: int
    ) -> None:
        """Cache ``value`` under ``name`` if the session read it in a transaction that has
        written nothing (after a commit, e.g. of a fetched key, the next delivery does)."""
        stamp = stamp_of(session.sync_session)
        if stamp is None or usable_cache(session) is not self.cache:
            return
        self.cache.put_named(space, name, NamedEntry(value, ((KIND_ACCOUNT, account_id),), stamp))
