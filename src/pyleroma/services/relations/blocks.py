"""Blocks, mutes (with an optional expiry) and user-level domain blocks.

A block severs every follow between the two accounts, in both directions and in any state
(pending requests included), so nothing leaks to a blocked account through a follow; the
counters are kept right by ``drop_follow`` (activities/handlers/relations.py). A mute only
hides; it changes no follow. An expired mute is treated everywhere as no mute at all
(``policy.relations.mute_in_force``), so no job has to run at the expiry time for the mute
to end.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities import pipeline
from pyleroma.activities.build import build_block, build_undo_of
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.handlers.relations import bump_counts
from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.db.paging import Page, in_display_order, paginate
from pyleroma.db.upsert import insert_or_ignore, insert_or_update
from pyleroma.errors import Unprocessable
from pyleroma.models import Account, Block, DomainBlock, Follow, Mute
from pyleroma.models.relationship import FOLLOW_ACCEPTED
from pyleroma.policy.relations import mute_in_force
from pyleroma.services.relations.follows import check_not_self
from pyleroma.services.timelines.home_timeline import purge_account, purge_domain
from pyleroma.settings import Settings

# Mutes longer than this are refused rather than overflowing a date (about 68 years).
MAX_MUTE_SECONDS = 2**31 - 1
MAX_DOMAIN_LENGTH = 253
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_DOMAIN_RE = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*(?::[0-9]{{1,5}})?$")


# --- blocks ----------------------------------------------------------------------------------


async def block(
    session: AsyncSession,
    settings: Settings,
    blocker: Account,
    target: Account,
    *,
    commit: bool = True,
):
    """Block ``target``: severs follows and requests both ways, then records the block.
    ``commit=False``: for a job, whose runner commits."""
    check_not_self(blocker, target, "Can not block yourself")
    activity = build_block(settings, blocker, target)
    await pipeline.run(PipelineContext(session, settings), activity, commit=commit)


async def unblock(session: AsyncSession, settings: Settings, blocker: Account, target: Account):
    """Lift a block; a no-op when there is none. Severed follows are not restored."""
    undo = build_undo_of(settings, "Block", blocker, target)
    await pipeline.run(PipelineContext(session, settings), undo)


# --- mutes -----------------------------------------------------------------------------------


def check_mute_duration(seconds: int | None) -> int:
    """Seconds a mute lasts, 0 for ever; negative or absurd values are a 422."""
    if seconds is None:
        return 0
    if seconds < 0:
        raise Unprocessable("duration: must be at least 0")
    if seconds > MAX_MUTE_SECONDS:
        raise Unprocessable(f"duration: must be at most {MAX_MUTE_SECONDS}")
    return seconds


async def mute(
    session: AsyncSession,
    muter: Account,
    target: Account,
    *,
    notifications: bool = True,
    duration: int = 0,
    commit: bool = True,
) -> None:
    """Mute ``target`` (and its notifications unless told not to) for ``duration`` seconds.

    Muting again replaces both settings, so a client can turn a timed mute into a
    permanent one or the other way round. ``commit=False``: for a job, whose runner commits.
    """
    check_not_self(muter, target, "Can not mute yourself")
    duration = check_mute_duration(duration)
    expires_at = utcnow() + dt.timedelta(seconds=duration) if duration else None
    await insert_or_update(
        session,
        Mute,
        {
            "id": new_id(),
            "account_id": muter.id,
            "target_id": target.id,
            "hide_notifications": notifications,
            "expires_at": expires_at,
            "created_at": utcnow(),
        },
        ("account_id", "target_id"),
        ("hide_notifications", "expires_at"),
    )
    await purge_account(session, muter.id, target.id)
    if commit:
        await session.commit()


async def unmute(session: AsyncSession, muter: Account, target: Account) -> None:
    """Lift a mute; a no-op when there is none."""
    await session.execute(
        delete(Mute).where(Mute.account_id == muter.id, Mute.target_id == target.id)
    )
    await session.commit()


# --- lists -----------------------------------------------------------------------------------


async def list_blocks(session: AsyncSession, account: Account, page: Page) -> list[tuple]:
    """(blocked account, block id) pairs, newest block first; deactivated accounts left out."""
    stmt = (
        select(Account, Block.id)
        .join(Block, Block.target_id == Account.id)
        .where(Block.account_id == account.id, Account.is_active.is_(True))
    )
    rows = (await session.execute(paginate(stmt, Block.id, page))).all()
    return [(row[0], row[1]) for row in in_display_order(rows, page)]


async def list_mutes(session: AsyncSession, account: Account, page: Page) -> list[tuple]:
    """(muted account, mute id, expires_at) triples for mutes still in force, newest first."""
    stmt = (
        select(Account, Mute.id, Mute.expires_at)
        .join(Mute, Mute.target_id == Account.id)
        .where(
            Mute.account_id == account.id,
            Account.is_active.is_(True),
            mute_in_force(utcnow()),
        )
    )
    rows = (await session.execute(paginate(stmt, Mute.id, page))).all()
    return [(row[0], row[1], row[2]) for row in in_display_order(rows, page)]


# --- domain blocks ---------------------------------------------------------------------------


def normalize_domain(settings: Settings, raw, *, allow_own: bool = False) -> str:
    """The domain as stored: lower case, no scheme/path/trailing dot, IDN as ASCII.

    Refuses blanks, malformed names and (unless ``allow_own``, for unblocking) this
    instance's own domain with a 422.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise Unprocessable("domain: can't be blank")
    domain = raw.strip().lower()
    if "://" in domain:
        domain = urlsplit(domain).netloc
    domain = domain.rstrip(".")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise Unprocessable("domain: is not a valid domain name") from exc
    if len(domain) > MAX_DOMAIN_LENGTH or not _DOMAIN_RE.match(domain):
        raise Unprocessable("domain: is not a valid domain name")
    own = settings.domain.lower()
    if not allow_own and domain in (own, own.split(":", 1)[0]):
        raise Unprocessable("domain: can't block your own instance")
    return domain


