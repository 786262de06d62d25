"""Profile images: real files made with Pillow, uploaded through update_credentials, stored
re-encoded, and served back from /media."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from pyleroma.models import Account
from pyleroma.services.media import images

URL = "/api/v1/accounts/update_credentials"
GPS_IFD = 0x8825


def png_bytes(size=(600, 600), color=(10, 120, 200, 255), noise=False) -> bytes:
    image = Image.new("RGBA", size, color)
    if noise:
        rng = random.Random(1)
        image.putdata(
            [tuple(rng.randrange(256) for _ in range(4)) for _ in range(size[0] * size[1])]
        )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def jpeg_with_gps(size=(2000, 900)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def animated_gif(frames=4, size=(300, 300)) -> bytes:
    images_ = [Image.new("RGB", size, (i * 60, 255 - i * 60, 0)) for i in range(frames)]
    out = io.BytesIO()
    images_[0].save(
        out,
        "GIF",
        save_all=True,
        append_images=images_[1:],
        duration=80,
        loop=0,
        comment=b"where-i-live",
    )
    return out.getvalue()


def media_path(app, url: str):
    prefix = "http://pyleroma.test/media/"
    assert url.startswith(prefix), url
    return app.state.settings.uploads_dir / url[len(prefix) :]


def stored_files(app) -> list:
    root = app.state.settings.uploads_dir / "accounts"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def reload(db, account_id: int) -> Account:
    async with db() as session:
        return await session.get(Account, account_id)


async def test_avatar_upload_is_reencoded_bounded_and_served(client, factory, app, db):
    user = await factory.user("alice")
    response = await client.patch(
        URL,
        files={"avatar": ("../../../../nested/me.png", png_bytes(), "image/png")},
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    avatar = response.json()["avatar"]
    assert avatar == response.json()["avatar_static"]
    assert "/nested/" not in avatar and avatar.endswith(".png")
    assert avatar.startswith("http://pyleroma.test/media/accounts/avatars/")
    stored = await reload(db, user.account.id)
    assert avatar.endswith(stored.avatar_path)

    served = await client.get(avatar.removeprefix("http://pyleroma.test"))
    assert served.status_code == 200
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in served.headers["content-security-policy"]
    decoded = Image.open(io.BytesIO(served.content))
    assert decoded.format == "PNG" and decoded.size == (400, 400)


async def test_jpeg_header_loses_its_exif_and_fits_the_header_box(client, factory, app):
    user = await factory.user("alice")
    original = jpeg_with_gps()
    assert GPS_IFD in Image.open(io.BytesIO(original)).getexif()
    response = await client.patch(
        URL, files={"header": ("holiday.jpg", original, "image/jpeg")}, headers=user.headers
    )
    assert response.status_code == 200, response.text
    path = media_path(app, response.json()["header"])
    data = path.read_bytes()
    stored = Image.open(io.BytesIO(data))
    assert stored.format == "JPEG" and stored.size == (1111, 500)
    assert dict(stored.getexif()) == {}
    assert b"Exif" not in data and b"SpyCam" not in data


async def test_background_image_and_animated_gif(client, factory, app):
    user = await factory.user("alice")
    response = await client.patch(
        URL,
        files={"pleroma_background_image": ("bg.gif", animated_gif(), "image/gif")},
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    url = response.json()["pleroma"]["background_image"]
    assert url.startswith("http://pyleroma.test/media/accounts/backgrounds/")
    data = media_path(app, url).read_bytes()
    stored = Image.open(io.BytesIO(data))
    assert stored.format == "GIF" and stored.n_frames == 4
    assert b"where-i-live" not in data


async def test_a_text_file_named_png_is_refused(client, factory, app, db):
    user = await factory.user("alice")
    response = await client.patch(
        URL,
        files={"avatar": ("evil.png", b"<script>alert(1)</script>", "image/png")},
        headers=user.headers,
    )
    assert response.status_code == 415
    assert response.json() == {"error": "avatar: not a supported image (PNG, JPEG, GIF or WebP)"}
    assert (await reload(db, user.account.id)).avatar_path is None
    assert stored_files(app) == []


async def test_a_decompression_bomb_is_refused(client, factory, app):
    user = await factory.user("alice")
    bomb = io.BytesIO()
    Image.new("1", (12000, 12000)).save(bomb, "PNG")
    assert len(bomb.getvalue()) < 100_000
    response = await client.patch(
        URL, files={"header": ("bomb.png", bomb.getvalue(), "image/png")}, headers=user.headers
    )
    assert response.status_code == 422
    assert response.json() == {"error": "header: image has too many pixels"}
    assert stored_files(app) == []


@pytest.mark.parametrize("settings_overrides", [{"max_avatar_size": 5000}])
async def test_an_oversize_file_is_413(client, factory, app, db):
    user = await factory.user("alice")
    big = png_bytes((100, 100), noise=True)
    assert len(big) > 5000
    response = await client.patch(
        URL, files={"avatar": ("big.png", big, "image/png")}, headers=user.headers
    )
    assert response.status_code == 413
    assert response.json() == {"error": "File is too large"}
    assert (await reload(db, user.account.id)).avatar_path is None
    small = png_bytes((50, 50))
    response = await client.patch(
        URL, files={"avatar": ("small.png", small, "image/png")}, headers=user.headers
    )
    assert response.status_code == 200


async def test_replacing_and_removing_deletes_the_old_file(client, factory, app, db):
    user = await factory.user("alice")
    first = await client.patch(
        URL, files={"avatar": ("a.png", png_bytes(), "image/png")}, headers=user.headers
    )
    first_path = media_path(app, first.json()["avatar"])
    assert first_path.exists()
    second = await client.patch(
        URL,
        files={"avatar": ("b.png", png_bytes(color=(0, 0, 0, 255)), "image/png")},
        headers=user.headers,
    )
    second_path = media_path(app, second.json()["avatar"])
    assert second_path.exists() and not first_path.exists()
    assert second_path != first_path

    removed = await client.patch(URL, data={"avatar": ""}, headers=user.headers)
    assert removed.status_code == 200
    assert removed.json()["avatar"] == "http://pyleroma.test/images/avi.png"
    assert not second_path.exists()
    assert (await reload(db, user.account.id)).avatar_path is None


async def test_a_bad_second_image_leaves_nothing_written(client, factory, app, db):
    user = await factory.user("alice")
    response = await client.patch(
        URL,
        files={
            "avatar": ("a.png", png_bytes(), "image/png"),
            "header": ("h.png", b"GIF89a but not really", "image/png"),
        },
        data={"display_name": "New"},
        headers=user.headers,
    )
    assert response.status_code == 415
    stored = await reload(db, user.account.id)
    assert stored.avatar_path is None and stored.header_path is None
    assert stored.display_name is None
    assert stored_files(app) == []


async def test_an_empty_file_input_changes_nothing(client, factory, app, db):
    user = await factory.user("alice")
    await client.patch(
        URL, files={"avatar": ("a.png", png_bytes(), "image/png")}, headers=user.headers
    )
    before = (await reload(db, user.account.id)).avatar_path
    # What a browser sends for a file input left empty (httpx would drop the filename).
    body = (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="avatar"; filename=""\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n"
        b"\r\n--XyZ--\r\n"
    )
    response = await client.patch(
        URL,
        content=body,
        headers={**user.headers, "content-type": "multipart/form-data; boundary=XyZ"},
    )
    assert response.status_code == 200, response.text
    assert (await reload(db, user.account.id)).avatar_path == before


def test_process_image_keeps_webp_and_fits_without_enlarging():
    out = io.BytesIO()
    Image.new("RGB", (120, 80), (1, 2, 3)).save(out, "WEBP")
    processed = images.process_image(out.getvalue(), images.HEADER)
    assert processed.extension == "webp" and (processed.width, processed.height) == (120, 80)


def test_stored_path_never_leaves_the_uploads_dir(tmp_path):
    from pyleroma.settings import Settings

    settings = Settings(data_dir=tmp_path)
    assert images.stored_path(settings, "accounts/../../etc/passwd") is None
    assert images.stored_path(settings, "https://remote.example/a.png") is None
    assert images.stored_path(settings, "media/other.png") is None
    assert images.stored_path(settings, "accounts/avatars/x.png") == (
        settings.uploads_dir.resolve() / "accounts/avatars/x.png"
    )
