"""Process caches with exact invalidation (docs/read_path.md, "Caches").

``entity_cache_for(settings)`` opens the instance's shared invalidation journal and gives
the process's EntityCache; db/engine.make_sessionmaker puts it on every session, whose
commits then publish what they changed (cache/changes.py).
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from pyleroma.cache.entities import EntityCache
from pyleroma.cache.journal import Journal

log = logging.getLogger("pyleroma.cache")


def journal_path(settings) -> Path:
    """Beside the SQLite file (as its -wal and -shm files), so every process that shares the
    database shares the journal; on PostgreSQL in the data dir."""
    url = make_url(settings.effective_database_url)
    if url.get_backend_name() == "sqlite":
        database = url.database
        if not database or database == ":memory:":
            return Path(tempfile.gettempdir()) / f"pyleroma-memory-{os.getpid()}-cache"
        return Path(f"{Path(database).resolve()}-cache")
    return settings.data_dir / "cache-journal"


def entity_cache_for(settings) -> EntityCache:
    """The process's cache; without a usable journal (its directory, the database's, does not
    exist or cannot be written) one that caches nothing, so the server still starts and
    answers (a health check says what is wrong with the database)."""
    path = journal_path(settings)
    if not path.parent.is_dir():
        log.warning("no cache journal: %s does not exist; caching is off", path.parent)
        return EntityCache(Journal(None), 0)
    try:
        return EntityCache(Journal(path), settings.entity_cache_size)
    except OSError as exc:
        log.warning("no cache journal at %s (%s); caching is off", path, exc)
        return EntityCache(Journal(None), 0)
