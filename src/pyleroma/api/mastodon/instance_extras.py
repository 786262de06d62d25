"""Mastodon's smaller instance documents (public, no token), which Mastodon.py and megalodon
ask for: ``GET /api/v1/instance/activity`` (twelve weekly buckets of posts, logins and
sign-ups, the current week first; Mastodon sends every number as a string, the week as a
Unix timestamp), ``GET /api/v1/instance/languages`` (``[{code, name}]``) and
``GET /api/v1/instance/extended_description`` (``{updated_at, content}``). What they count
and where the text comes from: services/instance/instance_extras.py.
"""

from __future__ import annotations

import calendar

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import get_session, get_settings
from pyleroma.api.openapi import DATETIME, STR, api_doc, arr, obj
from pyleroma.api.openapi.types import component
from pyleroma.services.instance import instance_extras
from pyleroma.settings import Settings
from pyleroma.urls import masto_datetime

router = APIRouter(tags=["instance"])

_COUNT = {"type": "string", "pattern": "^[0-9]+$"}
ACTIVITY = component(
    "InstanceActivity",
    obj({"week": _COUNT, "statuses": _COUNT, "logins": _COUNT, "registrations": _COUNT}),
)
LANGUAGE = component("Language", obj({"code": STR, "name": STR}))
EXTENDED_DESCRIPTION = component(
    "ExtendedDescription", obj({"updated_at": DATETIME, "content": STR})
)


@router.get(
    "/api/v1/instance/activity",
    summary="Posts, logins and sign-ups of the last twelve weeks",
    **api_doc(response=arr(ACTIVITY)),
)
async def instance_activity(session: AsyncSession = Depends(get_session)):
    weeks = await instance_extras.weekly_activity(session)
    return [
        {
            "week": str(calendar.timegm(w.week.timetuple())),
            "statuses": str(w.statuses),
            "logins": str(w.logins),
            "registrations": str(w.registrations),
        }
        for w in weeks
    ]


@router.get(
    "/api/v1/instance/languages",
    summary="The languages posts may be written in",
    **api_doc(response=arr(LANGUAGE)),
)
async def instance_languages():
    return [{"code": code, "name": name} for code, name in instance_extras.languages()]


@router.get(
    "/api/v1/instance/extended_description",
    summary="The instance's longer description (or its terms page)",
    **api_doc(response=EXTENDED_DESCRIPTION),
)
async def extended_description(
    session: AsyncSession = Depends(get_session), settings: Settings = Depends(get_settings)
):
    found = await instance_extras.extended_description(session, settings)
    return {"updated_at": masto_datetime(found.updated_at), "content": found.content}
