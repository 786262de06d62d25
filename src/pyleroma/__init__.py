"""pyleroma: a fediverse server that speaks the Pleroma dialect of the Mastodon API."""

__version__ = "0.1.0"

# Clients parse the leading X.Y.Z of /api/v1/instance `version` to decide what the server
# supports; Pleroma advertises Mastodon 2.7.2 compatibility, so we do the same. Soapbox and
# pl-fe read the name in "(compatible; NAME VERSION)" as the backend and turn Pleroma's
# features on only for "Pleroma": we speak its dialect, so we say so as Rebased does
# ("Pleroma 2.4.52+soapbox"), with our own name and version as the semver build metadata.
MASTODON_COMPAT_VERSION = "2.7.2"
PLEROMA_COMPAT_VERSION = "2.7.2"
VERSION_STRING = (
    f"{MASTODON_COMPAT_VERSION} (compatible; Pleroma {PLEROMA_COMPAT_VERSION}"
    f"+pyleroma.{__version__})"
)
