"""The pl fork's events (under both /api/v1/pleroma and /api/pleroma):

- ``POST /events`` (``write``): make an event: ``name``, ``start_time`` (required),
  ``end_time``, ``join_mode`` (free, restricted, invite), ``timezone``, ``location_id``
  (a ``/search/location`` result's ``origin_id``), ``banner_id`` (an uploaded media), and
  the description as a post's ``status``, ``content_type``, ``visibility``, ``language``,
  ``spoiler_text``, ``sensitive``, ``media_ids``. Answers the Status.
- ``POST|PUT /events/:id`` (``write``; the doc says POST, upstream PUT): edit one's own
  event (the same fields, each optional); others' are 403.
- ``GET /events/joined_events`` (``read``): the events one asked to join, newest first,
  paged by participation (``state`` pending|accept|reject, ``recent``: not over yet).
- ``GET /events/:id/participations`` (``read``): accepted participants (Accounts).
- ``GET /events/:id/participation_requests`` (``read``): the organiser's pending
  requests ``{account, participation_message}``, paged; others get 403.
- ``POST /events/:id/participation_requests/:participant_id/authorize|reject``
  (``write``): the organiser's answer; answers the Status.
- ``POST /events/:id/join`` (``participation_message``) and ``/leave`` (``write``).
- ``GET|POST /events/:id/ics``: the event as ``text/calendar`` (anonymous allowed for a
  public event; the doc says POST, upstream GET).
- ``GET /search/location?q=`` (any token): places known here and the geocoder's.

The rules and messages are the pl fork's (services/statuses/events.py); the Status carries
``pleroma.event`` (render_events.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, optional_user, require_user
from pyleroma.api.mastodon.render_accounts import accounts_to_api
from pyleroma.api.mastodon.render_statuses import status_to_api, statuses_to_api
from pyleroma.api.openapi import BOOL, STR, api_doc, arr, enum, param, ref
from pyleroma.api.openapi.parameters import PAGE
from pyleroma.api.pagination import link_header, read_page
from pyleroma.api.params import Params, get_params
from pyleroma.api.pleroma.render_events import LOCATION_RESULT, PARTICIPATION_REQUEST
from pyleroma.api.responses import json_response
from pyleroma.db.ids import parse_id
from pyleroma.errors import Forbidden, NotFound, Unprocessable
from pyleroma.models import Account, Event, Status
from pyleroma.services.discovery import search
from pyleroma.services.statuses import event_locations, event_reads, events
from pyleroma.services.statuses.posting import StatusDraft
from pyleroma.services.statuses.status_access import get_visible_status
from pyleroma.services.statuses.status_edit import StatusChanges
from pyleroma.settings import Settings

pleroma_router = APIRouter(tags=["Events"])

WRITE = require_user("write", "write:statuses")
READ = require_user("read", "read:statuses")
STATUS = ref("Status")
EVENT_ERRORS = (401, 403, 404, 422)

EVENT_FIELDS = [
    param("name", STR, "The event's name"),
    param("status", STR, "Its description"),
    param("start_time", STR, "When it starts (ISO 8601)"),
    param("end_time", STR, "When it ends (ISO 8601)"),
    param("join_mode", enum(*events.LOCAL_JOIN_MODES), "Who may join (free by default)"),
    param("timezone", STR, "The IANA zone the times were chosen in"),
    param("location_id", STR, "A location search result's origin_id"),
    param("banner_id", STR, "An uploaded media attachment shown as its banner"),
    param("content_type", STR, "text/plain (default), text/markdown or text/html"),
    param("visibility", STR, "Who may see it"),
    param("language", STR, "ISO 639 language of the description"),
    param("spoiler_text", STR, "A content warning"),
    param("sensitive", BOOL, "Mark its media sensitive"),
    param("media_ids", arr(STR), "Further attachments"),
]


def _id_param(params: Params, name: str, what: str) -> int | None:
    raw = params.raw(name)
    if raw is None or raw == "":
        return None
    ident = parse_id(raw if isinstance(raw, str) else str(raw))
    if ident is None:
        raise Unprocessable(f"{name}: {what}")
    return ident


def _media_ids(params: Params) -> list[int] | None:
    if not params.has("media_ids"):
        return None
    found = []
    for raw in params.str_list("media_ids"):
        ident = parse_id(raw)
        if ident is None:
            raise Unprocessable(f"Media attachment {raw} not found")
        found.append(ident)
    return found


def _draft(params: Params) -> StatusDraft:
    """The description of a new event: a post's own fields (no reply, quote or poll)."""
    return StatusDraft(
        text=params.str("status") or "",
        content_type=params.str("content_type") or "text/plain",
        visibility=params.str("visibility") or None,
        spoiler_text=params.str("spoiler_text") or "",
        sensitive=params.bool("sensitive"),
        language=params.str("language") or None,
        media_ids=_media_ids(params) or [],
    )


