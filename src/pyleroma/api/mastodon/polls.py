"""Polls: GET /api/v1/polls/:id and POST /api/v1/polls/:id/votes.

A poll is shown to whoever may see its status (anonymous viewers included for public posts;
``read:statuses`` when a token is given) and is a 404 otherwise. Voting needs
``write:statuses``; the rules and their messages live in services/statuses/poll_votes.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, optional_user, require_user
from pyleroma.api.mastodon.render_statuses import poll_to_api
from pyleroma.api.openapi import api_doc, arr, param, ref
from pyleroma.api.params import Params, get_params
from pyleroma.services.statuses import poll_votes
from pyleroma.services.text.emoji import poll_emojis
from pyleroma.settings import Settings

router = APIRouter(tags=["Polls"])


@router.get("/api/v1/polls/{poll_id}", **api_doc(response=ref("Poll"), errors=(404,)))
async def show_poll(
    poll_id: str,
    auth: AuthContext | None = Depends(optional_user("read:statuses")),
    session: AsyncSession = Depends(get_session),
):
    viewer = auth.account if auth else None
    poll = await poll_votes.get_visible_poll(session, viewer, poll_id)
    votes = await poll_votes.own_votes(session, viewer, poll)
    return poll_to_api(poll, viewer, votes, await poll_emojis(session, poll))


@router.post(
    "/api/v1/polls/{poll_id}/votes",
    **api_doc(
        body=[
            param(
                "choices",
                arr({"type": "integer", "minimum": 0}, minItems=1),
                "Option indexes",
                required=True,
            )
        ],
        example={"choices": [0]},
        response=ref("Poll"),
        errors=(404, 422),
    ),
)
async def vote_in_poll(
    poll_id: str,
    auth: AuthContext = Depends(require_user("write:statuses")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Vote with ``choices[]`` (option indexes); answers the poll with the vote counted."""
    choices = poll_votes.parse_choices(params.list("choices"))
    poll = await poll_votes.get_visible_poll(session, auth.user, poll_id)
    voted = await poll_votes.vote(session, settings, auth.user, poll, choices)
    return poll_to_api(
        voted.poll, auth.user, voted.own_votes, await poll_emojis(session, voted.poll)
    )
