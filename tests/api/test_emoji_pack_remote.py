"""Emoji packs of other instances: the remote list, downloads (from a second real pyleroma
server and from a loopback server giving Pleroma-shaped answers), fallback sources, and
the archive reader's guards (services/emoji_packs/remote.py, archives.py)."""

from __future__ import annotations

import hashlib
import io
import json
import stat
import zipfile

import pytest

from pyleroma.errors import TooLarge, Unprocessable
from pyleroma.services.emoji_packs.archives import build_archive, read_archive, safe_relative
from tests.api.emoji_helpers import HTML, png, write
from tests.api.emoji_pack_helpers import (
    BLOBCAT,
    BLOBFOX,
    PREFIXES,
    admin_and_user,
    install,
    pack_json,
    shortcodes,
    zip_of,
)
from tests.conftest import _create_pg_database
from tests.federation.remote_server import RemoteServer
from tests.federation.servers import start_server, stop_server

JSON = "application/json"
NODEINFO_REL = "http://nodeinfo.diaspora.software/ns/schema/2.1"
FOX = png((200, 90, 0, 255))


@pytest.fixture
async def people(factory):
    return await admin_and_user(factory)


@pytest.fixture
async def remote():
    server = await RemoteServer("127.0.0.3").start()
    yield server
    await server.stop()


@pytest.fixture
async def peer(tmp_path, pg_database):
    """A second pyleroma instance on 127.0.0.2 with a shared pack ``blobs`` and a pack
    ``hidden`` it does not share, both made through its API."""
    url = ""
    if pg_database:
        url = f"{pg_database}_emojipeer"
        await _create_pg_database(url)
    server = await start_server("127.0.0.2", tmp_path / "peer", url)
    try:
        boss = await server.user("boss", is_admin=True)
        for name in ("blobs", "hidden"):
            made = await server.http.post(
                f"/api/v1/pleroma/emoji/pack?name={name}", headers=boss.headers
            )
            assert made.status_code == 200, made.text
        for code, data, filename in (
            ("blobcat", BLOBCAT, "blobcat.png"),
            ("blobfox", BLOBFOX, "sub/blobfox.gif"),
        ):
            added = await server.http.post(
                "/api/v1/pleroma/emoji/packs/files?name=blobs",
                files={"file": (filename, data, "image/png")},
                data={"shortcode": code, "filename": filename},
                headers=boss.headers,
            )
            assert added.status_code == 200, added.text
        await server.http.post(
            "/api/v1/pleroma/emoji/packs/files?name=hidden",
            files={"file": ("hid.png", png(), "image/png")},
            headers=boss.headers,
        )
        meta = {"share-files": True, "license": "CC0", "description": "Blobs"}
        shared = await server.http.patch(
            "/api/v1/pleroma/emoji/pack?name=blobs", json={"metadata": meta}, headers=boss.headers
        )
        assert shared.status_code == 200, shared.text
        yield server
    finally:
        await stop_server(server)


def serve_pack(
    remote: RemoteServer,
    name: str,
    files: dict,
    meta: dict,
    archive: bytes | None,
    *,
    features=("shareable_emoji_packs",),
) -> None:
    """Pleroma's answers for one pack: nodeinfo, the pack (with ``files_count``) and its
    archive at Pleroma's path."""
    remote.json(
        "/.well-known/nodeinfo",
        {"links": [{"rel": NODEINFO_REL, "href": f"{remote.base}/nodeinfo/2.1.json"}]},
        content_type=JSON,
    )
    remote.json("/nodeinfo/2.1.json", {"metadata": {"features": list(features)}}, content_type=JSON)
    remote.json(
        "/api/v1/pleroma/emoji/pack",
        {"files": files, "files_count": len(files), "pack": meta},
        content_type=JSON,
    )
    if archive is not None:
        remote.raw("/api/v1/pleroma/emoji/packs/archive", archive, "application/zip")


def shared_meta(archive: bytes, **extra) -> dict:
    sha = hashlib.sha256(archive).hexdigest().upper()
    return {"share-files": True, "can-download": True, "download-sha256": sha, **extra}


