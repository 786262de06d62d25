"""The settings of Pleroma API part 2 (issue 13): link previews, emoji packs, chats and
the location search, kept apart from settings.py so they read as one list. Names follow
Pleroma's config where it has one (``config :pleroma, :rich_media, enabled: true`` is
``rich_media_enabled``). See docs/configuration.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

GEOCODER_KINDS = ("nominatim", "photon")


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

    def validate_content(self) -> None:
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
