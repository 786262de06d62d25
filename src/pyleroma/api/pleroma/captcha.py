"""``GET /api/v1/pleroma/captcha`` (also /api/pleroma/captcha): a new registration captcha,
no token needed (services/accounts/captcha.py; docs/api/pleroma_accounts.md).

Pleroma's native kind: ``{"type": "native", "token", "url" (a PNG data: URL), "answer_data",
"seconds_valid"}``; ``{"type": "none"}`` while captchas are off. Registration (POST
/api/v1/accounts) then takes ``captcha_token``, ``captcha_answer_data`` and
``captcha_solution``. Each answer is new, so it is never cached. Each one is a stored row
(until it is used or expires), so one address may ask for ``PER_MINUTE`` a minute (429 past
that), which no person filling a form comes near.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import get_session, get_settings
from pyleroma.api.openapi import INT, STR, api_doc, enum, obj
from pyleroma.api.ratelimit import RateLimiter
from pyleroma.api.responses import json_response
from pyleroma.services.accounts import captcha
from pyleroma.settings import Settings

pleroma_router = APIRouter(tags=["Captcha"])

CAPTCHA = obj(
    {"type": enum("native", "none")},
    optional={"token": STR, "url": STR, "answer_data": STR, "seconds_valid": INT},
)
NO_STORE = {"Cache-Control": "no-store"}
PER_MINUTE = 60


def _limiter(request: Request) -> RateLimiter:
    state = request.app.state
    limiter = getattr(state, "captcha_limiter", None)
    if limiter is None:
        limiter = state.captcha_limiter = RateLimiter(PER_MINUTE, 60)
    return limiter


@pleroma_router.get("/captcha", **api_doc(response=CAPTCHA, errors=(429,)))
async def new_captcha(
    request: Request,
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    if settings.captcha_enabled:
        limiter = _limiter(request)
        limiter.check(request)
        limiter.hit(request)
    return json_response(await captcha.new_captcha(session, settings), headers=NO_STORE)