async def download(client, admin, url, name="blobs", prefix=PREFIXES[0], **extra):
    return await client.post(
        f"{prefix}/emoji/packs/download",
        json={"url": url, "name": name, **extra},
        headers=admin.headers,
    )


# --- with a second pyleroma ------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_download_a_pack_another_pyleroma_shares(app, client, people, peer, prefix):
    admin = people[0]
    listed = await client.get(
        f"{prefix}/emoji/packs/remote", params={"url": peer.base_url}, headers=admin.headers
    )
    assert listed.status_code == 200, listed.text
    own = (await peer.get("/api/v1/pleroma/emoji/packs")).json()
    assert listed.json() == own and own["count"] == 2
    assert own["packs"]["blobs"]["pack"]["can-download"] is True

    response = await download(client, admin, peer.base_url, prefix=prefix, **{"as": "copied"})
    assert response.status_code == 200, response.text
    assert response.json() == "ok"
    root = app.state.settings.emoji_directory
    assert (root / "copied" / "blobcat.png").read_bytes() == BLOBCAT
    assert (root / "copied" / "sub" / "blobfox.gif").read_bytes() == BLOBFOX
    stored = pack_json(root, "copied")
    assert stored["files"] == {"blobcat": "blobcat.png", "blobfox": "sub/blobfox.gif"}
    assert stored["pack"] == {"share-files": True, "license": "CC0", "description": "Blobs"}
    assert {"blobcat", "blobfox"} <= set(await shortcodes(client))
    # Shared again from here, with the same archive bytes (so the same digest).
    mine = (await client.get(f"{prefix}/emoji/pack?name=copied")).json()["pack"]
    assert mine["download-sha256"] == own["packs"]["blobs"]["pack"]["download-sha256"]
    assert not list(root.glob(".download-*"))


async def test_a_pack_that_is_not_shared_is_not_downloaded(app, client, people, peer):
    response = await download(client, people[0], peer.base_url, name="hidden")
    assert response.status_code == 400
    assert response.json() == {
        "error": "The pack was not set as shared and there is no fallback src to download from"
    }
    assert not (app.state.settings.emoji_directory / "hidden").exists()
    served = await peer.get("/api/v1/pleroma/emoji/packs/archive?name=hidden")
    assert served.status_code == 403


# --- with Pleroma-shaped answers -------------------------------------------------------


async def test_checksum_mismatch_is_refused(app, client, people, remote):
    archive = zip_of({"pack.json": b"{}", "blobcat.png": BLOBCAT})
    meta = shared_meta(archive)
    meta["download-sha256"] = hashlib.sha256(b"another archive").hexdigest().upper()
    serve_pack(remote, "blobs", {"blobcat": "blobcat.png"}, meta, archive)
    response = await download(client, people[0], remote.base)
    assert response.status_code == 422
    assert response.json() == {
        "error": "SHA256 for the pack doesn't match the one sent by the server"
    }
    root = app.state.settings.emoji_directory
    assert not (root / "blobs").exists() and not list(root.glob(".download-*"))


async def test_download_from_a_fallback_source(app, client, people, remote):
    archive = zip_of({"blobcat.png": BLOBCAT})
    sha = hashlib.sha256(archive).hexdigest()
    meta = {
        "share-files": False,
        "fallback-src": f"{remote.base}/fallback.zip",
        "fallback-src-sha256": sha,
        "license": "MIT",
    }
    serve_pack(remote, "blobs", {"blobcat": "blobcat.png"}, meta, None)
    remote.raw("/fallback.zip", archive, "application/zip")
    response = await download(client, people[0], remote.base, **{"as": "fallen"})
    assert response.status_code == 200, response.text
    root = app.state.settings.emoji_directory
    assert pack_json(root, "fallen") == {
        "files": {"blobcat": "blobcat.png"},
        "pack": {k: v for k, v in meta.items()},
        "files_count": 1,
    }
    assert "blobcat" in await shortcodes(client)
    assert "/api/v1/pleroma/emoji/pack?name=blobs&page_size=0" in remote.paths_seen()
    assert "/api/v1/pleroma/emoji/pack?name=blobs&page_size=1" in remote.paths_seen()


