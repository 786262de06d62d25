"""The events of a page of statuses, read in the page's batch (status_batches.py).

One read, built once, in two forms (anonymous or signed-in viewer): the ``events`` rows
of the page's statuses that may be events (those the status caches do not hold yet, and
those they hold as events), with, for a signed-in viewer, the state of the viewer's own
participation (the pl fork's ``join_state``) from an outer join on the unique
(account, event) participation. The row itself is the same for every viewer, so it is kept
in the status's bundle (cache/entities.py ``StatusBundle.event``) and invalidated with it:
``events`` rows name their status (cache/changes.py ``TRACKED``); the counts a Join or
Leave changes are written to that row, so the cache follows them. A warm page without
events reads nothing more.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, and_, bindparam, null, select

from pyleroma.db.fastread import Prepared, in_list, row_type
from pyleroma.models import Event, EventParticipation

EventRow, EVENT_COLUMNS = row_type(Event)
VIEWER = bindparam("viewer_id", type_=BigInteger)

EVENTS = {
    False: Prepared(
        select(*EVENT_COLUMNS, null().label("state")).where(in_list(Event.status_id, "event_ids"))
    ),
    True: Prepared(
        select(*EVENT_COLUMNS, EventParticipation.state)
        .outerjoin(
            EventParticipation,
            and_(
                EventParticipation.status_id == Event.status_id,
                EventParticipation.account_id == VIEWER,
            ),
        )
        .where(in_list(Event.status_id, "event_ids"))
    ),
}


def event_ids(unbundled_ids, bundles) -> list[int]:
    """The statuses of a page whose events are read: all not yet bundled, and the bundled
    ones that are events."""
    return [*unbundled_ids, *(i for i, bundle in bundles.items() if bundle.event is not None)]


def read_rows(rows) -> tuple[dict, dict]:
    """(event row by status id, the viewer's participation state by status id)."""
    found, states = {}, {}
    for row in rows:
        event = EventRow._make(row[:-1])
        found[event.status_id] = event
        if row[-1] is not None:
            states[event.status_id] = row[-1]
    return found, states
