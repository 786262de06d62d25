"""What every stage of the pipeline works with: the session and the settings."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.settings import Settings


@dataclass
class PipelineContext:
    session: AsyncSession
    settings: Settings
