"""Values a client sent (query, form or JSON, already folded into one dict), read typed.

The API folds every encoding into a nested dict (api/params.py); services that take many
optional values (a profile update, a poll) read them through ``Values``, whose accessors
refuse a wrong type with ``Unprocessable`` naming the value, so the checks are the same
wherever the values came from.
"""

from __future__ import annotations

import re
from typing import Any

from pyleroma.errors import Unprocessable

TRUE_WORDS = frozenset({"true", "1", "on", "yes", "t"})
FALSE_WORDS = frozenset({"false", "0", "off", "no", "f", ""})
INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
# Longer numbers are refused unread (a 64-bit one has 19 digits; a clamped one may be longer).
MAX_INT_DIGITS = 100
_INTEGER = re.compile(r"[+-]?[0-9]+")


_MISSING = object()


class Values:
    """Typed access to values a client sent, folded into a dict; every accessor raises
    ``Unprocessable`` naming the value (the API answers 422)."""

    def __init__(self, data: dict):
        self.data = data

    def __contains__(self, name: str) -> bool:
        return name in self.data

    def raw(self, name: str, default: Any = None) -> Any:
        return self.data.get(name, default)

    def has(self, name: str) -> bool:
        return name in self.data

    def str(self, name: str, default: str | None = None, *, max_length: int | None = None):
        value = self.data.get(name, _MISSING)
        if value is _MISSING or value is None:
            return default
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, int | float):
            value = str(value)
        if not isinstance(value, str):
            raise Unprocessable(f"{name}: must be a string")
        if max_length is not None and len(value) > max_length:
            raise Unprocessable(f"{name}: is too long (maximum is {max_length} characters)")
        return value

    def bool(self, name: str, default: bool | None = None):
        value = self.data.get(name, _MISSING)
        if value is _MISSING or value is None:
            return default
        return parse_bool(value, name)

    def int(
        self,
        name: str,
        default: int | None = None,
        *,
        min: int | None = None,
        max: int | None = None,
        clamp: bool = False,
    ):
        """An integer: a JSON number with no fraction or ASCII digits with an optional sign.

        With ``clamp`` a value outside ``min``..``max`` is moved to the nearest bound, however
        large; otherwise it is a 422. Whatever the bounds, the result fits a signed 64-bit
        column (a 422 past it), so no integer from a client can overflow the database.
        """
        value = self.data.get(name, _MISSING)
        if value is _MISSING or value is None or value == "":
            return default
        number = parse_int(value)
        if number is None:
            raise Unprocessable(f"{name}: must be an integer")
        if min is not None and number < min:
            if not clamp:
                raise Unprocessable(f"{name}: must be at least {min}")
            number = min
        if max is not None and number > max:
            if not clamp:
                raise Unprocessable(f"{name}: must be at most {max}")
            number = max
        if not INT64_MIN <= number <= INT64_MAX:
            raise Unprocessable(f"{name}: must be between {INT64_MIN} and {INT64_MAX}")
        return number

    def list(self, name: str) -> list:
        """A list parameter: accepts ``name[]``, a JSON array, a single value or a dict of
        index keys (``name[0]=a&name[1]=b``)."""
        value = self.data.get(name, _MISSING)
        if value is _MISSING or value is None:
            return []
        if isinstance(value, list):
            return value
        if isinstance(value, dict):
            try:
                return [value[k] for k in sorted(value, key=int)]
            except ValueError as exc:
                raise Unprocessable(f"{name}: must be a list") from exc
        if isinstance(value, str) and "," in value and name.endswith("ids"):
            return [v for v in value.split(",") if v]
        return [value]

    def str_list(self, name: str) -> list[str]:
        items = self.list(name)
        if not all(isinstance(i, str | int) and not isinstance(i, bool) for i in items):
            raise Unprocessable(f"{name}: must be a list of strings")
        return [str(i) for i in items]

    def dict(self, name: str) -> dict:
        value = self.data.get(name, _MISSING)
        if value is _MISSING or value is None:
            return {}
        if not isinstance(value, dict):
            raise Unprocessable(f"{name}: must be an object")
        return value

    def sub(self, name: str) -> Values:
        return type(self)(self.dict(name))


def parse_int(value: Any) -> int | None:
    """An integer from a client value, or None: ``int()`` alone would take ``"١٢"``,
    ``" 1_0 "`` and ``12.7``, and fail with a ValueError on 5,000 digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        if len(text) <= MAX_INT_DIGITS and _INTEGER.fullmatch(text):
            return int(text)
    return None


def parse_bool(value: Any, name: str = "value") -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS:
        return True
    if isinstance(value, str) and value.strip().lower() in FALSE_WORDS:
        return False
    raise Unprocessable(f"{name}: must be a boolean")
