"""``Activity``: one internal value for an activity, whether we made it or received it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyleroma.models import Account


@dataclass
class Activity:
    """An ActivityStreams activity with its actor and object resolved to rows.

    ``object`` is what the activity acts on: a Status (Like, Announce, Create...), an Account
    (Follow, Block), another Activity (Undo, Accept, Reject) or None. ``id`` is the AP id:
    a remote activity's own, or for a local one ``/activities/<row_id>`` minted by
    ``build_*`` from the id the row it creates will have (``row_id``). ``options`` carries
    what only a local request says (a boost's visibility, a follow's reblogs/notify flags).
    ``raw`` is the JSON a remote activity arrived as (None for local ones).
    """

    type: str
    actor: Account
    object: Any = None
    id: str | None = None
    local: bool = True
    row_id: int | None = None
    options: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] | None = None

    @property
    def inner(self) -> Activity:
        """The activity an Undo, Accept or Reject names."""
        if not isinstance(self.object, Activity):
            raise TypeError(f"{self.type} does not wrap an activity")
        return self.object
