"""POST /api/v1/media, /api/v2/media, GET and PUT /api/v1/media/:id with real files; the
stored files, the rows, how /media serves them, and attaching them to a status."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from pyleroma.models import MediaAttachment
from tests import media_samples as samples

V1 = "/api/v1/media"
V2 = "/api/v2/media"
MEDIA_URL = "http://pyleroma.test/media/"


def stored(app, url: str):
    assert url.startswith(MEDIA_URL), url
    return app.state.settings.uploads_dir / url[len(MEDIA_URL) :]


def attachment_files(app) -> list:
    root = app.state.settings.uploads_dir / "attachments"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def media_rows(db) -> list[MediaAttachment]:
    async with db() as session:
        return list((await session.execute(select(MediaAttachment))).scalars())


async def upload(
    client, user, data, name="file.bin", content_type="application/octet-stream", url=V1, **fields
):
    return await client.post(
        url, files={"file": (name, data, content_type)}, data=fields, headers=user.headers
    )


async def served(client, url):
    return await client.get(url[len("http://pyleroma.test") :])


def assert_upload_headers(response, content_type):
    assert response.headers["content-type"] == content_type
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]
    assert "default-src 'none'" in response.headers["content-security-policy"]


# -- images ---------------------------------------------------------------------------------


async def test_png_upload_answers_the_attachment_and_is_served(client, factory, app, db):
    user = await factory.user("alice")
    data = samples.png_bytes((64, 48))
    response = await upload(
        client, user, data, name="../../../etc/passwd", description="A blue box", focus="0.5,-0.5"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "image"
    assert body["description"] == "A blue box"
    assert body["pleroma"] == {"mime_type": "image/png"}
    assert body["url"].startswith(MEDIA_URL + "attachments/") and body["url"].endswith(".png")
    assert "passwd" not in body["url"] and "etc" not in body["url"]
    assert body["preview_url"] == body["url"]  # small enough to be its own preview
    assert body["remote_url"] == body["url"] and body["text_url"] == body["url"]
    assert body["meta"]["original"] == {
        "width": 64,
        "height": 48,
        "size": "64x48",
        "aspect": 64 / 48,
    }
    assert body["meta"]["small"] == body["meta"]["original"]
    assert body["meta"]["focus"] == {"x": 0.5, "y": -0.5}
    assert len(body["blurhash"]) == 36

    [row] = await media_rows(db)
    assert str(row.id) == body["id"]
    assert row.account_id == user.account.id and row.status_id is None
    assert (row.type, row.mime_type) == ("image", "image/png")
    assert (row.focus_x, row.focus_y) == (0.5, -0.5)
    path = stored(app, body["url"])
    assert row.file_size == path.stat().st_size
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == (64, 48)

    page = await served(client, body["url"])
    assert page.status_code == 200
    assert page.content == path.read_bytes()
    assert_upload_headers(page, "image/png")


async def test_jpeg_loses_exif_and_gps_and_gets_a_thumbnail_v2(client, factory, app, db):
    user = await factory.user("alice")
    data = samples.jpeg_with_gps((1600, 900))
    response = await upload(
        client, user, data, name="holiday.jpg", content_type="image/jpeg", url=V2
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["pleroma"]["mime_type"] == "image/jpeg"
    assert body["meta"]["original"]["size"] == "1600x900"
    assert body["meta"]["small"] == {
        "width": 640,
        "height": 360,
        "size": "640x360",
        "aspect": 640 / 360,
    }
    assert body["preview_url"] != body["url"]

    original = stored(app, body["url"]).read_bytes()
    assert b"SpyCam" not in original and b"home sweet home" not in original
    with Image.open(io.BytesIO(original)) as image:
        assert image.size == (1600, 900)
        assert not image.getexif().get_ifd(samples.GPS_IFD)
        assert 0x010F not in image.getexif()
    thumb_path = stored(app, body["preview_url"])
    with Image.open(thumb_path) as thumb:
        thumb.load()
        assert thumb.size == (640, 360)
        assert not thumb.getexif()
    page = await served(client, body["preview_url"])
    assert_upload_headers(page, "image/jpeg")

    [row] = await media_rows(db)
    assert row.thumbnail_path and row.file_path
    assert row.blurhash == body["blurhash"] and len(row.blurhash) == 36
    assert sorted(attachment_files(app)) == sorted([stored(app, body["url"]), thumb_path])


async def test_animated_gif_is_an_animated_image_and_webp_is_webp(client, factory, app):
    user = await factory.user("alice")
    response = await upload(
        client, user, samples.animated_gif(), name="cat.mp4", content_type="video/mp4"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["type"], body["pleroma"]["mime_type"]) == ("image", "image/gif")
    with Image.open(stored(app, body["url"])) as image:
        assert image.n_frames == 4
    assert_upload_headers(await served(client, body["url"]), "image/gif")

    response = await upload(
        client, user, samples.webp_bytes(), name="x.png", content_type="image/png"
    )
    body = response.json()
    assert (body["type"], body["pleroma"]["mime_type"]) == ("image", "image/webp")
    assert body["url"].endswith(".webp")
    assert_upload_headers(await served(client, body["url"]), "image/webp")


async def test_the_client_declared_type_is_ignored(client, factory):
    user = await factory.user("alice")
    response = await upload(
        client, user, samples.png_bytes(), name="song.mp3", content_type="audio/mpeg"
    )
    body = response.json()
    assert (body["type"], body["pleroma"]["mime_type"]) == ("image", "image/png")
    assert body["url"].endswith(".png")


# -- video and audio --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind", "mime", "extension"),
    [
        (samples.mp4_bytes(), "video", "video/mp4", "mp4"),
        (samples.mp4_bytes(brand=b"qt  "), "video", "video/quicktime", "mov"),
        (samples.webm_bytes(), "video", "video/webm", "webm"),
        (samples.mp3_bytes(), "audio", "audio/mpeg", "mp3"),
        (samples.ogg_bytes(), "audio", "audio/ogg", "ogg"),
        (samples.wav_bytes(), "audio", "audio/wav", "wav"),
        (samples.flac_bytes(), "audio", "audio/flac", "flac"),
        (samples.mp4_bytes(brand=b"M4A ", handlers=(b"soun",)), "audio", "audio/mp4", "m4a"),
    ],
)
async def test_video_and_audio_are_stored_as_uploaded(
    client, factory, app, db, data, kind, mime, extension
):
    user = await factory.user("alice")
    response = await upload(client, user, data, name="clip.png", content_type="image/png")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["type"], body["pleroma"]["mime_type"]) == (kind, mime)
    assert body["url"].endswith(f".{extension}")
    assert body["meta"] == {} and body["blurhash"] is None
    assert body["preview_url"] == body["url"]  # no thumbnail: Pleroma's fallback
    assert stored(app, body["url"]).read_bytes() == data
    [row] = await media_rows(db)
    assert (row.type, row.mime_type, row.file_size) == (kind, mime, len(data))
    page = await served(client, body["url"])
    assert page.content == data
    assert_upload_headers(page, mime)


async def test_video_takes_a_custom_thumbnail(client, factory, app, db):
    user = await factory.user("alice")
    response = await client.post(
        V2,
        files={
            "file": ("v.mp4", samples.mp4_bytes(), "video/mp4"),
            "thumbnail": ("t.jpg", samples.jpeg_with_gps((1000, 800)), "image/jpeg"),
        },
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "video"
    assert body["preview_url"] != body["url"] and body["preview_url"].endswith(".jpg")
    assert body["meta"] == {
        "small": {"width": 640, "height": 512, "size": "640x512", "aspect": 1.25}
    }
    assert len(body["blurhash"]) == 36
    thumb = stored(app, body["preview_url"]).read_bytes()
    assert b"SpyCam" not in thumb
    assert stored(app, body["url"]).read_bytes() == samples.mp4_bytes()


async def test_thumbnail_errors(client, factory, app, db):
    user = await factory.user("alice")
    image_with_thumb = await client.post(
        V1,
        files={
            "file": ("a.png", samples.png_bytes(), "image/png"),
            "thumbnail": ("t.png", samples.png_bytes(), "image/png"),
        },
        headers=user.headers,
    )
    assert image_with_thumb.status_code == 422
    assert "thumbnail" in image_with_thumb.json()["error"]
    not_an_image = await client.post(
        V1,
        files={
            "file": ("a.mp3", samples.mp3_bytes(), "audio/mpeg"),
            "thumbnail": ("t.png", samples.HTML, "image/png"),
        },
        headers=user.headers,
    )
    assert not_an_image.status_code == 415
    assert not_an_image.json()["error"].startswith("thumbnail:")
    assert await media_rows(db) == [] and attachment_files(app) == []


# -- rejected uploads -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (samples.HTML, "innocent.png", "image/png"),
        (samples.SVG, "logo.svg", "image/svg+xml"),
        (samples.PDF, "doc.pdf", "application/pdf"),
        (samples.webm_bytes(doctype=b"matroska"), "film.mkv", "video/x-matroska"),
    ],
)
async def test_unaccepted_types_are_415_and_store_nothing(
    client, factory, app, db, data, name, content_type
):
    user = await factory.user("alice")
    response = await upload(client, user, data, name=name, content_type=content_type)
    assert response.status_code == 415
    assert response.json()["error"].startswith("file: not a supported type")
    assert await media_rows(db) == [] and attachment_files(app) == []


async def test_broken_image_is_422(client, factory, app, db):
    user = await factory.user("alice")
    data = samples.png_bytes((200, 200), noise=True)
    response = await upload(client, user, data[:300])
    assert response.status_code == 422
    assert response.json() == {"error": "file: the image could not be read"}
    assert await media_rows(db) == [] and attachment_files(app) == []


async def test_missing_empty_or_non_file_parameter_is_422(client, factory, db):
    user = await factory.user("alice")
    missing = await client.post(V1, data={"description": "x"}, headers=user.headers)
    assert missing.status_code == 422 and missing.json() == {"error": "file: is required"}
    as_json = await client.post(V2, json={"file": "aGVsbG8="}, headers=user.headers)
    assert as_json.status_code == 422 and "file" in as_json.json()["error"]
    empty = await upload(client, user, b"")
    assert empty.status_code == 422 and empty.json() == {"error": "file: the file is empty"}
    text_field = await client.post(
        V1, files={"other": ("x", b"1", "text/plain")}, data={"file": "text"}, headers=user.headers
    )
    assert text_field.status_code == 422
    assert await media_rows(db) == []


async def test_bad_description_and_focus_are_422(client, factory, app, db):
    user = await factory.user("alice")
    limit = app.state.settings.media_description_limit
    too_long = await upload(client, user, samples.png_bytes(), description="x" * (limit + 1))
    assert too_long.status_code == 422 and "description" in too_long.json()["error"]
    for focus in ("2,0", "abc", "0.5"):
        response = await upload(client, user, samples.png_bytes(), focus=focus)
        assert response.status_code == 422 and "focus" in response.json()["error"], focus
    assert await media_rows(db) == [] and attachment_files(app) == []


SMALL = {
    "max_upload_size": 20_000,
    "max_media_thumbnail_size": 5_000,
    "media_description_limit": 100,
}


@pytest.mark.parametrize("settings_overrides", [SMALL])
async def test_oversize_file_is_413_and_nothing_is_written(client, factory, app, db):
    user = await factory.user("alice")
    just_fits = samples.mp3_bytes() + b"\0" * (20_000 - len(samples.mp3_bytes()))
    assert (await upload(client, user, just_fits)).status_code == 200
    for url in (V1, V2):
        response = await upload(client, user, just_fits + b"\0", url=url)
        assert response.status_code == 413
        assert response.json() == {"error": "File is too large"}
    big_thumb = await client.post(
        V1,
        files={
            "file": ("a.mp3", samples.mp3_bytes(), "audio/mpeg"),
            "thumbnail": ("t.png", samples.png_bytes((200, 200), noise=True), "image/png"),
        },
        headers=user.headers,
    )
    assert big_thumb.status_code == 413
    assert len(await media_rows(db)) == 1 and len(attachment_files(app)) == 1


@pytest.mark.parametrize("settings_overrides", [SMALL])
async def test_huge_bodies_are_refused_without_reading_them(client, factory, app, db):
    from pyleroma.api.mastodon.media import body_limit

    user = await factory.user("alice")
    limit = body_limit(app.state.settings)
    boundary = "xyzzy"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.mp3"\r\n'
        "Content-Type: audio/mpeg\r\n\r\n"
    ).encode()
    chunk = b"\0" * 16_384
    chunks_total = limit // len(chunk) * 4
    sent = 0

    async def body():
        nonlocal sent
        yield head + samples.mp3_bytes()
        for _ in range(chunks_total):
            sent += 1
            yield chunk
        yield f"\r\n--{boundary}--\r\n".encode()

    headers = {**user.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    # Streamed without a length: reading stops at the cap.
    response = await client.post(V1, content=body(), headers=headers)
    assert response.status_code == 413
    assert sent < chunks_total / 2
    # A declared length over the cap is refused before the body is read.
    sent = 0
    declared = {**headers, "Content-Length": str(limit * 4)}
    response = await client.post(V1, content=body(), headers=declared)
    assert response.status_code == 413
    assert sent <= 1
    assert await media_rows(db) == [] and attachment_files(app) == []


async def test_too_many_file_parts_is_400(client, factory, db):
    user = await factory.user("alice")
    response = await client.post(
        V1,
        files=[("file", ("a.png", samples.png_bytes(), "image/png"))] * 3,
        headers=user.headers,
    )
    assert response.status_code == 400
    assert await media_rows(db) == []


# -- authentication and scopes ----------------------------------------------------------------


async def test_upload_needs_a_token_with_write_media(client, factory, db):
    files = {"file": ("a.png", samples.png_bytes(), "image/png")}
    for url in (V1, V2):
        assert (await client.post(url, files=files)).status_code == 401
    account = await factory.account("alice")
    read_only = await factory.token(account, ["read"])
    response = await client.post(V1, files=files, headers={"Authorization": f"Bearer {read_only}"})
    assert response.status_code == 403
    statuses_only = await factory.token(account, ["write:statuses"])
    response = await client.post(
        V2, files=files, headers={"Authorization": f"Bearer {statuses_only}"}
    )
    assert response.status_code == 403
    media_only = await factory.token(account, ["write:media"])
    response = await client.post(V2, files=files, headers={"Authorization": f"Bearer {media_only}"})
    assert response.status_code == 200
    assert len(await media_rows(db)) == 1


# -- GET and PUT /api/v1/media/:id ---------------------------------------------------------------


async def _uploaded(client, user, data=None, **fields) -> dict:
    response = await upload(client, user, data or samples.png_bytes(), **fields)
    assert response.status_code == 200, response.text
    return response.json()


async def test_get_own_media(client, factory):
    alice = await factory.user("alice")
    media = await _uploaded(client, alice, description="hello")
    response = await client.get(f"{V1}/{media['id']}", headers=alice.headers)
    assert response.status_code == 200
    assert response.json() == media
    # Pleroma asks read:media, Mastodon write:media: either works.
    for scopes in (["read:media"], ["write:media"], ["read"]):
        token = await factory.token(alice.account, scopes)
        response = await client.get(
            f"{V1}/{media['id']}", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, scopes


async def test_get_errors(client, factory):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    media = await _uploaded(client, alice)
    assert (await client.get(f"{V1}/{media['id']}")).status_code == 401
    token = await factory.token(alice.account, ["read:statuses"])
    response = await client.get(f"{V1}/{media['id']}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    response = await client.get(f"{V1}/{media['id']}", headers=bob.headers)
    assert response.status_code == 404 and response.json() == {"error": "Record not found"}
    for media_id in ("1", "nope", "99999999999999999999999"):
        assert (await client.get(f"{V1}/{media_id}", headers=alice.headers)).status_code == 404


async def test_put_changes_description_and_focus(client, factory, db):
    alice = await factory.user("alice")
    media = await _uploaded(client, alice, description="old", focus="0.1,0.1")
    response = await client.put(
        f"{V1}/{media['id']}", json={"description": "new alt text"}, headers=alice.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["description"] == "new alt text"
    assert body["meta"]["focus"] == {"x": 0.1, "y": 0.1}  # untouched
    response = await client.put(
        f"{V1}/{media['id']}", data={"focus": "-1,1"}, headers=alice.headers
    )
    assert response.json()["meta"]["focus"] == {"x": -1.0, "y": 1.0}
    assert response.json()["description"] == "new alt text"
    response = await client.put(
        f"{V1}/{media['id']}", json={"description": ""}, headers=alice.headers
    )
    assert response.json()["description"] is None
    async with db() as session:
        row = await session.get(MediaAttachment, int(media["id"]))
        assert (row.description, row.focus_x, row.focus_y) == (None, -1.0, 1.0)


async def test_put_errors(client, factory, app, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    media = await _uploaded(client, alice, description="kept")
    url = f"{V1}/{media['id']}"
    assert (await client.put(url, json={"description": "x"})).status_code == 401
    token = await factory.token(alice.account, ["read"])
    response = await client.put(
        url, json={"description": "x"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 403
    response = await client.put(url, json={"description": "x"}, headers=bob.headers)
    assert response.status_code == 404
    assert (
        await client.put(f"{V1}/42", json={"description": "x"}, headers=alice.headers)
    ).status_code == 404
    limit = app.state.settings.media_description_limit
    response = await client.put(url, json={"description": "x" * (limit + 1)}, headers=alice.headers)
    assert response.status_code == 422 and "description" in response.json()["error"]
    response = await client.put(url, json={"description": 5}, headers=alice.headers)
    assert response.status_code == 422
    for focus in ("3,3", "x,y", [0.1]):
        response = await client.put(url, json={"focus": focus}, headers=alice.headers)
        assert response.status_code == 422, focus
    response = await client.put(
        url, files={"thumbnail": ("t.png", samples.png_bytes(), "image/png")}, headers=alice.headers
    )
    assert response.status_code == 422  # images make their own preview
    async with db() as session:
        row = await session.get(MediaAttachment, int(media["id"]))
        assert row.description == "kept" and row.thumbnail_path is None


async def test_put_replaces_an_audio_thumbnail(client, factory, app):
    alice = await factory.user("alice")
    media = await _uploaded(client, alice, samples.mp3_bytes())
    first = await client.put(
        f"{V1}/{media['id']}",
        files={"thumbnail": ("t.png", samples.png_bytes((100, 100)), "image/png")},
        headers=alice.headers,
    )
    assert first.status_code == 200, first.text
    first_thumb = stored(app, first.json()["preview_url"])
    assert first_thumb.exists()
    second = await client.put(
        f"{V1}/{media['id']}",
        files={"thumbnail": ("t.webp", samples.webp_bytes(), "image/webp")},
        headers=alice.headers,
        data={"description": "a song"},
    )
    body = second.json()
    assert body["description"] == "a song"
    assert body["preview_url"].endswith(".webp")
    assert body["meta"]["small"]["size"] == "640x498"
    assert not first_thumb.exists()
    assert sorted(attachment_files(app)) == sorted(
        [stored(app, body["url"]), stored(app, body["preview_url"])]
    )


# -- attaching to a status ------------------------------------------------------------------


async def test_status_renders_its_media_and_refuses_anyone_elses(client, factory, db):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    first = await _uploaded(client, alice, samples.jpeg_with_gps(), description="photo")
    second = await _uploaded(client, alice, samples.mp3_bytes())
    bobs = await _uploaded(client, bob)
    response = await client.post(
        "/api/v1/statuses",
        json={"status": "", "media_ids": [second["id"], first["id"]]},
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text
    status = response.json()
    assert [m["id"] for m in status["media_attachments"]] == [second["id"], first["id"]]
    assert status["media_attachments"][1] == first
    shown = await client.get(f"/api/v1/statuses/{status['id']}", headers=bob.headers)
    assert shown.json()["media_attachments"] == status["media_attachments"]
    async with db() as session:
        row = await session.get(MediaAttachment, int(first["id"]))
        assert (row.status_id, row.position) == (int(status["id"]), 1)

    response = await client.post(
        "/api/v1/statuses",
        json={"status": "mine now", "media_ids": [bobs["id"]]},
        headers=alice.headers,
    )
    assert response.status_code == 422
    assert "media" in response.json()["error"]
    async with db() as session:
        row = await session.get(MediaAttachment, int(bobs["id"]))
        assert row.status_id is None
    # Attached media stays readable (and describable, as Pleroma-FE does when editing).
    response = await client.put(
        f"{V1}/{first['id']}", json={"description": "edited"}, headers=alice.headers
    )
    assert response.status_code == 200 and response.json()["description"] == "edited"


async def test_range_requests_are_served_with_the_sniffed_type(client, factory):
    user = await factory.user("alice")
    data = samples.mp4_bytes()
    media = await _uploaded(client, user, data, name="clip.bin")
    path = media["url"][len("http://pyleroma.test") :]
    response = await client.get(path, headers={"Range": "bytes=4-11"})
    assert response.status_code == 206
    assert response.content == data[4:12] == b"ftypisom"
    assert_upload_headers(response, "video/mp4")
    missing = await client.get(path.replace(".mp4", "0.mp4"))
    assert missing.status_code == 404
    assert missing.headers["content-type"] != "video/mp4"
