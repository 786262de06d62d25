"""Access tokens (with their app and account) without a statement per request.

Every authenticated request looks its token up; through the ORM that is a three-table join
and three objects built, about a millisecond and a half of Python. The first lookup keeps a
detached copy of the three objects (SQLAlchemy's ``merge(load=False)`` caching recipe); later
lookups merge that copy into the request's session without SQL, so handlers get ordinary
persistent objects they may change and commit, exactly as after a query.

A copy is used only while neither the token (revoked, refreshed) nor its account (profile,
role, deactivation, counters) changed after the transaction that read it began
(entities.EntityCache.token); a change to any app drops every copy. Expiry is checked by
the caller at each use, as before.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from pyleroma.cache.changes import stamp_of, usable_cache
from pyleroma.cache.entities import TokenEntry
from pyleroma.models import OAuthToken

BY_DIGEST = select(OAuthToken).where(OAuthToken.token_digest == bindparam("digest"))


def _detached_copy(token: OAuthToken) -> OAuthToken:
    scratch = Session()
    copy = scratch.merge(token, load=False)
    scratch.expunge_all()
    return copy


async def find_token(session: AsyncSession, token_digest: str) -> OAuthToken | None:
    """The token whose digest is ``token_digest``, attached to ``session``, or None."""
    cache = usable_cache(session)
    if cache is not None:
        snapshot = cache.token(token_digest)
        if snapshot is not None:
            return await session.merge(snapshot, load=False)
    token = (await session.execute(BY_DIGEST, {"digest": token_digest})).scalar_one_or_none()
    stamp = stamp_of(session.sync_session)
    if token is not None and cache is not None and stamp is not None:
        entry = TokenEntry(_detached_copy(token), token.id, token.account_id, stamp)
        cache.put_token(token_digest, entry)
    return token
