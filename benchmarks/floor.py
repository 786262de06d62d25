"""The floor: a bare FastAPI endpoint that answers the same bytes pyleroma answered.

    .venv/bin/python -m benchmarks.floor --port 4100 --responses /tmp/responses.json

``benchmarks.compare`` captures one response body per endpoint from pyleroma, writes them
to a JSON file ({key: body as text}) and starts this server on the same machine with the same
HTTP stack (uvicorn with uvloop and httptools, FastAPI, orjson-sized bodies sent as raw
bytes). ``GET /floor/<key>`` answers the body captured for ``key``. Whatever pyleroma spends
beyond this server's time per request is pyleroma's own work (auth, SQL, rendering), so the
ratio of the two is how far the request path is from what the framework allows.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from starlette.responses import Response


def create_floor_app(bodies: dict[str, bytes]) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/floor/{key}")
    async def floor(key: str):
        body = bodies.get(key)
        if body is None:
            return Response(
                b'{"error":"Not found"}', status_code=404, media_type="application/json"
            )
        return Response(body, media_type="application/json")

    @app.get("/ready")
    async def ready():
        return Response(b"{}", media_type="application/json")

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.floor")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--responses", required=True, help="JSON file: {key: body text}")
    args = parser.parse_args(argv)
    raw = json.loads(Path(args.responses).read_text())
    bodies = {key: text.encode() for key, text in raw.items()}
    uvicorn.run(
        create_floor_app(bodies),
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
