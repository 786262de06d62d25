"""Admin API frontends: the list (known and installed), installing a zip built here from a
file on the server and from a loopback URL, and archives that must not get in (escaping
paths, symlinks, bombs, too many files, not zips), checked on disk and through the list."""

from __future__ import annotations

import io
import stat
import zipfile

import pytest

from pyleroma.services.instance import frontends
from tests.api.admin.helpers import PREFIXES, admin
from tests.federation.remote_server import RemoteServer

V1 = PREFIXES[0]


def zip_of(entries: dict[str, bytes], *, symlinks: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


BUILD = {
    "dist/index.html": b"<!doctype html><title>fe</title>",
    "dist/static/js/app.js": b"console.log(1)",
    "README.md": b"not part of the build",
}


def installed_files(app, name: str, ref: str) -> dict[str, bytes]:
    root = app.state.settings.data_dir / "frontends" / name / ref
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture
async def remote():
    server = await RemoteServer("127.0.0.3").start()
    yield server
    await server.stop()


async def _install(client, boss, prefix=V1, **body):
    return await client.post(f"{prefix}/frontends/install", json=body, headers=boss.headers)


async def test_list_before_anything_is_installed(client, factory, app):
    boss = await admin(factory)
    response = await client.get("/api/pleroma/admin/frontends", headers=boss.headers)
    assert response.status_code == 200, response.text
    listed = response.json()
    assert [f["name"] for f in listed] == sorted(frontends.KNOWN_FRONTENDS)
    assert not any(f["installed"] for f in listed)
    pleroma_fe = next(f for f in listed if f["name"] == "pleroma-fe")
    assert pleroma_fe == {
        "name": "pleroma-fe",
        "git": "https://git.pleroma.social/pleroma/pleroma-fe",
        "build_url": "https://git.pleroma.social/pleroma/pleroma-fe/-/jobs/artifacts/${ref}"
        "/download?job=build",
        "ref": "develop",
        "build_dir": None,
        "installed": False,
        "installed_refs": [],
    }
    assert not (app.state.settings.data_dir / "frontends").exists()


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_install_from_a_file_on_the_server(client, factory, app, tmp_path, prefix):
    boss = await admin(factory)
    archive = tmp_path / "build.zip"
    archive.write_bytes(zip_of(BUILD))
    response = await _install(client, boss, prefix, name="pleroma-fe", file=str(archive))
    assert response.status_code == 200, response.text
    assert installed_files(app, "pleroma-fe", "develop") == {
        "index.html": BUILD["dist/index.html"],
        "static/js/app.js": BUILD["dist/static/js/app.js"],
    }
    entry = next(f for f in response.json() if f["name"] == "pleroma-fe")
    assert entry["installed"] is True and entry["installed_refs"] == ["develop"]

    # Another ref beside it, then the same ref again: the folder is replaced.
    archive.write_bytes(zip_of({"dist/index.html": b"v2"}))
    await _install(client, boss, prefix, name="pleroma-fe", ref="v2", file=str(archive))
    archive.write_bytes(zip_of({"dist/other.html": b"v3"}))
    await _install(client, boss, prefix, name="pleroma-fe", ref="develop", file=str(archive))
    assert installed_files(app, "pleroma-fe", "develop") == {"other.html": b"v3"}
    listed = (await client.get(f"{prefix}/frontends", headers=boss.headers)).json()
    entry = next(f for f in listed if f["name"] == "pleroma-fe")
    assert entry["installed_refs"] == ["develop", "v2"]
    leftovers = [
        p.name for p in (app.state.settings.data_dir / "frontends" / "pleroma-fe").iterdir()
    ]
    assert sorted(leftovers) == ["develop", "v2"]


async def test_install_an_unknown_frontend_from_a_loopback_url(client, factory, app, remote):
    boss = await admin(factory)
    remote.raw("/builds/baka.zip", zip_of({"test.txt": b"hi", "a/b.txt": b"b"}), "application/zip")
    response = await _install(
        client,
        boss,
        name="gensokyo",
        ref="baka",
        build_url=remote.base + "/builds/${ref}.zip",
        build_dir="",
    )
    assert response.status_code == 200, response.text
    assert installed_files(app, "gensokyo", "baka") == {"test.txt": b"hi", "a/b.txt": b"b"}
    assert response.json()[-1] == {
        "name": "gensokyo",
        "git": None,
        "build_url": None,
        "ref": None,
        "build_dir": None,
        "installed": True,
        "installed_refs": ["baka"],
    }
    assert remote.paths_seen() == ["/builds/baka.zip"]


async def test_install_a_known_frontend_by_name_from_its_build_url(
    client, factory, app, remote, monkeypatch
):
    boss = await admin(factory)
    monkeypatch.setitem(
        frontends.KNOWN_FRONTENDS,
        "pleroma-fe",
        {
            "git": None,
            "build_url": remote.base + "/builds/${ref}",
            "ref": "fantasy",
            "build_dir": None,
        },
    )
    remote.raw("/builds/fantasy", zip_of({"dist/test.txt": b"fe"}), "application/octet-stream")
    response = await _install(client, boss, name="pleroma-fe")
    assert response.status_code == 200, response.text
    assert installed_files(app, "pleroma-fe", "fantasy") == {"test.txt": b"fe"}


async def test_failed_download_keeps_the_installed_build(client, factory, app, remote, tmp_path):
    boss = await admin(factory)
    archive = tmp_path / "build.zip"
    archive.write_bytes(zip_of(BUILD))
    await _install(client, boss, name="gensokyo", ref="baka", file=str(archive))
    response = await _install(
        client, boss, name="gensokyo", ref="baka", build_url=remote.base + "/madeup.zip"
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("Could not download or unzip the frontend: ")
    assert "index.html" in installed_files(app, "gensokyo", "baka")
    remote.raw("/page", b"<html>not a zip</html>", "text/html")
    response = await _install(
        client, boss, name="gensokyo", ref="baka", build_url=remote.base + "/page"
    )
    assert response.status_code == 422
    assert "index.html" in installed_files(app, "gensokyo", "baka")


async def test_unsafe_members_are_skipped(client, factory, app, tmp_path):
    boss = await admin(factory)
    archive = tmp_path / "evil.zip"
    archive.write_bytes(
        zip_of(
            {
                "ok.txt": b"ok",
                "../escape.txt": b"x",
                "/abs.txt": b"x",
                "a/../../up.txt": b"x",
                ".hidden": b"x",
                "c:\\win.txt": b"x",
            },
            symlinks={"link": "/etc/passwd"},
        )
    )
    response = await _install(client, boss, name="evil", ref="1", file=str(archive), build_dir=".")
    assert response.status_code == 200, response.text
    assert installed_files(app, "evil", "1") == {"ok.txt": b"ok"}
    root = app.state.settings.data_dir
    assert not list(root.parent.rglob("escape.txt")) and not list(root.parent.rglob("up.txt"))
    assert not (root / "frontends" / "evil" / "1" / "link").exists()


async def test_caps_stop_bombs_and_crowds(client, factory, app, tmp_path, monkeypatch):
    boss = await admin(factory)
    archive = tmp_path / "bomb.zip"
    archive.write_bytes(zip_of({"big.bin": b"\0" * 200_000}))
    monkeypatch.setattr(frontends, "MAX_FILE_BYTES", 100_000)
    response = await _install(client, boss, name="bomb", ref="1", file=str(archive), build_dir="")
    assert response.status_code == 413, response.text
    monkeypatch.setattr(frontends, "MAX_FILE_BYTES", 10**9)
    monkeypatch.setattr(frontends, "MAX_TOTAL_BYTES", 300_000)
    archive.write_bytes(zip_of({"a.bin": b"\0" * 200_000, "b.bin": b"\0" * 200_000}))
    response = await _install(client, boss, name="bomb", ref="1", file=str(archive), build_dir="")
    assert response.status_code == 413, response.text
    monkeypatch.setattr(frontends, "MAX_FILES", 3)
    archive.write_bytes(zip_of({f"{i}.txt": b"x" for i in range(4)}))
    response = await _install(client, boss, name="bomb", ref="1", file=str(archive), build_dir="")
    assert response.status_code == 413, response.text
    monkeypatch.setattr(frontends, "MAX_ARCHIVE_BYTES", 10)
    response = await _install(client, boss, name="bomb", ref="1", file=str(archive), build_dir="")
    assert response.status_code == 413, response.text
    assert not (app.state.settings.data_dir / "frontends" / "bomb" / "1").exists()
    assert list((app.state.settings.data_dir / "frontends" / "bomb").iterdir()) == []


async def test_bad_requests(client, factory, app, tmp_path):
    boss = await admin(factory)
    archive = tmp_path / "build.zip"
    archive.write_bytes(zip_of(BUILD))
    not_zip = tmp_path / "notes.txt"
    not_zip.write_text("hello")
    for body, status, error in [
        ({}, 400, "name: must be"),
        ({"name": "../x", "ref": "1", "file": str(archive)}, 400, "name: must be"),
        ({"name": "x", "ref": "a/b", "file": str(archive)}, 400, "ref: must be"),
        ({"name": "x", "file": str(archive)}, 400, "No ref given or configured"),
        ({"name": "x", "ref": "1"}, 400, "No file or build_url given or configured"),
        ({"name": "x", "ref": "1", "build_url": "ftp://x/y.zip"}, 400, "build_url: must be"),
        ({"name": "x", "ref": "1", "file": str(tmp_path / "nope.zip")}, 400, "Could not"),
        ({"name": "x", "ref": "1", "file": str(not_zip)}, 422, "Could not"),
        ({"name": "x", "ref": "1", "file": str(archive), "build_dir": "../"}, 400, "build_dir"),
        ({"name": "x", "ref": "1", "file": str(archive), "build_dir": "build"}, 422, "Could not"),
        ({"name": "x", "ref": "1", "file": ["a"]}, 400, "file: must be a string"),
    ]:
        response = await _install(client, boss, **body)
        assert response.status_code == status, (body, response.text)
        assert error in response.json()["error"], (body, response.text)
    assert not (app.state.settings.data_dir / "frontends" / "x" / "1").exists()
