"""What software a remote host runs, read from its nodeinfo, as Pleroma's instance
metadata: ``instances.software_name`` / ``software_version`` (models/instance.py).

``/.well-known/nodeinfo`` lists the documents a host offers; the newest 2.x schema among
them is read, and only from the same host (a host describes itself, not others). Each host
is asked at most once a day (``metadata_updated_at``), failures included: a host without
nodeinfo is not asked at every actor we fetch from it. Everything goes through fetch.py's
guarded GET (SSRF guard, size cap, deadline, same-host redirects only).

The job (jobs/instance_info_jobs.py) is enqueued when an actor of the host is fetched
(federation/actors.py), at most one pending per host.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.federation.errors import FetchError
from pyleroma.federation.fetch import authority, guarded_get, json_object
from pyleroma.federation.webfinger_client import scheme_for
from pyleroma.jobs.queue import enqueue
from pyleroma.models import Instance
from pyleroma.settings import Settings

INSTANCE_INFO_JOB = "federation.instance_info"
REFRESH_AFTER = dt.timedelta(days=1)
JSON_ACCEPT = "application/json"
# rel of a nodeinfo 2.x document: http://nodeinfo.diaspora.software/ns/schema/2.1
_SCHEMA_RE = re.compile(r"^https?://nodeinfo\.diaspora\.software/ns/schema/2\.(\d+)$")
MAX_LINKS = 50


async def _json_object(settings: Settings, url: str) -> dict[str, Any]:
    return json_object(await guarded_get(settings, url, accept=JSON_ACCEPT), url)


def _newest_link(index: dict[str, Any]) -> str | None:
    """The href of the newest nodeinfo 2.x schema the index lists."""
    links = index.get("links")
    if not isinstance(links, list):
        return None
    best: tuple[int, str] | None = None
    for link in links[:MAX_LINKS]:
        if not isinstance(link, dict):
            continue
        match = _SCHEMA_RE.match(str(link.get("rel", "")))
        href = link.get("href")
        if match and isinstance(href, str) and (best is None or int(match[1]) > best[0]):
            best = (int(match[1]), href)
    return best[1] if best else None


def _text(value: Any, limit: int) -> str | None:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text[:limit] or None


async def fetch_software(settings: Settings, host: str) -> tuple[str | None, str | None]:
    """(name, version) of ``host``'s software from its nodeinfo; ``FetchError`` if unread."""
    index_url = f"{scheme_for(settings, host)}://{host}/.well-known/nodeinfo"
    href = _newest_link(await _json_object(settings, index_url))
    if href is None:
        raise FetchError(f"{index_url} lists no nodeinfo 2.x document", url=index_url)
    if authority(href) != host:
        raise FetchError(f"{host}'s nodeinfo is on another host ({authority(href)})", url=href)
    software = (await _json_object(settings, href)).get("software")
    if not isinstance(software, dict):
        raise FetchError(f"{href} names no software", url=href)
    name = _text(software.get("name"), 64)
    return (name.lower() if name else None), _text(software.get("version"), 255)


async def refresh_if_stale(session: AsyncSession, host: str | None) -> None:
    """Enqueue the read of ``host``'s nodeinfo (in the caller's transaction) unless it was
    read within a day or a read is pending."""
    if not host:
        return
    updated = await session.scalar(
        select(Instance.metadata_updated_at).where(Instance.host == host)
    )
    if updated is not None and utcnow() - updated < REFRESH_AFTER:
        return
    await enqueue(session, INSTANCE_INFO_JOB, {"host": host}, unique_key=f"instance_info:{host}")
