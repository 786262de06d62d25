"""Scrobbles (Pleroma's ``POST /api/v1/pleroma/scrobble`` and
``GET /api/v1/pleroma/accounts/:id/scrobbles``, whose routes come with the Pleroma API):
posting a Listen and reading an account's recent ones.

A scrobble goes through the activity pipeline (activities/handlers/scrobbles.py stores it
and delivers the Listen to the followers), with Pleroma's parameters: ``title`` required,
``artist``, ``album``, ``length`` (milliseconds), ``external_link`` and ``visibility``
(public by default, as Pleroma's).
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities import pipeline
from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.normalize_objects import is_http_url
from pyleroma.db.ids import new_id
from pyleroma.db.paging import Page, in_display_order, paginate
from pyleroma.errors import BadRequest
from pyleroma.models import Account, Block, Scrobble
from pyleroma.models.status import VISIBILITIES
from pyleroma.policy.relations import is_following
from pyleroma.policy.visibility import OPEN_VISIBILITIES
from pyleroma.settings import Settings
from pyleroma.urls import activity_uri

MAX_TEXT = 1024  # Scrobble.title / artist / album


def _text(name: str, value: str | None, *, required: bool = False) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise BadRequest(f"{name} is required")
        return None
    if len(value) > MAX_TEXT:
        raise BadRequest(f"{name} is longer than {MAX_TEXT} characters")
    return value


async def scrobble(
    session: AsyncSession,
    settings: Settings,
    account: Account,
    *,
    title: str,
    artist: str | None = None,
    album: str | None = None,
    length: int | None = None,
    external_link: str | None = None,
    visibility: str | None = None,
) -> Scrobble:
    """Post a Listen of what ``account`` is playing; BadRequest for a missing title, a
    negative length, a link that is no http(s) URL or an unknown visibility. Commits."""
    visibility = visibility or "public"
    if visibility not in VISIBILITIES:
        raise BadRequest(f"unknown visibility {visibility!r:.40}")
    if length is not None and (isinstance(length, bool) or not isinstance(length, int)):
        raise BadRequest("length must be a number of milliseconds")
    if length is not None and length < 0:
        raise BadRequest("length must not be negative")
    if external_link is not None and not is_http_url(external_link):
        raise BadRequest("external_link must be an http(s) URL")
    fields = {
        "title": _text("title", title, required=True),
        "artist": _text("artist", artist),
        "album": _text("album", album),
        "length": length,
        "external_link": external_link,
    }
    row_id = new_id()
    activity = Activity(
        "Listen",
        account,
        fields,
        id=activity_uri(settings, row_id),
        row_id=row_id,
        options={"visibility": visibility},
    )
    return await pipeline.run(PipelineContext(session, settings), activity)


async def recent_scrobbles(
    session: AsyncSession,
    account_id: int,
    *,
    visibilities: tuple[str, ...] = ("public", "unlisted"),
    max_id: int | None = None,
    limit: int = 20,
) -> list[Scrobble]:
    """An account's scrobbles among ``visibilities``, newest first, older than ``max_id``
    (the Pleroma API pages them by id; who may see which is the caller's to say)."""
    stmt = select(Scrobble).where(
        Scrobble.account_id == account_id, Scrobble.visibility.in_(visibilities)
    )
    if max_id is not None:
        stmt = stmt.where(Scrobble.id < max_id)
    rows = await session.scalars(stmt.order_by(Scrobble.id.desc()).limit(limit))
    return list(rows)


async def visibilities_for(
    session: AsyncSession, owner: Account, viewer: Account | None
) -> tuple[str, ...]:
    """Which of ``owner``'s scrobbles ``viewer`` may see, by visibility, with the rule of
    statuses (policy/visibility.py): the owner all; others the open ones, and the
    followers-only ones when they follow the owner; a direct scrobble addresses nobody, so
    only its owner sees it. An owner who blocks the viewer hides them all."""
    if viewer is not None and viewer.id == owner.id:
        return VISIBILITIES
    if viewer is None:
        return OPEN_VISIBILITIES
    blocked = await session.scalar(
        select(exists().where(Block.account_id == owner.id, Block.target_id == viewer.id))
    )
    if blocked:
        return ()
    if await is_following(session, viewer.id, owner.id):
        return (*OPEN_VISIBILITIES, "private")
    return OPEN_VISIBILITIES


async def scrobbles_page(
    session: AsyncSession, owner: Account, viewer: Account | None, page: Page
) -> list[Scrobble]:
    """A page of ``owner``'s scrobbles that ``viewer`` may see, newest first, paged by the
    scrobble's id (Pleroma's ``GET /api/v1/pleroma/accounts/:id/scrobbles``)."""
    visibilities = await visibilities_for(session, owner, viewer)
    if not visibilities:
        return []
    stmt = select(Scrobble).where(
        Scrobble.account_id == owner.id, Scrobble.visibility.in_(visibilities)
    )
    rows = list((await session.scalars(paginate(stmt, Scrobble.id, page))).all())
    return in_display_order(rows, page)
