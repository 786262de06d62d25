"""GET /pyleroma/source.tar.gz: the source of the running server
(services/instance/source_archive.py).

The default ``source_url`` of /api/v2/instance and nodeinfo 2.1 points here. Public: the AGPL
offers the source to everyone who uses the server.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from starlette.responses import Response

from pyleroma.api.openapi import api_doc
from pyleroma.services.instance.source_archive import source_archive
from pyleroma.urls import SOURCE_ARCHIVE_PATH

router = APIRouter(tags=["discovery"])


@router.get(
    SOURCE_ARCHIVE_PATH,
    summary="The source code of this server (tar.gz)",
    response_class=Response,
    **api_doc(response={"type": "string", "format": "binary"}, media_type="application/gzip"),
)
async def source_code():
    # The first call reads the package from disk: do it off the event loop.
    data = await asyncio.to_thread(source_archive)
    return Response(
        data,
        media_type="application/gzip",
        headers={
            "Content-Disposition": 'attachment; filename="pyleroma-source.tar.gz"',
            "Cache-Control": "public, max-age=3600",
        },
    )
