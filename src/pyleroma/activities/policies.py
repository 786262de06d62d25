"""``Rejected``: the refusal of an activity, by a moderation policy (activities/mrf/) or by
a containment check (federation/receive.py). Raised before anything is stored, so a
rejected activity leaves nothing behind."""

from __future__ import annotations

from pyleroma.errors import Forbidden


class Rejected(Forbidden):  # noqa: N818  (a refusal, named for what happened)
    """A policy refused the activity; the message says which and why."""
