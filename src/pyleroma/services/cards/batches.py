"""The cards of a page of statuses, read in the page's batch (status_batches.py).

``CARDS`` reads, for the statuses whose bundles the caches do not hold, the ready card each
links to, as (status id, card row). A card is the same for every viewer, so it is kept in
the status's bundle (cache/entities.py) and invalidated with it: a ``status_preview_cards``
row names its status (cache/changes.py ``TRACKED``), and when a card becomes ready the
fetch job touches the rows of every status linking it (cards.py ``store_fetched``), so
exactly those bundles are dropped. Pending and failed cards are not read: they show as no
card at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from pyleroma.db.fastread import Prepared, in_list, row_type
from pyleroma.models import PreviewCard, StatusPreviewCard
from pyleroma.models.preview_card import CARD_READY

CardRow, CARD_COLUMNS = row_type(PreviewCard)

CARDS = Prepared(
    select(StatusPreviewCard.status_id, *CARD_COLUMNS)
    .join(PreviewCard, PreviewCard.id == StatusPreviewCard.card_id)
    .where(in_list(StatusPreviewCard.status_id, "bundle_ids"), PreviewCard.state == CARD_READY)
)


def read_rows(rows: Iterable[tuple]) -> dict[int, Any]:
    """{status id: CardRow} from ``CARDS``' rows."""
    return {row[0]: CardRow._make(row[1:]) for row in rows}
