"""Creating polls: validating a status's ``poll`` parameter and storing the Poll row.

Voting and ending polls live in ``services/statuses/poll_votes.py`` and ``jobs/poll_jobs.py``; this
module only turns ``poll[options][]``, ``poll[expires_in]``, ``poll[multiple]`` and
``poll[hide_totals]`` into a Poll when a status is posted, with Pleroma's limits and error
messages (``:instance, :poll_limits``), and schedules the "poll.end" job at its expiry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities.effects import Effects
from pyleroma.db.ids import is_ascii_digits, new_id
from pyleroma.errors import Unprocessable
from pyleroma.models import Poll, Status
from pyleroma.settings import Settings
from pyleroma.values import Values, parse_bool

POLL_END_JOB = "poll.end"
# The Update of a local poll's tallies sent to those who have the poll (Mastodon's
# DistributePollUpdateWorker): votes within ``poll_update_delay`` seconds go out as one.
POLL_UPDATE_JOB = "poll.distribute_update"


def schedule_tally_update(effects: Effects, poll_id: int, delay: float) -> None:
    """One pending tally Update per poll (a unique key): a burst of votes sends one."""
    effects.job(
        POLL_UPDATE_JOB,
        {"poll_id": poll_id},
        run_at=dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(seconds=delay),
        unique_key=f"{POLL_UPDATE_JOB}:{poll_id}",
    )


@dataclass(frozen=True)
class PollSpec:
    """A validated poll, not yet stored: it expires ``expires_in`` seconds after posting."""

    options: tuple[str, ...]
    expires_in: int
    multiple: bool = False
    hide_totals: bool = False

    def to_params(self) -> dict:
        """The poll as a client sent it (stored in scheduled statuses and rendered back)."""
        return {
            "options": list(self.options),
            "expires_in": self.expires_in,
            "multiple": self.multiple,
            "hide_totals": self.hide_totals,
        }


def _expires_in(value) -> int:
    # Some clients (old Mastodon FE) send the number as a string.
    if isinstance(value, bool):
        raise Unprocessable("Invalid poll")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and is_ascii_digits(value.strip().removeprefix("-")):
        return int(value.strip())
    raise Unprocessable("Invalid poll")


def check_poll(settings: Settings, raw: dict | None) -> PollSpec | None:
    """Validate the ``poll`` parameter (None: no poll) against the instance's poll limits.

    Duplicate options are merged first, as Pleroma does, so ``["a", "a"]`` has one option.
    Checks run in Pleroma's order: expiry, number of options, option length.
    """
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise Unprocessable("Invalid poll")
    params = Values(raw)
    if "options" not in raw or raw.get("expires_in") in (None, ""):
        raise Unprocessable("Invalid poll")
    options = params.list("options")
    if not all(isinstance(o, str) for o in options):
        raise Unprocessable("Invalid poll")
    options = list(dict.fromkeys(o.strip() for o in options))
    if any(not o for o in options):
        raise Unprocessable("Poll options cannot be blank")
    expires_in = _expires_in(raw.get("expires_in"))
    if expires_in > settings.poll_max_expiration:
        raise Unprocessable("Expiration date is too far in the future")
    if expires_in < settings.poll_min_expiration or expires_in < 1:
        raise Unprocessable("Expiration date is too soon")
    if len(options) < 2:
        raise Unprocessable("Poll must contain at least 2 options")
    if len(options) > settings.poll_max_options:
        raise Unprocessable(f"Poll can't contain more than {settings.poll_max_options} options")
    if any(len(o) > settings.poll_max_option_chars for o in options):
        raise Unprocessable(
            f"Poll options cannot be longer than {settings.poll_max_option_chars} characters each"
        )
    return PollSpec(
        options=tuple(options),
        expires_in=expires_in,
        multiple=parse_bool(raw.get("multiple") or False, "poll[multiple]"),
        hide_totals=parse_bool(raw.get("hide_totals") or False, "poll[hide_totals]"),
    )


async def create_poll(
    session: AsyncSession, status: Status, spec: PollSpec, now: dt.datetime, effects: Effects
) -> Poll:
    """Store the poll of a new ``status``; its end is a job in ``effects`` (one per poll)."""
    poll = Poll(
        id=new_id(),
        status_id=status.id,
        account_id=status.account_id,
        options=[{"title": title, "votes_count": 0} for title in spec.options],
        multiple=spec.multiple,
        hide_totals=spec.hide_totals,
        expires_at=now + dt.timedelta(seconds=spec.expires_in),
        votes_count=0,
        voters_count=0,
        created_at=now,
    )
    session.add(poll)
    status.has_poll = True
    await session.flush()
    effects.job(
        POLL_END_JOB,
        {"poll_id": poll.id},
        run_at=poll.expires_at,
        unique_key=f"{POLL_END_JOB}:{poll.id}",
    )
    return poll
