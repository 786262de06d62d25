"""Pleroma's JSON form of Elixir config terms, as the admin API's ConfigDB routes speak it.

``{"tuple": [a, b, ...]}`` is a tuple, a string starting with ``:`` an atom (``":name"``),
``"Pleroma.Upload"`` a module, ``"~r/.../i"`` a regex, and a list of two-element tuples
whose first element is an atom a *keyword list* (``[{"tuple": [":name", "x"]}]``). Values
are stored exactly as POSTed; these helpers read them and merge them as Pleroma's ConfigDB
merges keyword lists (``merge``: the saved keys not in the new value first, then the new
ones in their order, nested keyword lists merged the same way, anything else replaced).
"""

from __future__ import annotations

from typing import Any

TUPLE = "tuple"


def is_tuple(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {TUPLE} and isinstance(value[TUPLE], list)


def tuple_items(value: Any) -> list | None:
    """The elements of a ``{"tuple": [...]}``, else None."""
    return value[TUPLE] if is_tuple(value) else None


def make_tuple(*items: Any) -> dict:
    return {TUPLE: list(items)}


def atom(name: str) -> str:
    return f":{name}"


def atom_name(value: Any) -> str | None:
    """``":name"`` (or Elixir's quoted ``:"odd-name"``) -> ``name``; None when not an atom."""
    if not isinstance(value, str) or not value.startswith(":") or len(value) < 2:
        return None
    name = value[1:]
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1]
    return name


def is_keyword(value: Any) -> bool:
    """A keyword list: a list of ``{"tuple": [":key", value]}`` (the empty list is one, as
    in Elixir)."""
    if not isinstance(value, list):
        return False
    for item in value:
        items = tuple_items(item)
        if items is None or len(items) != 2 or atom_name(items[0]) is None:
            return False
    return True


def keyword_pairs(value: list) -> list[tuple[str, Any]]:
    """``[(":key", value), ...]`` of a keyword list (check ``is_keyword`` first)."""
    return [(item[TUPLE][0], item[TUPLE][1]) for item in value]


def keyword(pairs) -> list[dict]:
    return [make_tuple(key, value) for key, value in pairs]


def keyword_keys(value: list) -> list[str]:
    return [key for key, _ in keyword_pairs(value)]


def merge(old: Any, new: Any) -> Any:
    """What saving ``new`` over the saved ``old`` leaves (Pleroma's ConfigDB merge)."""
    if is_keyword(old) and is_keyword(new):
        return keyword(_deep_merge(keyword_pairs(old), keyword_pairs(new)))
    return new


def _deep_merge(old: list[tuple[str, Any]], new: list[tuple[str, Any]]) -> list:
    new_keys = {key for key, _ in new}
    saved = dict(old)
    merged = [(key, value) for key, value in old if key not in new_keys]
    for key, value in new:
        if key in saved and is_keyword(saved[key]) and is_keyword(value):
            value = keyword(_deep_merge(keyword_pairs(saved[key]), keyword_pairs(value)))
        merged.append((key, value))
    return merged


def drop(value: Any, subkeys: list[str]) -> Any:
    """``value`` without the entries of ``subkeys`` (a keyword list; anything else as is)."""
    if not is_keyword(value):
        return value
    gone = {atom_name(key) or key for key in subkeys}
    return keyword((k, v) for k, v in keyword_pairs(value) if atom_name(k) not in gone)


def db_keys(value: Any, key: str) -> list[str]:
    """Pleroma's ``db`` of a saved entry: the keys of a keyword value, else the key."""
    return keyword_keys(value) if is_keyword(value) and value else [key]


def regex_to_pattern(value: str) -> str:
    """Elixir's ``~r/body/flags`` (any of its delimiters) -> our ``/body/flags``; plain text
    is returned as it is."""
    if len(value) < 4 or not value.startswith("~r"):
        return value
    closing = {"(": ")", "[": "]", "{": "}", "<": ">"}.get(value[2], value[2])
    end = value.rfind(closing)
    if end <= 2:
        return value
    return f"/{value[3:end]}/{value[end + 1 :]}"


def pattern_to_regex(value: str) -> str:
    """Our ``/body/flags`` -> Elixir's ``~r/body/flags``; plain text as it is."""
    if len(value) >= 2 and value.startswith("/") and value.rfind("/") > 0:
        return f"~r{value}"
    return value
