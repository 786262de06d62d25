"""Job kind "federation.instance_info" ``{"host"}``: read a remote host's nodeinfo into its
``instances`` row (federation/nodeinfo_client.py).

One attempt: a host that cannot tell us what it runs is asked again a day later, when an
actor of it is fetched again, not retried with backoff. ``metadata_updated_at`` is written
either way.
"""

from __future__ import annotations

import logging

from sqlalchemy import update

from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.db.upsert import insert_or_ignore
from pyleroma.federation.errors import FetchError
from pyleroma.federation.nodeinfo_client import INSTANCE_INFO_JOB, fetch_software
from pyleroma.jobs.registry import DiscardJob, JobContext, register
from pyleroma.models import Instance

log = logging.getLogger("pyleroma.federation")


@register(INSTANCE_INFO_JOB, max_attempts=1, timeout=60)
async def read_instance_info(ctx: JobContext) -> None:
    host = ctx.args.get("host")
    if not isinstance(host, str) or not host or len(host) > 255:
        raise DiscardJob("federation.instance_info needs a host")
    values = {"metadata_updated_at": utcnow()}
    try:
        name, version = await fetch_software(ctx.settings, host)
        values.update(software_name=name, software_version=version)
    except FetchError as exc:
        log.info("no nodeinfo from %s: %s", host, exc)
    await insert_or_ignore(ctx.session, Instance, {"id": new_id(), "host": host}, ("host",))
    await ctx.session.execute(update(Instance).where(Instance.host == host).values(**values))
