"""The emoji pack API's file routes: add (upload, URL, zip), rename/move, delete
(api/pleroma/emoji_packs.py, services/emoji_packs/files.py), under both prefixes."""

from __future__ import annotations

import json

import pytest

from tests.api.emoji_helpers import HTML, png, write
from tests.api.emoji_pack_helpers import (
    BLOBCAT,
    PREFIXES,
    SVG,
    admin_and_user,
    install,
    pack_json,
    shortcodes,
    zip_of,
)
from tests.federation.remote_server import RemoteServer

NEW = png((1, 100, 200, 255))
BLOBS_FILES = {"blobcat": "blobcat.png", "blobfox": "sub/blobfox.gif"}


@pytest.fixture
async def root(app):
    return install(app)


@pytest.fixture
async def admin(factory):
    return (await admin_and_user(factory))[0]


@pytest.fixture
async def remote():
    server = await RemoteServer("127.0.0.2").start()
    yield server
    await server.stop()


def upload(data: bytes, name: str = "new.png", content_type: str = "image/png"):
    return {"file": (name, data, content_type)}


async def add(client, admin, pack="blobs", data=NEW, name="new.png", prefix=PREFIXES[0], **form):
    return await client.post(
        f"{prefix}/emoji/packs/files?name={pack}",
        files=upload(data, name),
        data=form,
        headers=admin.headers,
    )


# --- adding ----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_add_an_uploaded_file(client, root, admin, prefix):
    response = await add(client, admin, prefix=prefix, shortcode="blank3", filename="dir/blank.png")
    assert response.status_code == 200, response.text
    assert response.json() == {**BLOBS_FILES, "blank3": "dir/blank.png"}
    assert (root / "blobs" / "dir" / "blank.png").read_bytes() == NEW
    assert pack_json(root, "blobs")["files"] == response.json()
    assert pack_json(root, "blobs")["files_count"] == 3
    # Visible at once, and served.
    emoji = {e["shortcode"]: e for e in (await client.get("/api/v1/custom_emojis")).json()}
    assert emoji["blank3"]["url"].endswith("/emoji/blobs/dir/blank.png")
    served = await client.get("/emoji/blobs/dir/blank.png")
    assert served.status_code == 200 and served.content == NEW


async def test_add_without_shortcode_or_filename_takes_the_uploads_name(client, root, admin):
    response = await add(client, admin, name="shortcode.png")
    assert response.json() == {**BLOBS_FILES, "shortcode": "shortcode.png"}
    assert (root / "blobs" / "shortcode.png").read_bytes() == NEW


