"""Pleroma's own API, mounted under both /api/v1/pleroma and /api/pleroma."""
