"""Admin API, announcements (under /api/v1/pleroma/admin and /api/pleroma/admin)."""

from __future__ import annotations

from fastapi import APIRouter

admin_router = APIRouter(tags=["Admin: announcements"])