async def test_add_from_a_url(client, root, admin, remote):
    remote.raw("/pics/blank_url.png", NEW, "image/png")
    response = await client.post(
        "/api/v1/pleroma/emoji/packs/files?name=blobs",
        json={"shortcode": "blank_url", "file": f"{remote.base}/pics/blank_url.png"},
        headers=admin.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {**BLOBS_FILES, "blank_url": "blank_url.png"}
    assert (root / "blobs" / "blank_url.png").read_bytes() == NEW
    assert "blank_url" in await shortcodes(client)


@pytest.mark.parametrize(
    ("path", "body", "content_type", "status"),
    [
        ("/page.png", HTML, "image/png", 415),
        ("/vector.svg", SVG, "image/svg+xml", 415),
        ("/missing.png", None, None, 422),
    ],
)
async def test_add_from_a_url_refusals(
    client, root, admin, remote, path, body, content_type, status
):
    if body is not None:
        remote.raw(path, body, content_type)
    response = await client.post(
        "/api/v1/pleroma/emoji/packs/files?name=blobs",
        json={"shortcode": "fetched", "file": f"{remote.base}{path}"},
        headers=admin.headers,
    )
    assert response.status_code == status and "error" in response.json()
    assert pack_json(root, "blobs")["files"] == BLOBS_FILES
    assert not list((root / "blobs").glob("fetched*")) and not (root / "blobs" / path[1:]).exists()


@pytest.mark.parametrize("settings_overrides", [{"emoji_max_file_size": 200}])
async def test_too_large_files_are_refused(client, root, admin, remote):
    big = png(size=(300, 300))
    assert len(big) > 200
    response = await add(client, admin, data=big, shortcode="big")
    assert response.status_code == 413 and response.json() == {"error": "File is too large"}
    remote.raw("/big.png", big, "image/png")
    fetched = await client.post(
        "/api/v1/pleroma/emoji/packs/files?name=blobs",
        json={"shortcode": "big", "file": f"{remote.base}/big.png"},
        headers=admin.headers,
    )
    assert fetched.status_code == 413
    assert pack_json(root, "blobs")["files"] == BLOBS_FILES


@pytest.mark.parametrize("settings_overrides", [{"allow_private_fetch": False}])
async def test_urls_to_private_addresses_are_not_fetched(client, root, admin, remote):
    remote.raw("/inside.png", NEW, "image/png")
    response = await client.post(
        "/api/v1/pleroma/emoji/packs/files?name=blobs",
        json={"shortcode": "inside", "file": f"{remote.base}/inside.png"},
        headers=admin.headers,
    )
    assert response.status_code == 422 and "not a public address" in response.json()["error"]
    assert remote.seen == [] and pack_json(root, "blobs")["files"] == BLOBS_FILES


@pytest.mark.parametrize(
    ("form", "data", "status", "error"),
    [
        (
            {"shortcode": "blobcat"},
            NEW,
            409,
            'An emoji with the "blobcat" shortcode already exists',
        ),
        # thinking is in a folder pack: still a loaded emoji.
        ({"shortcode": "thinking"}, NEW, 409, None),
        (
            {"shortcode": "x", "filename": ""},
            NEW,
            422,
            "pack name, shortcode or filename cannot be empty",
        ),
        ({"shortcode": "bad code"}, NEW, 422, None),
        ({"shortcode": "x", "filename": "blobcat.png"}, NEW, 409, None),
        ({"shortcode": "x"}, HTML, 415, None),
        ({"shortcode": "x"}, SVG, 415, None),
        ({"shortcode": "x"}, b"", 422, None),
    ],
)
async def test_add_refusals(client, root, admin, form, data, status, error):
    response = await add(client, admin, data=data, **form)
    assert response.status_code == status, response.text
    if error is not None:
        assert response.json() == {"error": error}
    assert pack_json(root, "blobs")["files"] == BLOBS_FILES
    assert (root / "blobs" / "blobcat.png").read_bytes() == BLOBCAT


@pytest.mark.parametrize(
    "filename",
    [
        "../evil.png",
        "/tmp/evil.png",
        "a\\evil.png",
        ".hidden.png",
        "pack.json",
        "sub/../../evil.png",
        "x/./../../evil.png",
    ],
)
async def test_add_refuses_paths_outside_the_pack(client, root, admin, filename):
    response = await add(client, admin, shortcode="evil", filename=filename)
    assert response.status_code == 422, response.text
    assert not (root / "evil.png").exists() and not (root / "blobs" / ".hidden.png").exists()
    assert pack_json(root, "blobs")["files"] == BLOBS_FILES


async def test_add_refuses_a_folder_linked_outside(client, root, admin, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "blobs" / "out").symlink_to(outside)
    response = await add(client, admin, shortcode="evil", filename="out/evil.png")
    assert response.status_code == 422 and list(outside.iterdir()) == []


async def test_add_errors_of_pack_and_auth(client, root, admin, factory):
    missing = await add(client, admin, pack="not_loaded", shortcode="x")
    assert missing.status_code == 404 and missing.json() == {
        "error": 'pack "not_loaded" is not found'
    }
    no_file = await client.post(
        "/api/v1/pleroma/emoji/packs/files?name=blobs",
        json={"shortcode": "x"},
        headers=admin.headers,
    )
    assert no_file.status_code == 400 and no_file.json() == {"error": "Missing field: file."}
    bad_name = await add(client, admin, pack="..", shortcode="x")
    assert bad_name.status_code == 400
    assert (
        await client.post("/api/v1/pleroma/emoji/packs/files?name=blobs", files=upload(NEW))
    ).status_code == 401
    _admin, user, demoted = await admin_and_user_again(factory)
    assert (await add(client, user, shortcode="x")).status_code == 403
    assert (await add(client, demoted, shortcode="x")).status_code == 403
    assert pack_json(root, "blobs")["files"] == BLOBS_FILES


async def admin_and_user_again(factory):
    user = await factory.user("plainuser")
    demoted = await factory.user("exadmin", scopes=["read", "write", "admin"])
    return None, user, demoted


async def test_add_a_zip_of_images(client, root, admin, tmp_path):
    archive = zip_of(
        {
            "128px/a_friend-128.png": png((1, 1, 1, 255)),
            "auroraborealis.png": png((2, 2, 2, 255)),
            "blobcat.png": png((3, 3, 3, 255)),  # shortcode taken: skipped
            "notes/readme.png": HTML,  # not an image: skipped
            "../escape.png": png(),  # outside: skipped
            "pack.json": b"{}",
        }
    )
    response = await add(client, admin, data=archive, name="emojis.zip")
    assert response.status_code == 200, response.text
    assert response.json() == {
        **BLOBS_FILES,
        "a_friend-128": "128px/a_friend-128.png",
        "auroraborealis": "auroraborealis.png",
    }
    assert (root / "blobs" / "128px" / "a_friend-128.png").exists()
    assert (root / "blobs" / "blobcat.png").read_bytes() == BLOBCAT
    assert not (root / "escape.png").exists() and not (root / "blobs" / "notes").exists()
    assert {"a_friend-128", "auroraborealis"} <= set(await shortcodes(client))


@pytest.mark.parametrize("settings_overrides", [{"emoji_max_file_size": 5000}])
async def test_a_zip_bomb_is_stopped_while_decompressing(client, root, admin):
    bomb = zip_of({"bomb.png": b"\x89PNG\r\n\x1a\n" + b"\0" * 5_000_000})
    assert len(bomb) < 10_000
    response = await add(client, admin, data=bomb, name="bomb.zip")
    assert response.status_code == 413 and "too large" in response.json()["error"]
    assert not (root / "blobs" / "bomb.png").exists()


# --- renaming and moving ---------------------------------------------------------------


async def patch(client, admin, prefix=PREFIXES[0], pack="blobs", **body):
    return await client.patch(
        f"{prefix}/emoji/packs/files?name={pack}", json=body, headers=admin.headers
    )


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_rename_and_move_a_file(client, root, admin, prefix):
    added = await add(client, admin, prefix=prefix, shortcode="blank4", filename="dir/blank.png")
    assert added.status_code == 200
    response = await patch(
        client,
        admin,
        prefix,
        shortcode="blank4",
        new_shortcode="blank3",
        new_filename="dir_2/blank_3.png",
    )
    assert response.status_code == 200, response.text
    assert response.json() == {**BLOBS_FILES, "blank3": "dir_2/blank_3.png"}
    assert not (root / "blobs" / "dir").exists()  # emptied folder removed
    assert (root / "blobs" / "dir_2" / "blank_3.png").read_bytes() == NEW
    codes = await shortcodes(client)
    assert "blank3" in codes and "blank4" not in codes


async def test_rename_conflicts_and_force(client, root, admin):
    response = await patch(
        client, admin, shortcode="blobfox", new_shortcode="blobcat", new_filename="dir_2/fox.gif"
    )
    assert response.status_code == 409
    assert response.json() == {
        "error": 'New shortcode "blobcat" is already used. If you want to override emoji use '
        "'force' option"
    }
    assert pack_json(root, "blobs")["files"] == BLOBS_FILES
    forced = await patch(
        client,
        admin,
        shortcode="blobfox",
        new_shortcode="blobcat",
        new_filename="dir_2/fox.gif",
        force=True,
    )
    assert forced.status_code == 200
    assert forced.json() == {"blobcat": "dir_2/fox.gif"}
    # Same shortcode, new file name: a move, no force needed; a used name needs force.
    moved = await patch(
        client, admin, shortcode="blobcat", new_shortcode="blobcat", new_filename="fox.gif"
    )
    assert moved.json() == {"blobcat": "fox.gif"}
    taken = await patch(
        client, admin, shortcode="blobcat", new_shortcode="blobcat", new_filename="blobcat.png"
    )
    assert taken.status_code == 409


async def test_rename_keeps_a_file_another_emoji_uses(client, root, admin):
    pack = pack_json(root, "blobs")
    pack["files"]["twin"] = "blobcat.png"
    write(root / "blobs" / "pack.json", json.dumps(pack))
    response = await patch(
        client, admin, shortcode="twin", new_shortcode="twin", new_filename="twin.png"
    )
    assert response.status_code == 200
    assert (root / "blobs" / "blobcat.png").exists() and (root / "blobs" / "twin.png").exists()


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (
            {"shortcode": "blank3", "new_shortcode": "blank4", "new_filename": "x.png"},
            400,
            'Emoji "blank3" does not exist',
        ),
        ({"shortcode": "blobcat", "new_filename": "x.png"}, 400, "Missing field: new_shortcode."),
        (
            {"shortcode": "blobcat", "new_shortcode": "", "new_filename": "x.png"},
            422,
            "new_shortcode or new_filename cannot be empty",
        ),
        ({"shortcode": "blobcat", "new_shortcode": "a b", "new_filename": "x.png"}, 422, None),
        ({"shortcode": "blobcat", "new_shortcode": "c", "new_filename": "../../x.png"}, 422, None),
        ({"shortcode": "blobcat", "new_shortcode": "c", "new_filename": "emoji.txt"}, 422, None),
    ],
)
async def test_rename_refusals(client, root, admin, body, status, error):
    response = await patch(client, admin, **body)
    assert response.status_code == status, response.text
    if error:
        assert response.json() == {"error": error}
    assert pack_json(root, "blobs")["files"] == BLOBS_FILES
    assert not (root / "x.png").exists()