async def test_hostile_archive_entries_are_left_out(app, client, people, remote, tmp_path):
    archive = zip_of(
        {
            "blobcat.png": BLOBCAT,
            "../../evil.png": png(),
            "page.png": HTML,
            "pack.json": json.dumps({"files": {"evil": "/etc/passwd"}}).encode(),
        }
    )
    files = {
        "blobcat": "blobcat.png",
        "evil": "../../evil.png",
        "page": "page.png",
        "bad code": "blobcat.png",
    }
    serve_pack(remote, "blobs", files, shared_meta(archive, **{"can-download": True}), archive)
    response = await download(client, people[0], remote.base)
    assert response.status_code == 200, response.text
    root = app.state.settings.emoji_directory
    assert pack_json(root, "blobs")["files"] == {"blobcat": "blobcat.png"}
    assert sorted(p.name for p in (root / "blobs").iterdir()) == ["blobcat.png", "pack.json"]
    assert not (root.parent / "evil.png").exists() and not (root / "evil.png").exists()


async def test_archive_missing_a_listed_file(app, client, people, remote):
    archive = zip_of({"blobcat.png": BLOBCAT})
    serve_pack(
        remote, "blobs", {"blobcat": "blobcat.png", "fox": "fox.png"}, shared_meta(archive), archive
    )
    response = await download(client, people[0], remote.base)
    assert response.status_code == 400 and "fox.png" in response.json()["error"]
    assert not (app.state.settings.emoji_directory / "blobs").exists()


@pytest.mark.parametrize(
    "settings_overrides", [{"emoji_pack_max_files": 1, "emoji_pack_max_archive_size": 2000}]
)
async def test_download_caps(app, client, people, remote):
    archive = zip_of({"a.png": png(), "b.png": png()})
    serve_pack(remote, "many", {"a": "a.png", "b": "b.png"}, shared_meta(archive), archive)
    many = await download(client, people[0], remote.base, name="many")
    assert many.status_code == 413 and "more than 1 files" in many.json()["error"]
    big = zip_of({"a.png": png(size=(200, 200))}, compress=zipfile.ZIP_STORED) + b"\0" * 3000
    serve_pack(remote, "big", {"a": "a.png"}, shared_meta(big), big)
    large = await download(client, people[0], remote.base, name="big")
    assert large.status_code == 413
    assert not (app.state.settings.emoji_directory / "many").exists()


async def test_download_refusals(app, client, people, remote):
    admin, user, demoted = people
    install(app)
    taken = await download(client, admin, remote.base, name="blobs")
    assert taken.status_code == 409 and taken.json() == {
        "error": 'A pack named "blobs" already exists'
    }
    assert remote.seen == []  # refused before asking anything
    bad_as = await download(client, admin, remote.base, name="x", **{"as": "../x"})
    assert bad_as.status_code == 400
    for url in ("ftp://example.com", "not a url", ""):
        assert (await download(client, admin, url, name="x")).status_code == 400
    missing = await client.post(
        "/api/v1/pleroma/emoji/packs/download", json={"name": "x"}, headers=admin.headers
    )
    assert missing.json() == {"error": "Missing field: url."}
    serve_pack(remote, "x", {}, {}, None, features=())
    not_shareable = await download(client, admin, remote.base, name="x")
    assert not_shareable.status_code == 400
    assert not_shareable.json() == {
        "error": "The requested instance does not support sharing emoji packs"
    }
    body = {"url": remote.base, "name": "x"}
    assert (await client.post("/api/v1/pleroma/emoji/packs/download", json=body)).status_code == 401
    for who in (user, demoted):
        refused = await client.post(
            "/api/v1/pleroma/emoji/packs/download", json=body, headers=who.headers
        )
        assert refused.status_code == 403


