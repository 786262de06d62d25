"""The Mastodon client API (/api/v1, /api/v2) with Pleroma's extensions."""
