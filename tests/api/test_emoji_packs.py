"""The emoji pack API's pack routes: list, show, archive, create, update, delete, import
(api/pleroma/emoji_packs.py, services/emoji_packs/packs.py), under both prefixes."""

from __future__ import annotations

import hashlib
import json

import pytest

from pyleroma.services.text.emoji import EmojiRegistry
from tests.api.emoji_helpers import png, write
from tests.api.emoji_pack_helpers import (
    BLOBCAT,
    BLOBFOX,
    BLOBS_META,
    PREFIXES,
    admin_and_user,
    install,
    members,
    pack_json,
    shortcodes,
)

BAD_NAMES = ["../evil", "a/b", ".hidden", "..", "a\\b", "tab\there"]


@pytest.fixture
async def root(app):
    return install(app)


@pytest.fixture
async def people(factory):
    return await admin_and_user(factory)


# --- reading ---------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_list_packs_is_public_with_pleroma_shape(client, root, prefix):
    response = await client.get(f"{prefix}/emoji/packs")
    assert response.status_code == 200, response.text
    data = response.json()
    # Folders without pack.json (plain, txt) are not packs until imported.
    assert data["count"] == 2 and sorted(data["packs"]) == ["blobs", "private"]
    blobs = data["packs"]["blobs"]
    assert blobs["files"] == {"blobcat": "blobcat.png", "blobfox": "sub/blobfox.gif"}
    assert blobs["files_count"] == 2
    sha = blobs["pack"].pop("download-sha256")
    assert blobs["pack"] == {**BLOBS_META, "can-download": True}
    archive = await client.get(f"{prefix}/emoji/packs/archive", params={"name": "blobs"})
    assert hashlib.sha256(archive.content).hexdigest().upper() == sha
    private = data["packs"]["private"]
    assert private["pack"] == {"share-files": False, "can-download": False}
    assert private["files"] == {"secretcat": "private.png"} and private["files_count"] == 1


async def test_list_packs_pages(client, root):
    seen = []
    for page in (1, 2):
        data = (await client.get(f"/api/v1/pleroma/emoji/packs?page_size=1&page={page}")).json()
        assert data["count"] == 2 and len(data["packs"]) == 1
        seen += list(data["packs"])
    assert seen == ["blobs", "private"]
    past = (await client.get("/api/v1/pleroma/emoji/packs?page_size=1&page=3")).json()
    assert past == {"packs": {}, "count": 2}
    empty = (await client.get("/api/v1/pleroma/emoji/packs?page_size=0")).json()
    assert empty == {"packs": {}, "count": 2}


async def test_list_packs_without_emoji_directory(client):
    response = await client.get("/api/v1/pleroma/emoji/packs")
    assert response.status_code == 200 and response.json() == {"packs": {}, "count": 0}


@pytest.mark.parametrize("query", ["page=0", "page=x", "page_size=-1", "page_size=1.5"])
async def test_list_packs_bad_pages(client, root, query):
    response = await client.get(f"/api/v1/pleroma/emoji/packs?{query}")
    assert response.status_code == 422 and "error" in response.json()


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_show_pack_pages_its_files(client, root, prefix):
    response = await client.get(f"{prefix}/emoji/pack", params={"name": "blobs"})
    assert response.status_code == 200
    data = response.json()
    assert data["files"] == {"blobcat": "blobcat.png", "blobfox": "sub/blobfox.gif"}
    assert data["files_count"] == 2 and data["pack"]["can-download"] is True
    second = (await client.get(f"{prefix}/emoji/pack?name=blobs&page_size=1&page=2")).json()
    assert second["files"] == {"blobfox": "sub/blobfox.gif"} and second["files_count"] == 2
    none = (await client.get(f"{prefix}/emoji/pack?name=blobs&page_size=0")).json()
    assert none["files"] == {} and none["files_count"] == 2


