"""Posts and their cards: linking when a post is written, fetching in a job, reading.

One ``preview_cards`` row per URL, shared by every status linking it
(``status_preview_cards``: a status's card). The lifecycle:

- ``link_status`` runs in the transaction that writes a post (a local or remote Create, an
  edit, a remote Update): it picks the post's link (links.py), makes the card row
  (``pending``) if the URL has none, links the status to it, and when the card needs a
  fetch adds the job ``rich_media.fetch`` to the effects, written with the post (one
  pending job per card: its unique key). An edit that changes the link moves the status to
  the new card; one that removes the link removes the card. Nothing is fetched here, and
  nothing when rendering: a post shows its card once the job made it ``ready``.
- ``refresh_card`` is the job's work: it reads the card in a short transaction of its own,
  fetches with no transaction open (fetch.py, parse.py; the image is re-encoded and
  stored under ``uploads/cards/``, never hot-linked), then writes the result in the job's
  transaction, the card row locked first. A card becoming ready touches the links of every
  status showing it, which is what invalidates exactly their cached bundles
  (cache/changes.py sees a bulk UPDATE keyed by status id). The lock makes this exact on
  PostgreSQL too: a post linking the card meanwhile waits for it (its foreign key check),
  so its link is either seen here or committed after the card was ready.
- A fetch that fails marks the card ``failed`` with the time; that is remembered: posts
  linking the URL later do not fetch it again until ``FAILED_RETRY_AFTER`` has passed
  (then the next such post does). A ready card is never fetched again.
- ``rich_media_enabled`` off: no links, no jobs (a job already queued does nothing) and
  no card shown anywhere.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import secrets
from dataclasses import dataclass

from anyio import to_thread
from PIL import Image
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.db.upsert import insert_or_ignore
from pyleroma.errors import DomainError, NotFound
from pyleroma.models import Account, PreviewCard, Status, StatusPreviewCard
from pyleroma.models.preview_card import CARD_FAILED, CARD_PENDING, CARD_READY
from pyleroma.services.cards.fetch import CardFetchError, fetch_image, fetch_oembed, fetch_page
from pyleroma.services.cards.links import card_url
from pyleroma.services.cards.parse import (
    CardFields,
    build_card,
    decode_page,
    read_oembed,
    read_page,
)
from pyleroma.services.media import blurhash, images
from pyleroma.services.statuses.status_reads import get_thread_status
from pyleroma.settings import Settings

log = logging.getLogger("pyleroma.cards")

CARD_JOB = "rich_media.fetch"
FAILED_RETRY_AFTER = dt.timedelta(minutes=15)
IMAGE_BOX = (640, 640)
IMAGE_PREFIX = "cards/"
# Statuses whose links are touched per statement when a card becomes ready.
_TOUCH_CHUNK = 500


def needs_fetch(state: str, fetched_at: dt.datetime | None) -> bool:
    """Whether a card in ``state`` should be fetched (again) now."""
    if state == CARD_PENDING:
        return True
    if state == CARD_FAILED:
        return fetched_at is None or fetched_at <= utcnow() - FAILED_RETRY_AFTER
    return False


# --- when a post is written ----------------------------------------------------------------


async def link_status(
    session: AsyncSession, settings: Settings, status: Status, effects, *, edited: bool = False
) -> None:
    """Link ``status`` (just written, or ``edited``) to its link's card and queue the fetch
    in ``effects`` when the card needs one (see the module docstring)."""
    if not settings.rich_media_enabled or status.reblog_of_id is not None:
        return
    url = card_url(settings, status.content)
    linked = False
    if edited:
        current = (
            await session.execute(
                select(PreviewCard.url)
                .join(StatusPreviewCard, StatusPreviewCard.card_id == PreviewCard.id)
                .where(StatusPreviewCard.status_id == status.id)
            )
        ).scalar()
        linked = current is not None and current == url
        if current is not None and not linked:
            await session.execute(
                delete(StatusPreviewCard).where(StatusPreviewCard.status_id == status.id)
            )
    if url is None:
        return
    values = {"id": new_id(), "url": url, "state": CARD_PENDING, "opengraph": {}}
    await insert_or_ignore(session, PreviewCard, values, ("url",))
    card = (
        await session.execute(
            select(PreviewCard.id, PreviewCard.state, PreviewCard.fetched_at).where(
                PreviewCard.url == url
            )
        )
    ).one()
    if not linked:
        session.add(StatusPreviewCard(status_id=status.id, card_id=card.id))
    if needs_fetch(card.state, card.fetched_at):
        effects.job(CARD_JOB, {"card_id": card.id}, unique_key=f"{CARD_JOB}:{card.id}")


# --- the job -------------------------------------------------------------------------------


@dataclass
class StoredImage:
    path: str
    width: int
    height: int
    blurhash: str | None


def _process_image(data: bytes) -> images.ProcessedImage:
    image = images.open_image(data, "image")
    try:
        return images.encode_variants(image, [IMAGE_BOX], "image")[0]
    finally:
        image.close()


def _blurhash(data: bytes) -> str | None:
    try:
        with Image.open(io.BytesIO(data)) as decoded:
            return blurhash.encode_image(decoded)
    except (OSError, ValueError):
        return None


async def _store_image(settings: Settings, url: str) -> StoredImage | None:
    """The card's image fetched, re-encoded (metadata dropped, at most 640 x 640) and
    written under ``uploads/cards/``; None when it cannot be had (the card goes on without)."""
    try:
        data = await fetch_image(settings, url)
        processed = await to_thread.run_sync(_process_image, data)
    except (CardFetchError, DomainError) as exc:
        log.info("card image %s not stored: %s", url, exc)
        return None
    relative = f"{IMAGE_PREFIX}{secrets.token_hex(16)}.{processed.extension}"
    path = settings.uploads_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    await to_thread.run_sync(path.write_bytes, processed.data)
    hashed = await to_thread.run_sync(_blurhash, processed.data)
    return StoredImage(relative, processed.width, processed.height, hashed)


async def fetch_card(settings: Settings, url: str) -> tuple[CardFields, StoredImage | None]:
    """Fetch and read the card of ``url``; ``CardFetchError`` when it has none."""
    page = await fetch_page(settings, url)
    text = decode_page(page.body, page.params.get("charset"))
    meta = await to_thread.run_sync(read_page, text, page.url)
    oembed = None
    if meta.oembed_url:
        try:
            body = await fetch_oembed(settings, meta.oembed_url)
            oembed = read_oembed(body, meta.oembed_url)
        except CardFetchError as exc:
            log.info("oEmbed of %s not read: %s", url, exc)
    fields = build_card(page.url, meta, oembed)
    if fields is None:
        raise CardFetchError(f"{page.url} has no title, OpenGraph, Twitter card or oEmbed data")
    image = await _store_image(settings, fields.image_url) if fields.image_url else None
    return fields, image


def _apply(card: PreviewCard, fields: CardFields, image: StoredImage | None) -> None:
    card.type = fields.type
    card.title = fields.title
    card.description = fields.description
    card.author_name = fields.author_name
    card.author_url = fields.author_url
    card.provider_name = fields.provider_name
    card.provider_url = fields.provider_url
    card.html = fields.html
    card.language = fields.language
    card.opengraph = fields.opengraph
    card.width, card.height = fields.width, fields.height
    if image is not None:
        card.image_path = image.path
        card.blurhash = image.blurhash
        if not (card.width and card.height):
            card.width, card.height = image.width, image.height


async def refresh_card(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    card_id: int,
) -> str | None:
    """The job's work for one card (see the module docstring); ``session`` is the job's
    transaction, which the caller commits. Returns the card's new state (None: nothing
    was done)."""
    if not settings.rich_media_enabled:
        return None
    async with sessionmaker() as reading:
        found = (
            await reading.execute(
                select(PreviewCard.url, PreviewCard.state, PreviewCard.fetched_at).where(
                    PreviewCard.id == card_id
                )
            )
        ).first()
    if found is None or not needs_fetch(found.state, found.fetched_at):
        return None
    try:
        fields, image = await fetch_card(settings, found.url)
    except CardFetchError as exc:
        log.info("no card for %s: %s", found.url, exc)
        fields, image = None, None
    return await store_fetched(session, card_id, fields, image)


async def store_fetched(
    session: AsyncSession, card_id: int, fields: CardFields | None, image: StoredImage | None
) -> str | None:
    """Write a fetch's outcome to the card (``fields`` None: it failed), the row locked;
    a card now ready invalidates the statuses linking it."""
    card = await session.scalar(
        select(PreviewCard).where(PreviewCard.id == card_id).with_for_update()
    )
    if card is None or card.state == CARD_READY:
        return None
    card.fetched_at = utcnow()
    if fields is None:
        card.state = CARD_FAILED
        return CARD_FAILED
    _apply(card, fields, image)
    card.state = CARD_READY
    await session.flush()
    status_ids = list(
        (
            await session.execute(
                select(StatusPreviewCard.status_id).where(StatusPreviewCard.card_id == card_id)
            )
        ).scalars()
    )
    for start in range(0, len(status_ids), _TOUCH_CHUNK):
        chunk = status_ids[start : start + _TOUCH_CHUNK]
        # A write that changes nothing but tells the cache tracker which statuses now
        # show another card (cache/changes.py reads the ids from the IN list).
        await session.execute(
            update(StatusPreviewCard)
            .where(StatusPreviewCard.status_id.in_(chunk))
            .values(card_id=card_id)
            .execution_options(synchronize_session=False)
        )
    return CARD_READY


# --- reading ---------------------------------------------------------------------------------


async def status_card(
    session: AsyncSession, settings: Settings, viewer: Account | None, status_id
) -> PreviewCard:
    """The ready card of a status the viewer may see (a reblog's: its original's); 404
    ``Record not found`` when there is none, as Pleroma answers."""
    status = await get_thread_status(session, viewer, status_id)
    if not settings.rich_media_enabled:
        raise NotFound("Record not found")
    card = await session.scalar(
        select(PreviewCard)
        .join(StatusPreviewCard, StatusPreviewCard.card_id == PreviewCard.id)
        .where(StatusPreviewCard.status_id == status.id, PreviewCard.state == CARD_READY)
    )
    if card is None:
        raise NotFound("Record not found")
    return card
