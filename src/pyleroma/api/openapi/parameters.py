"""Parameter declarations shared by several routes, defined once (see ``declare.api_doc``)."""

from __future__ import annotations

from pyleroma.api.openapi.declare import param
from pyleroma.api.openapi.types import BOOL, INT, STR, arr, enum
from pyleroma.db.paging import MAX_OFFSET
from pyleroma.models.status import VISIBILITIES
from pyleroma.services.timelines.timelines import REPLY_VISIBILITIES

# An id given as a parameter: ASCII digits (anything else is a 422).
ID_PARAM = {"type": "string", "pattern": "^[0-9]{1,19}$"}
IDS = arr(ID_PARAM)

# max_id / since_id / min_id / limit / offset (api/pagination.py).
BOUNDS = (
    param("max_id", ID_PARAM, "Only items older than this id"),
    param("since_id", ID_PARAM, "Only items newer than this id (newest first)"),
    param("min_id", ID_PARAM, "The items right after this id (scrolling up)"),
)
LIMIT = param("limit", INT, "Page size; clamped to the route's maximum")
OFFSET = param(
    "offset",
    {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
    "Items to skip",
)
PAGE = (*BOUNDS, LIMIT, OFFSET)
OFFSET_LIMIT = (OFFSET, LIMIT)

WITH_RELATIONSHIPS = param(
    "with_relationships", BOOL, "Embed the viewer's Relationship in pleroma.relationship"
)
WITH_MUTED = param("with_muted", BOOL, "Include what comes from muted accounts")

# The filters every timeline accepts (api/mastodon/timelines.read_options).
TIMELINE_OPTIONS = (
    param("local", BOOL, "Only posts of this instance"),
    param("remote", BOOL, "Only posts of other instances"),
    param("only_media", BOOL, "Only posts with attachments"),
    WITH_MUTED,
    param("exclude_replies", BOOL),
    param("exclude_reblogs", BOOL),
    param("exclude_visibilities", arr(enum(*VISIBILITIES))),
    param("reply_visibility", enum(*REPLY_VISIBILITIES)),
    param("instance", STR, "Only posts of this domain"),
)
