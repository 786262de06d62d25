"""PATCH /api/v1/pleroma/accounts/update_avatar, update_banner and update_background (both
prefixes): ``img`` as an upload or a base64 data: URL, empty to remove; ``{"url": ...}``;
stored, re-encoded and federated as update_credentials does."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from pyleroma.federation.delivery import DELIVER_JOB
from pyleroma.models import Account, Follow, Job
from tests.api.relationship_helpers import remote_account
from tests.media_samples import jpeg_with_gps, mp4_bytes, png_bytes

PREFIXES = ("/api/v1/pleroma", "/api/pleroma")
TARGETS = {
    # route -> (Account column, where the entity shows it)
    "update_avatar": ("avatar_path", "avatar"),
    "update_banner": ("header_path", "header"),
    "update_background": ("background_path", "background_image"),
}


def data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


async def _column(db, account_id: int, column: str):
    async with db() as session:
        return getattr(await session.get(Account, account_id), column)


def _shown(entity: dict, key: str):
    return entity["pleroma"][key] if key == "background_image" else entity[key]


async def _me(client, user) -> dict:
    response = await client.get("/api/v1/accounts/verify_credentials", headers=user.headers)
    return response.json()


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("route", sorted(TARGETS))
async def test_upload_sets_and_empty_string_clears(app, client, factory, db, prefix, route):
    alice = await factory.user("alice")
    column, key = TARGETS[route]
    url = f"{prefix}/accounts/{route}"
    files = {"img": ("me.png", png_bytes((120, 90)), "image/png")}

    response = await client.patch(url, files=files, headers=alice.headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["url"]
    stored = await _column(db, alice.account.id, column)
    assert stored and stored.startswith("accounts/") and stored.endswith(".png")
    assert body["url"] == f"{app.state.settings.base_url}/media/{stored}"
    path = app.state.settings.uploads_dir / stored
    assert path.is_file()
    assert _shown(await _me(client, alice), key) == body["url"]
    served = await client.get(body["url"])
    assert served.status_code == 200 and served.content == path.read_bytes()

    cleared = await client.patch(url, data={"img": ""}, headers=alice.headers)

    assert (cleared.status_code, cleared.json()) == (200, {"url": None})
    assert await _column(db, alice.account.id, column) is None
    assert not path.exists()  # the replaced file is removed


@pytest.mark.parametrize("route", sorted(TARGETS))
async def test_a_data_url_is_decoded_and_reencoded(app, client, factory, db, route):
    alice = await factory.user("alice")
    column, _ = TARGETS[route]
    jpeg = jpeg_with_gps((300, 200))

    response = await client.patch(
        f"/api/v1/pleroma/accounts/{route}",
        json={"img": data_url(jpeg, "image/jpeg")},
        headers=alice.headers,
    )

    assert response.status_code == 200, response.text
    stored = await _column(db, alice.account.id, column)
    assert stored.endswith(".jpg")
    written = (app.state.settings.uploads_dir / stored).read_bytes()
    assert written != jpeg and b"Exif" not in written  # re-encoded, metadata gone


async def test_update_banner_takes_pleromas_banner_parameter(client, factory, db):
    alice = await factory.user("alice")
    response = await client.patch(
        "/api/pleroma/accounts/update_banner",
        json={"banner": data_url(png_bytes())},
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["url"].endswith(await _column(db, alice.account.id, "header_path"))


async def test_a_new_avatar_is_federated_to_followers(app, client, factory, db):
    alice = await factory.user("alice")
    bob = await remote_account(db, "bob", "remote.example", inbox="https://remote.example/inbox")
    async with db() as session:
        session.add(Follow(follower_id=bob.id, followed_id=alice.account.id))
        await session.commit()

    response = await client.patch(
        "/api/v1/pleroma/accounts/update_avatar",
        files={"img": ("a.png", png_bytes(), "image/png")},
        headers=alice.headers,
    )

    assert response.status_code == 200
    async with db() as session:
        [job] = (await session.scalars(select(Job).where(Job.kind == DELIVER_JOB))).all()
    assert job.args["inbox"] == "https://remote.example/inbox"
    update = job.args["activity"]
    assert update["type"] == "Update" and update["object"]["type"] == "Person"
    assert update["object"]["icon"]["url"] == response.json()["url"]


@pytest.mark.parametrize(
    "body, status, message",
    [
        ({"img": data_url(b"just some text", "text/plain")}, 415, None),
        ({"img": data_url(mp4_bytes(), "video/mp4")}, 415, None),
        ({"img": "data:image/png;base64,@@not base64@@"}, 422,
         "img: the data: URL is not valid base64"),
        ({"img": "data:image/png,plain"}, 422, "img: a data: URL must be base64-encoded"),
        ({"img": "https://example.com/me.png"}, 422, None),
        ({"img": ["a"]}, 422, None),
        ({}, 422, "img: is required (an image, or an empty string to remove it)"),
        ({"img": data_url(png_bytes(noise=True)[:200])}, 422,
         "avatar: the image could not be read"),
    ],
)  # fmt: skip
async def test_bad_images_are_refused_and_nothing_changes(
    app, client, factory, db, body, status, message
):
    alice = await factory.user("alice")
    before = await _column(db, alice.account.id, "avatar_path")

    response = await client.patch(
        "/api/v1/pleroma/accounts/update_avatar", json=body, headers=alice.headers
    )

    assert response.status_code == status, response.text
    assert list(response.json()) == ["error"]
    if message:
        assert response.json()["error"] == message
    assert await _column(db, alice.account.id, "avatar_path") == before
    assert not (app.state.settings.uploads_dir / "accounts" / "avatars").exists()


async def test_a_non_image_upload_is_415(client, factory):
    alice = await factory.user("alice")
    response = await client.patch(
        "/api/pleroma/accounts/update_background",
        files={"img": ("fake.png", b"%PDF-1.4 not an image", "image/png")},
        headers=alice.headers,
    )
    assert response.status_code == 415
    assert "not a supported image" in response.json()["error"]


@pytest.mark.parametrize("settings_overrides", [{"max_avatar_size": 2000}])
async def test_an_image_over_the_cap_is_413(client, factory, db):
    alice = await factory.user("alice")
    big = png_bytes((300, 300), noise=True)
    assert len(big) > 2000
    for body in ({"img": data_url(big)},):
        response = await client.patch(
            "/api/v1/pleroma/accounts/update_avatar", json=body, headers=alice.headers
        )
        assert (response.status_code, response.json()) == (413, {"error": "File is too large"})
    upload = await client.patch(
        "/api/v1/pleroma/accounts/update_avatar",
        files={"img": ("big.png", big, "image/png")},
        headers=alice.headers,
    )
    assert upload.status_code == 413
    assert await _column(db, alice.account.id, "avatar_path") is None


@pytest.mark.parametrize("route", sorted(TARGETS))
async def test_token_and_scope_are_required(client, factory, route):
    reader = await factory.user("reader", scopes=["read:accounts"])
    url = f"/api/v1/pleroma/accounts/{route}"
    assert (await client.patch(url, json={"img": ""})).status_code == 401
    assert (await client.patch(url, json={"img": ""}, headers=reader.headers)).status_code == 403