async def test_rename_errors_of_pack_and_auth(client, root, admin, factory):
    body = {"shortcode": "blobcat", "new_shortcode": "b", "new_filename": "b.png"}
    missing = await patch(client, admin, pack="not_loaded", **body)
    assert missing.status_code == 404 and missing.json() == {
        "error": 'pack "not_loaded" is not found'
    }
    assert (
        await client.patch("/api/v1/pleroma/emoji/packs/files?name=blobs", json=body)
    ).status_code == 401
    user = await factory.user("plain")
    assert (await patch(client, user, **body)).status_code == 403
    assert pack_json(root, "blobs")["files"] == BLOBS_FILES


# --- deleting --------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_delete_a_file(client, root, admin, prefix):
    response = await client.delete(
        f"{prefix}/emoji/packs/files?name=blobs&shortcode=blobfox", headers=admin.headers
    )
    assert response.status_code == 200 and response.json() == {"blobcat": "blobcat.png"}
    assert not (root / "blobs" / "sub").exists()
    assert "blobfox" not in await shortcodes(client)


async def test_delete_keeps_a_file_another_emoji_uses(client, root, admin):
    pack = pack_json(root, "blobs")
    pack["files"]["twin"] = "blobcat.png"
    write(root / "blobs" / "pack.json", json.dumps(pack))
    response = await client.delete(
        "/api/v1/pleroma/emoji/packs/files?name=blobs&shortcode=twin", headers=admin.headers
    )
    assert response.json() == BLOBS_FILES and (root / "blobs" / "blobcat.png").exists()