async def test_show_pack_errors(client, root):
    missing = await client.get("/api/v1/pleroma/emoji/pack?name=non_existing")
    assert missing.status_code == 404
    assert missing.json() == {"error": "Pack non_existing does not exist"}
    blank = await client.get("/api/v1/pleroma/emoji/pack?name=%20")
    assert blank.status_code == 400 and blank.json() == {"error": "pack name cannot be empty"}
    assert (await client.get("/api/v1/pleroma/emoji/pack")).status_code == 400
    # A folder pack has no pack.json: not a pack for this API.
    assert (await client.get("/api/v1/pleroma/emoji/pack?name=plain")).status_code == 404
    write(root / "broken" / "pack.json", "{not json")
    broken = await client.get("/api/v1/pleroma/emoji/pack?name=broken")
    assert broken.status_code == 422 and "cannot be read" in broken.json()["error"]
    listed = (await client.get("/api/v1/pleroma/emoji/packs")).json()
    assert "broken" not in listed["packs"] and listed["count"] == 2


@pytest.mark.parametrize("name", BAD_NAMES)
async def test_names_reaching_outside_are_refused(client, root, name, tmp_path):
    write(tmp_path / "evil" / "pack.json", json.dumps({"files": {}, "pack": {}}))
    response = await client.get("/api/v1/pleroma/emoji/pack", params={"name": name})
    assert response.status_code == 400 and "single folder name" in response.json()["error"]


# --- archives --------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_archive_of_a_shared_pack(client, root, prefix):
    response = await client.get(f"{prefix}/emoji/packs/archive?name=blobs")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    assert "blobs.zip" in response.headers["content-disposition"]
    files = members(response.content)
    assert list(files) == ["pack.json", "blobcat.png", "sub/blobfox.gif"]
    assert files["blobcat.png"] == BLOBCAT and files["sub/blobfox.gif"] == BLOBFOX
    assert json.loads(files["pack.json"]) == pack_json(root, "blobs")
    # Built the same way every time: the digest listed is the digest served.
    again = await client.get(f"{prefix}/emoji/packs/archive?name=blobs")
    assert again.content == response.content


async def test_archive_refusals(client, root):
    private = await client.get("/api/v1/pleroma/emoji/packs/archive?name=private")
    assert private.status_code == 403
    assert private.json() == {
        "error": "Pack private cannot be downloaded from this instance, either pack sharing "
        "was disabled for this pack or some files are missing"
    }
    missing = await client.get("/api/v1/pleroma/emoji/packs/archive?name=nope")
    assert missing.status_code == 404 and missing.json() == {"error": "Pack nope does not exist"}
    bad = await client.get("/api/v1/pleroma/emoji/packs/archive?name=../blobs")
    assert bad.status_code == 400


@pytest.mark.parametrize("problem", ["missing", "escape", "symlink"])
async def test_shared_pack_with_a_bad_file_cannot_be_downloaded(client, root, tmp_path, problem):
    write(tmp_path / "secret.png", png())
    pack = pack_json(root, "blobs")
    if problem == "missing":
        (root / "blobs" / "blobcat.png").unlink()
    elif problem == "escape":
        pack["files"]["secret"] = "../../secret.png"
    else:
        (root / "blobs" / "link.png").symlink_to(tmp_path / "secret.png")
        pack["files"]["secret"] = "link.png"
    write(root / "blobs" / "pack.json", json.dumps(pack))
    shown = (await client.get("/api/v1/pleroma/emoji/pack?name=blobs")).json()
    assert shown["pack"]["can-download"] is False and "download-sha256" not in shown["pack"]
    response = await client.get("/api/v1/pleroma/emoji/packs/archive?name=blobs")
    assert response.status_code == 403


@pytest.mark.parametrize(
    "settings_overrides", [{"emoji_pack_max_files": 1}, {"emoji_pack_max_archive_size": 100}]
)
async def test_packs_past_the_caps_are_not_shared(client, root):
    shown = (await client.get("/api/v1/pleroma/emoji/pack?name=blobs")).json()
    assert shown["pack"]["can-download"] is False
    assert (await client.get("/api/v1/pleroma/emoji/packs/archive?name=blobs")).status_code == 403


