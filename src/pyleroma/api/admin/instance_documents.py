"""Admin API, instance documents (under /api/v1/pleroma/admin and /api/pleroma/admin), as
Pleroma's InstanceDocumentController, for ``terms-of-service`` and ``instance-panel``:

- ``GET /instance_document/:name``: the document's HTML (the stored one, else the default);
- ``PATCH /instance_document/:name`` (multipart ``file``): store it; ``{"url": ...}``;
- ``DELETE /instance_document/:name``: back to the default; ``{}`` (404 when none stored).

Admins only, scopes ``admin:read`` / ``admin:write``. Pleroma logs nothing here; we log a
stored or removed document once the file change succeeded, and commit that entry then.
The app serves nothing else of ``data_dir/static``, so this module also serves the two
documents at Pleroma's paths (``router``: ``/static/terms-of-service.html`` and
``/instance/panel.html``), where Pleroma-FE fetches them. Storage and sanitising:
services/instance/instance_documents.py.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.api.admin.deps import require_admin
from pyleroma.api.deps import AuthContext, get_session, get_settings
from pyleroma.api.openapi import STR, api_doc, obj, param
from pyleroma.api.params import Params, get_params
from pyleroma.errors import Unprocessable
from pyleroma.services.instance import instance_documents as service
from pyleroma.settings import Settings

admin_router = APIRouter(tags=["Admin: instance documents"])
router = APIRouter(tags=["Instance documents"])

HTML = "text/html; charset=utf-8"
# The documents are inserted into front end pages; opened on their own they run nothing.
SERVED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; img-src * data:; style-src 'unsafe-inline'; "
    "sandbox",
    "Cache-Control": "no-cache",
}
BINARY = {"type": "string", "format": "binary"}


@admin_router.get(
    "/instance_document/{name}",
    summary="An instance document's HTML (terms-of-service, instance-panel)",
    **api_doc(response=STR, media_type="text/html", errors=(401, 403, 404)),
)
async def show_document(
    name: str,
    auth: AuthContext = Depends(require_admin(None, "admin:read")),
    settings: Settings = Depends(get_settings),
):
    doc = service.document(name)
    content = await asyncio.to_thread(service.read_document, settings, doc)
    return Response(content, media_type=HTML)


@admin_router.patch(
    "/instance_document/{name}",
    summary="Replace an instance document (an HTML file)",
    **api_doc(
        body=[param("file", BINARY, "The HTML document (multipart)", required=True)],
        uploads=True,
        response=obj({"url": STR}),
        errors=(401, 403, 404, 413, 422),
    ),
)
async def update_document(
    name: str,
    auth: AuthContext = Depends(require_admin(None, "admin:write")),
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    doc = service.document(name)
    upload = params.file("file")
    if upload is None:
        raise Unprocessable("file: can't be blank")
    data = await upload.read(service.MAX_BYTES + 1)
    url = await service.store_document(session, settings, auth.user, doc, data)
    await session.commit()
    return {"url": url}


@admin_router.delete(
    "/instance_document/{name}",
    summary="Restore an instance document's default",
    **api_doc(errors=(401, 403, 404)),
)
async def delete_document(
    name: str,
    auth: AuthContext = Depends(require_admin(None, "admin:write")),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    await service.restore_default(session, settings, auth.user, service.document(name))
    await session.commit()
    return {}


async def _serve(settings: Settings, url_path: str) -> Response:
    doc = service.BY_URL_PATH[url_path]
    content = await asyncio.to_thread(service.read_document, settings, doc)
    return Response(content, media_type=HTML, headers=SERVED_HEADERS)


@router.get(
    "/static/terms-of-service.html",
    summary="The terms of service (HTML)",
    **api_doc(response=STR, media_type="text/html"),
)
async def terms_of_service(settings: Settings = Depends(get_settings)):
    return await _serve(settings, "/static/terms-of-service.html")


@router.get(
    "/instance/panel.html",
    summary="The instance panel (HTML)",
    **api_doc(response=STR, media_type="text/html"),
)
async def instance_panel(settings: Settings = Depends(get_settings)):
    return await _serve(settings, "/instance/panel.html")
