"""Admin API, users: create, delete, follow, statuses, passwords, credentials, suggestions, MFA, backups (under /api/v1/pleroma/admin and /api/pleroma/admin)."""

from __future__ import annotations

from fastapi import APIRouter

admin_router = APIRouter(tags=["Admin: users: create, delete, follow, statuses, passwords, credentials, suggestions, MFA, backups"])
