"""Job kind "rich_media.fetch" ``{"card_id"}``: fetch a link preview card (services/cards).

One attempt: a page that cannot be read now is marked failed, and the next post linking
it after ``cards.FAILED_RETRY_AFTER`` tries again (retrying with backoff would hammer a
site that is down for every post that links it). The timeout covers the page, its oEmbed
document and its image, each bounded by ``rich_media_timeout_seconds``.
"""

from __future__ import annotations

from pyleroma.jobs.registry import DiscardJob, JobContext, register
from pyleroma.services.cards.cards import CARD_JOB, refresh_card


@register(CARD_JOB, max_attempts=1, timeout=120)
async def fetch_preview_card(ctx: JobContext) -> None:
    card_id = ctx.args.get("card_id")
    if not isinstance(card_id, int) or isinstance(card_id, bool):
        raise DiscardJob(f"{CARD_JOB} needs a card_id")
    await refresh_card(ctx.session, ctx.sessionmaker, ctx.settings, card_id)
