"""The settings of Pleroma API part 2 (issue 13): link previews, emoji packs, chats and
the location search, kept apart from settings.py so they read as one list. Names follow
Pleroma's config where it has one (``config :pleroma, :rich_media, enabled: true`` is
``rich_media_enabled``). See docs/configuration.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

GEOCODER_KINDS = ("nominatim", "photon")
# A front end's name and a ref are one path segment each (data_dir/frontends/<name>/<ref>/);
# services/instance/frontends.py checks installs with the same rule.
FRONTEND_SEGMENT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,99}")
FRONTEND_SETTINGS = ("frontends_primary", "frontends_admin")


class _Invalid(ValueError):
    """Raised with a message naming the setting; settings.py turns it into SettingsError."""


@dataclass
class ContentSettings:
    # Link previews (Pleroma's :rich_media): a post's first link is fetched in a job and
    # shown as its card. Hosts never fetched (``*.example.com`` for subdomains too) and
    # top-level domains never fetched (Pleroma's ignore_tld), the time limit of a fetch and
    # the most of a page that is read.
    rich_media_enabled: bool = True
    rich_media_ignore_hosts: list[str] = field(default_factory=list)
    rich_media_ignore_tld: list[str] = field(
        default_factory=lambda: ["local", "localdomain", "lan"]
    )
    rich_media_timeout_seconds: float = 5.0
    rich_media_max_body_bytes: int = 5_000_000
    # Emoji packs (the emoji pack API): the largest pack archive read (from an upload, a URL
    # or another instance), the most files it may hold, and the largest emoji image.
    emoji_pack_max_archive_size: int = 50_000_000
    emoji_pack_max_files: int = 5_000
    emoji_max_file_size: int = 1_000_000
    # Chats (Pleroma's :instance, :chat_limit): the longest message, in characters.
    chat_limit: int = 5000
    # GET /api/v1/pleroma/search/location: places known here, and a geocoding service when
    # an admin sets one (a Nominatim- or Photon-compatible search URL, asked with ``q``).
    geocoding_url: str = ""
    geocoding_kind: str = "nominatim"
    # Front ends (Pleroma's :frontends, docs/frontends.md): the build served at / and the
    # one served at /pleroma/admin/, each a name and a ref, as Pleroma's
    # %{"name" => ..., "ref" => ...}: the files of data_dir/frontends/<name>/<ref>/.
    # An empty table ({}) serves none. A choice that is not installed serves none either
    # (/ then answers the server's own page).
    frontends_primary: dict = field(default_factory=lambda: {"name": "pleroma-fe", "ref": "stable"})
    frontends_admin: dict = field(default_factory=lambda: {"name": "admin-fe", "ref": "stable"})
    # Pleroma's :static_fe, :enabled: the server's own pages (api/web_pages.py) for every
    # visitor of a profile or post; off, a person's browser gets the front end instead.
    static_fe_enabled: bool = False

    def validate_content(self) -> None:
        for name in FRONTEND_SETTINGS:
            setattr(self, name, check_frontend_choice(name, getattr(self, name)))
        if self.geocoding_kind not in GEOCODER_KINDS:
            raise _Invalid(
                f"geocoding_kind must be one of {', '.join(GEOCODER_KINDS)}, "
                f"not {self.geocoding_kind!r}"
            )
        if self.geocoding_url and not self.geocoding_url.startswith(("http://", "https://")):
            raise _Invalid(f"geocoding_url must be an http(s) URL, not {self.geocoding_url!r}")
        for name in (
            "rich_media_timeout_seconds",
            "rich_media_max_body_bytes",
            "emoji_pack_max_archive_size",
            "emoji_pack_max_files",
            "emoji_max_file_size",
            "chat_limit",
        ):
            if getattr(self, name) <= 0:
                raise _Invalid(f"{name} must be more than 0, not {getattr(self, name)}")


def check_frontend_choice(setting: str, value: object) -> dict:
    """``value`` as a front end choice: ``{}`` (none) or exactly ``{"name": ..., "ref": ...}``
    with a path segment each; ``_Invalid`` naming ``setting`` otherwise."""
    example = '{"name": "pleroma-fe", "ref": "stable"}'
    if not isinstance(value, dict):
        raise _Invalid(f"{setting} must be a table like {example} (or {{}}), not {value!r}")
    if not value:
        return {}
    if set(value) != {"name", "ref"}:
        raise _Invalid(
            f"{setting} must have the keys name and ref (like {example}), "
            f"not {', '.join(sorted(map(str, value)))}"
        )
    for key in ("name", "ref"):
        item = value[key]
        if not isinstance(item, str) or not FRONTEND_SEGMENT_RE.fullmatch(item):
            raise _Invalid(
                f"{setting}: {key} must be 1 to 100 letters, digits, '.', '_', '+' or '-' "
                f"(not starting with a punctuation mark), not {item!r}"
            )
    return {"name": value["name"], "ref": value["ref"]}
