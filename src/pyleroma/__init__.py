"""pyleroma: a fediverse server that speaks the Pleroma dialect of the Mastodon API."""

__version__ = "0.1.0"

# Clients parse the leading X.Y.Z of /api/v1/instance `version` to decide what the server
# supports; Pleroma advertises Mastodon 2.7.2 compatibility, so we do the same.
MASTODON_COMPAT_VERSION = "2.7.2"
VERSION_STRING = f"{MASTODON_COMPAT_VERSION} (compatible; pyleroma {__version__})"