async def test_remote_list_passes_pages_and_refuses(client, people, remote):
    admin, user, _ = people
    answer = {"packs": {"p": {"files": {}, "files_count": 0, "pack": {}}}, "count": 3}
    serve_pack(remote, "p", {}, {}, None)
    remote.json("/api/v1/pleroma/emoji/packs", answer, content_type=JSON)
    url = "/api/v1/pleroma/emoji/packs/remote"
    listed = await client.get(
        url,
        params={"url": f"{remote.base}/some/page", "page": 2, "page_size": 1},
        headers=admin.headers,
    )
    assert listed.status_code == 200 and listed.json() == answer
    assert "/api/v1/pleroma/emoji/packs?page=2&page_size=1" in remote.paths_seen()
    assert (await client.get(url, params={"url": remote.base})).status_code == 401
    assert (
        await client.get(url, params={"url": remote.base}, headers=user.headers)
    ).status_code == 403
    assert (await client.get(url, headers=admin.headers)).status_code == 400
    closed = await client.get(url, params={"url": "http://127.0.0.4:9"}, headers=admin.headers)
    assert closed.status_code == 400 and "error" in closed.json()
    serve_pack(remote, "p", {}, {}, None, features=["pleroma_api"])
    refused = await client.get(url, params={"url": remote.base}, headers=admin.headers)
    assert refused.json() == {
        "error": "The requested instance does not support sharing emoji packs"
    }


# --- fallback sources in metadata ------------------------------------------------------


async def test_fallback_src_is_checked_and_hashed(app, client, people, remote):
    root = install(app)
    admin = people[0]
    archive = zip_of({"blobcat.png": BLOBCAT, "sub/blobfox.gif": BLOBFOX})
    remote.raw("/full.zip", archive, "application/zip")
    remote.raw("/empty.zip", zip_of({}), "application/zip")
    remote.raw("/page", HTML, "text/html")
    meta = {"license": "MIT", "fallback-src": f"{remote.base}/full.zip"}
    response = await client.patch(
        "/api/v1/pleroma/emoji/pack?name=blobs", json={"metadata": meta}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    expected = {**meta, "fallback-src-sha256": hashlib.sha256(archive).hexdigest().upper()}
    assert response.json() == expected and pack_json(root, "blobs")["pack"] == expected
    incomplete = await client.patch(
        "/api/v1/pleroma/emoji/pack?name=blobs",
        json={"metadata": {"fallback-src": f"{remote.base}/empty.zip"}},
        headers=admin.headers,
    )
    assert incomplete.status_code == 400
    assert incomplete.json() == {
        "error": "The fallback archive does not have all files specified in pack.json"
    }
    not_zip = await client.patch(
        "/api/v1/pleroma/emoji/pack?name=blobs",
        json={"metadata": {"fallback-src": f"{remote.base}/page"}},
        headers=admin.headers,
    )
    assert not_zip.status_code == 422
    assert pack_json(root, "blobs")["pack"] == expected


# --- the archive reader on its own -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.png", "a.png"),
        ("dir/./a.png", "dir/a.png"),
        ("../a.png", None),
        ("dir/../../a.png", None),
        ("/etc/passwd", None),
        ("C:/a.png", None),
        ("dir\\a.png", None),
        (".hidden/a.png", None),
        ("a\x00.png", None),
        ("a\n.png", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_relative(name, expected):
    assert safe_relative(name) == expected


def test_read_archive_skips_links_and_caps_counts():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        link = zipfile.ZipInfo("link.png")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("a.png", b"a")
        archive.writestr("b.png", b"b")
    data = out.getvalue()
    assert read_archive(data, max_files=5, max_file_size=10, max_total=10) == {
        "a.png": b"a",
        "b.png": b"b",
    }
    with pytest.raises(TooLarge):
        read_archive(data, max_files=1, max_file_size=10, max_total=10)
    with pytest.raises(TooLarge):
        read_archive(data, max_files=5, max_file_size=10, max_total=1)
    with pytest.raises(Unprocessable):
        read_archive(b"not a zip", max_files=5, max_file_size=10, max_total=10)


def test_built_archives_are_deterministic(tmp_path):
    write(tmp_path / "p" / "pack.json", "{}")
    write(tmp_path / "p" / "b.png", FOX)
    write(tmp_path / "p" / "a" / "c.png", BLOBCAT)
    first = build_archive(tmp_path / "p", ["b.png", "a/c.png"])
    (tmp_path / "p" / "b.png").touch()  # a new mtime changes nothing in the bytes
    assert build_archive(tmp_path / "p", ["a/c.png", "b.png"]) == first
    assert zipfile.ZipFile(io.BytesIO(first)).namelist() == ["pack.json", "a/c.png", "b.png"]
