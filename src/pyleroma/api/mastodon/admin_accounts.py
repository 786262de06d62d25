"""Mastodon admin API: accounts (/api/v1/admin/..., as the pl fork serves them)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["Mastodon admin API: accounts"])
