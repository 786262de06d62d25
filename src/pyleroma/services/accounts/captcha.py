"""The registration captcha, Pleroma's native kind: a short random text drawn here.

``new_captcha`` answers what GET /api/v1/pleroma/captcha shows: ``token`` names the
challenge, ``url`` is the picture (a PNG ``data:`` URL: a few distorted characters over
noise, made with Pillow, nothing fetched from anywhere), ``answer_data`` is handed back at
registration with the typed ``captcha_solution``, and ``seconds_valid`` says how long that
may take. With ``captcha_enabled`` off the answer is ``{"type": "none"}``, as Pleroma's.

Only digests are stored (``CaptchaChallenge``): the token's, and the answer's bound to the
token and the answer data, so a leaked table solves nothing. A challenge is good for one
check: ``check_captcha`` deletes its row (one DELETE ... RETURNING, so two registrations
racing with the same captcha cannot both pass) whether the solution is right or wrong, and
commits that at once, so a registration that fails later still used it up. Expired rows are
purged whenever a new captcha is made.

Refusals are 400 with Pleroma's body: ``{"error": "{\\"captcha\\":[\\"Invalid CAPTCHA\\"]}"}``
(the error is itself JSON, which Pleroma-FE parses), with Pleroma's messages: a missing
parameter, "Invalid answer data", "CAPTCHA expired", "CAPTCHA already used" and "Invalid
CAPTCHA". The answer data carries the time the captcha was made (as Pleroma's encrypted
answer data does), which tells an expired or used-up captcha from a made-up one.

The other kinds Pleroma has (kocaptcha, mCaptcha: outside services) are not built here;
settings refuse a ``captcha_method`` other than "native".
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import io
import math
import secrets

import orjson
from anyio import to_thread
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.base import utcnow
from pyleroma.errors import BadRequest
from pyleroma.models import OAuthApp
from pyleroma.models.account_security import CaptchaChallenge
from pyleroma.services.oauth.secrets import digest, new_secret
from pyleroma.settings import Settings

# No 0/O, 1/I/L: characters a person can tell apart when distorted.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 5
WIDTH, HEIGHT = 220, 80
REQUIRED = ("captcha_solution", "captcha_token", "captcha_answer_data")


class CaptchaError(BadRequest):
    """A refused captcha: 400 with Pleroma's JSON-in-a-string error."""

    def __init__(self, message: str):
        super().__init__(orjson.dumps({"captcha": [message]}).decode())
        self.reason = message


