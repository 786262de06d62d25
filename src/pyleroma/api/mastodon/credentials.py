"""The logged-in user's own account: GET verify_credentials and PATCH update_credentials.

Both answer the CredentialAccount (``source``, the Pleroma settings store, notification
settings and the other owner-only keys), which Pleroma-FE and megalodon read at start-up.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.deps import AuthContext, get_session, get_settings, require_user
from pyleroma.api.mastodon.render_accounts import credential_account_to_api
from pyleroma.api.openapi import (
    ANY_OBJECT,
    BOOL,
    STR,
    api_doc,
    arr,
    enum,
    nullable,
    obj,
    param,
    ref,
)
from pyleroma.api.params import Params, get_params
from pyleroma.services.accounts import profile
from pyleroma.settings import Settings

router = APIRouter(tags=["Account credentials"])


@router.get("/api/v1/accounts/verify_credentials", **api_doc(response=ref("CredentialAccount")))
async def verify_credentials(
    auth: AuthContext = Depends(require_user("read:accounts")),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    return await credential_account_to_api(session, settings, auth.user)


UPLOAD = {"type": "string", "format": "binary"}


@router.patch(
    "/api/v1/accounts/update_credentials",
    **api_doc(
        body=[
            param("display_name", STR),
            param("note", STR, "The bio, as plain text"),
            *(param(name, BOOL) for name in profile.BOOLEAN_PARAMS),
            param("bot", BOOL),
            param("actor_type", enum(*profile.ACTOR_TYPES)),
            param(
                "source",
                obj(
                    optional={
                        "privacy": enum(*profile.VISIBILITIES),
                        "sensitive": BOOL,
                        "language": nullable(STR),
                    }
                ),
            ),
            param("default_scope", enum(*profile.VISIBILITIES)),
            param("accepts_direct_messages_from", enum(*profile.DM_POLICIES)),
            param("also_known_as", arr(STR)),
            param("pleroma_settings_store", ANY_OBJECT, "Merged into the settings store"),
            param("birthday", STR, "YYYY-MM-DD; an empty string removes it"),
            param("show_birthday", BOOL, "Others see the birthday (pleroma.birthday)"),
            param(
                "fields_attributes",
                arr(obj({"name": STR, "value": STR})),
                "Profile fields (also as fields_attributes[0][name]=...)",
            ),
            param("avatar", UPLOAD, "An image; an empty value removes it"),
            param("header", UPLOAD, "An image; an empty value removes it"),
            param("pleroma_background_image", UPLOAD, "An image; an empty value removes it"),
        ],
        uploads=True,
        example={
            "display_name": "Alice",
            "note": "Hello, I am Alice",
            "source": {"privacy": "unlisted", "sensitive": False},
            "fields_attributes": [{"name": "Pronouns", "value": "she/her"}],
        },
        response=ref("CredentialAccount"),
        errors=(413, 415, 422),
    ),
)
async def update_credentials(
    params: Params = Depends(get_params),
    auth: AuthContext = Depends(require_user("write:accounts")),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Update profile and preferences; every parameter is optional (see docs/api/accounts.md)."""
    update = await profile.check_profile_update(session, settings, auth.user, params)
    account = await profile.update_profile(session, settings, auth.user, update)
    return await credential_account_to_api(session, settings, account)
