"""Admin API instance documents (terms-of-service, instance-panel): read, replace (an HTML
upload, sanitised), restore the default; checked through the URLs that serve them, the
file in data_dir/static and the Mastodon extended description."""

from __future__ import annotations

import pytest

from tests.api.admin.helpers import PREFIXES, admin
from tests.conftest import BASE_URL

DOCUMENTS = {
    "terms-of-service": ("/static/terms-of-service.html", "static/terms-of-service.html"),
    "instance-panel": ("/instance/panel.html", "static/instance/panel.html"),
}


def _upload(content: bytes, name: str = "doc.html") -> dict:
    return {"file": (name, content, "text/html")}


async def _served(client, path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]
    return response.text


@pytest.mark.parametrize("name", DOCUMENTS)
async def test_defaults_before_anything_is_stored(client, factory, name):
    boss = await admin(factory)
    url_path, _ = DOCUMENTS[name]
    response = await client.get(
        f"/api/pleroma/admin/instance_document/{name}", headers=boss.headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "pyleroma" in response.text  # the instance name, in the default text
    assert await _served(client, url_path) == response.text


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("name", DOCUMENTS)
async def test_upload_is_served_then_delete_restores_the_default(
    client, factory, app, prefix, name
):
    boss = await admin(factory)
    url_path, stored = DOCUMENTS[name]
    default = await _served(client, url_path)
    url = f"{prefix}/instance_document/{name}"
    response = await client.patch(
        url, files=_upload(b"<h2>Custom instance panel</h2>"), headers=boss.headers
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"url": BASE_URL + url_path}
    assert await _served(client, url_path) == "<h2>Custom instance panel</h2>"
    shown = await client.get(url, headers=boss.headers)
    assert shown.text == "<h2>Custom instance panel</h2>"
    path = app.state.settings.data_dir / stored
    assert path.read_text() == "<h2>Custom instance panel</h2>"

    deleted = await client.delete(url, headers=boss.headers)
    assert (deleted.status_code, deleted.json()) == (200, {})
    assert not path.exists()
    assert await _served(client, url_path) == default
    again = await client.delete(url, headers=boss.headers)
    assert (again.status_code, again.json()) == (404, {"error": "Not found"})


async def test_uploads_are_sanitised_and_become_the_extended_description(client, factory):
    boss = await admin(factory)
    page = (
        b"<h1>Rules</h1><script>alert(1)</script><p onclick='x()'>Be kind "
        b'<a href="javascript:alert(1)">here</a> <a href="https://ok.example/">ok</a></p>'
        b'<table><tr><td>cell</td></tr></table><img src="https://img.example/a.png">'
    )
    response = await client.patch(
        "/api/v1/pleroma/admin/instance_document/terms-of-service",
        files=_upload(page),
        headers=boss.headers,
    )
    assert response.status_code == 200, response.text
    served = await _served(client, "/static/terms-of-service.html")
    assert "<h1>Rules</h1>" in served and "<td>cell</td>" in served
    assert 'src="https://img.example/a.png"' in served
    assert 'href="https://ok.example/"' in served
    assert "script" not in served and "onclick" not in served and "javascript" not in served
    extended = (await client.get("/api/v1/instance/extended_description")).json()
    assert "Be kind" in extended["content"] and "script" not in extended["content"]


async def test_bad_uploads_and_names_change_nothing(client, factory, app):
    boss = await admin(factory)
    url = "/api/pleroma/admin/instance_document/instance-panel"
    for kwargs, status in [
        ({"files": _upload(b"x" * 1_000_001)}, 413),
        ({"files": _upload("<p>caf\u00e9</p>".encode("latin-1"))}, 422),
        ({"files": _upload(b"<p>\x00</p>")}, 422),
        ({"json": {"file": "<p>not an upload</p>"}}, 422),
        ({"json": {}}, 422),
    ]:
        response = await client.patch(url, headers=boss.headers, **kwargs)
        assert response.status_code == status, response.text
        assert "error" in response.json()
    assert not (app.state.settings.data_dir / "static" / "instance" / "panel.html").exists()
    for method, kwargs in (("GET", {}), ("PATCH", {"files": _upload(b"x")}), ("DELETE", {})):
        response = await client.request(
            method, "/api/pleroma/admin/instance_document/about", headers=boss.headers, **kwargs
        )
        assert (response.status_code, response.json()) == (404, {"error": "Not found"})
    assert not (app.state.settings.data_dir / "static").exists()
