"""The one list of feature flags this server advertises.

Pleroma clients (Pleroma-FE, Soapbox, Husky, megalodon) read ``pleroma.metadata.features`` in
/api/v1/instance and ``metadata.features`` in nodeinfo to decide which Pleroma extensions to
use. A flag for something that is not there makes a client call routes that 404, so a flag is
added here only in the change that implements its feature, and conditional flags depend on the
setting that switches the feature on, exactly where Pleroma makes them conditional.

Flags Pleroma knows, for reference when the features arrive: "mastodon_api_streaming",
"polls", "v2_suggestions", "pleroma_explicit_addressing", "shareable_emoji_packs",
"multifetch", "pleroma:api/v1/notifications:include_types_filter", "editing",
"quote_posting", "media_proxy", "relay", "safe_dm_mentions", "pleroma_emoji_reactions",
"pleroma_custom_emoji_reactions", "pleroma_chat_messages", "exposable_reactions",
"profile_directory", "pleroma:get:main/ostatus", "pleroma:bookmark_folders".
"""

from __future__ import annotations

from pyleroma.settings import Settings

# Always advertised, in this order: the APIs the server speaks today.
BASE_FEATURES: tuple[str, ...] = (
    "pleroma_api",
    "mastodon_api",
    "mastodon_api_streaming",
)


def features(settings: Settings) -> list[str]:
    """The advertised flags for this configuration (a fresh list; callers may keep it)."""
    flags = list(BASE_FEATURES)
    # Conditional flags go here, e.g. `if settings.media_proxy_enabled: flags.append(...)`.
    return flags