async def test_delete_refusals(client, root, admin, factory):
    url = "/api/v1/pleroma/emoji/packs/files"
    absent = await client.delete(f"{url}?name=blobs&shortcode=blank3", headers=admin.headers)
    assert absent.status_code == 400 and absent.json() == {"error": 'Emoji "blank3" does not exist'}
    empty = await client.delete(f"{url}?name=blobs&shortcode=", headers=admin.headers)
    assert empty.status_code == 422
    assert empty.json() == {"error": "pack name or shortcode cannot be empty"}
    unknown = await client.delete(f"{url}?name=not_loaded&shortcode=", headers=admin.headers)
    assert unknown.status_code == 404 and unknown.json() == {
        "error": 'pack "not_loaded" is not found'
    }
    no_code = await client.delete(f"{url}?name=blobs", headers=admin.headers)
    assert no_code.status_code == 400
    assert (await client.delete(f"{url}?name=blobs&shortcode=blobcat")).status_code == 401
    user = await factory.user("plain")
    forbidden = await client.delete(f"{url}?name=blobs&shortcode=blobcat", headers=user.headers)
    assert forbidden.status_code == 403
    assert (
        pack_json(root, "blobs")["files"] == BLOBS_FILES
        and (root / "blobs" / "blobcat.png").exists()
    )
