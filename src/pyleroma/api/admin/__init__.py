"""Pleroma's Admin API: modules exposing ``admin_router``, mounted by main.py under both
/api/v1/pleroma/admin and /api/pleroma/admin."""
