"""Helpers for the status read/edit/delete tests: rows written straight to the database.

Favourites and reblogs are inserted directly (their endpoints belong to another module), as
Pleroma's own tests insert activities; the shapes are the ones those endpoints write.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from pyleroma.db.ids import new_id
from pyleroma.models import (
    Block,
    Favourite,
    Follow,
    MediaAttachment,
    Mute,
    Status,
    ThreadMute,
)
from pyleroma.models.relationship import FOLLOW_ACCEPTED
from tests.conftest import BASE_URL


async def add_rows(db, *rows) -> None:
    async with db() as session:
        session.add_all(rows)
        await session.commit()


async def follow(db, follower, followed) -> None:
    await add_rows(
        db,
        Follow(
            id=new_id(), follower_id=follower.id, followed_id=followed.id, state=FOLLOW_ACCEPTED
        ),
    )


async def block(db, blocker, target) -> None:
    await add_rows(db, Block(id=new_id(), account_id=blocker.id, target_id=target.id))


async def mute(db, muter, target) -> None:
    await add_rows(db, Mute(id=new_id(), account_id=muter.id, target_id=target.id))


async def mute_thread(db, account, conversation_id) -> None:
    await add_rows(
        db, ThreadMute(id=new_id(), account_id=account.id, conversation_id=conversation_id)
    )


async def favourite(db, account, status) -> int:
    row = Favourite(id=new_id(), account_id=account.id, status_id=status.id)
    await add_rows(db, row)
    return row.id


async def reblog(db, account, status, visibility: str = "public") -> Status:
    row_id = new_id()
    row = Status(
        id=row_id,
        uri=f"{BASE_URL}/activities/{row_id}",
        account_id=account.id,
        reblog_of_id=status.id,
        visibility=visibility,
        local=True,
    )
    await add_rows(db, row)
    return row


def png_bytes(color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), color).save(buffer, format="PNG")
    return buffer.getvalue()


async def png_media(db, settings, account, name: str) -> MediaAttachment:
    """A real PNG (and thumbnail) under the uploads dir with its unattached media row."""
    folder = Path(settings.uploads_dir) / "attachments" / "test"
    folder.mkdir(parents=True, exist_ok=True)
    data = png_bytes()
    (folder / f"{name}.png").write_bytes(data)
    (folder / f"{name}_thumb.png").write_bytes(data)
    media = MediaAttachment(
        id=new_id(),
        account_id=account.id,
        type="image",
        mime_type="image/png",
        file_path=f"attachments/test/{name}.png",
        thumbnail_path=f"attachments/test/{name}_thumb.png",
        file_size=len(data),
        meta={"original": {"width": 4, "height": 3, "aspect": 4 / 3}},
    )
    await add_rows(db, media)
    return media


async def stored(db, model, **where):
    async with db() as session:
        stmt = select(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return list((await session.execute(stmt)).scalars())


async def get_row(db, model, ident):
    async with db() as session:
        return await session.get(model, ident)
