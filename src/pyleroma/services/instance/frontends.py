"""Front ends (Pleroma's ``Pleroma.Frontend``): the known ones, what is installed, and
installing a build from a zip archive. The admin API (``/frontends``), the CLI
(``pyleroma frontend``) and the web front end serving all use this module.

A build is installed into ``data_dir/frontends/<name>/<ref>/``, replacing what was there
(Pleroma's ``${instance_static}/frontends/${name}/${ref}``). What is not given comes from the
known front end of that name (``KNOWN_FRONTENDS``, Pleroma's and Akkoma's
``:frontends, :available``): its ``ref``, its ``build_url`` (``${ref}`` replaced by the ref)
and its ``build_dir``. The archive is either ``file``, a zip on this server (Pleroma's
semantics: a path the admin names), or downloaded from ``build_url``.

Only the members under ``build_dir`` are installed, with that prefix taken off (Pleroma's
default ``dist``; ``""`` or ``"."``: the whole archive; none given and no known one: ``dist``
when the archive has that folder, else the whole archive).

The archive is trusted no more than any upload:

- downloads go through the federation fetcher (federation/fetch.py ``guarded_get``): the
  SSRF guard at every hop (redirects to other hosts are followed, as build servers hand
  out storage URLs), ``MAX_ARCHIVE_BYTES`` at most, within ``federation_timeout_seconds``;
- member names must be safe relative paths (services/emoji_packs/archives.py
  ``safe_relative``: no absolute paths, ``..``, backslashes, hidden or control-character
  segments); other members, directories, symlinks, devices and encrypted members are
  skipped, and a name seen twice keeps its first member;
- at most ``MAX_FILES`` files of at most ``MAX_FILE_BYTES`` each and ``MAX_TOTAL_BYTES``
  together, counted while decompressing (declared sizes are not believed): a zip bomb stops
  at the cap with a 413;
- files are written into a fresh staging directory inside ``frontends/<name>/`` which only
  then takes the place of the old build (renames), so a failed install leaves the previous
  build as it was.

An install through the admin API (``install_for``) is logged ``frontend_install`` (``name``,
``ref``) once the build is in place, for the caller to commit; Pleroma logs none. A
refused or failed install leaves no entry; the CLI's (no staff member acts) none either.
"""

from __future__ import annotations

import asyncio
import io
import secrets
import shutil
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.errors import BadRequest, TooLarge, Unprocessable
from pyleroma.models import Account
from pyleroma.services.emoji_packs.archives import is_zip, safe_relative
from pyleroma.services.moderation.moderation_log import log_action
from pyleroma.settings import Settings
from pyleroma.settings_content import FRONTEND_SEGMENT_RE

MAX_ARCHIVE_BYTES = 150 * 1024 * 1024
MAX_FILES = 20_000
MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_TOTAL_BYTES = 600 * 1024 * 1024
ZIP_ACCEPT = "application/zip, application/octet-stream;q=0.9, */*;q=0.5"
FAILED = "Could not download or unzip the frontend"
_CHUNK = 256 * 1024
# A front end's name and a ref are one path segment each (the settings' rule too).
SEGMENT_RE = FRONTEND_SEGMENT_RE
_UNREADABLE = (
    zipfile.BadZipFile,
    NotImplementedError,
    RuntimeError,
    EOFError,
    zlib.error,
    ValueError,
)

_GITLAB_BUILD = "/-/jobs/artifacts/${ref}/download?job="
_AKKOMA_BUILDS = "https://akkoma-updates.s3-website.fr-par.scw.cloud/frontend/${ref}/"
# Pleroma's ``:frontends, :available`` (with Akkoma's masto-fe and pl-fe), by name.
KNOWN_FRONTENDS: dict[str, dict[str, str | None]] = {
    "admin-fe": {
        "git": "https://git.pleroma.social/pleroma/admin-fe",
        "build_url": "https://git.pleroma.social/pleroma/admin-fe" + _GITLAB_BUILD + "build",
        "ref": "develop",
        "build_dir": None,
    },
    "fedi-fe": {
        "git": "https://git.pleroma.social/pleroma/fedi-fe",
        "build_url": "https://git.pleroma.social/pleroma/fedi-fe" + _GITLAB_BUILD + "build_release",
        "ref": "master",
        "build_dir": None,
    },
    "glitch-lily": {
        "git": "https://lily-is.land/infra/glitch-lily",
        "build_url": "https://lily-is.land/infra/glitch-lily" + _GITLAB_BUILD + "build",
        "ref": "servant",
        "build_dir": "public",
    },
    "kenoma": {
        "git": "https://git.pleroma.social/lambadalambda/kenoma",
        "build_url": "https://git.pleroma.social/lambadalambda/kenoma" + _GITLAB_BUILD + "build",
        "ref": "master",
        "build_dir": None,
    },
    "mastodon-fe": {
        "git": "https://akkoma.dev/AkkomaGang/masto-fe",
        "build_url": _AKKOMA_BUILDS + "masto-fe.zip",
        "ref": "akkoma",
        "build_dir": "distribution",
    },
    "pl-fe": {
        "git": "https://codeberg.org/mkljczk/pl-fe",
        "build_url": "https://pl.mkljczk.pl/pl-fe.zip",
        "ref": "develop",
        "build_dir": ".",
    },
    "pleroma-fe": {
        "git": "https://git.pleroma.social/pleroma/pleroma-fe",
        "build_url": "https://git.pleroma.social/pleroma/pleroma-fe" + _GITLAB_BUILD + "build",
        "ref": "develop",
        "build_dir": None,
    },
    "soapbox": {
        "git": "https://gitlab.com/soapbox-pub/soapbox",
        "build_url": "https://gitlab.com/soapbox-pub/soapbox" + _GITLAB_BUILD + "build",
        "ref": "main",
        "build_dir": None,
    },
}


