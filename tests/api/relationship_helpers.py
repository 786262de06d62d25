"""Helpers for the relationship tests: stored state, remote accounts, Link headers."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from pyleroma.db.ids import new_id
from pyleroma.models import Account, Follow
from pyleroma.models.relationship import FOLLOW_ACCEPTED

NEXT_LINK = re.compile(r'<([^>]+)>; rel="next"')
PREV_LINK = re.compile(r'<([^>]+)>; rel="prev"')


async def counts(db, account_id) -> tuple[int, int]:
    """(followers_count, following_count) as stored."""
    async with db() as session:
        account = await session.get(Account, int(account_id))
        return account.followers_count, account.following_count


async def true_counts(db, account_id) -> tuple[int, int]:
    """(followers, following) counted from the follows table."""
    account_id = int(account_id)
    async with db() as session:
        followers = await session.scalar(
            select(func.count())
            .select_from(Follow)
            .where(Follow.followed_id == account_id, Follow.state == FOLLOW_ACCEPTED)
        )
        following = await session.scalar(
            select(func.count())
            .select_from(Follow)
            .where(Follow.follower_id == account_id, Follow.state == FOLLOW_ACCEPTED)
        )
    return followers, following


async def follow_row(db, follower_id, followed_id) -> Follow | None:
    async with db() as session:
        return (
            await session.execute(
                select(Follow).where(
                    Follow.follower_id == int(follower_id), Follow.followed_id == int(followed_id)
                )
            )
        ).scalar_one_or_none()


async def remote_account(db, username: str, domain: str, **fields) -> Account:
    """A remote account as federation would store it (nick@domain, local=False)."""
    nickname = f"{username}@{domain}"
    async with db() as session:
        account = Account(
            id=new_id(),
            nickname=nickname,
            nickname_key=nickname.lower(),
            domain=domain,
            local=False,
            fields=[],
            also_known_as=[],
            tags=[],
            settings_store={},
            **{"ap_id": f"https://{domain}/users/{username}", **fields},
        )
        session.add(account)
        await session.commit()
        return account


async def set_fields(db, account_id, **fields) -> None:
    async with db() as session:
        account = await session.get(Account, int(account_id))
        for key, value in fields.items():
            setattr(account, key, value)
        await session.commit()


def next_link(response) -> str | None:
    match = NEXT_LINK.search(response.headers.get("link", ""))
    return match.group(1) if match else None


def prev_link(response) -> str | None:
    match = PREV_LINK.search(response.headers.get("link", ""))
    return match.group(1) if match else None


def ids(response) -> list[str]:
    return [item["id"] for item in response.json()]