async def block_domain(session: AsyncSession, account: Account, domain: str) -> None:
    """Block ``domain`` for ``account`` and drop its followers (and requests) from there.

    As Mastodon does: a domain block is meant to cut the domain off, and a follower there
    would otherwise keep receiving the account's followers-only posts.
    """
    await insert_or_ignore(
        session,
        DomainBlock,
        {"id": new_id(), "account_id": account.id, "domain": domain},
        ("account_id", "domain"),
    )
    removed = (
        await session.execute(
            delete(Follow)
            .where(
                Follow.followed_id == account.id,
                Follow.follower_id.in_(select(Account.id).where(Account.domain == domain)),
            )
            .returning(Follow.follower_id, Follow.state)
            .execution_options(synchronize_session=False)
        )
    ).all()
    for follower_id, state in removed:
        if state == FOLLOW_ACCEPTED:
            await bump_counts(session, follower_id, account.id, -1)
    await purge_domain(session, account.id, domain)
    await session.commit()


async def unblock_domain(session: AsyncSession, account: Account, domain: str) -> None:
    """Lift a domain block; a no-op when there is none."""
    await session.execute(
        delete(DomainBlock).where(
            DomainBlock.account_id == account.id, DomainBlock.domain == domain
        )
    )
    await session.commit()


async def list_domain_blocks(
    session: AsyncSession, account: Account, page: Page
) -> list[tuple[str, int]]:
    """(domain, domain block id) pairs, newest first."""
    stmt = select(DomainBlock.domain, DomainBlock.id).where(DomainBlock.account_id == account.id)
    rows = (await session.execute(paginate(stmt, DomainBlock.id, page))).all()
    return [(row[0], row[1]) for row in in_display_order(rows, page)]
