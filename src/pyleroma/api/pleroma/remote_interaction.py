"""``POST /api/v1/pleroma/remote_interaction`` (and under /api/pleroma): where a visitor
from another server should go to interact with an account or post of ours.

No authentication. ``ap_id`` is the account's or post's ActivityPub id, ``profile`` the
visitor's ``nick@host``. The answer is ``{"url": ...}``: their server's remote follow
template (from its WebFinger) with ``{uri}`` filled with the url-encoded ``ap_id``.
Errors are ``{"error": ...}``: 422 for a malformed ``ap_id`` or ``profile`` or a server
without a template, 404 ``Couldn't find user`` when WebFinger cannot be had (Pleroma
answers that one with a 200; clients read the ``error`` key either way).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from pyleroma.api.deps import get_settings
from pyleroma.api.openapi import STR, api_doc, obj, param
from pyleroma.api.params import Params, get_params
from pyleroma.services.accounts import remote_interaction
from pyleroma.settings import Settings

pleroma_router = APIRouter(tags=["Remote interaction"])


@pleroma_router.post(
    "/remote_interaction",
    **api_doc(
        body=[
            param("ap_id", STR, "The ActivityPub id of an account or a post", required=True,
                  example="https://pleroma.example/users/alice"),
            param("profile", STR, "The visitor's address on their server", required=True,
                  example="bob@other.example"),
        ],
        response=obj({"url": STR}),
        errors=(404, 422),
    ),
)  # fmt: skip
async def remote_interaction_url(
    params: Params = Depends(get_params), settings: Settings = Depends(get_settings)
):
    url = await remote_interaction.interaction_url(
        settings, params.raw("ap_id"), params.raw("profile")
    )
    return {"url": url}
