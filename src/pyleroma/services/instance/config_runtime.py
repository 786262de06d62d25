"""ConfigDB in a running process: saved settings applied at start, at once, at a restart.

Every component of the app holds the one Settings object (``app.state.settings``) and reads
it when it needs a value, so a change is applied by setting the attribute on that object.
What each setting needs (config_fields.py levels):

- ``live``: applied when it is saved (a few have a hook: the rate limiters copy their
  numbers, so they are given the new ones);
- ``reboot``: read once when a component is built (the job runner's concurrency, the
  entity cache's size, the federation HTTP session, argon2's cost, the emoji directory):
  applied by ``restart`` (GET /api/pleroma/admin/restart), which reloads the settings in
  place (file, environment, database) and rebuilds those components;
- ``process``: read by `pyleroma serve` before it listens (address, port, processes):
  applied when the process starts again (``apply_saved_at_start``).

``need_reboot`` is computed, not remembered: whether a setting of the last two kinds
differs between what the file, the environment and the database say and what the process
runs with. So every process answers it alike, and a restart clears it.

Several processes (``pyleroma serve --workers``, ``pyleroma worker``) share the database
and the cache journal (cache/journal.py). A save or a restart writes a ConfigDB entry to
the journal; each process's ``ConfigRuntime`` watches it (a memory read a second) and
applies the saved settings, or restarts in place, when another process wrote one.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import logging
import secrets

from pyleroma.errors import BadRequest
from pyleroma.services.instance.config_db import (
    LEVELS,
    Saved,
    SaveResult,
    need_reboot,
    overlay,
    saved_values,
)
from pyleroma.services.instance.config_fields import LIVE, PROCESS
from pyleroma.services.instance.config_map import NOT_IN_DATABASE
from pyleroma.settings import Settings, SettingsError, load_settings

log = logging.getLogger("pyleroma.config")

# The journal kind of ConfigDB signals (the entity caches skip kinds they do not know).
KIND_CONFIG = 100
SAVED, RESTARTED = 1, 2
WATCH_INTERVAL = 1.0


class ConfigRuntime:
    """One process's view of ConfigDB: the base settings and what was last applied."""

    def __init__(self, settings: Settings, sessionmaker, entity_cache=None, app=None) -> None:
        self.settings = settings
        self.base = copy.deepcopy(getattr(settings, "config_base", None) or settings)
        self.sessionmaker = sessionmaker
        self.entity_cache = entity_cache
        self.app = app
        self.applied: Settings | None = None  # the effective settings last applied
        self._token = secrets.randbelow(1 << 40)
        journal = entity_cache.journal if entity_cache is not None else None
        self._seen = journal.sequence if journal is not None else 0
        self._task: asyncio.Task | None = None

    # --- reading ------------------------------------------------------------------------

    async def saved(self) -> Saved:
        async with self.sessionmaker() as session:
            return await saved_values(session)

    def effective(self, saved: Saved) -> Settings:
        return overlay(self.base, saved, strict=False)

    async def need_reboot(self) -> bool:
        if not self.settings.configurable_from_database:
            return False
        return need_reboot(self.settings, self.effective(await self.saved()))

    # --- applying -----------------------------------------------------------------------

    def apply_saved(self, result: SaveResult) -> None:
        """After the commit of a save: the live settings it changed, now; the others wait
        for a restart. Other processes are told through the journal."""
        self._apply_live(result.settings)
        self._signal(SAVED)

    def _apply_live(self, effective: Settings) -> None:
        before = self.applied or self.base
        changed = set()
        for attr, level in LEVELS.items():
            value = getattr(effective, attr)
            if level == LIVE and value != getattr(before, attr):
                setattr(self.settings, attr, copy.deepcopy(value))
                changed.add(attr)
        self.applied = effective
        self._after_live_change(changed)

    def _after_live_change(self, changed: set[str]) -> None:
        state = getattr(self.app, "state", None)
        if state is None:
            return
        for name, limit, window in (
            ("login_limiter", "login_rate_limit", "login_rate_window"),
            ("mail_limiter", "mail_rate_limit", "mail_rate_window"),
            ("registration_limiter", "registration_rate_limit", "registration_rate_window"),
        ):
            limiter = getattr(state, name, None)
            if limiter is not None and {limit, window} & changed:
                limiter.limit = getattr(self.settings, limit)
                limiter.window = getattr(self.settings, window)

    async def apply_all(self, effective: Settings, *, process: bool = False) -> None:
        """Every setting of ``effective`` on the live object (the process-level ones too
        when ``process``: before the server listens), then the components rebuilt."""
        previous = copy.copy(self.settings)
        for attr, level in LEVELS.items():
            if level != PROCESS or process:
                setattr(self.settings, attr, copy.deepcopy(getattr(effective, attr)))
        self.applied = effective
        self._after_live_change(set(LEVELS))
        await self._rebuild(previous)

    async def _rebuild(self, previous: Settings) -> None:
        """The components that copied a setting when they were made, given the new one."""
        from pyleroma.services.oauth.secrets import configure_hashing

        live = self.settings
        configure_hashing(live.argon2_time_cost, live.argon2_memory_cost)
        state = getattr(self.app, "state", None)
        if state is None:
            return
        cache = getattr(state, "entity_cache", None)
        if cache is not None and cache.size != live.entity_cache_size:
            cache.size = live.entity_cache_size
            cache.enabled = live.entity_cache_size > 0
            cache.forget_all()
        runner = getattr(state, "job_runner", None)
        if runner is not None:
            runner.concurrency = max(1, live.job_concurrency)
            runner.poll_interval = max(0.01, float(live.job_poll_interval))
            runner.lease = dt.timedelta(seconds=max(1, live.job_lease_seconds))
        if (previous.federation_timeout_seconds, previous.federation_connections_per_host) != (
            live.federation_timeout_seconds,
            live.federation_connections_per_host,
        ):
            from pyleroma.federation.http_client import close_sessions

            await close_sessions()  # made again, with the new numbers, when next used
        emoji = getattr(state, "emoji", None)
        if emoji is not None:
            from pyleroma.services.text.emoji import registry_for

            registry = registry_for(live)
            if registry is not emoji:
                await asyncio.to_thread(registry.reload)
                state.emoji = registry

    async def restart(self, *, signal: bool = True) -> None:
        """Reload the settings in place: the file and the environment read again (when they
        are where the settings came from), the saved rows laid over them, everything but
        the process-level settings applied, the components rebuilt."""
        loaded_from = getattr(self.settings, "loaded_from", None)
        if loaded_from is not None:
            try:
                base = load_settings(loaded_from or None)
            except SettingsError as exc:
                raise BadRequest(f"the settings cannot be read again: {exc}") from exc
            for attr in (*NOT_IN_DATABASE, *(a for a, lv in LEVELS.items() if lv == PROCESS)):
                setattr(base, attr, copy.deepcopy(getattr(self.base, attr)))
            base.loaded_from = loaded_from
            self.base = base
        await self.apply_all(self.effective(await self.saved()))
        log.info("settings reloaded in place (ConfigDB restart)")
        if signal:
            self._signal(RESTARTED)

    # --- other processes ----------------------------------------------------------------

    def _signal(self, what: int) -> None:
        if self.entity_cache is not None:
            self.entity_cache.publish({(KIND_CONFIG, self._token * 4 + what)})

    async def poll(self) -> None:
        """Apply what other processes saved (or restart, when one did) since last looked."""
        journal = self.entity_cache.journal if self.entity_cache is not None else None
        if journal is None or journal.sequence == self._seen:
            return
        self._seen, entries = journal.read_since(self._seen)
        if entries is None:
            signals = {SAVED}  # too much happened to know: read the rows again
        else:
            signals = {
                ident % 4
                for _, kind, ident in entries
                if kind == KIND_CONFIG and ident // 4 != self._token
            }
        if not signals or not self.settings.configurable_from_database:
            return
        if RESTARTED in signals:
            await self.restart(signal=False)
        else:
            self._apply_live(self.effective(await self.saved()))

    def start_watching(self) -> None:
        if self._task is None and self.entity_cache is not None:
            self._task = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(WATCH_INTERVAL)
            try:
                await self.poll()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("ConfigDB: applying settings saved by another process failed")

    async def stop_watching(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None


def runtime_for(app) -> ConfigRuntime:
    """The app's ConfigRuntime, made on first use."""
    runtime = getattr(app.state, "config_runtime", None)
    if runtime is None:
        state = app.state
        runtime = ConfigRuntime(state.settings, state.sessionmaker, state.entity_cache, app)
        state.config_runtime = runtime
    return runtime


async def start(app) -> None:
    """At the app's start (lifespan): with ConfigDB on, the saved settings over the file's
    and the environment's, the components rebuilt for them, and the journal watched."""
    settings: Settings = app.state.settings
    if not settings.configurable_from_database:
        return
    runtime = runtime_for(app)
    try:
        await runtime.apply_all(runtime.effective(await runtime.saved()))
    except Exception as exc:  # a database not migrated yet: start on the file's settings
        log.warning("ConfigDB: the saved settings could not be read (%s); not applied", exc)
    runtime.start_watching()


async def stop(app) -> None:
    runtime = getattr(app.state, "config_runtime", None)
    if runtime is not None:
        await runtime.stop_watching()


async def apply_saved_at_start(settings: Settings) -> None:
    """For `pyleroma serve` and `pyleroma worker` before they start: every saved setting
    (the process-level ones too: listen address, processes) laid over ``settings``, which
    keep the values they had as ``config_base``. Nothing happens with ConfigDB off."""
    if not settings.configurable_from_database:
        return
    from pyleroma.db.engine import make_engine, make_sessionmaker

    engine = make_engine(settings.effective_database_url)
    try:
        runtime = ConfigRuntime(settings, make_sessionmaker(engine))
        effective = runtime.effective(await runtime.saved())
    finally:
        await engine.dispose()
    settings.config_base = copy.deepcopy(settings)
    for attr in LEVELS:
        setattr(settings, attr, copy.deepcopy(getattr(effective, attr)))
