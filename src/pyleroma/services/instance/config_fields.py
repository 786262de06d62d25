"""How one Pleroma config key maps onto our settings: the building blocks of config_map.py.

A ``KeySpec`` is one ``group``/``key`` pair of Pleroma's ConfigDB (``:pleroma``,
``:instance``); its value is a keyword list of ``Child`` entries (``:name``, ``:limit``,
...), or, for a few keys, one value of another shape (``whole``). Each child knows

- how to ``read`` its JSON value from a Settings object (GET /config shows the running
  defaults this way),
- how to ``write`` a JSON value into a Settings object, checking its type (a bad value
  raises ``ConfigError`` naming the child, and nothing is saved),
- the settings attributes it sets (``attrs``) and when a change takes effect (``level``):
  ``LIVE`` at once, ``REBOOT`` when the settings are reloaded in place (GET
  /api/pleroma/admin/restart), ``PROCESS`` only when the process itself starts again
  (what `pyleroma serve` reads before it listens).

Children that together make one setting (``:registrations_open``, ``:invites_enabled`` and
``:account_approval_required`` are our ``registrations`` mode) leave their values in a
``scratch`` dict, and the key's ``finish`` functions combine them with what the target
already holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pyleroma.services.instance.config_values import (
    atom,
    atom_name,
    is_keyword,
    keyword,
    keyword_pairs,
    make_tuple,
    tuple_items,
)
from pyleroma.settings import Settings

LIVE = "live"
REBOOT = "reboot"
PROCESS = "process"

Reader = Callable[[Settings], Any]
Writer = Callable[[Any, Settings, dict], None]


class ConfigError(ValueError):
    """A value the settings cannot take; ``message`` names where it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Child:
    key: str
    type: Any
    description: str
    read: Reader
    write: Writer
    attrs: tuple[str, ...] = ()
    level: str = LIVE
    suggestions: tuple = ()
    label: str | None = None
    children: tuple[Child, ...] = ()
    extra: dict = field(default_factory=dict)  # more description fields (placeholders)


@dataclass(frozen=True)
class KeySpec:
    group: str
    key: str
    description: str
    children: tuple[Child, ...] = ()
    whole: Child | None = None
    finish: tuple[Callable[[Settings, dict], None], ...] = ()
    label: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.group}, {self.key}"

    def read(self, settings: Settings) -> Any:
        """The key's value in ``settings``, as GET /config shows it."""
        if self.whole is not None:
            return self.whole.read(settings)
        return keyword((child.key, child.read(settings)) for child in self.children)

    def write(self, value: Any, target: Settings) -> None:
        """Set what ``value`` (a saved or POSTed value) says on ``target``."""
        scratch: dict = {}
        try:
            if self.whole is not None:
                _write_child(self.whole, value, target, scratch)
            else:
                write_keyword(self.children, value, target, scratch)
            for combine in self.finish:
                combine(target, scratch)
        except ConfigError as exc:
            raise ConfigError(f"{self.name}: {exc.message}") from exc

    def all_children(self):
        """Every child, nested ones included (what its attributes are)."""
        pending = [self.whole] if self.whole is not None else list(self.children)
        while pending:
            child = pending.pop(0)
            yield child
            pending.extend(child.children)


def _write_child(child: Child, value: Any, target: Settings, scratch: dict) -> None:
    try:
        child.write(value, target, scratch)
    except ConfigError as exc:
        raise ConfigError(f"{child.key}: {exc.message}") from exc


def entries(value: Any, maps: bool = False) -> list[tuple[str, Any]]:
    """``(":key", value)`` pairs of a keyword list, or (``maps``) of a map too
    (``{":key": value}``, what a ``map`` setting is)."""
    if maps and isinstance(value, dict) and tuple_items(value) is None:
        return [(k if k.startswith(":") else atom(k), v) for k, v in value.items()]
    if is_keyword(value):
        return keyword_pairs(value)
    if maps:
        raise ConfigError(f'expected a map ({{":key": value}}), got {value!r}')
    raise ConfigError(f'expected a keyword list ([{{"tuple": [":key", value]}}]), got {value!r}')