# --- create and delete -----------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_create_and_delete_a_pack(client, root, people, prefix):
    admin = people[0]
    created = await client.post(f"{prefix}/emoji/pack?name=test_created", headers=admin.headers)
    assert created.status_code == 200 and created.json() == "ok"
    assert pack_json(root, "test_created") == {"files": {}, "pack": {}, "files_count": 0}
    shown = (await client.get(f"{prefix}/emoji/pack?name=test_created")).json()
    assert shown == {"files": {}, "files_count": 0, "pack": {"can-download": False}}
    again = await client.post(f"{prefix}/emoji/pack?name=test_created", headers=admin.headers)
    assert again.status_code == 409
    assert again.json() == {"error": 'A pack named "test_created" already exists'}
    deleted = await client.delete(f"{prefix}/emoji/pack?name=test_created", headers=admin.headers)
    assert deleted.status_code == 200 and deleted.json() == "ok"
    assert not (root / "test_created").exists()
    gone = await client.delete(f"{prefix}/emoji/pack?name=test_created", headers=admin.headers)
    assert gone.status_code == 404
    assert gone.json() == {"error": "Pack test_created does not exist"}


async def test_create_needs_an_admin(client, root, people):
    _admin, user, demoted = people
    url = "/api/v1/pleroma/emoji/pack?name=made"
    assert (await client.post(url)).status_code == 401
    scoped = await client.post(url, headers=user.headers)
    assert scoped.status_code == 403 and "admin:write" in scoped.json()["error"]
    not_admin = await client.post(url, headers=demoted.headers)
    assert not_admin.status_code == 403
    assert not_admin.json() == {"error": "User is not an admin."}
    for method in ("patch", "delete"):
        answer = await client.request(method.upper(), "/api/v1/pleroma/emoji/pack?name=blobs")
        assert answer.status_code == 401
        answer = await client.request(
            method.upper(), "/api/v1/pleroma/emoji/pack?name=blobs", headers=demoted.headers
        )
        assert answer.status_code == 403
    assert not (root / "made").exists() and (root / "blobs" / "pack.json").exists()


@pytest.mark.parametrize("name", [*BAD_NAMES, " "])
async def test_create_refuses_bad_names(client, root, people, name, tmp_path):
    response = await client.post(
        "/api/v1/pleroma/emoji/pack", params={"name": name}, headers=people[0].headers
    )
    assert response.status_code == 400 and "error" in response.json()
    assert not (root.parent / "evil").exists() and not (root / "a").exists()


async def test_delete_removes_emoji_at_once_and_only_links(client, root, people, tmp_path):
    admin = people[0]
    assert "blobcat" in await shortcodes(client)
    response = await client.delete("/api/v1/pleroma/emoji/pack?name=blobs", headers=admin.headers)
    assert response.status_code == 200
    assert "blobcat" not in await shortcodes(client) and not (root / "blobs").exists()
    # A folder pack (no pack.json) is deleted too, as in Pleroma.
    assert (
        await client.delete("/api/v1/pleroma/emoji/pack?name=plain", headers=admin.headers)
    ).json() == "ok"
    outside = write(tmp_path / "elsewhere" / "keep.png", png())
    (root / "linked").symlink_to(outside.parent)
    linked = await client.delete("/api/v1/pleroma/emoji/pack?name=linked", headers=admin.headers)
    assert linked.status_code == 200
    assert not (root / "linked").exists() and outside.exists()
    bad = await client.delete("/api/v1/pleroma/emoji/pack?name=..", headers=admin.headers)
    assert bad.status_code == 400 and root.exists()


# --- metadata --------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_update_metadata_replaces_it(client, root, people, prefix):
    new = {
        "license": "Test license changed",
        "homepage": "https://pleroma.social",
        "description": "Test description",
        "share-files": False,
        "can-download": True,  # computed: dropped
        "download-sha256": "AB",
    }
    response = await client.patch(
        f"{prefix}/emoji/pack?name=blobs", json={"metadata": new}, headers=people[0].headers
    )
    assert response.status_code == 200, response.text
    stored = {k: v for k, v in new.items() if k not in ("can-download", "download-sha256")}
    assert response.json() == stored
    assert pack_json(root, "blobs")["pack"] == stored
    assert pack_json(root, "blobs")["files"] == {
        "blobcat": "blobcat.png",
        "blobfox": "sub/blobfox.gif",
    }
    shown = (await client.get(f"{prefix}/emoji/pack?name=blobs")).json()
    assert shown["pack"]["can-download"] is False


