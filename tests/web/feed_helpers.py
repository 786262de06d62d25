"""Test data for the feed and oEmbed tests: pictures, reblogs, remote posts, account fields."""

from __future__ import annotations

from sqlalchemy import select

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.models import Account, Hashtag, MediaAttachment, Status, StatusTag

REMOTE = "remote.example"
HOSTILE = 'Al & <b>"ice"</b> ]]> <script>x()</script>'


async def picture(db, account_id: int) -> int:
    """An uploaded picture (not yet attached) of ``account_id``."""
    ident = new_id()
    async with db() as session:
        session.add(
            MediaAttachment(
                id=ident,
                account_id=account_id,
                type="image",
                mime_type="image/png",
                remote_url=f"https://{REMOTE}/media/{ident}.png",
                description="a picture",
                meta={"original": {"width": 4, "height": 3, "aspect": 4 / 3}},
            )
        )
        await session.commit()
    return ident


async def reblog(app, booster_id: int, status_id: int) -> None:
    from pyleroma.services.statuses.reblogs import reblog as boost

    async with app.state.sessionmaker() as session:
        booster = await session.get(Account, booster_id)
        original = await session.get(Status, status_id)
        await boost(session, app.state.settings, booster, original)
        await session.commit()


async def set_fields(app, account_id: int, **fields) -> None:
    """Change an account row behind the services' back (and forget cached entities)."""
    async with app.state.sessionmaker() as session:
        account = await session.get(Account, account_id)
        for key, value in fields.items():
            setattr(account, key, value)
        await session.commit()
    app.state.entity_cache.forget_all()


async def remote_account(db, username: str = "bob") -> Account:
    nickname = f"{username}@{REMOTE}"
    async with db() as session:
        account = Account(
            id=new_id(),
            nickname=nickname,
            nickname_key=nickname.lower(),
            domain=REMOTE,
            local=False,
            fields=[],
            also_known_as=[],
            tags=[],
            settings_store={},
            ap_id=f"https://{REMOTE}/users/{username}",
        )
        session.add(account)
        await session.commit()
        return account


async def remote_status(db, author_id: int, tag: str | None = None, visibility="public") -> int:
    """A remote post as federation stores it, with ``tag`` when given."""
    ident = new_id()
    async with db() as session:
        session.add(
            Status(
                id=ident,
                account_id=author_id,
                local=False,
                uri=f"https://{REMOTE}/objects/{ident}",
                url=f"https://{REMOTE}/notice/{ident}",
                visibility=visibility,
                content=f"<p>remote #{tag}</p>" if tag else "<p>remote</p>",
                source="remote",
                conversation_id=ident,
                created_at=utcnow(),
            )
        )
        await session.flush()
        if tag:
            tag_id = await session.scalar(select(Hashtag.id).where(Hashtag.name == tag))
            if tag_id is None:
                tag_id = new_id()
                session.add(Hashtag(id=tag_id, name=tag))
                await session.flush()
            session.add(StatusTag(status_id=ident, hashtag_id=tag_id))
        await session.commit()
    return ident
