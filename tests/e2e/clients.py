"""Running the JavaScript client checks in tests/clients (megalodon) against a live server."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

CLIENTS_DIR = Path(__file__).resolve().parent.parent / "clients"


def run_node_client(script: str, *args: str, timeout: float = 60) -> dict:
    """Run ``tests/clients/<script>`` with node and return the JSON it prints.

    ./scripts/test installs the pinned packages (npm ci) before the suite runs; a machine
    without Node.js cannot run these client checks, and the failure says so.
    """
    node = shutil.which("node")
    assert node, "Node.js 20+ is needed for the JavaScript client checks (tests/clients)"
    assert (CLIENTS_DIR / "node_modules" / "megalodon").exists(), (
        "run `npm ci --prefix tests/clients` (./scripts/test does it)"
    )
    result = subprocess.run(
        [node, str(CLIENTS_DIR / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=CLIENTS_DIR,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
