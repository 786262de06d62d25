"""The history import: an account that moved here brings the posts of its old account from
that account's backup archive (POST /api/v1/pleroma/history_import; docs/api/history_import.md).

``start_import`` checks the upload at once, so a bad archive is refused in the request
(history_archive.py: a zip within the caps, actor.json, outbox.json an OrderedCollection of
the actor's own activities) and nothing is kept of it. An acceptable one is stored under
``data_dir/history_imports/<account id>/<token>/``: the zip (for its media files) and the
posts to import in chunk files of ``CHUNK_SIZE``, oldest first. A job
(jobs/history_import_jobs.py) then imports one chunk per run (history_statuses.py), in the
job's transaction, and queues the next chunk in the same transaction, so a failed run is
retried from the chunk it was at and a crash loses nothing. After the last chunk one more
run removes the stored files.

Progress lives in ``state.json`` beside the token directories (no table): the request
writes it ``pending``, each run writes what the job's arguments carry (``running``, then
``done``, or ``failed``). The counts a run writes come from its arguments plus its own
chunk, so a retried run writes the same numbers again. One import at a time per account:
another while one is pending or running is 409. Two requests racing past that check both
store theirs; the last ``state.json`` wins and the other's job finds its token superseded
and removes its files.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import time
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from anyio import to_thread
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from pyleroma.db.base import utcnow
from pyleroma.errors import Conflict, NotFound, Unprocessable
from pyleroma.jobs.queue import enqueue
from pyleroma.models import Account
from pyleroma.services.accounts.history_archive import (
    ArchiveContents,
    open_archive,
    read_archive,
)
from pyleroma.services.media.media import check_upload_size
from pyleroma.settings import Settings

HISTORY_IMPORT_JOB = "accounts.history_import"
CHUNK_SIZE = 50
ARCHIVE_NAME = "archive.zip"
STATE_NAME = "state.json"
ACTIVE_STATES = ("pending", "running")
# Seconds after which a pending or running import nobody updated counts as abandoned.
STALE_AFTER = 24 * 3600
# What GET shows of the state (the token and paths stay private).
PUBLIC_KEYS = (
    "state", "total", "imported", "skipped", "ignored", "media", "error",
    "created_at", "finished_at",
)  # fmt: skip


def account_dir(settings: Settings, account_id: int) -> Path:
    return settings.data_dir / "history_imports" / str(int(account_id))


def import_dir(settings: Settings, account_id: int, token: str) -> Path:
    if not token.isalnum():
        raise ValueError("a history import token is alphanumeric")
    return account_dir(settings, account_id) / token


def read_state(settings: Settings, account_id: int) -> dict[str, Any] | None:
    try:
        data = (account_dir(settings, account_id) / STATE_NAME).read_bytes()
        state = orjson.loads(data)
    except (OSError, orjson.JSONDecodeError):
        return None
    return state if isinstance(state, dict) else None


def write_state(settings: Settings, account_id: int, state: dict[str, Any]) -> None:
    """Replace ``state.json`` at once (a reader never sees half a file)."""
    directory = account_dir(settings, account_id)
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".{STATE_NAME}.{secrets.token_hex(4)}"
    state["updated_at"] = time.time()
    temporary.write_bytes(orjson.dumps(state))
    os.replace(temporary, directory / STATE_NAME)


def is_active(state: dict[str, Any] | None) -> bool:
    """An import pending or running, and heard of within ``STALE_AFTER`` (a job lost with
    its worker does not block the account for ever)."""
    if state is None or state.get("state") not in ACTIVE_STATES:
        return False
    updated = state.get("updated_at")
    return isinstance(updated, int | float) and updated > time.time() - STALE_AFTER


def public_state(state: dict[str, Any]) -> dict[str, Any]:
    return {key: state.get(key) for key in PUBLIC_KEYS}


def import_progress(settings: Settings, account: Account) -> dict[str, Any]:
    """The account's latest import (GET); 404 when it never imported."""
    state = read_state(settings, account.id)
    if state is None:
        raise NotFound("No history import")
    return public_state(state)


def _check(source: BinaryIO, settings: Settings) -> ArchiveContents:
    source.seek(0)
    with open_archive(source, settings) as archive:
        return read_archive(archive, settings)


def _store(source: BinaryIO, directory: Path, contents: ArchiveContents) -> int:
    """Write the zip and the chunk files; the number of chunks."""
    directory.mkdir(parents=True)
    source.seek(0)
    with (directory / ARCHIVE_NAME).open("xb") as out:
        shutil.copyfileobj(source, out, 1024 * 1024)
    items = [item.to_json() for item in contents.items]
    chunks = 0
    for start in range(0, len(items), CHUNK_SIZE):
        (directory / chunk_name(chunks)).write_bytes(
            orjson.dumps(items[start : start + CHUNK_SIZE])
        )
        chunks += 1
    return chunks


def chunk_name(index: int) -> str:
    return f"items-{index:06d}.json"


async def start_import(
    session: AsyncSession, settings: Settings, account: Account, upload: UploadFile | None
) -> dict[str, Any]:
    """Check ``upload`` and queue its import; commits. The answer is the new state."""
    if upload is None:
        raise Unprocessable("file: is required")
    check_upload_size(upload, settings.history_import_max_size, "file")
    current = read_state(settings, account.id)
    if is_active(current):
        raise Conflict("A history import is already running")
    contents = await to_thread.run_sync(_check, upload.file, settings)
    token = secrets.token_hex(12)
    directory = import_dir(settings, account.id, token)
    state = {
        "state": "pending",
        "token": token,
        "actor": contents.actor_id,
        "total": len(contents.items),
        "imported": 0,
        "skipped": 0,
        "ignored": contents.ignored,
        "media": 0,
        "error": None,
        "created_at": utcnow().isoformat() + "Z",
        "finished_at": None,
    }
    try:
        chunks = await to_thread.run_sync(_store, upload.file, directory, contents)
        state["chunks"] = chunks
        write_state(settings, account.id, state)
        await enqueue(
            session,
            HISTORY_IMPORT_JOB,
            {"account_id": account.id, "token": token, "chunk": 0},
            unique_key=f"{HISTORY_IMPORT_JOB}:{account.id}:{token}:0",
        )
        await session.commit()
    except BaseException:
        await session.rollback()
        shutil.rmtree(directory, ignore_errors=True)
        if (read_state(settings, account.id) or {}).get("token") == token:
            with contextlib.suppress(OSError):
                (account_dir(settings, account.id) / STATE_NAME).unlink()
        raise
    return public_state(state)


def remove_files(settings: Settings, account_id: int, token: str) -> None:
    shutil.rmtree(import_dir(settings, account_id, token), ignore_errors=True)


def load_chunk(settings: Settings, account_id: int, token: str, index: int) -> list[dict] | None:
    """The items of chunk ``index``; None past the last chunk."""
    path = import_dir(settings, account_id, token) / chunk_name(index)
    try:
        return orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None


def archive_path(settings: Settings, account_id: int, token: str) -> Path:
    return import_dir(settings, account_id, token) / ARCHIVE_NAME
