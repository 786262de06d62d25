"""Policies: the hook every activity passes before it is handled (Pleroma's MRF).

A policy looks at an activity and returns it (possibly changed) or raises ``Rejected``;
a rejected activity leaves nothing behind, because no handler has run. The chain is
``policies_for(settings)``; today it holds the no-op policy only (federation part 2 adds
Pleroma's SimplePolicy, KeywordPolicy and the rest, configured by ``mrf_policies``).
"""

from __future__ import annotations

from typing import Protocol

from pyleroma.activities.activity import Activity
from pyleroma.errors import Forbidden
from pyleroma.settings import Settings


class Rejected(Forbidden):  # noqa: N818  (a refusal, named for what happened)
    """A policy refused the activity; the message says which and why."""


class Policy(Protocol):
    name: str

    def filter(self, activity: Activity) -> Activity: ...


class NoOpPolicy:
    """Lets everything through (Pleroma's ``NoOpPolicy``)."""

    name = "NoOpPolicy"

    def filter(self, activity: Activity) -> Activity:
        return activity


_CHAIN: tuple[Policy, ...] = (NoOpPolicy(),)


def policies_for(settings: Settings) -> tuple[Policy, ...]:
    return _CHAIN


def apply_policies(settings: Settings, activity: Activity) -> Activity:
    for policy in policies_for(settings):
        activity = policy.filter(activity)
    return activity