@dataclass(frozen=True)
class InstallRequest:
    """A checked request: where the archive comes from (``file`` or ``url``), where the
    build goes (``name``/``ref``) and which folder of the archive is the build."""

    name: str
    ref: str
    file: Path | None
    url: str | None
    build_dir: str | None


def frontends_dir(settings: Settings) -> Path:
    return settings.data_dir / "frontends"


def installed_path(settings: Settings, name: str, ref: str) -> Path:
    """Where ``name`` at ``ref`` is (or would be) installed; both checked segments."""
    return frontends_dir(settings) / check_segment(name, "name") / check_segment(ref, "ref")


def check_segment(value: object, what: str) -> str:
    if not isinstance(value, str) or not SEGMENT_RE.fullmatch(value):
        raise BadRequest(
            f"{what}: must be 1 to 100 letters, digits, '.', '_', '+' or '-' "
            "(not starting with a punctuation mark)"
        )
    return value


def _listed(directory: Path) -> list[str]:
    try:
        return sorted(
            entry.name
            for entry in directory.iterdir()
            if SEGMENT_RE.fullmatch(entry.name) and entry.is_dir()
        )
    except OSError:
        return []


def installed_refs(settings: Settings, name: str) -> list[str]:
    return _listed(frontends_dir(settings) / name) if SEGMENT_RE.fullmatch(name) else []


def list_frontends(settings: Settings) -> list[dict]:
    """Pleroma's ``GET /frontends``: the known front ends (by name), then the installed ones
    no list knows. Blocking (directory listings): run in a thread."""
    installed = _listed(frontends_dir(settings))
    result = []
    for name, known in sorted(KNOWN_FRONTENDS.items()):
        refs = installed_refs(settings, name)
        result.append({"name": name, **known, "installed": bool(refs), "installed_refs": refs})
    for name in installed:
        if name not in KNOWN_FRONTENDS:
            refs = installed_refs(settings, name)
            result.append(
                {
                    "name": name,
                    "git": None,
                    "build_url": None,
                    "ref": None,
                    "build_dir": None,
                    "installed": bool(refs),
                    "installed_refs": refs,
                }
            )
    return result


