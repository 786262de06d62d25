"""HTTP APIs: OAuth, the Mastodon API with Pleroma's extensions, the Pleroma and admin APIs."""
