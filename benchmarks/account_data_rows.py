"""The rows and the archive benchmarks/account_data.py works on, made without the API:
accounts and posts written in bulk (no keys, no password hashes, no fan-out), so that
preparing thousands costs seconds and the benchmark times only the work it is about; and a
Mastodon-format archive for the history import."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import orjson

OLD = "https://old.bench.invalid"
OLD_ACTOR = f"{OLD}/users/traveller"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


async def bulk_accounts(sessionmaker, settings, count: int) -> list[int]:
    """``count`` local accounts in one INSERT (as tests/api/test_imports.py makes them)."""
    from sqlalchemy import insert

    from pyleroma.db.ids import new_id
    from pyleroma.models import Account

    base = settings.base_url
    rows = [
        {
            "id": new_id(),
            "nickname": f"bulk{n}",
            "nickname_key": f"bulk{n}",
            "local": True,
            "ap_id": f"{base}/users/bulk{n}",
        }
        for n in range(count)
    ]
    async with sessionmaker() as session:
        await session.execute(insert(Account), rows)
        await session.commit()
    return [row["id"] for row in rows]


async def bulk_statuses(sessionmaker, settings, account_id: int, count: int) -> tuple[int, int]:
    """``count`` public posts by the account in batched INSERTs, a quarter of them
    favourited and an eighth bookmarked by it; returns (favourites, bookmarks)."""
    from sqlalchemy import insert, update

    from pyleroma.db.base import utcnow
    from pyleroma.db.ids import new_id
    from pyleroma.models import Account, Bookmark, Favourite, Status
    from pyleroma.urls import object_uri

    now = utcnow()
    statuses, favourites, bookmarks = [], [], []
    for n in range(count):
        ident = new_id()
        text = f"benchmark post {n}: the quick brown fox jumps over the lazy dog"
        statuses.append(
            {
                "id": ident,
                "uri": object_uri(settings, ident),
                "account_id": account_id,
                "visibility": "public",
                "source": text,
                "content": f"<p>{text}</p>",
                "conversation_id": ident,
                "created_at": now,
                "favourites_count": int(n % 4 == 0),
            }
        )
        row = {"account_id": account_id, "status_id": ident, "created_at": now}
        if n % 4 == 0:
            favourites.append({"id": new_id(), **row})
        if n % 8 == 0:
            bookmarks.append({"id": new_id(), **row})
    async with sessionmaker() as session:
        for model, rows in ((Status, statuses), (Favourite, favourites), (Bookmark, bookmarks)):
            for start in range(0, len(rows), 1000):
                await session.execute(insert(model), rows[start : start + 1000])
        await session.execute(
            update(Account).where(Account.id == account_id).values(statuses_count=count)
        )
        await session.commit()
    return len(favourites), len(bookmarks)


def mastodon_archive(posts: int) -> bytes:
    """A Mastodon backup's zip: actor.json, outbox.json of ``posts`` Creates of public
    Notes (newest first, as Mastodon writes them; a tenth answer the post before, a fifth
    carry a hashtag), an empty likes.json; no media."""
    followers = f"{OLD_ACTOR}/followers"
    first = dt.datetime(2019, 1, 1, 10)
    items = []
    for n in range(posts):
        object_id = f"{OLD_ACTOR}/statuses/{n}"
        published = (first + dt.timedelta(hours=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        tagged = n % 5 == 0
        content = f"<p>an old post, number {n}, from before the move"
        if tagged:
            content += (
                f' <a href="{OLD}/tags/history" class="mention hashtag" rel="tag">'
                "#<span>history</span></a>"
            )
        note = {
            "id": object_id,
            "type": "Note",
            "summary": None,
            "inReplyTo": f"{OLD_ACTOR}/statuses/{n - 1}" if n % 10 == 9 else None,
            "published": published,
            "url": f"{OLD}/@traveller/{n}",
            "attributedTo": OLD_ACTOR,
            "to": [PUBLIC],
            "cc": [followers],
            "sensitive": False,
            "content": content + "</p>",
            "contentMap": {"en": content + "</p>"},
            "attachment": [],
            "tag": (
                [{"type": "Hashtag", "href": f"{OLD}/tags/history", "name": "#history"}]
                if tagged
                else []
            ),
        }
        items.append(
            {
                "id": f"{object_id}/activity",
                "type": "Create",
                "actor": OLD_ACTOR,
                "published": published,
                "to": [PUBLIC],
                "cc": [followers],
                "object": note,
            }
        )
    items.reverse()
    files = {
        "actor.json": {
            "@context": ["https://www.w3.org/ns/activitystreams"],
            "id": OLD_ACTOR,
            "type": "Person",
            "preferredUsername": "traveller",
            "outbox": "outbox.json",
            "followers": followers,
        },
        "outbox.json": _collection("outbox.json", items),
        "likes.json": _collection("likes.json", []),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, orjson.dumps(data))
    return out.getvalue()


def _collection(name: str, items: list) -> dict:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": name,
        "type": "OrderedCollection",
        "totalItems": len(items),
        "orderedItems": items,
    }
