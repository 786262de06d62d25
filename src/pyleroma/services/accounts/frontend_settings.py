"""Akkoma's front end settings profiles: a front end's settings kept on the server for an
account, under a profile name (akkoma-fe syncs its settings through them).

As Akkoma (its ``FrontendSettingsProfile``): names of 1 to 255 characters; settings are a
JSON object of at most ``MAX_SETTINGS_CHARS`` characters once encoded; a new profile starts
at any version above 0 and every later write must give the stored version plus one, so a
browser holding stale settings is told (422) instead of overwriting newer ones. Beyond
Akkoma, an account keeps at most ``MAX_PROFILES`` profiles per front end, so settings cannot
be used to store unbounded data.
"""

from __future__ import annotations

import orjson
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.errors import NotFound, Unprocessable
from pyleroma.models import Account, FrontendSettingProfile

NAME_MAX = 255
MAX_SETTINGS_CHARS = 100_000  # Akkoma's :instance, :max_frontend_settings_json_chars
MAX_PROFILES = 20
VERSION_ERROR = "version: must be incremented by 1"


def check_name(kind: str, name: str) -> str:
    if not 1 <= len(name) <= NAME_MAX:
        raise Unprocessable(f"{kind}: must be 1 to {NAME_MAX} characters")
    return name


def _where(account: Account, frontend: str, profile: str | None = None):
    conditions = [
        FrontendSettingProfile.account_id == account.id,
        FrontendSettingProfile.frontend_name == frontend,
    ]
    if profile is not None:
        conditions.append(FrontendSettingProfile.profile_name == profile)
    return conditions


async def list_profiles(session: AsyncSession, account: Account, frontend: str) -> list[dict]:
    rows = await session.execute(
        select(FrontendSettingProfile.profile_name, FrontendSettingProfile.version)
        .where(*_where(account, frontend))
        .order_by(FrontendSettingProfile.profile_name)
    )
    return [{"name": name, "version": version} for name, version in rows]


async def get_profile(
    session: AsyncSession, account: Account, frontend: str, profile: str
) -> FrontendSettingProfile:
    found = await session.scalar(
        select(FrontendSettingProfile).where(*_where(account, frontend, profile))
    )
    if found is None:
        raise NotFound("Not found")
    return found


def _check_settings(settings, version) -> None:
    if not isinstance(settings, dict):
        raise Unprocessable("settings: must be an object")
    if len(orjson.dumps(settings).decode()) > MAX_SETTINGS_CHARS:
        raise Unprocessable("settings: is too long")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise Unprocessable("version: must be an integer greater than 0")


async def save_profile(
    session: AsyncSession, account: Account, frontend: str, profile: str, settings, version
) -> dict:
    """Create the profile, or update it to ``version`` (the stored one plus one)."""
    _check_settings(settings, version)
    changed = await session.execute(
        update(FrontendSettingProfile)
        .where(
            *_where(account, frontend, profile),
            FrontendSettingProfile.version == version - 1,
        )
        .values(settings=settings, version=version, updated_at=utcnow())
    )
    if changed.rowcount == 1:
        await session.commit()
        return settings
    names = set(
        await session.scalars(
            select(FrontendSettingProfile.profile_name).where(*_where(account, frontend))
        )
    )
    if profile in names:
        raise Unprocessable(VERSION_ERROR)
    if len(names) >= MAX_PROFILES:
        raise Unprocessable(f"profile_name: at most {MAX_PROFILES} profiles per front end")
    session.add(
        FrontendSettingProfile(
            account_id=account.id,
            frontend_name=frontend,
            profile_name=profile,
            settings=settings,
            version=version,
        )
    )
    try:
        await session.commit()
    except IntegrityError:  # made at the same moment elsewhere: this write is the stale one
        await session.rollback()
        raise Unprocessable(VERSION_ERROR) from None
    return settings


async def delete_profile(
    session: AsyncSession, account: Account, frontend: str, profile: str
) -> None:
    gone = await session.execute(
        delete(FrontendSettingProfile).where(*_where(account, frontend, profile))
    )
    if gone.rowcount != 1:
        raise NotFound("Not found")
    await session.commit()
