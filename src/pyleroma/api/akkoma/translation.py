"""``GET /api/v1/akkoma/translation/languages``: the languages Akkoma's translation service
offers. This server translates nothing, so none: ``{}``, which is Akkoma's answer with
translation off (akkoma-fe then offers no "translate" button)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from pyleroma.api.deps import AuthContext, optional_user
from pyleroma.api.openapi import api_doc, obj

router = APIRouter(tags=["Akkoma"])


@router.get("/api/v1/akkoma/translation/languages", **api_doc(response=obj({})))
async def translation_languages(auth: AuthContext | None = Depends(optional_user())):
    return {}
