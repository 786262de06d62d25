"""Public URLs of local things, derived from the base URL (one place, so they never drift)."""

from __future__ import annotations

import datetime as dt

from pyleroma.models import Account
from pyleroma.settings import Settings

DEFAULT_AVATAR = "/images/avi.png"
DEFAULT_HEADER = "/images/banner.png"
# The archive of the running code (web/source.py), the default `source_url`.
SOURCE_ARCHIVE_PATH = "/pyleroma/source.tar.gz"
# Account backups (api/pleroma/backups.py): where Pleroma serves them, under its uploads.
BACKUPS_PATH = "/media/backups"


def account_ap_id(settings: Settings, nickname: str) -> str:
    return f"{settings.base_url}/users/{nickname}"


def local_actor_urls(settings: Settings, nickname: str) -> dict[str, str]:
    """The federation columns of a local account (models/account.py), all under its actor id.

    Stored on the row (not derived when needed) so that delivery and collections read the
    same columns for local and remote accounts.
    """
    actor = account_ap_id(settings, nickname)
    return {
        "ap_id": actor,
        "url": actor,
        "inbox": f"{actor}/inbox",
        "shared_inbox": shared_inbox_url(settings),
        "outbox": f"{actor}/outbox",
        "followers_url": f"{actor}/followers",
        "following_url": f"{actor}/following",
        "featured_url": f"{actor}/collections/featured",
        "key_id": f"{actor}#main-key",
    }


def shared_inbox_url(settings: Settings) -> str:
    return f"{settings.base_url}/inbox"


def instance_actor_id(settings: Settings) -> str:
    """The instance's own actor (signed fetches on nobody's behalf), as Pleroma's."""
    return f"{settings.base_url}/internal/fetch"


def relay_actor_urls(settings: Settings) -> dict[str, str]:
    """The federation columns of the relay actor (federation/relay.py): Pleroma's, under
    ``/relay`` rather than ``/users/relay``, so relays that recognise Pleroma by that id
    (activityrelay does) treat it as an instance's relay actor."""
    actor = f"{settings.base_url}/relay"
    return {
        "ap_id": actor,
        "url": actor,
        "inbox": f"{actor}/inbox",
        "shared_inbox": shared_inbox_url(settings),
        "outbox": f"{actor}/outbox",
        "followers_url": f"{actor}/followers",
        "following_url": f"{actor}/following",
        "key_id": f"{actor}#main-key",
    }


def object_uri(settings: Settings, status_id: int) -> str:
    """The AP id of a local post (Note, Question...)."""
    return f"{settings.base_url}/objects/{status_id}"


def activity_uri(settings: Settings, row_id: int) -> str:
    """The AP id of a local activity: a reblog's Announce, a favourite's Like, a Follow, a
    Block, each keyed by its own row's id (snowflake ids never collide across tables)."""
    return f"{settings.base_url}/activities/{row_id}"


def context_uri(settings: Settings, conversation_id: int) -> str:
    """The AP ``context`` of a thread started here."""
    return f"{settings.base_url}/contexts/{conversation_id}"


def actor_id(settings: Settings, account: Account) -> str:
    """The account's ActivityPub id."""
    return account.ap_id or account_ap_id(settings, account.nickname)


def account_url(settings: Settings, account: Account) -> str:
    """The profile's web page: a remote actor's ``url`` when it names one, else its id.
    (Light rows without a ``url`` column, such as the benchmark generator's, use the id.)"""
    page = getattr(account, "url", None)
    return page or account.ap_id or account_ap_id(settings, account.nickname)


def status_uri(settings: Settings, status) -> str:
    """The ActivityPub id of a status (every row has one; the fallback serves rows that are
    not yet flushed)."""
    if status.uri:
        return status.uri
    if status.reblog_of_id is not None:
        return activity_uri(settings, status.id)
    return object_uri(settings, status.id)


def status_url(settings: Settings, status) -> str:
    """The web page of a status."""
    return status.url or f"{settings.base_url}/notice/{status.id}"


def tag_url(settings: Settings, name: str) -> str:
    return f"{settings.base_url}/tag/{name}"


def source_archive_url(settings: Settings) -> str:
    return settings.base_url + SOURCE_ARCHIVE_PATH


def backup_url(settings: Settings, file_name: str) -> str:
    """The download link of a backup archive (its random name is the capability)."""
    return f"{settings.base_url}{BACKUPS_PATH}/{file_name}"


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
