"""Front end serving (web/frontend_serving.py): a small bundle made here is installed through
the real installer (services/instance/frontends.py), then its routes are fetched: index.html
at / and for client routes, hashed assets with a year's cache, the instance static directory
over the front end, the admin front end at /pleroma/admin/; and what it must never do (shadow
API, ActivityPub, OAuth, media or well-known routes, or read outside its directory). The
``frontends_*`` settings from TOML, the environment and ConfigDB."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from pyleroma.services.instance import frontends
from pyleroma.settings import SettingsError, load_settings
from pyleroma.web import frontend_serving as serving
from tests.api.admin.helpers import admin

# A person's browser (crawlers and text browsers get the server's own pages at /, profiles and
# posts: tests/web/test_public_pages.py).
HTML = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
}
JSON = {"Accept": "application/json"}
IMMUTABLE = "public, max-age=31536000, immutable"
INDEX = b"<!doctype html><title>test-fe</title><div id=app></div>"
ADMIN_INDEX = b"<!doctype html><title>admin-fe</title>"
APP_JS = b"console.log('test-fe')"
BUNDLE = {
    "dist/index.html": INDEX,
    "dist/static/js/app.3f9a1b2c.js": APP_JS,
    "dist/static/js/app.3f9a1b2c.js.map": b"{}",
    "dist/static/config.json": b'{"theme": "pleroma-dark"}',
    "dist/static/font/fontello.woff2": b"wOF2",
    "dist/assets/index-B3kX_9aZ.css": b"body{}",
    "dist/favicon.png": b"\x89PNG front end",
    "README.md": b"not part of the build",
}


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


async def install(app, tmp_path: Path, name: str, ref: str, entries: dict[str, bytes]) -> Path:
    archive = tmp_path / f"{name}-{ref}.zip"
    archive.write_bytes(zip_of(entries))
    request = frontends.check_install(name, ref=ref, file=str(archive))
    return await frontends.install(app.state.settings, request)


@pytest.fixture
async def primary(app, tmp_path):
    """The bundle installed as test-fe (v1) and chosen as the primary front end."""
    await install(app, tmp_path, "test-fe", "v1", BUNDLE)
    app.state.settings.frontends_primary = {"name": "test-fe", "ref": "v1"}
    return app.state.settings.data_dir


async def test_root_and_client_routes_serve_index_html(client, primary):
    for path in ("/", "/main/public", "/main/friends/", "/@alice", "/settings/profile"):
        response = await client.get(path, headers=HTML)
        assert response.status_code == 200, path
        assert response.content == INDEX, path
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert response.headers["cache-control"] == "no-cache"
    head = await client.head("/main/public", headers=HTML)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(INDEX))
    # a client route asked for as JSON (or a missing script) is not the page
    assert (await client.get("/main/public", headers=JSON)).status_code == 404
    missing = await client.get("/static/js/missing.3f9a1b2c.js", headers={"Accept": "*/*"})
    assert missing.status_code == 404 and missing.json() == {"error": "Not found"}
    # other methods are not the front end's
    assert (await client.post("/main/public", headers=HTML)).status_code in (404, 405)


async def test_assets_have_their_types_and_hashed_ones_a_long_cache(client, primary):
    script = await client.get("/static/js/app.3f9a1b2c.js")
    assert script.status_code == 200 and script.content == APP_JS
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert script.headers["cache-control"] == IMMUTABLE
    assert script.headers["x-content-type-options"] == "nosniff"
    vite = await client.get("/assets/index-B3kX_9aZ.css")
    assert vite.headers["content-type"] == "text/css; charset=utf-8"
    assert vite.headers["cache-control"] == IMMUTABLE
    font = await client.get("/static/font/fontello.woff2")
    assert font.headers["content-type"] == "font/woff2"
    assert font.headers["cache-control"] == "no-cache"
    config = await client.get("/static/config.json")
    assert config.json() == {"theme": "pleroma-dark"}
    assert config.headers["cache-control"] == "no-cache"
    assert config.headers["content-type"] == "application/json"
    # revalidation with the ETag
    again = await client.get(
        "/static/config.json", headers={"If-None-Match": config.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""


async def test_server_routes_are_never_shadowed(client, primary, app, factory):
    missing = await client.get("/api/v1/nope", headers=HTML)
    assert missing.status_code == 404 and missing.json() == {"error": "Not found"}
    for path in ("/api/nope/deeper", "/oauth/nope", "/.well-known/nope", "/nodeinfo/9.9"):
        response = await client.get(path, headers=HTML)
        assert response.status_code == 404, path
        assert response.json() == {"error": "Not found"}, path
    instance = await client.get("/api/v1/instance", headers=HTML)
    assert instance.status_code == 200 and instance.json()["uri"]
    nodeinfo = await client.get("/.well-known/nodeinfo", headers=HTML)
    assert nodeinfo.status_code == 200 and nodeinfo.json()["links"]
    authorize = await client.get("/oauth/authorize", headers=HTML)
    assert authorize.status_code == 400 and authorize.content != INDEX  # its own error page
    # an API path with a trailing slash still reaches its route
    user = await factory.user()
    mutes = await client.get("/api/v1/mutes/", headers={**user.headers, **HTML})
    assert mutes.status_code == 200 and mutes.json() == []
    uploads = app.state.settings.uploads_dir
    (uploads / "ab").mkdir(parents=True, exist_ok=True)
    (uploads / "ab" / "photo.png").write_bytes(b"\x89PNG upload")
    media = await client.get("/media/ab/photo.png", headers=HTML)
    assert media.status_code == 200 and media.content == b"\x89PNG upload"
    assert "sandbox" in media.headers["content-security-policy"]
    gone = await client.get("/media/ab/missing.png", headers=HTML)
    assert gone.status_code == 404 and gone.content != INDEX


async def test_no_path_reaches_outside_the_served_directories(client, primary, app):
    data_dir = app.state.settings.data_dir
    secret = app.state.secret_key
    (data_dir / "static").mkdir(parents=True, exist_ok=True)
    outside = data_dir.parent / "outside.txt"
    outside.write_text("outside secret")
    build = frontends.installed_path(app.state.settings, "test-fe", "v1")
    (build / "static" / "escape.txt").symlink_to(outside)
    (data_dir / "static" / "escape.txt").symlink_to(outside)
    for path in (
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/secret_key",
        "/static/%2e%2e/%2e%2e/secret_key",
        "/static/..%2f..%2f..%2fsecret_key",
        "/..%5c..%5c..%5csecret_key",
        "/static/.%2e/.%2e/secret_key",
        "/static/escape.txt",
        "/pleroma/admin/%2e%2e/%2e%2e/%2e%2e/secret_key",
        "/.install-x/index.html",
    ):
        for headers in (HTML, {"Accept": "*/*"}):
            response = await client.get(path, headers=headers)
            assert secret.encode() not in response.content, path
            assert b"root:" not in response.content and b"outside secret" not in response.content
            assert response.status_code in (404, 200), path
            if response.status_code == 200:  # only ever the front end's page
                assert response.content == INDEX, path


def test_raw_dot_segments_are_refused_before_the_disk_is_read(tmp_path):
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "index.html").write_text("in")
    (tmp_path / "secret").write_text("out")
    for raw in ("/../secret", "/a/../../secret", "/./index.html", "/..\\secret", "/x\x00"):
        assert serving.path_parts(raw) is None, raw
    assert serving.find_file(tmp_path / "root", ["..", "secret"]) is None
    assert (
        serving.find_file(tmp_path / "root", ["index.html"])
        == (tmp_path / "root" / "index.html").resolve()
    )
    assert serving.is_hashed(["static", "js", "app.3f9a1b2c.js"])
    assert serving.is_hashed(["assets", "index-B3kX_9aZ.js"])
    assert not serving.is_hashed(["assets", "some-longname.png"])
    assert not serving.is_hashed(["static", "config.json"])


async def test_the_instance_static_directory_wins(client, primary):
    static = primary / "static"
    (static / "static").mkdir(parents=True)
    (static / "static" / "config.json").write_text('{"theme": "instance"}')
    (static / "static" / "stickers.json").write_text('{"pack": "/static/stickers/pack/"}')
    (static / "favicon.png").write_bytes(b"\x89PNG instance")
    assert (await client.get("/static/config.json")).json() == {"theme": "instance"}
    assert (await client.get("/static/stickers.json")).json() == {"pack": "/static/stickers/pack/"}
    favicon = await client.get("/favicon.png")
    assert favicon.content == b"\x89PNG instance"
    assert favicon.headers["content-type"] == "image/png"
    # the documents keep their routes (defaults, sandbox CSP)
    terms = await client.get("/static/terms-of-service.html")
    assert terms.status_code == 200 and "sandbox" in terms.headers["content-security-policy"]
    panel = await client.get("/instance/panel.html")
    assert panel.status_code == 200
    (static / "instance").mkdir()
    (static / "instance" / "panel.html").write_text("<p>Our panel</p>")
    assert "Our panel" in (await client.get("/instance/panel.html")).text
    # and an index.html of the instance's takes the front end's place
    (static / "index.html").write_text("<!doctype html><title>custom</title>")
    assert b"custom" in (await client.get("/main/all", headers=HTML)).content


async def test_the_admin_front_end_is_served_under_pleroma_admin(client, app, tmp_path, primary):
    admin_bundle = {
        "index.html": ADMIN_INDEX,
        "static/js/app.0a1b2c3d4e.js": b"admin()",
    }
    await install(app, tmp_path, "admin-fe", "stable", admin_bundle)  # the default choice
    page = await client.get("/pleroma/admin/", headers=HTML)
    assert page.status_code == 200 and page.content == ADMIN_INDEX
    redirect = await client.get("/pleroma/admin", headers=HTML)
    assert redirect.status_code == 301 and redirect.headers["location"] == "/pleroma/admin/"
    script = await client.get("/pleroma/admin/static/js/app.0a1b2c3d4e.js")
    assert script.content == b"admin()" and script.headers["cache-control"] == IMMUTABLE
    deep = await client.get("/pleroma/admin/users", headers=HTML)
    assert deep.content == ADMIN_INDEX
    # the primary front end's files are not the admin one's
    assert (await client.get("/pleroma/admin/static/config.json")).status_code == 404
    app.state.settings.frontends_admin = {}
    assert (await client.get("/pleroma/admin/", headers=HTML)).status_code == 404


async def test_without_a_front_end_root_answers_the_landing_page(client, app):
    app.state.settings.instance_name = "Moss <Garden>"
    page = await client.get("/", headers=HTML)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<title>Moss &lt;Garden&gt;</title>" in page.text
    assert "Recent posts" in page.text  # the server's own landing page
    assert (await client.get("/main/public", headers=HTML)).status_code == 404
    assert (await client.get("/pleroma/admin/", headers=HTML)).status_code == 404
    # a choice that is not installed is the same as none
    app.state.settings.frontends_primary = {"name": "nothing-here", "ref": "v1"}
    assert "Recent posts" in (await client.get("/", headers=HTML)).text


async def test_default_choice_and_reinstall_switch_what_is_served(client, app, tmp_path):
    await install(app, tmp_path, "pleroma-fe", "stable", BUNDLE)  # the default primary
    assert (await client.get("/", headers=HTML)).content == INDEX
    newer = {**BUNDLE, "dist/index.html": b"<!doctype html><title>v2</title>"}
    await install(app, tmp_path, "pleroma-fe", "stable", newer)
    assert b"v2" in (await client.get("/", headers=HTML)).content


@pytest.mark.parametrize("settings_overrides", [{"configurable_from_database": True}])
async def test_configdb_changes_the_choice_at_once(client, app, tmp_path, factory):
    await install(app, tmp_path, "test-fe", "v2", BUNDLE)
    boss = await admin(factory)
    value = [{"tuple": [":primary", {"name": "test-fe", "ref": "v2"}]}]
    config = {"group": ":pleroma", "key": ":frontends", "value": value}
    url = "/api/pleroma/admin/config"
    saved = await client.post(url, json={"configs": [config]}, headers=boss.headers)
    assert saved.status_code == 200, saved.text
    assert app.state.settings.frontends_primary == {"name": "test-fe", "ref": "v2"}
    assert (await client.get("/main/public", headers=HTML)).content == INDEX
    shown = await client.get(url, headers=boss.headers)
    entry = next(c for c in shown.json()["configs"] if c["key"] == ":frontends")
    assert {"tuple": [":primary", {"name": "test-fe", "ref": "v2"}]} in entry["value"]
    for bad in ({"name": "../up", "ref": "v2"}, {"name": "x"}, "pleroma-fe"):
        config["value"] = [{"tuple": [":admin", bad]}]
        refused = await client.post(url, json={"configs": [config]}, headers=boss.headers)
        assert refused.status_code == 400, refused.text
        assert "frontends_admin" in refused.json()["error"]
    assert app.state.settings.frontends_admin == {"name": "admin-fe", "ref": "stable"}


def test_settings_from_toml_and_the_environment(tmp_path):
    path = tmp_path / "pyleroma.toml"
    path.write_text(
        '[frontends]\nprimary = {name = "pl-fe", ref = "develop"}\n'
        '[frontends.admin]\nname = "admin-fe"\nref = "v2.3"\n'
    )
    settings = load_settings(path, env={})
    assert settings.frontends_primary == {"name": "pl-fe", "ref": "develop"}
    assert settings.frontends_admin == {"name": "admin-fe", "ref": "v2.3"}
    flat = tmp_path / "flat.toml"
    flat.write_text('frontends_primary = {name = "akkoma-fe", ref = "stable"}\n')
    assert load_settings(flat, env={}).frontends_primary["name"] == "akkoma-fe"
    env = {"PYLEROMA_FRONTENDS_PRIMARY": '{"name": "pleroma-fe", "ref": "stable"}'}
    assert load_settings(path, env=env).frontends_primary == {"name": "pleroma-fe", "ref": "stable"}
    assert load_settings(None, env={"PYLEROMA_FRONTENDS_ADMIN": "{}"}).frontends_admin == {}
    defaults = load_settings(None, env={})
    assert defaults.frontends_primary == {"name": "pleroma-fe", "ref": "stable"}
    assert defaults.frontends_admin == {"name": "admin-fe", "ref": "stable"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("pleroma-fe", "expected a JSON object"),
        ('["pleroma-fe", "stable"]', "expected a JSON object"),
        ('{"name": "pleroma-fe"}', "must have the keys name and ref"),
        ('{"name": "pleroma-fe", "ref": "stable", "x": 1}', "must have the keys name and ref"),
        ('{"name": "../etc", "ref": "stable"}', "name must be"),
        ('{"name": "pleroma-fe", "ref": "a/b"}', "ref must be"),
        ('{"name": "pleroma-fe", "ref": 3}', "ref must be"),
    ],
)
def test_bad_values_stop_the_start_naming_the_setting(raw, message, tmp_path):
    with pytest.raises(SettingsError, match="FRONTENDS_PRIMARY|frontends_primary") as caught:
        load_settings(None, env={"PYLEROMA_FRONTENDS_PRIMARY": raw})
    assert message in str(caught.value)
    path = tmp_path / "bad.toml"
    path.write_text('[frontends]\nprimary = "pleroma-fe"\n')
    with pytest.raises(SettingsError, match="frontends_primary"):
        load_settings(path, env={})
