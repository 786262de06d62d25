"""Job kind "accounts.import" ``{"account_id", "kind", "entries"}``: one chunk of a follow,
block or mute import (services/accounts/imports.py queues one job per chunk).

The chunk's follows, blocks and mutes are written in the job's own transaction, which the
runner commits together with the job's completion: a chunk happens once, and a failed or
interrupted job redoes at most its own chunk (following, blocking or muting again is a
no-op). Remote accounts are resolved before that, each committed in a session of its own.
"""

from __future__ import annotations

from pyleroma.db.ids import parse_id
from pyleroma.jobs.registry import DiscardJob, JobContext, register
from pyleroma.models import Account
from pyleroma.services.accounts.imports import IMPORT_JOB, KINDS, Entry, run_chunk


@register(IMPORT_JOB, max_attempts=5, timeout=900)
async def import_chunk(ctx: JobContext) -> int:
    kind = ctx.args.get("kind")
    if kind not in KINDS:
        raise DiscardJob(f"unknown import kind {kind!r}")
    account_id = parse_id(ctx.args.get("account_id"))
    account = await ctx.session.get(Account, account_id) if account_id else None
    if account is None or not account.local or not account.is_active:
        raise DiscardJob("the importing account is gone")
    raw = ctx.args.get("entries")
    entries = [e for item in raw if (e := Entry.from_args(item))] if isinstance(raw, list) else []
    return await run_chunk(ctx.session, ctx.sessionmaker, ctx.settings, account, kind, entries)
