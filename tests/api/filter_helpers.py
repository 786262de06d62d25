"""Helpers for the filter tests: creating filters through the API and reading stored rows."""

from __future__ import annotations

from sqlalchemy import select

from pyleroma.models import Filter, FilterKeyword, FilterStatus

V1 = "/api/v1/filters"
V2 = "/api/v2/filters"


async def v1_filter(client, user, phrase: str = "spoiler", **fields) -> dict:
    body = {"phrase": phrase, "context": ["home"], **fields}
    response = await client.post(V1, json=body, headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def v2_filter(
    client, user, *keywords, title: str = "My filter", action: str = "warn", **fields
) -> dict:
    """A v2 filter; each keyword is a string (whole word) or a ``(keyword, whole_word)``."""
    attributes = [
        {"keyword": k, "whole_word": True}
        if isinstance(k, str)
        else {"keyword": k[0], "whole_word": k[1]}
        for k in keywords
    ]
    body = {
        "title": title,
        "context": ["home", "public", "thread", "notifications", "account"],
        "filter_action": action,
        "keywords_attributes": attributes,
        **fields,
    }
    response = await client.post(V2, json=body, headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def filter_status(client, user, filter_id: str, status_id) -> dict:
    response = await client.post(
        f"{V2}/{filter_id}/statuses", json={"status_id": str(status_id)}, headers=user.headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def stored_filters(db, account_id) -> list[Filter]:
    async with db() as session:
        rows = await session.execute(
            select(Filter).where(Filter.account_id == int(account_id)).order_by(Filter.id)
        )
        return list(rows.scalars())


async def stored_keywords(db, filter_id) -> list[FilterKeyword]:
    async with db() as session:
        rows = await session.execute(
            select(FilterKeyword)
            .where(FilterKeyword.filter_id == int(filter_id))
            .order_by(FilterKeyword.id)
        )
        return list(rows.scalars())


async def stored_filter_statuses(db, filter_id) -> list[FilterStatus]:
    async with db() as session:
        rows = await session.execute(
            select(FilterStatus).where(FilterStatus.filter_id == int(filter_id))
        )
        return list(rows.scalars())