def _description_changes(params: Params) -> StatusChanges:
    """What an edit changes of the description; absent fields are kept."""
    return StatusChanges(
        text=params.str("status"),
        content_type=params.str("content_type"),
        spoiler_text=params.str("spoiler_text"),
        sensitive=params.bool("sensitive"),
        language=params.str("language", max_length=16),
        media_ids=_media_ids(params),
    )


async def _status(session: AsyncSession, viewer: Account | None, status_id: str) -> Status:
    return await get_visible_status(session, viewer, status_id)


async def _render(session, settings, status_id: int, viewer) -> dict:
    status = await session.get(Status, status_id, populate_existing=True)
    if status is None:
        raise NotFound("Record not found")
    return await status_to_api(session, settings, status, viewer)


@pleroma_router.post(
    "/events",
    summary="Make an event",
    **api_doc(body=EVENT_FIELDS, response=STATUS, errors=EVENT_ERRORS),
)
async def create_event(
    auth: AuthContext = Depends(WRITE),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    draft = _draft(params)
    status = await events.create_event(
        session,
        settings,
        auth.user,
        draft,
        name=params.str("name") or "",
        start_time=events.parse_event_time(params.raw("start_time"), "start_time"),
        end_time=events.parse_event_time(params.raw("end_time"), "end_time"),
        join_mode=params.str("join_mode") or "free",
        location=event_locations.location_by_id(params.str("location_id")),
        timezone=params.str("timezone"),
        banner_id=_id_param(params, "banner_id", "no such media attachment of yours"),
    )
    return await _render(session, settings, status.id, auth.user)


@pleroma_router.get(
    "/events/joined_events",
    summary="The events one asked to join",
    **api_doc(
        query=[
            *PAGE,
            param("state", enum(*event_reads.JOIN_STATE_FILTER), "Only this state"),
            param("recent", BOOL, "Only events not over yet"),
        ],
        response=arr(STATUS),
        paged=True,
        errors=(401, 403, 422),
    ),
)
async def joined_events(
    request: Request,
    auth: AuthContext = Depends(READ),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    page = read_page(params)
    rows = await event_reads.joined_events(
        session,
        auth.user,
        page,
        state=event_reads.check_join_state(params.str("state")),
        recent=params.bool("recent", False),
    )
    data = await statuses_to_api(session, settings, [s for _, s in rows], auth.user)
    headers = link_header(request, [ident for ident, _ in rows], page)
    return json_response(data, headers=headers)


def _edit_doc() -> dict:
    return {
        "summary": "Edit one's event",
        **api_doc(body=EVENT_FIELDS, response=STATUS, errors=EVENT_ERRORS),
    }


@pleroma_router.post("/events/{status_id}", **_edit_doc())
@pleroma_router.put("/events/{status_id}", **_edit_doc())
async def update_event(
    status_id: str,
    auth: AuthContext = Depends(WRITE),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    status = await _status(session, auth.user, status_id)
    changes = events.EventChanges(
        name=params.str("name"),
        start_time=events.parse_event_time(params.raw("start_time"), "start_time"),
        end_time=events.parse_event_time(params.raw("end_time"), "end_time"),
        join_mode=params.str("join_mode"),
        timezone=params.str("timezone"),
        location_given=params.has("location_id"),
        location=event_locations.location_by_id(params.str("location_id")),
        banner_id=_id_param(params, "banner_id", "no such media attachment of yours"),
    )
    description = _description_changes(params)
    await events.update_event(session, settings, auth.user, status, description, changes)
    return await _render(session, settings, status.id, auth.user)


@pleroma_router.get(
    "/events/{status_id}/participations",
    summary="An event's participants",
    **api_doc(response=arr(ref("Account")), errors=(401, 403, 404)),
)
async def participations(
    status_id: str,
    auth: AuthContext = Depends(READ),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    status = await _status(session, auth.user, status_id)
    await events.event_of(session, auth.user, status)
    accounts = await event_reads.participants(session, status, auth.user)
    return await accounts_to_api(session, settings, accounts, auth.user)


@pleroma_router.get(
    "/events/{status_id}/participation_requests",
    summary="An event's pending participation requests (its organiser's)",
    **api_doc(query=PAGE, response=arr(PARTICIPATION_REQUEST), paged=True, errors=(401, 403, 404)),
)
async def participation_requests(
    status_id: str,
    request: Request,
    auth: AuthContext = Depends(READ),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    page = read_page(params)
    status = await _status(session, auth.user, status_id)
    await events.event_of(session, auth.user, status)
    if status.account_id != auth.user.id:
        raise Forbidden("Can't get participation requests")
    rows = await event_reads.participation_requests(session, status, page)
    accounts = await accounts_to_api(session, settings, [a for _, a in rows], auth.user)
    data = [
        {"account": account, "participation_message": row.message}
        for (row, _), account in zip(rows, accounts, strict=True)
    ]
    return json_response(data, headers=link_header(request, [r.id for r, _ in rows], page))


async def _participant(session: AsyncSession, participant_id: str) -> Account:
    ident = parse_id(participant_id)
    account = await session.get(Account, ident) if ident is not None else None
    if account is None:
        raise NotFound("Record not found")
    return account


def _answer_doc(summary: str) -> dict:
    return {"summary": summary, **api_doc(response=STATUS, errors=(401, 403, 404))}


@pleroma_router.post(
    "/events/{status_id}/participation_requests/{participant_id}/authorize",
    **_answer_doc("Accept a participation request"),
)
async def authorize_participation(
    status_id: str,
    participant_id: str,
    auth: AuthContext = Depends(WRITE),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    participant = await _participant(session, participant_id)
    status = await _status(session, auth.user, status_id)
    await events.authorize_participation(session, settings, auth.user, status, participant)
    return await _render(session, settings, status.id, auth.user)


@pleroma_router.post(
    "/events/{status_id}/participation_requests/{participant_id}/reject",
    **_answer_doc("Reject a participation request"),
)
async def reject_participation(
    status_id: str,
    participant_id: str,
    auth: AuthContext = Depends(WRITE),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    participant = await _participant(session, participant_id)
    status = await _status(session, auth.user, status_id)
    await events.reject_participation(session, settings, auth.user, status, participant)
    return await _render(session, settings, status.id, auth.user)


@pleroma_router.post(
    "/events/{status_id}/join",
    summary="Join an event",
    **api_doc(
        body=[param("participation_message", STR, "Why one wants to take part")],
        response=STATUS,
        errors=(400, 401, 403, 404),
    ),
)
async def join_event(
    status_id: str,
    auth: AuthContext = Depends(WRITE),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    message = params.str("participation_message")
    status = await _status(session, auth.user, status_id)
    await events.join_event(session, settings, auth.user, status, message)
    return await _render(session, settings, status.id, auth.user)


@pleroma_router.post(
    "/events/{status_id}/leave",
    summary="Leave an event",
    **api_doc(response=STATUS, errors=(400, 401, 403, 404)),
)
async def leave_event(
    status_id: str,
    auth: AuthContext = Depends(WRITE),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    status = await _status(session, auth.user, status_id)
    await events.leave_event(session, settings, auth.user, status)
    return await _render(session, settings, status.id, auth.user)


def _ics_doc() -> dict:
    return {
        "summary": "An event as an iCalendar file",
        **api_doc(response={"type": "string"}, media_type="text/calendar", errors=(403, 404)),
    }


@pleroma_router.get("/events/{status_id}/ics", **_ics_doc())
@pleroma_router.post("/events/{status_id}/ics", **_ics_doc())
async def event_ics(
    status_id: str,
    auth: AuthContext | None = Depends(optional_user("read", "read:statuses")),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    viewer = auth.account if auth else None
    status = await _status(session, viewer, status_id)
    event: Event = await events.event_of(session, viewer, status)
    organiser = await session.get(Account, status.account_id)
    body = event_reads.event_ics(settings, status, event, organiser)
    return Response(body, media_type="text/calendar")


@pleroma_router.get(
    "/search/location",
    summary="Search places for events",
    **api_doc(
        query=[param("q", STR, "Words of the place's name or address", required=True)],
        response=arr(LOCATION_RESULT),
        errors=(400, 401),
    ),
)
async def search_location(
    auth: AuthContext = Depends(require_user()),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Places known here first, then the configured geocoder's (none: known ones only).
    Any signed-in user's token will do, whatever its scopes (the pl fork's rule)."""
    query = search.check_query(params.str("q"))
    return await event_locations.search_locations(session, settings, query)
