"""Settings kept in the database (Pleroma's ConfigDB, ``configurable_from_database``).

The ``config_entries`` table holds one row per Pleroma group and key, its value exactly as
the admin API took it (Pleroma's JSON terms, config_values.py), a later save of a keyword
list merged into the saved one as Pleroma merges them. The settings in force are always a
function of two things: the *base* settings (defaults, the TOML file, the environment) and
these rows, each laid over the base by its ``KeySpec`` (config_map.py): ``overlay``. So a
saved value that the settings cannot take (a bad type, a policy that does not exist, a
negative limit) is refused before anything is stored, with the setting named.

Applying what was saved to the running process, restarts and the other processes are
config_runtime.py's business; this module reads and writes the rows.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.errors import BadRequest
from pyleroma.models.config_entry import ConfigEntry
from pyleroma.services.instance.config_fields import LIVE, ConfigError
from pyleroma.services.instance.config_map import KEYS, attr_levels, find_key
from pyleroma.services.instance.config_values import db_keys, drop, is_keyword, merge
from pyleroma.settings import Settings, SettingsError

log = logging.getLogger("pyleroma.config")

# Pleroma's words (ConfigController, AdminAPIController) when ConfigDB is off.
NOT_ENABLED = "You must enable configurable_from_database in your config file."
LEVELS = attr_levels()

Saved = dict[tuple[str, str], Any]


def check_enabled(settings: Settings) -> None:
    if not settings.configurable_from_database:
        raise BadRequest(NOT_ENABLED)


async def saved_rows(session: AsyncSession) -> list[ConfigEntry]:
    rows = await session.scalars(select(ConfigEntry).order_by(ConfigEntry.id))
    return list(rows)


async def saved_values(session: AsyncSession) -> Saved:
    return {(row.group, row.key): row.value for row in await saved_rows(session)}


def overlay(base: Settings, saved: Saved, *, strict: bool = True) -> Settings:
    """``base`` with every saved value laid over it, checked as a whole.

    ``strict``: a value the settings cannot take raises ``ConfigError``. Otherwise (what a
    start does with rows saved by an older version or edited by hand) such a row is left out
    and logged, and the rest applies.
    """
    target = copy.deepcopy(base)
    for (group, key), value in saved.items():
        spec = find_key(group, key)
        if spec is None:
            if strict:
                raise ConfigError(f"{group}, {key} is not a setting of this server")
            log.warning("ConfigDB: %s, %s is not a setting of this server; left out", group, key)
            continue
        if strict:
            spec.write(value, target)
            continue
        candidate = copy.deepcopy(target)
        try:
            spec.write(value, candidate)
            _validate(candidate)
        except ConfigError as exc:
            log.warning("ConfigDB: %s; left out", exc.message)
            continue
        target = candidate
    _validate(target)
    return target


def _validate(settings: Settings) -> None:
    try:
        settings.validate()
    except SettingsError as exc:
        raise ConfigError(str(exc)) from exc


def render(group: str, key: str, value: Any) -> dict:
    return {"group": group, "key": key, "value": value, "db": db_keys(value, key)}


def list_configs(base: Settings, saved: Saved, *, only_db: bool) -> list[dict]:
    """GET /config's ``configs``: the saved entries (``only_db``), or every key with its
    running default (``base``) merged with what is saved, ``db`` naming what is saved."""
    if only_db:
        return [render(group, key, value) for (group, key), value in saved.items()]
    configs = []
    for spec in KEYS:
        default = spec.read(base)
        name = (spec.group, spec.key)
        if name not in saved:
            configs.append({"group": spec.group, "key": spec.key, "value": default})
            continue
        value = merge(default, saved[name])
        configs.append(render(spec.group, spec.key, value) | {"db": db_keys(saved[name], spec.key)})
    known = {(spec.group, spec.key) for spec in KEYS}
    configs += [render(g, k, v) for (g, k), v in saved.items() if (g, k) not in known]
    return configs


def need_reboot(running: Settings, effective: Settings) -> bool:
    """Whether a setting that only a restart applies differs between what the base and the
    saved rows say (``effective``) and what the process runs with."""
    return any(
        level != LIVE and getattr(effective, attr) != getattr(running, attr)
        for attr, level in LEVELS.items()
    )


@dataclass
class SaveResult:
    before: Saved
    after: Saved
    settings: Settings  # the base with ``after`` laid over it
    configs: list[dict]  # the entries saved (not the deleted ones), as POST answers them


def _item(raw: Any) -> tuple[str, str, bool, list[str] | None, Any]:
    if not isinstance(raw, dict):
        raise BadRequest(f"configs: each entry must be an object, got {raw!r}")
    group, key = raw.get("group"), raw.get("key")
    if not isinstance(group, str) or not isinstance(key, str) or not group or not key:
        raise BadRequest("configs: each entry needs a group and a key (strings)")
    delete = raw.get("delete") in (True, "true", "1")
    subkeys = raw.get("subkeys")
    if subkeys is not None and (
        not isinstance(subkeys, list) or not all(isinstance(s, str) for s in subkeys)
    ):
        raise BadRequest(f"{group}, {key}: subkeys must be a list of strings")
    if not delete and "value" not in raw:
        raise BadRequest(f"{group}, {key}: a value is needed (or delete: true)")
    return group, key, delete, subkeys, raw.get("value")


def apply_items(base: Settings, before: Saved, items: Any) -> SaveResult:
    """What saving ``items`` (POST /config's ``configs``) over the rows ``before`` leaves;
    raises BadRequest, naming the setting, when the result is not usable."""
    if not isinstance(items, list):
        raise BadRequest("configs: a list of {group, key, value} objects is needed")
    after = dict(before)
    saved_order: list[tuple[str, str]] = []
    for raw in items:
        group, key, delete, subkeys, value = _item(raw)
        if find_key(group, key) is None:
            raise BadRequest(
                f"{group}, {key} is not a setting of this server "
                "(GET /api/pleroma/admin/config/descriptions lists them)"
            )
        name = (group, key)
        if delete:
            if name not in after:
                continue  # Pleroma skips what is not saved
            rest = drop(after[name], subkeys) if subkeys else None
            if rest is None or (is_keyword(rest) and not rest):
                del after[name]
                saved_order = [n for n in saved_order if n != name]
                continue
            after[name] = rest
        else:
            after[name] = merge(after[name], value) if name in after else value
        if name not in saved_order:
            saved_order.append(name)
    try:
        settings = overlay(base, after)
    except ConfigError as exc:
        raise BadRequest(exc.message) from exc
    configs = [render(group, key, after[(group, key)]) for group, key in saved_order]
    return SaveResult(before, after, settings, configs)


def changed_keys(result: SaveResult) -> list[str]:
    """``"group key"`` of each saved setting ``result`` adds, changes or removes (what the
    moderation log names)."""
    names = sorted(set(result.before) | set(result.after))
    return [f"{g} {k}" for g, k in names if result.before.get((g, k)) != result.after.get((g, k))]


async def store(session: AsyncSession, result: SaveResult) -> None:
    """Stage the rows ``result`` changed in ``session`` (the caller commits)."""
    rows = {(row.group, row.key): row for row in await saved_rows(session)}
    for name, row in rows.items():
        if name not in result.after:
            await session.delete(row)
        elif result.after[name] != row.value:
            row.value = copy.deepcopy(result.after[name])
    for (group, key), value in result.after.items():
        if (group, key) not in rows:
            session.add(ConfigEntry(group=group, key=key, value=copy.deepcopy(value)))
    await session.flush()


async def replace_all(session: AsyncSession, saved: Saved) -> None:
    """Make the table hold exactly ``saved`` (the CLI's migrate-to-db)."""
    before = await saved_values(session)
    await store(session, SaveResult(before, saved, Settings(), []))
