"""GET /api/pleroma/frontend_configurations (Pleroma's :frontend_configurations, from the
setting) and GET /api/pleroma/emoji.json (the emoji index Pleroma-FE asks for), both
prefixes, no token."""

from __future__ import annotations

import orjson
import pytest

from pyleroma.settings import Settings, SettingsError, load_settings
from tests.api.emoji_helpers import LOADED, install_packs

PREFIXES = ("/api/v1/pleroma", "/api/pleroma")
CUSTOM = {"pleroma_fe": {"theme": "redmond-xx", "logo": "/static/mine.svg"}, "soapbox_fe": {}}


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_default_is_pleromas_frontend_settings(client, prefix):
    response = await client.get(f"{prefix}/frontend_configurations")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"pleroma_fe", "masto_fe"}
    assert body["masto_fe"] == {"showInstanceSpecificPanel": True}
    fe = body["pleroma_fe"]
    assert fe["theme"] == "pleroma-dark" and fe["logo"] == "/static/logo.svg"
    assert fe["redirectRootNoLogin"] == "/main/all" and fe["loginMethod"] == "password"
    assert "background" not in fe  # Pleroma's /images/city.jpg is not shipped here


@pytest.mark.parametrize(
    "settings_overrides", [{"frontend_configurations": orjson.dumps(CUSTOM).decode()}]
)
async def test_the_setting_is_served_as_it_is(client):
    response = await client.get("/api/pleroma/frontend_configurations")
    assert (response.status_code, response.json()) == (200, CUSTOM)


@pytest.mark.parametrize("value", ["not json", "[1, 2]", '{"pleroma_fe": "dark"}', '"text"', "{"])
def test_an_unusable_setting_stops_the_start(value):
    with pytest.raises(SettingsError, match="frontend_configurations"):
        load_settings(env={"PYLEROMA_FRONTEND_CONFIGURATIONS": value})


def test_an_empty_object_is_allowed():
    settings = load_settings(env={"PYLEROMA_FRONTEND_CONFIGURATIONS": "{}"})
    assert settings.frontend_configurations_map() == {}
    assert Settings().frontend_configurations_map()["masto_fe"]


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_emoji_json_is_the_emoji_index(app, client, prefix):
    install_packs(app)
    plain = await client.get(f"{prefix}/emoji")
    dotted = await client.get(f"{prefix}/emoji.json")
    assert dotted.status_code == 200
    assert dotted.json() == plain.json()
    assert sorted(dotted.json()) == LOADED
    assert dotted.json()["blobcat"]["image_url"].endswith("/emoji/blobs/blobcat.png")


async def test_emoji_json_with_no_emoji_is_an_empty_object(client):
    response = await client.get("/api/pleroma/emoji.json")
    assert (response.status_code, response.json()) == (200, {})
