"""The native captcha: GET /api/v1/pleroma/captcha (both prefixes, no token) and its check at
registration (POST /api/v1/accounts) with Pleroma's error bodies; single use, expiring."""

from __future__ import annotations

import base64
import datetime as dt
import io

import orjson
import pytest
from PIL import Image
from sqlalchemy import func, select, update

from pyleroma.db.base import utcnow
from pyleroma.models import Account
from pyleroma.models.account_security import CaptchaChallenge
from pyleroma.services.accounts import captcha
from pyleroma.services.oauth.secrets import digest
from tests.api.test_registration import VALID, app_token, stored

PREFIXES = ("/api/v1/pleroma", "/api/pleroma")


@pytest.fixture
def settings_overrides() -> dict:
    return {"captcha_enabled": True, "captcha_seconds_valid": 120}


@pytest.fixture
def answer(monkeypatch) -> str:
    """The text every captcha of the test shows."""
    monkeypatch.setattr(captcha, "new_text", lambda: "K7PQX")
    return "K7PQX"


def _error(message: str) -> dict:
    return {"error": orjson.dumps({"captcha": [message]}).decode()}


async def _captcha(client, prefix="/api/v1/pleroma") -> dict:
    response = await client.get(f"{prefix}/captcha")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.json()


async def _rows(db) -> list[CaptchaChallenge]:
    async with db() as session:
        return list(await session.scalars(select(CaptchaChallenge)))


async def _register(client, token, challenge: dict | None, solution, **extra):
    body = {**VALID, **extra}
    if challenge is not None:
        body["captcha_token"] = challenge["token"]
        body["captcha_answer_data"] = challenge["answer_data"]
    if solution is not None:
        body["captcha_solution"] = solution
    return await client.post(
        "/api/v1/accounts", json=body, headers={"Authorization": f"Bearer {token}"}
    )


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_a_captcha_is_an_image_and_a_stored_digest(client, db, answer, prefix):
    before = utcnow()
    body = await _captcha(client, prefix)

    assert set(body) == {"type", "token", "url", "answer_data", "seconds_valid"}
    assert body["type"] == "native" and body["seconds_valid"] == 120
    assert body["url"].startswith("data:image/png;base64,")
    picture = Image.open(io.BytesIO(base64.b64decode(body["url"].split(",", 1)[1])))
    assert picture.format == "PNG" and picture.size == (captcha.WIDTH, captcha.HEIGHT)
    [row] = await _rows(db)
    assert row.token_digest == digest(body["token"])
    assert answer not in (row.answer_digest, body["answer_data"], body["token"])
    assert before + dt.timedelta(seconds=119) <= row.valid_until
    assert row.valid_until <= utcnow() + dt.timedelta(seconds=120)


async def test_the_text_is_random_from_a_readable_alphabet():
    texts = {captcha.new_text() for _ in range(20)}
    assert len(texts) > 1
    assert all(len(t) == captcha.LENGTH and set(t) <= set(captcha.ALPHABET) for t in texts)


async def test_the_right_solution_registers_once(client, factory, db, answer):
    token = await app_token(factory)
    challenge = await _captcha(client)

    response = await _register(client, token, challenge, answer.lower())  # any case

    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "Bearer"
    assert await stored(db, "lain") is not None
    assert await _rows(db) == []  # used up

    again = await _register(client, token, challenge, answer, username="lain2")
    assert (again.status_code, again.json()) == (400, _error("CAPTCHA already used"))
    assert await stored(db, "lain2") is None


async def test_a_wrong_solution_uses_the_captcha_up(client, factory, db, answer):
    token = await app_token(factory)
    challenge = await _captcha(client)

    wrong = await _register(client, token, challenge, "WRONG")

    assert (wrong.status_code, wrong.json()) == (400, _error("Invalid CAPTCHA"))
    assert await stored(db, "lain") is None
    assert await _rows(db) == []
    right_too_late = await _register(client, token, challenge, answer)
    assert right_too_late.json() == _error("CAPTCHA already used")
    assert await stored(db, "lain") is None


async def test_a_failed_registration_still_uses_the_captcha(client, factory, db, answer):
    token = await app_token(factory)
    await factory.user("lain")  # the name is taken
    challenge = await _captcha(client)
    response = await _register(client, token, challenge, answer)
    assert response.status_code == 422
    assert await _rows(db) == []


