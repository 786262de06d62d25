"""oEmbed for statuses: GET /api/oembed?url=..."""

from __future__ import annotations

import html
from urllib.parse import quote

from tests.web.feed_helpers import HOSTILE, reblog, remote_account, remote_status, set_fields

KEYS = {
    "type",
    "version",
    "title",
    "author_name",
    "author_url",
    "provider_name",
    "provider_url",
    "cache_age",
    "html",
    "width",
    "height",
}


async def _oembed(client, url, **extra):
    query = "&".join([f"url={quote(url, safe='')}", *(f"{k}={v}" for k, v in extra.items())])
    return await client.get(f"/api/oembed?{query}")


async def _entity(client, status) -> dict:
    return (await client.get(f"/api/v1/statuses/{status.id}")).json()


async def test_oembed_for_every_form_of_a_post_url(client, factory, app):
    alice = await factory.user("alice")
    await set_fields(app, alice.account.id, display_name=HOSTILE)
    status = await factory.status(alice.account, "hello & <b>world</b> #Cats")
    entity = await _entity(client, status)
    base = app.state.settings.base_url
    forms = [
        entity["url"],
        entity["uri"],
        f"{base}/notice/{status.id}",
        f"{base}/@alice/{status.id}",
        f"{base}/@ALICE/{status.id}/",
        f"{base}/objects/{status.id}",
        f"{base}/users/alice/statuses/{status.id}",
    ]
    for url in forms:
        response = await _oembed(client, url)
        assert response.status_code == 200, (url, response.text)
        data = response.json()
        assert set(data) == KEYS
        assert data["type"] == "rich" and data["version"] == "1.0"
        assert data["author_name"] == HOSTILE
        assert data["author_url"] == entity["account"]["url"]
        assert data["provider_name"] == app.state.settings.domain
        assert data["provider_url"] == f"{base}/"
        assert data["cache_age"] == 86400
        assert data["width"] == 400 and data["height"] is None
        assert data["title"] == "hello & <b>world</b> #Cats"
        # The author's name is escaped; the content is the API's sanitised HTML.
        assert html.escape(HOSTILE) in data["html"] and HOSTILE not in data["html"]
        assert entity["content"] in data["html"]
        assert f'href="{entity["url"]}"' in data["html"]
        assert data["html"].startswith("<blockquote") and "<script" not in data["html"]
    response = await _oembed(client, entity["url"], maxwidth=250, maxheight=99999)
    assert (response.json()["width"], response.json()["height"]) == (250, 10000)


async def test_oembed_unlisted_and_content_warning(client, factory):
    alice = await factory.user("alice")
    status = await factory.status(
        alice.account, "the secret", visibility="unlisted", spoiler_text="CW <here>"
    )
    entity = await _entity(client, status)
    response = await _oembed(client, entity["url"])
    assert response.status_code == 200
    data = response.json()
    assert data["title"] == "CW <here>"
    assert "CW &lt;here&gt;" in data["html"] and "the secret" not in data["html"]


async def test_oembed_not_found(client, factory, app, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    base = app.state.settings.base_url
    private = await factory.status(alice.account, "followers", visibility="private")
    direct = await factory.status(alice.account, "hi @bob", visibility="direct")
    public = await factory.status(bob.account, "bob's")
    await reblog(app, alice.account.id, public.id)
    remote = await remote_account(db)
    remote_id = await remote_status(db, remote.id)
    gone = await factory.user("gone")
    gone_status = await factory.status(gone.account, "before")
    await set_fields(app, gone.account.id, is_active=False)
    async with db() as session:
        from sqlalchemy import select

        from pyleroma.models import Status

        reblog_id = await session.scalar(select(Status.id).where(Status.reblog_of_id == public.id))
    urls = [
        f"{base}/notice/{private.id}",
        f"{base}/notice/{direct.id}",
        f"{base}/notice/{reblog_id}",
        f"{base}/notice/{remote_id}",
        f"https://remote.example/objects/{remote_id}",
        f"https://remote.example/notice/{remote_id}",
        f"{base}/notice/{gone_status.id}",
        f"{base}/notice/{2**62}",
        f"{base}/notice/99999999999999999999999",
        f"{base}/@alice/{public.id}",  # bob's post under alice's name
        f"https://elsewhere.example/notice/{public.id}",
        f"{base.replace('http://', 'https://')}/notice/{public.id}",
        f"{base}/users/alice",
        f"{base}/notice/abc",
        "not a url",
        "http://[::1",
        "javascript:alert(1)",
    ]
    for url in urls:
        response = await _oembed(client, url)
        assert response.status_code == 404, (url, response.text)
        assert response.json() == {"error": "Not found"}
    assert (await _oembed(client, f"{base}/notice/{public.id}")).status_code == 200


async def test_oembed_bad_requests(client, factory):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "hello")
    response = await client.get("/api/oembed")
    assert response.status_code == 400
    assert response.json() == {"error": "url: required"}
    assert (await client.get("/api/oembed?url=")).status_code == 400
    response = await _oembed(client, f"http://pyleroma.test/notice/{status.id}", maxwidth="wide")
    assert response.status_code == 422