def write_keyword(children, value: Any, target: Settings, scratch: dict, maps=False) -> None:
    known = {atom_name(child.key): child for child in children}
    for key, item in entries(value, maps):
        child = known.get(atom_name(key))
        if child is None:
            names = ", ".join(child.key for child in children)
            raise ConfigError(f"{key} is not a setting of this server (it has: {names})")
        _write_child(child, item, target, scratch)


# --- value checks -----------------------------------------------------------------------

_INT = re.compile(r"-?\d+")


def as_int(value: Any, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, bool):
        raise ConfigError(f"expected an integer, got {value!r}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and _INT.fullmatch(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int):
        raise ConfigError(f"expected an integer, got {value!r}")
    return _bounded(value, minimum, maximum)


def as_float(value: Any, minimum: float | None = None) -> float:
    if isinstance(value, bool):
        raise ConfigError(f"expected a number, got {value!r}")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ConfigError(f"expected a number, got {value!r}") from None
    if not isinstance(value, int | float) or value != value:
        raise ConfigError(f"expected a number, got {value!r}")
    return _bounded(float(value), minimum, None)


def _bounded(value, minimum, maximum):
    if minimum is not None and value < minimum:
        raise ConfigError(f"must be {minimum} or more, not {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"must be {maximum} or less, not {value}")
    return value


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ConfigError(f"expected true or false, got {value!r}")


def as_text(value: Any) -> str:
    """A string; ``null`` (Elixir's nil) is the empty string."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ConfigError(f"expected a string, got {value!r}")
    return value


def as_texts(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"expected a list of strings, got {value!r}")
    return [item.strip() for item in value if item.strip()]


def humanize(key: str) -> str:
    """Phoenix's label for an atom key: ``:max_options`` -> ``Max options``."""
    name = atom_name(key)
    if name is None:
        return key
    text = name.replace("_", " ")
    return text[:1].upper() + text[1:]


# --- children -------------------------------------------------------------------------------


def _setter(attr: str, convert: Callable[[Any], Any]) -> Writer:
    def write(value, target, scratch):
        setattr(target, attr, convert(value))

    return write


def text(key: str, attr: str, description: str, **options) -> Child:
    return Child(
        key,
        "string",
        description,
        read=lambda s: getattr(s, attr),
        write=_setter(attr, as_text),
        attrs=(attr,),
        **options,
    )


def integer(
    key: str,
    attr: str,
    description: str,
    *,
    minimum: int | None = 0,
    maximum: int | None = None,
    **options,
) -> Child:
    return Child(
        key,
        "integer",
        description,
        read=lambda s: getattr(s, attr),
        write=_setter(attr, lambda v: as_int(v, minimum, maximum)),
        attrs=(attr,),
        **options,
    )


def number(key: str, attr: str, description: str, *, minimum: float | None = 0, **options):
    return Child(
        key,
        "float",
        description,
        read=lambda s: getattr(s, attr),
        write=_setter(attr, lambda v: as_float(v, minimum)),
        attrs=(attr,),
        **options,
    )


def millis(key: str, attr: str, description: str, **options) -> Child:
    """A duration Pleroma gives in milliseconds, kept here in seconds."""
    return Child(
        key,
        "integer",
        description,
        read=lambda s: round(getattr(s, attr) * 1000),
        write=_setter(attr, lambda v: as_int(v, 1) / 1000),
        attrs=(attr,),
        **options,
    )


def boolean(key: str, attr: str, description: str, **options) -> Child:
    return Child(
        key,
        "boolean",
        description,
        read=lambda s: getattr(s, attr),
        write=_setter(attr, as_bool),
        attrs=(attr,),
        **options,
    )


def strings(key: str, attr: str, description: str, **options) -> Child:
    return Child(
        key,
        ["list", "string"],
        description,
        read=lambda s: list(getattr(s, attr)),
        write=_setter(attr, as_texts),
        attrs=(attr,),
        **options,
    )


def atoms(key: str, attr: str, description: str, choices: tuple[str, ...], **options) -> Child:
    """A list of atoms (``[":delist", ":reject"]``) kept as their names."""

    def write(value, target, scratch):
        if not isinstance(value, list):
            raise ConfigError(f"expected a list of atoms, got {value!r}")
        names = [atom_name(item) or item for item in value]
        for name in names:
            if name not in choices:
                raise ConfigError(f"{name!r} is not one of {', '.join(map(atom, choices))}")
        setattr(target, attr, names)

    return Child(
        key,
        ["list", "atom"],
        description,
        read=lambda s: [atom(name) for name in getattr(s, attr)],
        write=write,
        attrs=(attr,),
        suggestions=tuple(atom(c) for c in choices),
        **options,
    )


def choice(key: str, attr: str, description: str, choices: dict, kind: Any, **options) -> Child:
    """One of a few JSON values (atoms, modules, ``false``), each meaning one of ours."""
    ours = {v: k for k, v in choices.items()}

    def write(value, target, scratch):
        for json_value, setting in choices.items():
            if value == json_value and type(value) is type(json_value):
                setattr(target, attr, setting)
                return
        known = ", ".join(str(c).lower() if isinstance(c, bool) else c for c in choices)
        raise ConfigError(f"{value!r} is not one this server has ({known})")

    return Child(
        key,
        kind,
        description,
        read=lambda s: ours.get(getattr(s, attr), getattr(s, attr)),
        write=write,
        attrs=(attr,),
        suggestions=tuple(choices),
        **options,
    )


def pairs(
    key: str,
    attr: str,
    description: str,
    placeholders: tuple[str, str] = ("instance", "reason"),
    convert: Callable[[str], str] = lambda text: text,
    render: Callable[[str], str] = lambda text: text,
    check: Callable[[str], None] = lambda text: None,
    **options,
) -> Child:
    """Pleroma's ``{:list, :tuple}`` (a host and its reason, a pattern and its replacement)
    kept as our ``"first => second"`` entries; a lone string is a pair with no second."""

    def read(settings):
        values = []
        for entry in getattr(settings, attr):
            first, _, second = entry.partition("=>")
            values.append(make_tuple(render(first.strip()), second.strip()))
        return values

    def write(value, target, scratch):
        if not isinstance(value, list):
            raise ConfigError(f'expected a list of {{"tuple": [...]}} pairs, got {value!r}')
        found = []
        for item in value:
            items = tuple_items(item)
            if isinstance(item, str):
                items = [item, ""]
            if items is None or len(items) != 2 or not all(isinstance(i, str) for i in items):
                raise ConfigError(f'expected {{"tuple": ["{placeholders[0]}", "…"]}}, got {item!r}')
            first, second = convert(items[0].strip()), items[1].strip()
            check(first)
            if first:
                found.append(f"{first} => {second}" if second else first)
        setattr(target, attr, found)

    extra = {"key_placeholder": placeholders[0], "value_placeholder": placeholders[1]}
    return Child(
        key,
        ["list", "tuple"],
        description,
        read=read,
        write=write,
        attrs=(attr,),
        extra=extra,
        **options,
    )


def group(key: str, description: str, children: tuple[Child, ...], kind: str = "keyword", **kw):
    """A nested keyword list (or map, ``kind="map"``) of children."""

    def read(settings):
        values = [(child.key, child.read(settings)) for child in children]
        if kind == "map":
            return dict(values)
        return keyword(values)

    def write(value, target, scratch):
        write_keyword(children, value, target, scratch, maps=kind == "map")

    return Child(key, kind, description, read=read, write=write, children=children, **kw)


def pseudo(key: str, kind: Any, description: str, read: Reader, convert, **options) -> Child:
    """A child whose value is combined with its siblings' by the key's ``finish``."""

    def write(value, target, scratch):
        scratch[key] = convert(value)

    return Child(key, kind, description, read=read, write=write, **options)


def fixed(key: str, kind: Any, description: str, value: Any, why: str, **options) -> Child:
    """What this server does and cannot be changed (one uploader, one mail adapter):
    shown as it is, and any other value refused with ``why``."""

    def write(given, target, scratch):
        if given != value:
            raise ConfigError(f"{given!r} is not built: {why}")

    return Child(
        key, kind, description, read=lambda s: value, write=write, suggestions=(value,), **options
    )
