"""The ``replies`` collection of a local post: the ids of its public and unlisted replies, ours
and other servers' alike, as Mastodon serves it (``/objects/<id>/replies``).

Other servers read it to complete a thread they only partly received (Mastodon 4.4's
``FetchAllRepliesWorker``, our own backfill: federation/backfill.py); listing the remote
replies we know is what lets a server that follows nobody on their hosts find them. The
Note names the collection with its first page as a link (``replies_ref``), so rendering a
Note costs no read; the collection embeds its first page; pages go oldest first by id
(``?page=true``, then ``&min_id=``), ``REPLIES_PAGE_SIZE`` ids each, like Mastodon's items.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.fastread import Prepared, reader
from pyleroma.federation.to_as import AS_CONTEXT, page_url
from pyleroma.models import Status
from pyleroma.policy.visibility import visible_filter

REPLIES_PAGE_SIZE = 40
SERVED_VISIBILITIES = ("public", "unlisted")

# The replies anyone may see (public or unlisted, author active), oldest first, above min_id.
REPLIES_PAGE = Prepared(
    select(Status.id, Status.uri)
    .where(
        Status.in_reply_to_id == bindparam("status_id", type_=BigInteger),
        Status.visibility.in_(SERVED_VISIBILITIES),
        Status.reblog_of_id.is_(None),
        Status.id > bindparam("min_id", type_=BigInteger),
        visible_filter(None),
    )
    .order_by(Status.id)
    .limit(bindparam("limit", type_=BigInteger))
)


def replies_id(note_id: str) -> str:
    return f"{note_id}/replies"


def replies_ref(note_id: str) -> dict[str, Any]:
    """The ``replies`` value of a local Note: the collection, its first page a link."""
    collection = replies_id(note_id)
    return {"id": collection, "type": "Collection", "first": page_url(collection, page="true")}


async def reply_page(session: AsyncSession, status_id: int, min_id: int) -> list[tuple[int, str]]:
    """(id, AP id) of the replies after ``min_id``, at most a page."""
    params = {"status_id": status_id, "min_id": min_id, "limit": REPLIES_PAGE_SIZE}
    rows = await (await reader(session)).one(REPLIES_PAGE, params)
    return [(row[0], row[1]) for row in rows if row[1]]


def replies_page_to_as(
    collection: str, min_id: int | None, rows: list[tuple[int, str]], *, context: bool = True
) -> dict[str, Any]:
    """A page of the collection (``rows`` as ``reply_page`` read them)."""
    page_id = page_url(collection, page="true")
    if min_id:
        page_id = page_url(collection, min_id=min_id, page="true")
    data: dict[str, Any] = {"@context": AS_CONTEXT} if context else {}
    data.update(
        {
            "id": page_id,
            "type": "CollectionPage",
            "partOf": collection,
            "items": [uri for _, uri in rows],
        }
    )
    if len(rows) >= REPLIES_PAGE_SIZE:
        data["next"] = page_url(collection, min_id=rows[-1][0], page="true")
    return data


def replies_to_as(collection: str, first_rows: list[tuple[int, str]]) -> dict[str, Any]:
    """The collection, its first page embedded (Mastodon's shape)."""
    return {
        "@context": AS_CONTEXT,
        "id": collection,
        "type": "Collection",
        "first": replies_page_to_as(collection, None, first_rows, context=False),
    }
