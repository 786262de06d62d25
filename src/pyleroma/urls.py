"""Public URLs of local things, derived from the base URL (one place, so they never drift)."""

from __future__ import annotations

import datetime as dt

from pyleroma.models import Account
from pyleroma.settings import Settings

DEFAULT_AVATAR = "/images/avi.png"
DEFAULT_HEADER = "/images/banner.png"
# The archive of the running code (web/source.py), the default `source_url`.
SOURCE_ARCHIVE_PATH = "/pyleroma/source.tar.gz"


def account_ap_id(settings: Settings, nickname: str) -> str:
    return f"{settings.base_url}/users/{nickname}"


def account_url(settings: Settings, account: Account) -> str:
    return account.ap_id or account_ap_id(settings, account.nickname)


def status_uri(settings: Settings, status) -> str:
    """The ActivityPub id of a status: its own ``uri`` (remote ones keep theirs)."""
    return status.uri or f"{settings.base_url}/objects/{status.id}"


def status_url(settings: Settings, status) -> str:
    """The web page of a status."""
    return status.url or f"{settings.base_url}/notice/{status.id}"


def tag_url(settings: Settings, name: str) -> str:
    return f"{settings.base_url}/tag/{name}"


def source_archive_url(settings: Settings) -> str:
    return settings.base_url + SOURCE_ARCHIVE_PATH


def upload_url(settings: Settings, relative_path: str | None) -> str | None:
    """The public URL of a file under the uploads directory, or None when there is none."""
    if not relative_path:
        return None
    if relative_path.startswith(("http://", "https://")):
        return relative_path
    return f"{settings.base_url}/media/{relative_path}"


def avatar_url(settings: Settings, account: Account) -> str:
    return upload_url(settings, account.avatar_path) or settings.base_url + DEFAULT_AVATAR


def header_url(settings: Settings, account: Account) -> str:
    return upload_url(settings, account.header_path) or settings.base_url + DEFAULT_HEADER


def masto_datetime(value: dt.datetime | None) -> str | None:
    """Mastodon's timestamp format: ISO 8601, UTC, milliseconds, trailing Z."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def masto_date(value: dt.datetime | None) -> str | None:
    return None if value is None else value.date().isoformat()
