"""Importing follows, blocks and mutes from a list (Pleroma's ``follow_import``,
``blocks_import`` and ``mutes_import``).

A list is what people bring from another server: handles separated by white space
(``nick``, ``nick@host``, ``@nick@host`` or actor URLs), or Mastodon's CSV exports. The
follows export starts with the header ``Account address,Show boosts,Notify on new posts,
Languages``; the mutes export may start with ``Account address,Hide notifications``; the
blocks export is one address per line. With a header the columns are read by name, so the
"Show boosts", "Notify on new posts" and "Hide notifications" choices come along (follows
here have no language filter, so "Languages" is read and ignored). A line holding commas
but no header row counts its first field only, as Pleroma reads it.

The request only parses, checks the size (``import_max_accounts``) and queues the work:
one job per ``CHUNK`` accounts (jobs/import_jobs.py), so a list of ten thousand answers at
once and a failed job redoes at most one chunk. Each chunk first resolves its accounts
(local ones in one query; remote ones through WebFinger and the actor, each in a session
of its own that commits at once, so no write lock is held across the network), then
follows, blocks or mutes through the relations services in the job's transaction, which
the runner commits together with the job's completion. Those services federate and keep
their rules (no following across a block, not yourself): an account that cannot be
resolved or acted on is skipped, as in Pleroma.
"""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pyleroma.errors import BadRequest, DomainError, Unprocessable
from pyleroma.federation import actors
from pyleroma.federation.errors import FederationError, FetchError
from pyleroma.federation.fetch import is_local_url
from pyleroma.federation.webfinger_client import parse_handle
from pyleroma.models import Account
from pyleroma.services.relations import blocks, follows
from pyleroma.settings import Settings

log = logging.getLogger("pyleroma.imports")

KINDS = ("follow", "block", "mute")
IMPORT_JOB = "accounts.import"
# Accounts per job: one transaction each, and what a retry redoes at most.
CHUNK = 100
MAX_IDENT_LENGTH = 2048
HEADER = "account address"
_NICK_RE = re.compile(r"^[\w.~+-]{1,255}$")
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}
# CSV column names (lower-cased) and the option each one sets.
_COLUMNS = {
    "show boosts": "reblogs",
    "notify on new posts": "notify",
    "hide notifications": "hide",
}


@dataclass(frozen=True)
class Entry:
    """One account of a list and the options its CSV row gave (None: not given)."""

    acct: str
    reblogs: bool | None = None
    notify: bool | None = None
    hide: bool | None = None

    def to_args(self) -> dict:
        values = {"acct": self.acct, "reblogs": self.reblogs, "notify": self.notify}
        values["hide"] = self.hide
        return {key: value for key, value in values.items() if value is not None}

    @classmethod
    def from_args(cls, data) -> Entry | None:
        if not isinstance(data, dict) or not isinstance(data.get("acct"), str):
            return None
        options = {k: data.get(k) for k in ("reblogs", "notify", "hide")}
        return cls(data["acct"], **{k: v for k, v in options.items() if isinstance(v, bool)})


def _flag(value: str | None) -> bool | None:
    if value is None:
        return None
    value = value.strip().lower()
    return True if value in _TRUE else False if value in _FALSE else None


def _ident(raw: str) -> str | None:
    """The account a list item names, cleaned; None when it cannot name one."""
    text = raw.strip().lstrip("@") if not raw.strip().startswith("http") else raw.strip()
    if not text or len(text) > MAX_IDENT_LENGTH:
        return None
    if text.startswith(("http://", "https://")):
        return text if " " not in text else None
    if parse_handle(text) is not None or _NICK_RE.match(text):
        return text
    return None


def _csv_entries(lines: list[str]) -> list[Entry]:
    rows = csv.reader(lines)
    header = [name.strip().lower() for name in next(rows, [])]
    options = {index: _COLUMNS[name] for index, name in enumerate(header) if name in _COLUMNS}
    entries = []
    for row in rows:
        if not row or (ident := _ident(row[0])) is None:
            continue
        values = {
            option: _flag(row[index]) for index, option in options.items() if index < len(row)
        }
        entries.append(Entry(ident, **values))
    return entries


def parse_list(text: str) -> list[Entry]:
    """The accounts ``text`` names, in order, each once (see the module docstring)."""
    lines = text.lstrip("\ufeff").splitlines()
    first = next((line for line in lines if line.strip()), "")
    if first.strip().lower().startswith(HEADER):
        entries = _csv_entries([line for line in lines if line.strip()])
    else:
        entries = []
        for line in lines:
            if "," in line:
                row = next(csv.reader([line]), [])
                items = row[:1]
            else:
                items = line.split()
            entries.extend(Entry(ident) for item in items if (ident := _ident(item)))
    seen: set[str] = set()
    unique = []
    for entry in entries:
        key = entry.acct.lower()
        if key not in seen:
            seen.add(key)
            unique.append(entry)
    return unique


