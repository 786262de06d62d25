"""Run one pyleroma server process for the multi-process streaming test.

``python -m tests.streaming.serve_app PORT``; settings come from PYLEROMA_* variables (the
test points every process at the same database). Unlike ``pyleroma serve`` it runs no
migrations: the tests build their schema from the models.
"""

from __future__ import annotations

import sys

import uvicorn

from pyleroma.main import create_app
from pyleroma.settings import load_settings

if __name__ == "__main__":
    settings = load_settings()
    uvicorn.run(
        create_app(settings),
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        ws_ping_interval=settings.streaming_ping_interval,
    )
