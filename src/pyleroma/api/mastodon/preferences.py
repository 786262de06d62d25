"""GET /api/v1/preferences: the user's posting and reading defaults (``read:accounts``).

Same keys as Pleroma's preferences.json. Posting defaults come from the account's stored
source settings; the reading ones are not configurable here, so they answer Mastodon's
defaults (media shown per sensitivity, spoilers collapsed).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from pyleroma.api.deps import AuthContext, require_user
from pyleroma.api.openapi import api_doc, ref

router = APIRouter(tags=["Accounts"])


@router.get(
    "/api/v1/preferences",
    summary="The user's preferences",
    **api_doc(response=ref("Preferences")),
)
async def preferences(auth: AuthContext = Depends(require_user("read:accounts"))):
    account = auth.user
    return {
        "posting:default:visibility": account.default_scope,
        "posting:default:sensitive": account.default_sensitive,
        "posting:default:language": account.default_language,
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
    }