def new_text() -> str:
    """The captcha's text (tests replace this to know the answer)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def _answer_digest(token: str, answer_data: str, solution: str) -> str:
    return digest(f"{token}|{answer_data}|{solution.strip().upper()}")


def _draw(text: str) -> bytes:
    """A PNG of ``text``: each character its own size, tilt and colour, on a noisy ground
    crossed by lines (CPU work: run in a thread)."""
    rng = secrets.SystemRandom()
    image = Image.new("RGB", (WIDTH, HEIGHT), (rng.randint(225, 255),) * 3)
    draw = ImageDraw.Draw(image)
    for _ in range(700):  # speckles
        shade = rng.randint(90, 210)
        draw.point((rng.randrange(WIDTH), rng.randrange(HEIGHT)), fill=(shade,) * 3)
    step = (WIDTH - 20) // len(text)
    for index, char in enumerate(text):
        font = ImageFont.load_default(size=rng.randint(36, 46))
        glyph = Image.new("RGBA", (64, 72), (0, 0, 0, 0))
        colour = (rng.randint(0, 110), rng.randint(0, 110), rng.randint(0, 110), 255)
        ImageDraw.Draw(glyph).text((12, 6), char, font=font, fill=colour)
        glyph = glyph.rotate(rng.uniform(-20, 20), resample=Image.Resampling.BICUBIC)
        x = 10 + index * step + rng.randint(-4, 4)
        image.paste(glyph, (x, rng.randint(-2, 12)), glyph)
    for _ in range(5):  # strokes through the text
        points = [(rng.randrange(WIDTH), rng.randrange(HEIGHT)) for _ in range(2)]
        draw.line(points, fill=(rng.randint(40, 160),) * 3, width=rng.randint(1, 3))
    phase, amplitude = rng.uniform(0, math.tau), rng.uniform(2, 4)
    waved = image.transform(
        image.size,
        Image.Transform.MESH,
        [
            (
                (x, 0, x + 10, HEIGHT),
                (
                    x,
                    amplitude * math.sin(phase + x / 18),
                    x,
                    HEIGHT + amplitude * math.sin(phase + x / 18),
                    x + 10,
                    HEIGHT + amplitude * math.sin(phase + (x + 10) / 18),
                    x + 10,
                    amplitude * math.sin(phase + (x + 10) / 18),
                ),
            )
            for x in range(0, WIDTH, 10)
        ],
        Image.Resampling.BILINEAR,
        fillcolor=(240, 240, 240),
    ).filter(ImageFilter.SMOOTH)
    out = io.BytesIO()
    waved.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _issued_at(answer_data: str) -> dt.datetime | None:
    """The creation time carried by answer data we made (``<unix seconds>.<random>``)."""
    stamp, dot, rest = answer_data.partition(".")
    if not dot or not rest or not stamp.isdigit() or len(stamp) > 12:
        return None
    return dt.datetime.fromtimestamp(int(stamp), dt.UTC).replace(tzinfo=None)


async def purge_expired(session: AsyncSession) -> None:
    await session.execute(delete(CaptchaChallenge).where(CaptchaChallenge.valid_until < utcnow()))


async def new_captcha(session: AsyncSession, settings: Settings) -> dict:
    """A new challenge (stored, committed), or ``{"type": "none"}`` when captchas are off."""
    if not settings.captcha_enabled:
        return {"type": "none"}
    text = new_text()
    picture = await to_thread.run_sync(_draw, text)
    now = utcnow()
    token = new_secret(16)
    answer_data = f"{int(now.replace(tzinfo=dt.UTC).timestamp())}.{new_secret(16)}"
    await purge_expired(session)
    session.add(
        CaptchaChallenge(
            token_digest=digest(token),
            answer_digest=_answer_digest(token, answer_data, text),
            valid_until=now + dt.timedelta(seconds=settings.captcha_seconds_valid),
        )
    )
    await session.commit()
    return {
        "type": "native",
        "token": token,
        "url": "data:image/png;base64," + base64.b64encode(picture).decode(),
        "answer_data": answer_data,
        "seconds_valid": settings.captcha_seconds_valid,
    }


async def check_captcha(
    session: AsyncSession,
    settings: Settings,
    app: OAuthApp | None,
    token,
    answer_data,
    solution,
) -> None:
    """Pass a registration's captcha or raise ``CaptchaError``; the challenge is used up
    either way (committed here). Captchas off, or a trusted app (Pleroma's rule): no check."""
    if not settings.captcha_enabled or (app is not None and app.trusted):
        return
    given = {
        "captcha_solution": solution,
        "captcha_token": token,
        "captcha_answer_data": answer_data,
    }
    for name in REQUIRED:
        if not isinstance(given[name], str):
            raise CaptchaError(f"Invalid CAPTCHA (Missing parameter: {name})")
    issued = _issued_at(answer_data)
    if issued is None:
        raise CaptchaError("Invalid answer data")
    row = (
        await session.execute(
            delete(CaptchaChallenge)
            .where(CaptchaChallenge.token_digest == digest(token))
            .returning(CaptchaChallenge.answer_digest, CaptchaChallenge.valid_until)
        )
    ).first()
    await session.commit()
    now = utcnow()
    if row is None:
        if issued + dt.timedelta(seconds=settings.captcha_seconds_valid) < now:
            raise CaptchaError("CAPTCHA expired")
        if issued > now + dt.timedelta(minutes=5):
            raise CaptchaError("Invalid answer data")
        raise CaptchaError("CAPTCHA already used")
    answer_digest, valid_until = row
    if valid_until < now:
        raise CaptchaError("CAPTCHA expired")
    if not hmac.compare_digest(answer_digest, _answer_digest(token, answer_data, solution)):
        raise CaptchaError("Invalid CAPTCHA")
