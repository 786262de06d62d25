"""GET and PUT /api/v1/pleroma/mascot (both prefixes): the default mascot, an uploaded image
kept as its attachment entity in Account.mascot, and only images taken (sniffed)."""

from __future__ import annotations

import pytest

from pyleroma.models import Account
from tests.media_samples import animated_gif, mp4_bytes, png_bytes, webp_bytes

PREFIXES = ("/api/v1/pleroma", "/api/pleroma")


async def _stored(db, account_id: int):
    async with db() as session:
        return (await session.get(Account, account_id)).mascot


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_default_mascot_then_an_upload(app, client, factory, db, prefix):
    alice = await factory.user("alice")
    base = app.state.settings.base_url

    default = await client.get(f"{prefix}/mascot", headers=alice.headers)

    assert default.status_code == 200
    assert default.json() == {
        "id": "default-mascot",
        "url": f"{base}/images/mascot.png",
        "preview_url": f"{base}/images/mascot.png",
        "pleroma": {"mime_type": "image/png"},
    }
    image = await client.get("/images/mascot.png")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"

    response = await client.put(
        f"{prefix}/mascot",
        files={"file": ("fox.png", png_bytes((1200, 600)), "image/png")},
        headers=alice.headers,
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "image"
    assert body["pleroma"] == {"mime_type": "image/png"}
    assert body["id"].isdigit()
    assert body["url"].startswith(f"{base}/media/accounts/mascots/")
    assert body["preview_url"] == body["url"]
    assert body["meta"]["original"]["width"] == 800  # shrunk to fit 800 x 800
    assert await _stored(db, alice.account.id) == body
    served = await client.get(body["url"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    again = await client.get(f"{prefix}/mascot", headers=alice.headers)
    assert again.json() == body


async def test_a_new_mascot_replaces_the_old_file(app, client, factory, db):
    alice = await factory.user("alice")
    url = "/api/v1/pleroma/mascot"
    first = await client.put(
        url, files={"file": ("a.gif", animated_gif(), "image/gif")}, headers=alice.headers
    )
    assert first.status_code == 200, first.text
    assert first.json()["pleroma"]["mime_type"] == "image/gif"
    uploads = app.state.settings.uploads_dir
    old = uploads / first.json()["url"].split("/media/", 1)[1]
    assert old.is_file()

    second = await client.put(
        url, files={"file": ("b.webp", webp_bytes((100, 80)), "image/webp")}, headers=alice.headers
    )

    assert second.status_code == 200
    assert second.json()["pleroma"]["mime_type"] == "image/webp"
    assert not old.exists()
    assert await _stored(db, alice.account.id) == second.json()
    assert len(list((uploads / "accounts" / "mascots").iterdir())) == 1


@pytest.mark.parametrize(
    "files, status, message",
    [
        ({"file": ("fox.png", b"plain text, not a picture", "image/png")}, 415,
         "mascots can only be images"),
        ({"file": ("clip.mp4", mp4_bytes(), "video/mp4")}, 415, "mascots can only be images"),
        ({"file": ("empty.png", b"", "image/png")}, 422, "file: the file is empty"),
        ({"other": ("fox.png", png_bytes(), "image/png")}, 422, "file: is required"),
    ],
)  # fmt: skip
async def test_what_is_not_an_image_is_refused(app, client, factory, db, files, status, message):
    alice = await factory.user("alice")
    response = await client.put("/api/pleroma/mascot", files=files, headers=alice.headers)
    assert (response.status_code, response.json()) == (status, {"error": message})
    assert await _stored(db, alice.account.id) is None
    assert not (app.state.settings.uploads_dir / "accounts" / "mascots").exists()


async def test_a_string_is_not_an_upload(client, factory, db):
    alice = await factory.user("alice")
    response = await client.put(
        "/api/v1/pleroma/mascot", json={"file": "data:image/png;base64,AAAA"}, headers=alice.headers
    )
    assert (response.status_code, response.json()) == (415, {"error": "mascots can only be images"})
    assert await _stored(db, alice.account.id) is None


@pytest.mark.parametrize("settings_overrides", [{"max_upload_size": 1500}])
async def test_a_mascot_over_the_upload_cap_is_413(client, factory, db):
    alice = await factory.user("alice")
    big = png_bytes((200, 200), noise=True)
    assert len(big) > 1500
    response = await client.put(
        "/api/v1/pleroma/mascot",
        files={"file": ("big.png", big, "image/png")},
        headers=alice.headers,
    )
    assert (response.status_code, response.json()) == (413, {"error": "File is too large"})
    assert await _stored(db, alice.account.id) is None


async def test_mascot_needs_the_right_scopes(client, factory):
    reader = await factory.user("reader", scopes=["read:accounts"])
    writer = await factory.user("writer", scopes=["write:accounts"])
    url = "/api/v1/pleroma/mascot"
    files = {"file": ("a.png", png_bytes(), "image/png")}
    assert (await client.get(url)).status_code == 401
    assert (await client.put(url, files=files)).status_code == 401
    assert (await client.get(url, headers=writer.headers)).status_code == 403
    assert (await client.put(url, files=files, headers=reader.headers)).status_code == 403
    assert (await client.get(url, headers=reader.headers)).status_code == 200
