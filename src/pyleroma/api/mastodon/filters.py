"""Keyword filters: Pleroma/Mastodon v1 ``/api/v1/filters`` and Mastodon 4 ``/api/v2/filters``.

Reads need ``read:filters``, changes ``write:filters`` (``read``/``write`` cover them). Both
APIs share one storage (services/filters/filter_reads.py, services/filters/filter_changes.py); a v1
filter
is one keyword of a v2 filter. Filters are applied when statuses are read
(services/filters/filters.py), not here.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, require_user
from pyleroma.api.openapi import BOOL, INT, STR, api_doc, arr, enum, nullable, obj, param, ref
from pyleroma.api.params import Params, get_params
from pyleroma.models.filter import FILTER_ACTIONS, FILTER_CONTEXTS
from pyleroma.services.filters import filter_changes, filter_reads
from pyleroma.services.filters.filter_changes import KEEP
from pyleroma.services.filters.filters import (
    filter_status_to_api,
    filter_to_api,
    keyword_to_api,
    v1_filter_to_api,
)
from pyleroma.settings import Settings

router = APIRouter(tags=["Filters"])

READ = require_user("read:filters")
WRITE = require_user("write:filters")
CONTEXT = arr(enum(*FILTER_CONTEXTS))
EXPIRES_IN = param("expires_in", nullable(INT), "Seconds from now; null or empty: never")
V1_FIELDS = [
    param("phrase", {"type": "string", "minLength": 1}),
    param("context", CONTEXT),
    param("irreversible", BOOL, "Hide matching statuses instead of warning"),
    param("whole_word", BOOL),
    EXPIRES_IN,
]
KEYWORDS_ATTRIBUTES = param(
    "keywords_attributes",
    arr(
        obj(
            optional={
                "id": STR,
                "keyword": STR,
                "whole_word": BOOL,
                "_destroy": BOOL,
            }
        )
    ),
    "Keywords to add (no id), change (id) or remove (id and _destroy)",
)
V2_FIELDS = [
    param("title", STR),
    param("context", CONTEXT),
    param("filter_action", enum(*FILTER_ACTIONS)),
    EXPIRES_IN,
    KEYWORDS_ATTRIBUTES,
]


def _given(params: Params, name: str):
    """The raw value when the request names the parameter, else KEEP."""
    return params.raw(name) if params.has(name) else KEEP


def _context(params: Params):
    return params.list("context") if params.has("context") else KEEP


def _rules_to_api(rules: filter_reads.FilterRules) -> dict:
    return filter_to_api(rules.filter, rules.keywords, rules.statuses)


# ---------------------------------------------------------------------------------------
# v1


@router.get("/api/v1/filters", **api_doc(response=arr(ref("FilterV1"))))
async def v1_index(auth: AuthContext = Depends(READ), session: AsyncSession = Depends(get_session)):
    rows = await filter_reads.list_v1_filters(session, auth.user)
    return [v1_filter_to_api(item, keyword) for item, keyword in rows]


@router.post(
    "/api/v1/filters",
    **api_doc(
        body=[V1_FIELDS[0].with_(required=True), V1_FIELDS[1].with_(required=True), *V1_FIELDS[2:]],
        example={"phrase": "spoiler", "context": ["home", "public"], "whole_word": True},
        response=ref("FilterV1"),
        errors=(422,),
    ),
)
async def v1_create(
    auth: AuthContext = Depends(WRITE),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    item, keyword = await filter_changes.create_v1_filter(
        session,
        settings,
        auth.user,
        phrase=params.raw("phrase"),
        context=params.list("context"),
        irreversible=params.bool("irreversible"),
        whole_word=params.bool("whole_word"),
        expires_in=params.raw("expires_in"),
    )
    return v1_filter_to_api(item, keyword)


@router.get("/api/v1/filters/{filter_id}", **api_doc(response=ref("FilterV1"), errors=(404,)))
async def v1_show(
    filter_id: str,
    auth: AuthContext = Depends(READ),
    session: AsyncSession = Depends(get_session),
):
    item, keyword = await filter_reads.get_own_keyword(session, auth.user, filter_id)
    return v1_filter_to_api(item, keyword)


@router.put(
    "/api/v1/filters/{filter_id}",
    **api_doc(body=V1_FIELDS, response=ref("FilterV1"), errors=(404, 422)),
)
async def v1_update(
    filter_id: str,
    auth: AuthContext = Depends(WRITE),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    """Absent fields stay as they are."""
    item, keyword = await filter_changes.update_v1_filter(
        session,
        auth.user,
        filter_id,
        phrase=params.raw("phrase"),
        context=_context(params),
        irreversible=params.bool("irreversible"),
        whole_word=params.bool("whole_word"),
        expires_in=_given(params, "expires_in"),
    )
    return v1_filter_to_api(item, keyword)


@router.delete("/api/v1/filters/{filter_id}", **api_doc(errors=(404,)))
async def v1_delete(
    filter_id: str,
    auth: AuthContext = Depends(WRITE),
    session: AsyncSession = Depends(get_session),
):
    await filter_changes.delete_v1_filter(session, auth.user, filter_id)
    return {}


# ---------------------------------------------------------------------------------------
# v2 keywords and statuses (before /api/v2/filters/{id} so their paths are never ids)


@router.get(
    "/api/v2/filters/keywords/{keyword_id}", **api_doc(response=ref("FilterKeyword"), errors=(404,))
)
async def keyword_show(
    keyword_id: str,
    auth: AuthContext = Depends(READ),
    session: AsyncSession = Depends(get_session),
):
    _item, keyword = await filter_reads.get_own_keyword(session, auth.user, keyword_id)
    return keyword_to_api(keyword)


@router.put(
    "/api/v2/filters/keywords/{keyword_id}",
    **api_doc(
        body=[param("keyword", STR), param("whole_word", BOOL)],
        response=ref("FilterKeyword"),
        errors=(404, 422),
    ),
)
async def keyword_update(
    keyword_id: str,
    auth: AuthContext = Depends(WRITE),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
):
    keyword = await filter_changes.update_keyword(
        session,
        auth.user,
        keyword_id,
        keyword=params.raw("keyword"),
        whole_word=params.bool("whole_word"),
    )
    return keyword_to_api(keyword)


@router.delete("/api/v2/filters/keywords/{keyword_id}", **api_doc(errors=(404,)))
async def keyword_delete(
    keyword_id: str,
    auth: AuthContext = Depends(WRITE),
    session: AsyncSession = Depends(get_session),
):
    await filter_changes.delete_keyword(session, auth.user, keyword_id)
    return {}


@router.get(
    "/api/v2/filters/statuses/{filter_status_id}",
    **api_doc(response=ref("FilterStatus"), errors=(404,)),
)
async def status_show(
    filter_status_id: str,
    auth: AuthContext = Depends(READ),
    session: AsyncSession = Depends(get_session),
):
    _item, row = await filter_reads.get_own_filter_status(session, auth.user, filter_status_id)
    return filter_status_to_api(row)


@router.delete("/api/v2/filters/statuses/{filter_status_id}", **api_doc(errors=(404,)))
async def status_delete(
    filter_status_id: str,
    auth: AuthContext = Depends(WRITE),
    session: AsyncSession = Depends(get_session),
):
    await filter_changes.delete_filter_status(session, auth.user, filter_status_id)
    return {}


@router.get(
    "/api/v2/filters/{filter_id}/keywords",
    **api_doc(response=arr(ref("FilterKeyword")), errors=(404,)),
)
async def keyword_index(
    filter_id: str,
    auth: AuthContext = Depends(READ),
    session: AsyncSession = Depends(get_session),
):
    return [
        keyword_to_api(k) for k in await filter_reads.list_keywords(session, auth.user, filter_id)
    ]


@router.post(
    "/api/v2/filters/{filter_id}/keywords",
    **api_doc(
        body=[param("keyword", STR, required=True), param("whole_word", BOOL)],
        example={"keyword": "spoiler", "whole_word": True},
        response=ref("FilterKeyword"),
        errors=(404, 422),
    ),
)
async def keyword_create(
    filter_id: str,
    auth: AuthContext = Depends(WRITE),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    keyword = await filter_changes.add_keyword(
        session,
        settings,
        auth.user,
        filter_id,
        params.raw("keyword"),
        params.bool("whole_word"),
    )
    return keyword_to_api(keyword)


@router.get(
    "/api/v2/filters/{filter_id}/statuses",
    **api_doc(response=arr(ref("FilterStatus")), errors=(404,)),
)
async def status_index(
    filter_id: str,
    auth: AuthContext = Depends(READ),
    session: AsyncSession = Depends(get_session),
):
    rows = await filter_reads.list_filter_statuses(session, auth.user, filter_id)
    return [filter_status_to_api(row) for row in rows]


@router.post(
    "/api/v2/filters/{filter_id}/statuses",
    **api_doc(
        body=[param("status_id", STR, required=True)],
        response=ref("FilterStatus"),
        errors=(404, 422),
    ),
)
async def status_create(
    filter_id: str,
    auth: AuthContext = Depends(WRITE),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    row = await filter_changes.add_filter_status(
        session, settings, auth.user, filter_id, params.raw("status_id")
    )
    return filter_status_to_api(row)


# ---------------------------------------------------------------------------------------
# v2 filters


@router.get("/api/v2/filters", **api_doc(response=arr(ref("Filter"))))
async def index(auth: AuthContext = Depends(READ), session: AsyncSession = Depends(get_session)):
    return [_rules_to_api(rules) for rules in await filter_reads.list_filters(session, auth.user)]


@router.post(
    "/api/v2/filters",
    **api_doc(
        body=[V2_FIELDS[0].with_(required=True), V2_FIELDS[1].with_(required=True), *V2_FIELDS[2:]],
        example={
            "title": "Spoilers",
            "context": ["home", "public"],
            "filter_action": "warn",
            "expires_in": 86400,
            "keywords_attributes": [{"keyword": "spoiler", "whole_word": True}],
        },
        response=ref("Filter"),
        errors=(422,),
    ),
)
async def create(
    auth: AuthContext = Depends(WRITE),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    rules = await filter_changes.create_filter(
        session,
        settings,
        auth.user,
        title=params.raw("title"),
        context=params.list("context"),
        action=params.raw("filter_action"),
        expires_in=params.raw("expires_in"),
        keywords_attributes=params.list("keywords_attributes"),
    )
    return _rules_to_api(rules)


@router.get("/api/v2/filters/{filter_id}", **api_doc(response=ref("Filter"), errors=(404,)))
async def show(
    filter_id: str,
    auth: AuthContext = Depends(READ),
    session: AsyncSession = Depends(get_session),
):
    return _rules_to_api(await filter_reads.get_filter_rules(session, auth.user, filter_id))


@router.put(
    "/api/v2/filters/{filter_id}",
    **api_doc(body=V2_FIELDS, response=ref("Filter"), errors=(404, 422)),
)
async def update(
    filter_id: str,
    auth: AuthContext = Depends(WRITE),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Absent fields stay; ``keywords_attributes[]`` adds, changes and (``_destroy``)
    removes keywords."""
    rules = await filter_changes.update_filter(
        session,
        settings,
        auth.user,
        filter_id,
        title=_given(params, "title"),
        context=_context(params),
        action=_given(params, "filter_action"),
        expires_in=_given(params, "expires_in"),
        keywords_attributes=params.list("keywords_attributes"),
    )
    return _rules_to_api(rules)


@router.delete("/api/v2/filters/{filter_id}", **api_doc(errors=(404,)))
async def delete(
    filter_id: str,
    auth: AuthContext = Depends(WRITE),
    session: AsyncSession = Depends(get_session),
):
    await filter_changes.delete_filter(session, auth.user, filter_id)
    return {}