def check_list(settings: Settings, text) -> list[Entry]:
    """The entries of an import request's ``list`` (400 when missing, 422 when it names
    no account or more than ``import_max_accounts``)."""
    if text is None:
        raise BadRequest("Missing field: list.")
    if not isinstance(text, str):
        raise Unprocessable("list: must be a string or a file")
    entries = parse_list(text)
    if not entries:
        raise Unprocessable("list: names no account")
    limit = settings.import_max_accounts
    if len(entries) > limit:
        raise Unprocessable(
            f"list: names {len(entries)} accounts; at most {limit} can be imported at once"
        )
    return entries


async def start_import(
    session: AsyncSession, account: Account, kind: str, entries: list[Entry]
) -> int:
    """Queue the jobs importing ``entries`` for ``account`` and commit; returns how many
    jobs (one per ``CHUNK`` entries)."""
    from pyleroma.jobs.queue import enqueue  # jobs import services, not the reverse

    assert kind in KINDS
    jobs = 0
    for start in range(0, len(entries), CHUNK):
        chunk = [entry.to_args() for entry in entries[start : start + CHUNK]]
        await enqueue(
            session, IMPORT_JOB, {"account_id": account.id, "kind": kind, "entries": chunk}
        )
        jobs += 1
    await session.commit()
    return jobs


# --- running a chunk ---------------------------------------------------------------------------


def _local_key(settings: Settings, acct: str) -> str | None:
    """The nickname key of a local account ``acct`` names without a URL, else None."""
    if acct.startswith(("http://", "https://")):
        return None
    parsed = parse_handle(acct)
    if parsed is None:
        return acct.lower()
    nick, host = parsed
    return nick.lower() if host == settings.domain.lower() else None


# How fetch.py words a host that did not answer at all (no connection, no answer in time).
_UNREACHABLE = ("did not answer in time", "no complete answer", "could not fetch")


def _unreachable(exc: FetchError) -> bool:
    return exc.status is None and any(marker in exc.reason for marker in _UNREACHABLE)


async def _resolve_remote(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, acct: str
) -> int | None:
    """The id of the account ``acct`` names, fetched and stored (and committed) in a session
    of its own; None when it cannot be had. ``FetchError`` is raised on only when the host
    did not answer at all, so that the caller skips its other accounts in this chunk."""
    async with sessionmaker() as own:
        try:
            found = await actors.resolve_account(own, settings, acct)
        except FetchError as exc:
            if _unreachable(exc):
                raise
            log.info("import: could not resolve %r: %s", acct[:200], exc.reason)
            return None
        except FederationError as exc:
            log.info("import: could not resolve %r: %s", acct[:200], exc.reason)
            return None
        await own.commit()
        return found.id if found is not None else None


def _host(acct: str) -> str:
    if acct.startswith(("http://", "https://")):
        return acct.split("/", 3)[2].lower()
    parsed = parse_handle(acct)
    return parsed[1] if parsed else ""


async def resolve_entries(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    entries: list[Entry],
) -> list[tuple[Entry, Account]]:
    """The entries whose account was found (local ones by nickname in one query, ours by URL
    from the database, the others resolved remotely), with that account, in order."""
    local_keys = {e.acct: key for e in entries if (key := _local_key(settings, e.acct))}
    local: dict[str, Account] = {}
    if local_keys:
        rows = await session.scalars(
            select(Account).where(
                Account.nickname_key.in_(set(local_keys.values())), Account.local.is_(True)
            )
        )
        local = {account.nickname_key: account for account in rows}
    down: set[str] = set()
    found = []
    for entry in entries:
        account: Account | None
        if entry.acct in local_keys:
            account = local.get(local_keys[entry.acct])
        elif is_local_url(settings, entry.acct):
            account = await actors.resolve_account_or_none(session, settings, entry.acct)
        elif (host := _host(entry.acct)) in down:
            account = None
        else:
            try:
                account_id = await _resolve_remote(sessionmaker, settings, entry.acct)
            except FetchError as exc:
                log.info("import: %s does not answer, skipping its accounts: %s", host, exc)
                down.add(host)
                account_id = None
            account = await session.get(Account, account_id) if account_id else None
        if account is not None and account.is_active:
            found.append((entry, account))
    return found


async def _apply(
    session: AsyncSession, settings: Settings, account: Account, kind: str, entry, target
) -> None:
    if kind == "follow":
        await follows.follow(
            session,
            settings,
            account,
            target,
            reblogs=entry.reblogs,
            notify=entry.notify,
            commit=False,
        )
    elif kind == "block":
        await blocks.block(session, settings, account, target, commit=False)
    else:
        notifications = True if entry.hide is None else entry.hide
        await blocks.mute(session, account, target, notifications=notifications, commit=False)


async def run_chunk(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    account: Account,
    kind: str,
    entries: list[Entry],
) -> int:
    """Follow, block or mute the accounts of ``entries`` as ``account`` (no commit: the job
    runner commits); returns how many were acted on. Accounts that cannot be found or acted
    on (yourself, across a block) are skipped."""
    pairs = await resolve_entries(session, sessionmaker, settings, entries)
    done = 0
    for entry, target in pairs:
        try:
            await _apply(session, settings, account, kind, entry, target)
        except DomainError as exc:
            log.info("import: %s of %s skipped: %s", kind, target.id, exc.message)
            continue
        done += 1
    return done
