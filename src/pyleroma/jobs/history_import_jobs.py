"""Job kind "accounts.history_import" ``{"account_id", "token", "chunk", "imported"?,
"skipped"?, "media"?}``: one chunk of an account's history import
(services/accounts/history_import.py).

A run imports chunk ``chunk`` in the runner's transaction and queues the run for the next
chunk in the same transaction, carrying the counts so far; the runner commits both with
the job's completion, so a failed run is retried whole and the chain never skips or
repeats a chunk. The run after the last chunk marks the import done and removes its files
(after the last chunk's commit, so a retry of that chunk still finds them). An import whose
token is no longer the account's current one (superseded), or whose account is gone or
deactivated, is dropped with its files. A run that fails for the last time marks the import
failed.
"""

from __future__ import annotations

import logging
import zipfile

from anyio import to_thread

from pyleroma.db.base import utcnow
from pyleroma.db.ids import parse_id
from pyleroma.jobs.queue import enqueue
from pyleroma.jobs.registry import DiscardJob, JobContext, register
from pyleroma.models import Account
from pyleroma.services.accounts import history_import
from pyleroma.services.accounts.history_import import HISTORY_IMPORT_JOB
from pyleroma.services.accounts.history_statuses import import_items
from pyleroma.services.media.media import delete_files

log = logging.getLogger("pyleroma.jobs")


def _counts(args: dict) -> dict[str, int]:
    return {
        key: value if isinstance(value := args.get(key), int) and value >= 0 else 0
        for key in ("imported", "skipped", "media")
    }


@register(HISTORY_IMPORT_JOB, max_attempts=5, timeout=900)
async def import_history_chunk(ctx: JobContext) -> None:
    settings = ctx.settings
    account_id = parse_id(ctx.args.get("account_id"))
    token = ctx.args.get("token")
    chunk = ctx.args.get("chunk")
    if account_id is None or not isinstance(token, str) or not token.isalnum():
        raise DiscardJob("malformed history import arguments")
    if not isinstance(chunk, int) or chunk < 0:
        raise DiscardJob("malformed history import arguments")
    state = history_import.read_state(settings, account_id)
    if state is None or state.get("token") != token:
        history_import.remove_files(settings, account_id, token)
        raise DiscardJob("the history import was superseded")
    account = await ctx.session.get(Account, account_id)
    if account is None or not account.is_active:
        history_import.remove_files(settings, account_id, token)
        state.update(state="failed", error="The account is gone", finished_at=_now())
        history_import.write_state(settings, account_id, state)
        raise DiscardJob("the importing account is gone")
    counts = _counts(ctx.args)
    try:
        items = history_import.load_chunk(settings, account_id, token, chunk)
        if items is None:  # past the last chunk: done
            history_import.remove_files(settings, account_id, token)
            state.update(state="done", finished_at=_now(), **counts)
            history_import.write_state(settings, account_id, state)
            return
        path = history_import.archive_path(settings, account_id, token)
        archive = await to_thread.run_sync(zipfile.ZipFile, path)
        written: list[str] = []
        try:
            result = await import_items(ctx.session, settings, account, archive, items, written)
        except BaseException:
            delete_files(settings, *written)
            raise
        finally:
            archive.close()
        counts["imported"] += result.imported
        counts["skipped"] += result.skipped
        counts["media"] += result.media
        next_args = {"account_id": account_id, "token": token, "chunk": chunk + 1, **counts}
        await enqueue(
            ctx.session,
            HISTORY_IMPORT_JOB,
            next_args,
            unique_key=f"{HISTORY_IMPORT_JOB}:{account_id}:{token}:{chunk + 1}",
        )
        state.update(state="running", **counts)
        history_import.write_state(settings, account_id, state)
    except Exception as exc:
        if ctx.attempt >= ctx.max_attempts:
            log.warning("history import of %s failed: %s", account_id, exc)
            state.update(state="failed", error="The import failed", finished_at=_now())
            history_import.write_state(settings, account_id, state)
            history_import.remove_files(settings, account_id, token)
        raise


def _now() -> str:
    return utcnow().isoformat() + "Z"
