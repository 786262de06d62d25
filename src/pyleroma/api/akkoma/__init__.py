"""Akkoma's own API (``/api/v1/akkoma/...``), what akkoma-fe calls beyond Pleroma's."""
