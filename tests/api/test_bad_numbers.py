"""Ids and numbers from clients: non-ASCII digits and numbers past 64 bits are 4xx, never 500.

``str.isdigit()`` accepts ``²``, ``①`` and ``١``; an id or a number is ASCII digits only
(404 for a path id, 422 for a parameter). An integer parameter that cannot be stored in a
signed 64-bit column is a 422 (SQLite and PostgreSQL overflow on it), and ``offset`` has
its own cap (``pagination.MAX_OFFSET``).
"""

from __future__ import annotations

import pytest

from pyleroma.db.ids import parse_id
from pyleroma.db.paging import MAX_OFFSET

SUPERSCRIPT_TWO = "%C2%B2"  # "²"
SUPERSCRIPT_THREE = "%C2%B3"  # "³"
HUGE = "99999999999999999999"


@pytest.mark.parametrize("raw", ["²", "①", "١٢", "12²", " 12", "+12", "-1", "", "1_0"])
def test_parse_id_refuses_anything_but_ascii_digits(raw):
    assert parse_id(raw) is None


def test_parse_id_reads_ascii_digits():
    assert parse_id("0012") == 12
    assert parse_id(str((1 << 63) - 1)) == (1 << 63) - 1
    assert parse_id(str(1 << 63)) is None


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/statuses/{SUPERSCRIPT_TWO}",
        f"/api/v1/statuses/{SUPERSCRIPT_TWO}/context",
        f"/api/v1/accounts/{SUPERSCRIPT_TWO}/statuses",
        f"/api/v1/accounts/{SUPERSCRIPT_TWO}/followers",
        f"/api/v1/polls/{SUPERSCRIPT_TWO}",
        f"/api/v1/lists/{SUPERSCRIPT_TWO}",
        f"/api/v1/notifications/{SUPERSCRIPT_TWO}",
        f"/api/v1/scheduled_statuses/{SUPERSCRIPT_TWO}",
        f"/api/v1/filters/{SUPERSCRIPT_TWO}",
        f"/api/v2/filters/{SUPERSCRIPT_TWO}",
        f"/api/v1/media/{SUPERSCRIPT_TWO}",
        f"/api/v1/pleroma/conversations/{SUPERSCRIPT_TWO}",
    ],
)
async def test_a_path_id_of_non_ascii_digits_is_a_404(client, factory, path):
    alice = await factory.user("alice")
    response = await client.get(path, headers=alice.headers)
    assert response.status_code == 404, response.text
    assert "error" in response.json()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/timelines/public",
        "/api/v1/timelines/home",
        "/api/v1/notifications",
        "/api/v1/favourites",
        "/api/v1/accounts/{id}/statuses",
        "/api/v1/accounts/{id}/followers",
        "/api/v2/search?q=hello",
    ],
)
@pytest.mark.parametrize("name", ["max_id", "since_id", "min_id"])
async def test_a_bound_of_non_ascii_digits_is_a_422(client, factory, path, name):
    alice = await factory.user("alice")
    path = path.format(id=alice.id)
    separator = "&" if "?" in path else "?"
    response = await client.get(
        f"{path}{separator}{name}={SUPERSCRIPT_THREE}", headers=alice.headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"].startswith(name)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/timelines/public",
        "/api/v1/timelines/home",
        "/api/v1/timelines/tag/cats",
        "/api/v1/notifications",
        "/api/v1/accounts/search?q=a",
        "/api/v1/directory",
        "/api/v1/trends/tags",
        "/api/v1/trends/statuses",
        "/api/v2/search?q=hello",
    ],
)
@pytest.mark.parametrize("offset", [HUGE, str(1 << 63), str(MAX_OFFSET + 1)])
async def test_an_offset_past_the_cap_is_a_422(client, factory, path, offset):
    alice = await factory.user("alice")
    await factory.status(alice.account, "hello #cats")
    separator = "&" if "?" in path else "?"
    response = await client.get(f"{path}{separator}offset={offset}", headers=alice.headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"].startswith("offset")


async def test_an_offset_at_the_cap_is_an_empty_page(client, factory):
    alice = await factory.user("alice")
    await factory.status(alice.account, "hello")
    response = await client.get(
        f"/api/v1/timelines/public?offset={MAX_OFFSET}", headers=alice.headers
    )
    assert response.status_code == 200, response.text
    assert response.json() == []


async def test_a_huge_limit_is_still_clamped(client, factory):
    """limit is clamped (Pleroma's rule), whatever its size."""
    alice = await factory.user("alice")
    await factory.status(alice.account, "hello")
    response = await client.get(f"/api/v1/timelines/public?limit={HUGE}", headers=alice.headers)
    assert response.status_code == 200, response.text
    assert len(response.json()) == 1


@pytest.mark.parametrize("value", ["²", "١٠", HUGE, "-" + HUGE, "1e3", "12.5"])
async def test_integer_parameters_refuse_what_is_not_a_64_bit_integer(client, factory, value):
    alice = await factory.user("alice")
    status = await factory.status(alice.account, "hello")
    response = await client.post(
        f"/api/v1/statuses/{status.id}/mute", data={"expires_in": value}, headers=alice.headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"].startswith("expires_in")


async def test_an_integral_json_float_is_an_integer(client, factory):
    alice = await factory.user("alice")
    response = await client.get("/api/v1/timelines/public?limit=1", headers=alice.headers)
    assert response.status_code == 200
    response = await client.post(
        "/api/v1/statuses", json={"status": "hi", "expires_in": 3600.0}, headers=alice.headers
    )
    assert response.status_code == 200, response.text


async def test_filter_expires_in_of_non_ascii_digits_is_a_422(client, factory):
    alice = await factory.user("alice")
    response = await client.post(
        "/api/v1/filters",
        data={"phrase": "cats", "context[]": "home", "expires_in": "²"},
        headers=alice.headers,
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"].startswith("expires_in")


async def test_poll_expires_in_of_non_ascii_digits_is_a_422(client, factory):
    alice = await factory.user("alice")
    response = await client.post(
        "/api/v1/statuses",
        json={"status": "vote", "poll": {"options": ["a", "b"], "expires_in": "²"}},
        headers=alice.headers,
    )
    assert response.status_code == 422, response.text


async def test_poll_choices_of_non_ascii_digits_are_a_422(client, factory):
    alice = await factory.user("alice")
    bob = await factory.user("bob")
    response = await client.post(
        "/api/v1/statuses",
        json={"status": "vote", "poll": {"options": ["a", "b"], "expires_in": 3600}},
        headers=alice.headers,
    )
    poll_id = response.json()["poll"]["id"]
    response = await client.post(
        f"/api/v1/polls/{poll_id}/votes", json={"choices": ["١"]}, headers=bob.headers
    )
    assert response.status_code == 422, response.text
