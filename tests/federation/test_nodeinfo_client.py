"""Remote hosts' software from their nodeinfo (federation/nodeinfo_client.py and the
"federation.instance_info" job), read from real HTTP servers on loopback."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from pyleroma.db.base import utcnow
from pyleroma.federation.errors import FetchError
from pyleroma.federation.nodeinfo_client import INSTANCE_INFO_JOB, fetch_software
from pyleroma.jobs.runner import JobRunner
from pyleroma.models import Instance, Job
from tests.federation.remote_server import RemoteServer, fixture
from tests.federation.test_fetch_resolve import fetch_actor, resolve

SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/"


@pytest.fixture
def settings_overrides() -> dict:
    return {"allow_private_fetch": True, "federation_timeout_seconds": 3.0}


@pytest.fixture
async def akkoma(remote_server):
    return await remote_server("127.0.0.2")


@pytest.fixture
async def other(remote_server):
    return await remote_server("127.0.0.3")


def _serve_nodeinfo(server: RemoteServer, name="akkoma", version="3.13.2") -> None:
    """What Akkoma serves: an index listing 2.0 and 2.1, and the documents."""
    server.json(
        "/.well-known/nodeinfo",
        {
            "links": [
                {"rel": f"{SCHEMA}2.0", "href": f"{server.base}/nodeinfo/2.0.json"},
                {"rel": f"{SCHEMA}2.1", "href": f"{server.base}/nodeinfo/2.1.json"},
            ]
        },
        content_type="application/json",
    )
    for schema in ("2.0", "2.1"):
        software = {"name": name, "version": version if schema == "2.1" else "old"}
        server.json(
            f"/nodeinfo/{schema}.json",
            {"version": schema, "software": software, "protocols": ["activitypub"]},
            content_type=f'application/json; profile="{SCHEMA}{schema}#"',
        )


async def test_the_newest_2x_document_gives_name_and_version(app, akkoma):
    _serve_nodeinfo(akkoma, name="Akkoma")
    settings = app.state.settings
    assert await fetch_software(settings, akkoma.authority) == ("akkoma", "3.13.2")
    assert akkoma.paths_seen() == ["/.well-known/nodeinfo", "/nodeinfo/2.1.json"]


async def test_unusable_nodeinfo_is_a_fetch_error(app, akkoma, other):
    settings = app.state.settings
    with pytest.raises(FetchError):  # nothing there
        await fetch_software(settings, akkoma.authority)
    akkoma.json("/.well-known/nodeinfo", {"links": [{"rel": "x", "href": "y"}]})
    with pytest.raises(FetchError, match="no nodeinfo 2.x"):
        await fetch_software(settings, akkoma.authority)
    akkoma.json(
        "/.well-known/nodeinfo",
        {"links": [{"rel": f"{SCHEMA}2.1", "href": f"{other.base}/nodeinfo/2.1"}]},
    )
    with pytest.raises(FetchError, match="on another host"):
        await fetch_software(settings, akkoma.authority)
    assert other.seen == []
    akkoma.json(
        "/.well-known/nodeinfo",
        {"links": [{"rel": f"{SCHEMA}2.1", "href": f"{akkoma.base}/ni"}]},
    )
    akkoma.raw("/ni", b"[1, 2]", "application/json")
    with pytest.raises(FetchError, match="not answer a JSON object"):
        await fetch_software(settings, akkoma.authority)
    akkoma.json("/ni", {"software": "pleroma"}, content_type="application/json")
    with pytest.raises(FetchError, match="names no software"):
        await fetch_software(settings, akkoma.authority)


async def _instance(db, host) -> Instance | None:
    async with db() as session:
        return await session.scalar(select(Instance).where(Instance.host == host))


async def _info_jobs(db) -> list[Job]:
    async with db() as session:
        return list(await session.scalars(select(Job).where(Job.kind == INSTANCE_INFO_JOB)))


async def test_fetching_an_actor_has_its_hosts_software_read_once_a_day(app, db, akkoma):
    _serve_nodeinfo(akkoma)
    settings = app.state.settings
    bob = akkoma.actor(
        fixture("mastodon/actor_person.json", {"https://mastodon.example": akkoma.base})
    )
    await resolve(db, settings, bob["id"])
    [job] = await _info_jobs(db)
    assert job.args == {"host": akkoma.authority}
    await JobRunner(app.state.sessionmaker, settings).drain()
    instance = await _instance(db, akkoma.authority)
    assert (instance.software_name, instance.software_version) == ("akkoma", "3.13.2")
    assert utcnow() - instance.metadata_updated_at < dt.timedelta(minutes=1)

    # Fetched again within the day: nodeinfo is not asked again.
    await fetch_actor(db, settings, bob["id"], refresh=True)
    assert len(await _info_jobs(db)) == 1
    # A day later it is.
    async with db() as session:
        stale = utcnow() - dt.timedelta(days=1, minutes=1)
        await session.execute(update(Instance).values(metadata_updated_at=stale))
        await session.commit()
    await fetch_actor(db, settings, bob["id"], refresh=True)
    assert len(await _info_jobs(db)) == 2


async def test_a_host_without_nodeinfo_is_not_asked_again_at_once(app, db, akkoma):
    settings = app.state.settings
    bob = akkoma.actor(
        fixture("mastodon/actor_person.json", {"https://mastodon.example": akkoma.base})
    )
    await resolve(db, settings, bob["id"])
    await JobRunner(app.state.sessionmaker, settings).drain()
    [job] = await _info_jobs(db)
    assert job.state == "completed"  # one attempt, no retries with backoff
    instance = await _instance(db, akkoma.authority)
    assert instance.software_name is None and instance.metadata_updated_at is not None
    await fetch_actor(db, settings, bob["id"], refresh=True)
    assert len(await _info_jobs(db)) == 1