def _optional(value: object, what: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{what}: must be a string")
    return value.strip() or None


def check_install(
    name: object,
    *,
    ref: object = None,
    file: object = None,
    build_url: object = None,
    build_dir: object = None,
) -> InstallRequest:
    """The request with what it leaves out taken from the known front end ``name``; 400
    for a bad name, ref or build_dir, or when no ref or no source is given or known."""
    name = check_segment(name, "name")
    known = KNOWN_FRONTENDS.get(name, {})
    ref = _optional(ref, "ref") or known.get("ref")
    if not ref:
        raise BadRequest("No ref given or configured")
    ref = check_segment(ref, "ref")
    file_name = _optional(file, "file")
    url = _optional(build_url, "build_url") or known.get("build_url")
    if file_name is None and url is None:
        raise BadRequest("No file or build_url given or configured")
    if file_name is None:
        url = url.replace("${ref}", ref)
        if not url.startswith(("http://", "https://")):
            raise BadRequest("build_url: must be an http(s) URL")
    directory = build_dir if build_dir is not None else known.get("build_dir")
    if directory is not None and not isinstance(directory, str):
        raise BadRequest("build_dir: must be a string")
    return InstallRequest(
        name,
        ref,
        Path(file_name).expanduser() if file_name else None,
        None if file_name else url,
        _build_prefix(directory),
    )


def _build_prefix(build_dir: str | None) -> str | None:
    """``build_dir`` as a member-name prefix ("" for the whole archive; None: decide from
    the archive)."""
    if build_dir is None:
        return None
    cleaned = build_dir.strip().strip("/")
    if cleaned in ("", "."):
        return ""
    relative = safe_relative(cleaned)
    if relative is None:
        raise BadRequest("build_dir: must be a relative path inside the archive")
    return relative + "/"


async def download(settings: Settings, url: str) -> bytes:
    from pyleroma.federation.errors import FetchError
    from pyleroma.federation.fetch import guarded_get

    try:
        reply = await guarded_get(
            settings,
            url,
            accept=ZIP_ACCEPT,
            cross_host_redirects=True,
            max_bytes=MAX_ARCHIVE_BYTES,
        )
    except FetchError as exc:
        if "bytes a fetch may read" in exc.reason:  # fetch.py's size-cap refusals
            message = f"{FAILED}: the archive is larger than {MAX_ARCHIVE_BYTES} bytes"
            raise TooLarge(message) from None
        raise BadRequest(f"{FAILED}: {exc.reason}") from None
    return reply.body


def _open_archive(source: Path | bytes) -> zipfile.ZipFile:
    try:
        if isinstance(source, bytes):
            if not is_zip(source[:4]):
                raise Unprocessable(f"{FAILED}: the archive is not a zip file")
            return zipfile.ZipFile(io.BytesIO(source))
        if not source.is_file():
            raise BadRequest(f"{FAILED}: no file at {source}")
        if source.stat().st_size > MAX_ARCHIVE_BYTES:
            raise TooLarge(f"{FAILED}: the archive is larger than {MAX_ARCHIVE_BYTES} bytes")
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise Unprocessable(f"{FAILED}: the archive is not a readable zip file") from exc
    except OSError as exc:
        raise BadRequest(f"{FAILED}: cannot read {source}: {exc.strerror or exc}") from None


def _is_regular(info: zipfile.ZipInfo) -> bool:
    if info.is_dir() or info.flag_bits & 0x1:  # a directory, or encrypted
        return False
    # Unix archivers keep the file type in the mode: symlinks, devices, fifos are skipped.
    kind = stat.S_IFMT(info.external_attr >> 16) if info.create_system == 3 else 0
    return kind in (0, stat.S_IFREG)


def _members(archive: zipfile.ZipFile, prefix: str | None) -> list[tuple[str, zipfile.ZipInfo]]:
    """(path inside the build, member) of what is installed, in archive order."""
    found: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        name = safe_relative(info.filename)
        if name is not None and name not in found and _is_regular(info):
            found[name] = info
    if prefix is None:  # Pleroma's default "dist" when the archive has it, else the root
        prefix = "dist/" if any(n.startswith("dist/") for n in found) else ""
    chosen = [(n[len(prefix) :], info) for n, info in found.items() if n.startswith(prefix)]
    if not chosen:
        where = f" under {prefix}" if prefix else ""
        raise Unprocessable(f"{FAILED}: the archive has no files{where}")
    if len(chosen) > MAX_FILES:
        raise TooLarge(f"{FAILED}: the archive holds more than {MAX_FILES} files")
    return chosen


def unpack(source: Path | bytes, prefix: str | None, destination: Path) -> int:
    """Write the build's files into ``destination`` (an empty directory of ours); how many.
    Blocking: run in a thread."""
    total = 0
    with _open_archive(source) as archive:
        members = _members(archive, prefix)
        for relative, info in members:
            target = destination / relative
            written = 0
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as member, open(target, "xb") as out:
                    while chunk := member.read(_CHUNK):
                        written += len(chunk)
                        if written > MAX_FILE_BYTES or total + written > MAX_TOTAL_BYTES:
                            raise TooLarge(
                                f"{FAILED}: the archive's files are too large to install"
                            )
                        out.write(chunk)
            except _UNREADABLE as exc:
                raise Unprocessable(f"{FAILED}: {relative} in the archive cannot be read") from exc
            except OSError as exc:  # e.g. a file and a folder of one name
                raise Unprocessable(
                    f"{FAILED}: {relative} cannot be installed: {exc.strerror or exc}"
                ) from None
            total += written
    return len(members)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.exists():
        shutil.rmtree(path, ignore_errors=True)


def _install_files(settings: Settings, request: InstallRequest, source: Path | bytes) -> Path:
    base = frontends_dir(settings) / request.name
    token = secrets.token_hex(8)
    staging = base / f".install-{token}"
    old = base / f".old-{token}"
    final = base / request.ref
    try:
        base.mkdir(parents=True, exist_ok=True)
        staging.mkdir()
        unpack(source, request.build_dir, staging)
        if final.exists() or final.is_symlink():
            final.rename(old)
        staging.rename(final)
    except OSError as exc:
        raise Unprocessable(f"Could not install the frontend: {exc.strerror or exc}") from None
    finally:
        _remove(staging)
        _remove(old)
    return final


async def install(settings: Settings, request: InstallRequest) -> Path:
    """Install the build ``request`` names (see the module docstring); where it went."""
    source: Path | bytes = request.file if request.file is not None else b""
    if request.url is not None:
        source = await download(settings, request.url)
    return await asyncio.to_thread(_install_files, settings, request, source)


async def install_for(
    session: AsyncSession, settings: Settings, actor: Account, request: InstallRequest
) -> Path:
    """``install`` for a staff member: once the build is in place, its log entry (the
    caller commits it)."""
    installed = await install(settings, request)
    await log_action(session, actor, "frontend_install", name=request.name, ref=request.ref)
    return installed
