"""Birthdays, as Pleroma keeps them: a date on the account and whether others may see it.

``birthday`` (``YYYY-MM-DD``, or an empty string to clear it) and ``show_birthday`` are
update_credentials parameters (services/accounts/profile.py reads them through
``check_birthday_params``). The owner always sees their own birthday; others see it only
while ``show_birthday`` is on, and only then does it count for ``friends_birthdays`` (GET
/api/v1/pleroma/birthdays), which lists the followed accounts born on a given day.

Registration never asks for a birthday, so the instance claims ``birthday_required: false``
and ``birthday_min_age: 0`` (services/instance/instance.py); a birthday may therefore be
any real past date.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from sqlalchemy import extract, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.errors import Unprocessable
from pyleroma.models import Account, Follow
from pyleroma.models.relationship import FOLLOW_ACCEPTED
from pyleroma.values import Values

# The most accounts one birthdays answer lists (a day's birthdays among one's follows).
MAX_BIRTHDAYS = 200
EARLIEST_YEAR = 1900


def parse_birthday(value: Any, today: dt.date | None = None) -> dt.date | None:
    """``value`` as a birthday: None for an empty string (clears it), else a past date."""
    if not isinstance(value, str):
        raise Unprocessable("birthday: must be a date as YYYY-MM-DD")
    text = value.strip()
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        day = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise Unprocessable("birthday: must be a date as YYYY-MM-DD") from exc
    today = today or dt.datetime.now(dt.UTC).date()
    if day > today:
        raise Unprocessable("birthday: can't be in the future")
    if day.year < EARLIEST_YEAR:
        raise Unprocessable(f"birthday: can't be before {EARLIEST_YEAR}")
    return day


def check_birthday_params(params: Values) -> dict[str, Any]:
    """The Account columns that update_credentials' birthday parameters change."""
    values: dict[str, Any] = {}
    if params.has("birthday") and params.raw("birthday") is not None:
        values["birthday"] = parse_birthday(params.raw("birthday"))
    show = params.bool("show_birthday")
    if show is not None:
        values["show_birthday"] = show
    return values


def birthday_fields(account: Account, viewer: Account | None) -> dict[str, Any]:
    """What the Account entity's ``pleroma`` object says of the birthday: the owner sees
    theirs always, others only while it is shown (as Pleroma's AccountView)."""
    if (viewer is not None and viewer.id == account.id) or account.show_birthday:
        return {"birthday": account.birthday.isoformat() if account.birthday else None}
    return {}


def check_day_month(day: int | None, month: int | None) -> tuple[int, int]:
    """A day of the year, February 29 included (``day`` and ``month`` are required)."""
    if day is None:
        raise Unprocessable("day: is required")
    if month is None:
        raise Unprocessable("month: is required")
    if not 1 <= month <= 12:
        raise Unprocessable("month: must be 1 to 12")
    # A leap year's month lengths: February 29 is a birthday too.
    if not 1 <= day <= calendar.monthrange(2000, month)[1]:
        raise Unprocessable("day: is not a day of that month")
    return day, month


_FRIENDS_BORN_ON = (
    select(Account)
    .join(Follow, Follow.followed_id == Account.id)
    .where(
        Follow.state == FOLLOW_ACCEPTED,
        Account.is_active.is_(True),
        Account.show_birthday.is_(True),
        Account.birthday.is_not(None),
    )
    .order_by(Account.id)
    .limit(MAX_BIRTHDAYS)
)


async def friends_birthdays(
    session: AsyncSession, viewer: Account, day: int, month: int
) -> list[Account]:
    """Accounts ``viewer`` follows that show a birthday on ``day``/``month`` (any year)."""
    statement = _FRIENDS_BORN_ON.where(
        Follow.follower_id == viewer.id,
        extract("day", Account.birthday) == day,
        extract("month", Account.birthday) == month,
    )
    return list(await session.scalars(statement))
