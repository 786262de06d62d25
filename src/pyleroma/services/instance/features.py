"""What this server says it can do: the feature flags and whether it federates.

Pleroma clients (Pleroma-FE, Soapbox, Husky, megalodon) read ``pleroma.metadata.features`` in
/api/v1/instance and ``metadata.features`` in nodeinfo to decide which Pleroma extensions to
use. A flag for something that is not there makes a client call routes that 404, so a flag is
listed here only in the change that implements its feature, and conditional flags depend on the
setting that switches the feature on, exactly where Pleroma makes them conditional.
tests/api/test_advertised_claims.py exercises every advertised flag with a request that uses
it, so a flag cannot be listed without its feature.

Pleroma's flags not listed yet, for the changes that will build them: "media_proxy",
"safe_dm_mentions", "blockers_visible", "exposable_reactions", "pleroma:group_actors".
"""

from __future__ import annotations

from pyleroma.settings import Settings

# Always advertised, in Pleroma's order: the APIs and features that work today.
BASE_FEATURES: tuple[str, ...] = (
    "pleroma_api",
    "mastodon_api",
    "mastodon_api_streaming",
    "polls",
    "v2_suggestions",
    "pleroma_explicit_addressing",
    "shareable_emoji_packs",  # api/pleroma/emoji_packs.py: packs listed, archived, downloaded
    "multifetch",
    "pleroma:api/v1/notifications:include_types_filter",
    "editing",
    # api/pleroma/reactions.py: unicode reactions, and custom ones (ours, and remote ones
    # already on the post).
    "pleroma_emoji_reactions",
    "pleroma_custom_emoji_reactions",
    "quote_posting",
    "profile_directory",
    "pleroma:bookmark_folders",  # api/pleroma/bookmark_folders.py
    # api/pleroma/chats.py (Pleroma's "chat" flag is the old shoutbox, not built).
    "pleroma_chat_messages",
    # api/pleroma/events.py: the pl fork's events (pl-api reads this flag).
    "events",
)

# Whether this build federates at all. ActivityPub (actors, inboxes, HTTP signatures,
# delivery: docs/federation.md) is built, so nodeinfo lists "activitypub", WebFinger answers
# and actors are served, unless the admin switches federation off with the `federating`
# setting. tests/api/test_advertised_claims.py checks that what is claimed answers.
FEDERATION_AVAILABLE = True


def federates(settings: Settings) -> bool:
    """Whether this instance takes part in federation (built, and not switched off)."""
    return FEDERATION_AVAILABLE and settings.federating


def features(settings: Settings) -> list[str]:
    """The advertised flags for this configuration (a fresh list; callers may keep it)."""
    flags = list(BASE_FEATURES)
    # Conditional flags go here, e.g. `if settings.media_proxy_enabled: flags.append(...)`.
    if federates(settings) and settings.instance_allow_relay:  # federation/relay.py
        flags.append("relay")
    if federates(settings):  # the remote-follow page Pleroma-FE links to (api/remote_follow.py)
        flags.append("pleroma:get:main/ostatus")
    return flags