async def test_update_metadata_from_a_form_and_flat_fields(client, root, people):
    form = await client.patch(
        "/api/v1/pleroma/emoji/pack?name=private",
        data={"metadata[share-files]": "true", "metadata[license]": "CC0"},
        headers=people[0].headers,
    )
    assert form.status_code == 200 and form.json() == {"share-files": True, "license": "CC0"}
    flat = await client.patch(
        "/api/v1/pleroma/emoji/pack?name=private",
        json={"description": "Flat", "share-files": "false"},
        headers=people[0].headers,
    )
    assert flat.json() == {"description": "Flat", "share-files": False}
    assert pack_json(root, "private")["pack"] == {"description": "Flat", "share-files": False}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 400),
        ({"metadata": "text"}, 422),
        ({"metadata": {"share-files": "maybe"}}, 422),
        ({"metadata": {"fallback-src": "ftp://x"}}, 422),
        ({"metadata": {"fallback-src-sha256": "zz"}}, 422),
        ({"metadata": {"license": {"nested": 1}}}, 422),
    ],
)
async def test_update_metadata_refuses_bad_values(client, root, people, body, status):
    before = pack_json(root, "blobs")
    response = await client.patch(
        "/api/v1/pleroma/emoji/pack?name=blobs", json=body, headers=people[0].headers
    )
    assert response.status_code == status and "error" in response.json()
    assert pack_json(root, "blobs") == before


async def test_update_metadata_of_unknown_pack(client, root, people):
    response = await client.patch(
        "/api/v1/pleroma/emoji/pack?name=nope", json={"metadata": {}}, headers=people[0].headers
    )
    assert response.status_code == 404


# --- import ----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_import_writes_pack_json_for_folder_packs(client, root, people, prefix):
    admin, user, _ = people
    assert (await client.get(f"{prefix}/emoji/packs/import")).status_code == 401
    assert (
        await client.get(f"{prefix}/emoji/packs/import", headers=user.headers)
    ).status_code == 403
    before = pack_json(root, "blobs")
    response = await client.get(f"{prefix}/emoji/packs/import", headers=admin.headers)
    assert response.status_code == 200 and response.json() == ["plain", "txt"]
    assert pack_json(root, "plain") == {
        "files": {"thinking": "thinking.png"},
        "pack": {},
        "files_count": 1,
    }
    assert pack_json(root, "txt")["files"] == {"party_one": "one.png", "twin": "one.png"}
    assert pack_json(root, "blobs") == before  # packs with pack.json are left alone
    listed = (await client.get(f"{prefix}/emoji/packs")).json()
    assert listed["count"] == 4 and listed["packs"]["plain"]["files_count"] == 1
    emoji = {e["shortcode"]: e for e in (await client.get("/api/v1/custom_emojis")).json()}
    assert emoji["thinking"]["tags"] == ["pack:plain"]  # now a pack.json pack
    again = await client.get(f"{prefix}/emoji/packs/import", headers=admin.headers)
    assert again.json() == []


async def test_import_without_emoji_directory(client, people):
    response = await client.get("/api/v1/pleroma/emoji/packs/import", headers=people[0].headers)
    assert response.status_code == 200 and response.json() == []


# --- every process sees changes --------------------------------------------------------


async def test_changes_reach_registries_of_other_processes(app, client, root, people):
    """A second registry over the same directory (another worker process) rereads the
    packs at its next lookup after a change, without being told."""
    other = EmojiRegistry(root.resolve(), [".png", ".gif"], "http://pyleroma.test")
    assert other.get("blobcat") is not None and other.get("made") is None
    admin = people[0]
    await client.post("/api/v1/pleroma/emoji/pack?name=made", headers=admin.headers)
    assert other.get("made") is None  # reloaded: the new pack is empty
    write(root / "made" / "made.png", png())
    pack = pack_json(root, "made")
    pack["files"] = {"made": "made.png"}
    write(root / "made" / "pack.json", json.dumps(pack))
    # Written behind the API's back: nobody has been told yet.
    assert other.get("made") is None
    await client.delete("/api/v1/pleroma/emoji/pack?name=private", headers=admin.headers)
    assert other.get("made") is not None and other.get("secretcat") is None
    assert "made" in await shortcodes(client)
