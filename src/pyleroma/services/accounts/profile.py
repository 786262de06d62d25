"""Updating one's own profile and preferences (PATCH /api/v1/accounts/update_credentials).

``check_profile_update`` reads and validates every parameter (images are decoded and
re-encoded in memory) and returns the complete change; only then does ``update_profile``
write: new image files first, then the row in one commit, then the replaced files are
removed. A bad value anywhere is a 422 naming the parameter, and nothing is written.

Parameters are Mastodon's plus Pleroma's (see docs/api/accounts.md). As in Pleroma, the bio
is stored twice: the text as typed (``source.note``) and the HTML shown (``note``), and
``pleroma_settings_store`` is merged per frontend key: each key given replaces that
frontend's stored object, other frontends' objects are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from pyleroma.activities import pipeline
from pyleroma.activities.build import build_update_actor
from pyleroma.activities.context import PipelineContext
from pyleroma.errors import Unprocessable
from pyleroma.models import Account
from pyleroma.services.accounts.birthdays import check_birthday_params
from pyleroma.services.media import images
from pyleroma.services.text.emoji import refresh_account_emojis
from pyleroma.services.text.formatting import format_field_value, format_plain_text
from pyleroma.settings import Settings
from pyleroma.values import Values

ACTOR_TYPES = ("Person", "Service")
VISIBILITIES = ("public", "unlisted", "local", "private", "direct")
DM_POLICIES = ("everybody", "nobody", "people_i_follow")
MAX_ALIASES = 20
ALIAS_MAX_LENGTH = 2048
SETTINGS_STORE_MAX_BYTES = 1_000_000
# Columns whose text may name custom emoji (the account's ``emojis`` is refreshed with them).
EMOJI_SOURCES = {"display_name", "note_source", "fields"}
LANGUAGE_RE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")

# Boolean parameters stored in a column of the same meaning.
BOOLEAN_PARAMS = {
    "locked": "locked",
    "discoverable": "discoverable",
    "indexable": "indexable",
    "no_rich_text": "no_rich_text",
    "hide_followers": "hide_followers",
    "hide_follows": "hide_follows",
    "hide_followers_count": "hide_followers_count",
    "hide_follows_count": "hide_follows_count",
    "hide_favorites": "hide_favorites",
    "show_role": "show_role",
    "skip_thread_containment": "skip_thread_containment",
    "allow_following_move": "allow_following_move",
    # Pleroma's: others may start a chat (published as capabilities.acceptsChatMessages).
    "accepts_chat_messages": "accepts_chat_messages",
}
IMAGE_PARAMS = {
    "avatar": ("avatar_path", images.AVATAR),
    "header": ("header_path", images.HEADER),
    "pleroma_background_image": ("background_path", images.BACKGROUND),
}


@dataclass
class ProfileUpdate:
    """A validated change: column values, and images to store (None: remove the image)."""

    values: dict[str, Any] = field(default_factory=dict)
    images: dict[str, tuple[images.ImageKind, images.ProcessedImage | None]] = field(
        default_factory=dict
    )


def _choice(value: str | None, name: str, allowed: tuple[str, ...]) -> str | None:
    if value is not None and value not in allowed:
        raise Unprocessable(f"{name}: must be one of {', '.join(allowed)}")
    return value


def check_fields(settings: Settings, raw: list) -> list[tuple[str, str]]:
    """(name, value) pairs from fields_attributes; rows with an empty name are dropped (as
    Mastodon's form sends four rows, blank ones included)."""
    pairs: list[tuple[str, str]] = []
    for item in raw:
        if not isinstance(item, dict):
            raise Unprocessable("fields_attributes: each field must have a name and a value")
        name, value = item.get("name"), item.get("value")
        name = "" if name is None else name
        value = "" if value is None else value
        if not isinstance(name, str) or not isinstance(value, str):
            raise Unprocessable("fields_attributes: names and values must be strings")
        if not name.strip():
            continue
        if len(name) > settings.account_field_name_length:
            raise Unprocessable(
                "fields_attributes: a name is too long "
                f"(maximum is {settings.account_field_name_length} characters)"
            )
        if len(value) > settings.account_field_value_length:
            raise Unprocessable(
                "fields_attributes: a value is too long "
                f"(maximum is {settings.account_field_value_length} characters)"
            )
        pairs.append((name, value))
    if len(pairs) > settings.max_account_fields:
        raise Unprocessable(
            f"fields_attributes: at most {settings.max_account_fields} fields are allowed"
        )
    return pairs


def check_aliases(values: list[str]) -> list[str]:
    """also_known_as: absolute http(s) URLs of the account's other actors."""
    aliases = list(dict.fromkeys(v.strip() for v in values if v.strip()))
    if len(aliases) > MAX_ALIASES:
        raise Unprocessable(f"also_known_as: at most {MAX_ALIASES} aliases are allowed")
    for alias in aliases:
        try:
            parts = urlsplit(alias)
        except ValueError as exc:
            raise Unprocessable("also_known_as: each alias must be a URL") from exc
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise Unprocessable("also_known_as: each alias must be an http(s) URL")
        if len(alias) > ALIAS_MAX_LENGTH:
            raise Unprocessable("also_known_as: an alias is too long")
    return aliases


def check_settings_store(account: Account, value: Any) -> dict:
    """The merged settings store; a JSON string is accepted as well as an object."""
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError as exc:
            raise Unprocessable("pleroma_settings_store: must be an object") from exc
    if not isinstance(value, dict):
        raise Unprocessable("pleroma_settings_store: must be an object")
    merged = {**(account.settings_store or {}), **value}
    if len(orjson.dumps(merged)) > SETTINGS_STORE_MAX_BYTES:
        raise Unprocessable("pleroma_settings_store: is too large")
    return merged


def check_language(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if len(value) > 16 or not LANGUAGE_RE.match(value):
        raise Unprocessable("source[language]: must be a language code such as en or pt-BR")
    return value


async def _check_image(
    settings: Settings, params: Values, name: str
) -> images.ProcessedImage | None | bool:
    """The processed upload, None to remove the image, or False when there is no change."""
    value = params.raw(name)
    if value is None:
        return False
    if value == "":
        return None
    if not isinstance(value, UploadFile):
        raise Unprocessable(f"{name}: must be a file upload, or an empty string to remove it")
    if not value.filename and not value.size:
        return False  # an empty file input of an HTML form
    return await images.prepare_image(value, settings, IMAGE_PARAMS[name][1])


async def check_profile_update(
    session: AsyncSession, settings: Settings, account: Account, params: Values
) -> ProfileUpdate:
    update = ProfileUpdate()
    values = update.values

    display_name = params.str("display_name")
    if display_name is not None:
        if len(display_name) > settings.max_display_name_length:
            raise Unprocessable(
                "display_name: is too long "
                f"(maximum is {settings.max_display_name_length} characters)"
            )
        values["display_name"] = display_name or None

    note = params.str("note")
    if note is not None:
        if len(note) > settings.max_account_note_length:
            raise Unprocessable(
                f"note: is too long (maximum is {settings.max_account_note_length} characters)"
            )
        values["note_source"] = note
        values["note_html"] = (await format_plain_text(session, settings, note)).html

    for name, column in BOOLEAN_PARAMS.items():
        flag = params.bool(name)
        if flag is not None:
            values[column] = flag

    bot = params.bool("bot")
    if bot is not None:
        values["actor_type"] = "Service" if bot else "Person"
    actor_type = _choice(params.str("actor_type"), "actor_type", ACTOR_TYPES)
    if actor_type is not None:
        values["actor_type"] = actor_type

    source = params.sub("source")
    scope = params.str("default_scope")
    if source.has("privacy"):
        scope = source.str("privacy")
    scope = _choice(scope, "default_scope", VISIBILITIES)
    if scope is not None:
        values["default_scope"] = scope
    sensitive = source.bool("sensitive")
    if sensitive is not None:
        values["default_sensitive"] = sensitive
    if source.has("language"):
        values["default_language"] = check_language(source.str("language"))

    dm_policy = _choice(
        params.str("accepts_direct_messages_from"), "accepts_direct_messages_from", DM_POLICIES
    )
    if dm_policy is not None:
        values["accepts_direct_messages_from"] = dm_policy

    if params.has("also_known_as") and params.raw("also_known_as") is not None:
        values["also_known_as"] = check_aliases(params.str_list("also_known_as"))

    if params.raw("pleroma_settings_store") is not None:
        values["settings_store"] = check_settings_store(
            account, params.raw("pleroma_settings_store")
        )

    if params.raw("fields_attributes") is not None:
        fields = []
        for name, value in check_fields(settings, params.list("fields_attributes")):
            html = (await format_field_value(session, settings, value)).html
            fields.append({"name": name, "value": html, "source": value})
        values["fields"] = fields

    values.update(check_birthday_params(params))

    # Images last: they are the costly part, so a cheap mistake elsewhere fails first.
    for name, (column, kind) in IMAGE_PARAMS.items():
        image = await _check_image(settings, params, name)
        if image is not False:
            update.images[column] = (kind, image)
    return update


async def update_profile(
    session: AsyncSession, settings: Settings, account: Account, update: ProfileUpdate
) -> Account:
    """Apply a checked update: store new images, run the profile Update through the
    activity pipeline (which commits and federates it), then delete replaced images."""
    replaced = {column: getattr(account, column) for column in update.images}
    written: list[str] = []
    try:
        changes: dict[str, Any] = {}
        for column, (kind, image) in update.images.items():
            path = None
            if image is not None:
                path = images.store_image(settings, kind, image)
                written.append(path)
            changes[column] = path
        changes.update(update.values)
        activity = build_update_actor(settings, account, changes)
        await pipeline.run(PipelineContext(session, settings), activity)
    except BaseException:
        await session.rollback()
        for path in written:
            images.delete_image(settings, path)
        raise
    for column, old in replaced.items():
        if old and old != getattr(account, column):
            images.delete_image(settings, old)
    return account


def apply_profile_changes(settings: Settings, account: Account, changes: dict) -> None:
    """The profile Update handler's writes: the columns, and the custom emoji they use."""
    for column, value in changes.items():
        setattr(account, column, value)
    if changes.keys() & EMOJI_SOURCES:
        refresh_account_emojis(settings, account)
