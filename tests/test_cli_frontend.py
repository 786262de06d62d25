"""`pyleroma frontend install|list`: builds from a zip file and from a loopback URL, through
the installer the admin API uses; what it refuses, with clean errors."""

from __future__ import annotations

import http.server
import io
import threading
import zipfile

import pytest

from tests.test_cli import Cli


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def cli(tmp_path) -> Cli:
    """No database: the command only touches data_dir."""
    return Cli(tmp_path / "data", "")


@pytest.fixture
def served():
    """A loopback HTTP server answering ``files`` (path -> bytes), 404 otherwise."""
    files: dict[str, bytes] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the stdlib's name)
            body = files.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.files = files
    server.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def installed(cli: Cli, name: str, ref: str) -> dict[str, bytes]:
    root = cli.settings.data_dir / "frontends" / name / ref
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_install_from_a_file_and_list(cli, tmp_path):
    archive = tmp_path / "build.zip"
    archive.write_bytes(zip_of({"dist/index.html": b"<html>", "dist/js/app.js": b"1", "x": b""}))
    out = cli.ok("frontend", "install", "pleroma-fe", "--ref", "mine", "--file", str(archive))
    path = cli.settings.data_dir / "frontends" / "pleroma-fe" / "mine"
    assert out.strip() == f"Frontend pleroma-fe (mine) installed to {path}"
    assert installed(cli, "pleroma-fe", "mine") == {"index.html": b"<html>", "js/app.js": b"1"}
    listed = cli.ok("frontend", "list").splitlines()
    assert "pleroma-fe\tmine\tdevelop" in listed
    assert "admin-fe\t-\tdevelop" in listed


def test_install_from_a_loopback_url(cli, served):
    served.files["/builds/v1.zip"] = zip_of({"index.html": b"hi", "css/a.css": b"a"})
    url = served.base + "/builds/${ref}.zip"
    out = cli.ok(
        "frontend",
        "install",
        "gensokyo",
        "--ref",
        "v1",
        "--url",
        url,
        "--build-dir",
        ".",
        PYLEROMA_ALLOW_PRIVATE_FETCH="true",
    )
    assert "Frontend gensokyo (v1) installed" in out
    assert installed(cli, "gensokyo", "v1") == {"index.html": b"hi", "css/a.css": b"a"}
    assert "gensokyo\tv1\t-" in cli.ok("frontend", "list").splitlines()


def test_refusals_are_clean_errors(cli, served, tmp_path):
    served.files["/page.zip"] = b"<html>not a zip</html>"
    archive = tmp_path / "build.zip"
    archive.write_bytes(zip_of({"dist/index.html": b"x"}))
    private = cli.fails("frontend", "install", "x", "--ref", "1", "--url", served.base + "/a.zip")
    assert "Could not download or unzip the frontend" in private and "refused" in private
    env = {"PYLEROMA_ALLOW_PRIVATE_FETCH": "true"}
    missing = cli.fails(
        "frontend", "install", "x", "--ref", "1", "--url", served.base + "/a.zip", **env
    )
    assert "404" in missing
    not_zip = cli.fails(
        "frontend", "install", "x", "--ref", "1", "--url", served.base + "/page.zip", **env
    )
    assert "not a zip" in not_zip
    assert "No ref given or configured" in cli.fails("frontend", "install", "x", "--file", "a.zip")
    assert "not both" in cli.fails(
        "frontend", "install", "x", "--ref", "1", "--file", str(archive), "--url", served.base
    )
    assert "name: must be" in cli.fails("frontend", "install", "../x", "--ref", "1", "--file", "a")
    assert "no file at" in cli.fails("frontend", "install", "x", "--ref", "1", "--file", "nope.zip")
    assert not (cli.settings.data_dir / "frontends" / "x" / "1").exists()