@pytest.mark.parametrize("missing", ["captcha_solution", "captcha_token", "captcha_answer_data"])
async def test_each_captcha_parameter_is_required(client, factory, db, answer, missing):
    token = await app_token(factory)
    challenge = await _captcha(client)
    body = {
        **VALID,
        "captcha_token": challenge["token"],
        "captcha_answer_data": challenge["answer_data"],
        "captcha_solution": answer,
    }
    del body[missing]
    response = await client.post(
        "/api/v1/accounts", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert (response.status_code, response.json()) == (
        400,
        _error(f"Invalid CAPTCHA (Missing parameter: {missing})"),
    )
    assert await stored(db, "lain") is None
    assert len(await _rows(db)) == 1  # not checked, so not used up


async def test_made_up_answer_data_is_invalid(client, factory, db):
    token = await app_token(factory)
    made_up = {"token": "cofe", "answer_data": "cofe"}
    response = await _register(client, token, made_up, "cofe")
    assert (response.status_code, response.json()) == (400, _error("Invalid answer data"))
    assert await stored(db, "lain") is None


async def test_a_captcha_answered_too_late_is_expired(client, factory, db, answer):
    token = await app_token(factory)
    challenge = await _captcha(client)
    async with db() as session:
        past = utcnow() - dt.timedelta(seconds=1)
        await session.execute(update(CaptchaChallenge).values(valid_until=past))
        await session.commit()

    response = await _register(client, token, challenge, answer)

    assert (response.status_code, response.json()) == (400, _error("CAPTCHA expired"))
    assert await stored(db, "lain") is None
    assert await _rows(db) == []


async def test_expired_rows_are_purged_and_say_expired(client, factory, db, answer):
    token = await app_token(factory)
    old = await _captcha(client)
    async with db() as session:
        await session.execute(
            update(CaptchaChallenge).values(valid_until=utcnow() - dt.timedelta(hours=1))
        )
        await session.commit()
    await _captcha(client)  # a new captcha purges the expired one
    rows = await _rows(db)
    assert len(rows) == 1 and rows[0].token_digest != digest(old["token"])

    stamp = int(old["answer_data"].split(".")[0]) - 3600
    aged = {**old, "answer_data": f"{stamp}.{old['answer_data'].split('.', 1)[1]}"}
    response = await _register(client, token, aged, answer)
    assert response.json() == _error("CAPTCHA expired")


async def test_answer_data_from_another_captcha_does_not_pass(client, factory, db, answer):
    token = await app_token(factory)
    first = await _captcha(client)
    second = await _captcha(client)
    mixed = {"token": first["token"], "answer_data": second["answer_data"]}
    response = await _register(client, token, mixed, answer)
    assert response.json() == _error("Invalid CAPTCHA")
    assert await stored(db, "lain") is None


async def test_a_trusted_app_registers_without_a_captcha(client, factory, db):
    app = await factory.oauth_app(scopes=["read", "write"])
    async with db() as session:
        (await session.get(type(app), app.id)).trusted = True
        await session.commit()
    token = await factory.token(None, scopes=["read", "write"], app=app)
    response = await _register(client, token, None, None)
    assert response.status_code == 200, response.text


async def test_captcha_parameters_of_the_wrong_type_are_refused(client, factory, db, answer):
    token = await app_token(factory)
    challenge = await _captcha(client)
    body = {**VALID, "captcha_token": challenge["token"], "captcha_answer_data": {"a": 1}}
    response = await client.post(
        "/api/v1/accounts",
        json={**body, "captcha_solution": answer},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert await stored(db, "lain") is None


async def test_asking_for_too_many_captchas_is_429(client, db):
    for _ in range(60):
        assert (await client.get("/api/pleroma/captcha")).status_code == 200
    response = await client.get("/api/pleroma/captcha")
    assert response.status_code == 429
    assert list(response.json()) == ["error"]
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(CaptchaChallenge)) == 60


@pytest.mark.parametrize("settings_overrides", [{"captcha_enabled": False}])
@pytest.mark.parametrize("prefix", PREFIXES)
async def test_with_captchas_off(client, factory, db, prefix):
    response = await client.get(f"{prefix}/captcha")
    assert (response.status_code, response.json()) == (200, {"type": "none"})
    assert await _rows(db) == []
    token = await app_token(factory)
    registered = await _register(client, token, None, None)
    assert registered.status_code == 200, registered.text
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Account)) == 1
