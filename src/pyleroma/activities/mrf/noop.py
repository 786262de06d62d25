"""NoOpPolicy: lets everything through (Pleroma's default when no policy is configured)."""

from __future__ import annotations

from pyleroma.activities.mrf.base import Policy


class NoOpPolicy(Policy):
    name = "NoOpPolicy"
