"""POST /api/v1/statuses: post, schedule or preview a status (scope ``write:statuses``).

The parameters are Mastodon's plus Pleroma's (``content_type``, ``preview``, ``to``,
``expires_in``, ``in_reply_to_conversation_id``, ``quote_id``), read alike from JSON, forms
and multipart. The answer is the Status entity, or the ScheduledStatus entity when
``scheduled_at`` is more than five minutes ahead. docs/api/posting.md has the rules.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, require_user
from pyleroma.api.mastodon.render_statuses import status_to_api
from pyleroma.api.mastodon.scheduled_statuses import render_scheduled
from pyleroma.api.openapi import BOOL, INT, STR, api_doc, arr, obj, param, ref
from pyleroma.api.params import Params, get_params
from pyleroma.db.ids import parse_id
from pyleroma.errors import NotFound, Unprocessable
from pyleroma.models import ScheduledStatus
from pyleroma.services.statuses.posting import StatusDraft, post_status
from pyleroma.services.statuses.scheduled import parse_scheduled_at
from pyleroma.services.statuses.submission import submit_status
from pyleroma.settings import Settings

router = APIRouter(tags=["Statuses"])

write_statuses = require_user("write:statuses")


def _optional_id(params: Params, name: str, error: Exception) -> int | None:
    """An id parameter; absent or empty is None (Pleroma ignores ``in_reply_to_id=""``)."""
    raw = params.raw(name)
    if raw is None or raw == "":
        return None
    ident = parse_id(raw)
    if ident is None:
        raise error
    return ident


def draft_from_params(params: Params) -> StatusDraft:
    media_ids = []
    for raw in params.str_list("media_ids"):
        ident = parse_id(raw)
        if ident is None:
            raise Unprocessable(f"Media attachment {raw} not found")
        media_ids.append(ident)
    poll = params.raw("poll")
    if poll == "":
        poll = None
    if poll is not None and not isinstance(poll, dict):
        raise Unprocessable("Invalid poll")
    return StatusDraft(
        text=params.str("status") or "",
        content_type=params.str("content_type") or "text/plain",
        visibility=params.str("visibility") or None,
        spoiler_text=params.str("spoiler_text") or "",
        sensitive=params.bool("sensitive"),
        language=params.str("language") or None,
        in_reply_to_id=_optional_id(params, "in_reply_to_id", NotFound("Record not found")),
        quote_id=_optional_id(
            params,
            "quote_id",
            Unprocessable("You can't quote a status that doesn't exist"),
        ),
        media_ids=media_ids,
        poll=poll,
        expires_in=params.int("expires_in"),
        to=params.str_list("to") if params.raw("to") is not None else None,
        in_reply_to_conversation_id=_optional_id(
            params, "in_reply_to_conversation_id", NotFound("Record not found")
        ),
    )


POLL = obj(
    {"options": arr(STR), "expires_in": INT},
    optional={"multiple": BOOL, "hide_totals": BOOL},
    description="options and expires_in (seconds) are required",
)
STATUS_FIELDS = [
    param("status", STR, "The text (may be empty with media or a poll)"),
    param("content_type", STR, "text/plain (default), text/markdown or text/html"),
    param("visibility", STR, "public, unlisted, private, direct or local"),
    param("spoiler_text", STR),
    param("sensitive", BOOL),
    param("language", STR),
    param("in_reply_to_id", STR, "The status replied to"),
    param("quote_id", STR, "The status quoted"),
    param("media_ids", arr(STR), "Own unattached media"),
    param("poll", POLL),
    param("expires_in", INT, "Seconds until the post deletes itself"),
    param("to", arr(STR), "Explicit addressing: nicknames"),
    param("in_reply_to_conversation_id", STR, "Reply to a direct conversation"),
]


@router.post(
    "/api/v1/statuses",
    **api_doc(
        body=[
            *STATUS_FIELDS,
            param("scheduled_at", STR, "When to post (ISO 8601, at least 5 minutes ahead)"),
            param("preview", BOOL, "Render without posting"),
            param("quoted_status_id", STR, "Mastodon 4.5's name for quote_id"),
        ],
        example={
            "status": "Hello, world! #introductions",
            "visibility": "unlisted",
            "language": "en",
            "poll": {"options": ["yes", "no"], "expires_in": 86400},
        },
        headers=[param("Idempotency-Key", STR, "The same key gives the same post")],
        response={"anyOf": [ref("Status"), ref("ScheduledStatus")]},
        errors=(404, 422),
    ),
)
async def create_status(
    request: Request,
    auth: AuthContext = Depends(write_statuses),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    account = auth.user
    draft = draft_from_params(params)
    if draft.quote_id is None and params.has("quoted_status_id"):
        # Mastodon 4.5's name for quote_id: megalodon and Mastodon.py send this one.
        draft.quote_id = _optional_id(
            params,
            "quoted_status_id",
            Unprocessable("You can't quote a status that doesn't exist"),
        )
    scheduled_at = parse_scheduled_at(params.raw("scheduled_at"))
    if params.bool("preview", False):
        # Pleroma's preview: everything posting does, rendered, then rolled back.
        status = await post_status(session, settings, account, draft, app=auth.app)
        rendered = await status_to_api(session, settings, status, account)
        await session.rollback()
        return rendered
    result = await submit_status(
        session,
        settings,
        account,
        draft,
        app=auth.app,
        scheduled_at=scheduled_at,
        idempotency_key=request.headers.get("idempotency-key") or None,
    )
    if isinstance(result, ScheduledStatus):
        return (await render_scheduled(session, settings, [result]))[0]
    return await status_to_api(session, settings, result, account)
