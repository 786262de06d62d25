"""A trailing slash is answered as the path without it, never with a 307 (issue 8)."""

from __future__ import annotations

from fastapi.routing import APIRoute
from sqlalchemy import select

from pyleroma.models import List, Status
from tests.api.relationship_helpers import next_link


def _api_paths(app) -> list[str]:
    found = []

    def walk(routes):
        for route in routes:
            if isinstance(route, APIRoute):
                found.append(route.path)
            elif hasattr(route, "routes"):
                walk(route.routes)

    walk(app.router.routes)
    return found


async def test_get_with_slash_and_query_answers_like_without(client, factory):
    alice, bob = await factory.user("alice"), await factory.user("bob")
    muted = await client.post(f"/api/v1/accounts/{bob.id}/mute", headers=alice.headers)
    assert muted.status_code == 200, muted.text

    plain = await client.get("/api/v1/mutes", headers=alice.headers)
    slashed = await client.get("/api/v1/mutes/", headers=alice.headers)
    assert slashed.status_code == 200 and "location" not in slashed.headers
    assert slashed.json() == plain.json() and [a["id"] for a in slashed.json()] == [bob.id]

    relationships = await client.get(
        "/api/v1/accounts/relationships/", params={"id": bob.id}, headers=alice.headers
    )
    assert relationships.status_code == 200, relationships.text
    [relationship] = relationships.json()
    assert relationship["id"] == bob.id and relationship["muting"] is True

    account = await client.get(f"/api/v1/accounts/{bob.id}//")
    assert account.status_code == 200 and account.json()["id"] == bob.id


async def test_paged_read_with_slash_keeps_parameters_in_its_links(client, factory):
    alice = await factory.user("alice")
    for n in range(3):
        await factory.status(alice.account, f"post {n}")
    response = await client.get("/api/v1/timelines/public/", params={"limit": 2, "local": "true"})
    assert response.status_code == 200, response.text
    assert len(response.json()) == 2
    link = next_link(response)
    assert "limit=2" in link and "local=true" in link


async def test_post_and_delete_with_slash_change_state(client, factory, db):
    alice = await factory.user("alice")
    posted = await client.post("/api/v1/statuses/", json={"status": "hi"}, headers=alice.headers)
    assert posted.status_code == 200, posted.text
    async with db() as session:
        stored = await session.get(Status, int(posted.json()["id"]))
        assert stored is not None and stored.source == "hi"

    app_form = await client.post(
        "/api/v1/apps/?ignored=1",
        data={"client_name": "fe", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"},
    )
    assert app_form.status_code == 200 and app_form.json()["client_id"]

    created = await client.post("/api/v1/lists/", json={"title": "l"}, headers=alice.headers)
    assert created.status_code == 200, created.text
    list_id = created.json()["id"]
    deleted = await client.delete(f"/api/v1/lists/{list_id}/", headers=alice.headers)
    assert deleted.status_code == 200, deleted.text
    async with db() as session:
        assert (await session.scalar(select(List).where(List.id == int(list_id)))) is None


async def test_pleroma_prefixes_and_errors_keep_their_answers(client, factory):
    for path in ("/api/pleroma/healthcheck/", "/api/v1/pleroma/healthcheck/"):
        response = await client.get(path)
        assert response.status_code == 200, (path, response.text)
    # unknown stays a 404 and a known path with the wrong method a 405, as without the slash
    unknown = await client.get("/api/v1/no_such_thing/")
    assert unknown.status_code == 404 and unknown.json() == {"error": "Not found"}
    assert (await client.get("/api/v1/apps/")).status_code == 405
    assert (await client.get("/api/v1/apps")).status_code == 405
    # authentication is still required on the slashed path
    without = await client.get("/api/v1/mutes")
    slashed = await client.get("/api/v1/mutes/")
    assert slashed.status_code == without.status_code == 401
    assert slashed.json() == without.json()


def test_no_api_route_ends_with_a_slash(app):
    """Routes are declared without a trailing slash, so stripping one never misses a route."""
    assert [p for p in _api_paths(app) if p.endswith("/")] == []
