"""Schemathesis over our own /api/openapi: no server error, every answer as documented.

Every operation of the document is one test, run for a few generated cases (schemathesis'
coverage cases and Hypothesis examples, derandomized) against a seeded instance
(fuzz_world.py) with alice's token (every scope). Half of the cases get real ids in their
path (and in id fields of the body), so the handlers get past their 404s (DELETE
operations spend spare ids), and a quarter get edge values there (non-ASCII digits,
numbers past 64 bits...), which string and integer fields also get now and then.
Checks: ``not_a_server_error`` and ``response_schema_conformance``. Each case also checks
that the handler read only parameters its operation declares (params_recorder.py), so the
declarations cannot rot.

Runs on SQLite, and on PostgreSQL with PYLEROMA_TEST_DATABASE_URL; under xdist each worker
seeds its own instance for the operations it runs.
"""

from __future__ import annotations

import os
import tempfile
import zlib
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.meta import TestPhase
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import response_schema_conformance

from pyleroma.main import create_app
from tests.api import params_recorder
from tests.api.fuzz_world import World, build_world
from tests.conftest import BASE_URL, make_test_settings

# Generated cases per operation, and one coverage case in COVERAGE_SHARE sent; a deeper run:
# PYLEROMA_FUZZ_EXAMPLES=100 PYLEROMA_FUZZ_COVERAGE_SHARE=1 ./scripts/test <this file>
EXAMPLES = int(os.environ.get("PYLEROMA_FUZZ_EXAMPLES", "6"))
COVERAGE_SHARE = int(os.environ.get("PYLEROMA_FUZZ_COVERAGE_SHARE", "2"))
CHECKS = (not_a_server_error, response_schema_conformance)
# Body and query fields given real values part of the time (fuzz_world.World.ids_for).
ID_FIELDS = (
    "account_id",
    "status_id",
    "in_reply_to_id",
    "quote_id",
    "id",
    "max_id",
    "acct",
    "resource",
    "uri",
    "client_id",
    "client_secret",
    "status_ids",
    "media_ids",
    "account_ids",
    "recipients",
    "domain",
    "name",
    "password",
)


def _document() -> dict:
    """The document as served (generated from a throw-away app: no database needed)."""
    with tempfile.TemporaryDirectory() as data_dir:
        return create_app(make_test_settings(Path(data_dir))).openapi()


# Values every string and integer field gets now and then, besides what is generated:
# digits that are not ASCII, numbers past 64 bits, signs, blanks (issue 8's 500s).
EDGE_VALUES = [
    "²",
    "①",
    "١٢",
    "-1",
    "+1",
    " 1",
    "1_0",
    "0",
    "",
    "9223372036854775807",
    "9223372036854775808",
    "99999999999999999999",
    "-99999999999999999999",
]
CONFIG = schemathesis.Config.from_dict(
    {
        "dictionaries": {"edge-values": {"values": EDGE_VALUES}},
        "generation": {
            "max-examples": EXAMPLES,
            # Each case sends alice's token itself.
            "with-security-parameters": False,
            "dictionaries": {
                "string": {"dictionary": "edge-values", "probability": 0.2},
                "integer": {"dictionary": "edge-values", "probability": 0.2},
            },
        },
        "phases": {
            # HTTP methods a path does not serve are FastAPI's 405, not ours to test.
            "coverage": {"unexpected-methods": [], "extra-data-sources": {"responses": False}},
            # The same cases every run: nothing learnt from answers (their ids change).
            "fuzzing": {
                "extra-data-sources": {"responses": False},
                "error-feedback": {"enabled": False},
            },
        },
    }
)
DOCUMENT = _document()
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)
# PYLEROMA_FUZZ_LOG=file appends a line per case (operation, status, answer, phase, path
# parameters, query, body, media type): what the fuzzer reached, e.g. which operations never
# got past their 404s.
LOG = os.environ.get("PYLEROMA_FUZZ_LOG")
STATS = {"operations": set(), "cases": 0}


@pytest.fixture(scope="module")
def world(tmp_path_factory, pg_database):
    built = build_world(tmp_path_factory.mktemp("fuzz"), pg_database)
    with params_recorder.recording() as asked:
        built.asked = asked
        yield built
    asgi.shutdown_lifespans()
    print(
        f"\nschemathesis: {len(STATS['operations'])} operations, {STATS['cases']} cases"
        f" on this worker"
    )


def _ids(case, world: World, turn: int) -> None:
    """Ids in the path and in id fields of the body and query, by turn: a real one (even
    turns), an edge value (one turn in four), or what was generated."""
    if turn % 4 == 3:
        return
    method, path = case.operation.method.upper(), case.operation.path
    start = zlib.crc32(case.operation.label.encode())  # operations start at different edges

    def pick(choices: list[str], edges: list[str] = EDGE_VALUES) -> str | None:
        if turn % 2:
            return edges[(start + turn // 4) % len(edges)]
        return choices[(turn // 2) % len(choices)] if choices else None

    # Copies: schemathesis' coverage cases may share these dicts with other cases.
    case.path_parameters = dict(case.path_parameters or {})
    for name in case.path_parameters:
        # An empty segment would be another route (and its trailing-slash redirect).
        value = pick(world.ids_for(path, name, method), [v for v in EDGE_VALUES if v])
        if value is not None:
            case.path_parameters[name] = value
    if isinstance(case.body, dict):
        case.body = dict(case.body)
    case.query = dict(case.query or {})
    containers = [case.body, case.query]
    for outer in containers[:2]:  # the login form's authorization[...] fields win over flat
        if isinstance(outer, dict) and isinstance(outer.get("authorization"), dict):
            outer["authorization"] = dict(outer["authorization"])
            containers.append(outer["authorization"])
    for container in containers:
        if not isinstance(container, dict):
            continue
        for name in ID_FIELDS:
            for key in (name, f"{name}[]"):
                current = container.get(key)
                if not isinstance(current, str | list):
                    continue
                value = pick(world.ids_for(path, name, method, in_path=False))
                if value is not None:
                    container[key] = [value] if isinstance(current, list) else value


def _skipped(case) -> bool:
    """One coverage case in ``COVERAGE_SHARE`` is sent, chosen by a stable hash of the case:
    schemathesis makes dozens per operation (each parameter missing, null, of each wrong
    type, at and past its bounds), more than the suite's time allows; the generated cases
    are all sent."""
    if case.meta is None or case.meta.phase.name != TestPhase.COVERAGE:
        return False
    body = case.body if isinstance(case.body, dict | list | str | int | float) else None
    key = repr((case.operation.label, case.path_parameters, case.query, body))
    return zlib.crc32(f"{key} {case.media_type}".encode()) % COVERAGE_SHARE != 0


def _header(value: str) -> str:
    """A header value as it arrives: without surrounding blanks (HTTP strips them, and the
    client refuses them), UTF-8 bytes read one by one (headers are latin-1 on the wire)."""
    return value.strip().encode().decode("latin-1")


def _log(case, response) -> None:
    phase = case.meta.phase.name if case.meta else ""
    with open(LOG, "a") as log:
        log.write(
            f"{case.operation.label}\t{response.status_code}\t{response.text[:150]!r}"
            f"\t{phase}\t{case.path_parameters!r}\t{case.query!r}\t{str(case.body)[:200]!r}"
            f"\t{case.media_type}\n"
        )


def _token(case, world: World) -> str:
    """alice's token, an app's token where only one will do (registration), or another
    token for the few operations that must not spoil alice's state."""
    security = case.operation.definition.raw.get("security") or []
    app_only = bool(security) and all("BasicAuth" not in alt for alt in security)
    return world.token_for(case.operation.method.upper(), case.operation.path, app_only)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case, world):
    if _skipped(case):
        return
    _ids(case, world, next(world.turns[case.operation.label]))
    if case.headers:
        case.headers = {name: _header(value) for name, value in case.headers.items()}
    headers = {"Authorization": f"Bearer {_token(case, world)}"}
    params_recorder.take(world.asked)
    response = case.call(app=world.app, base_url=BASE_URL, headers=headers, allow_redirects=False)
    asked = params_recorder.take(world.asked)
    STATS["operations"].add(case.operation.label)
    STATS["cases"] += 1
    if LOG:
        _log(case, response)
    case.validate_response(response, checks=CHECKS)
    missing = params_recorder.undeclared(
        case.operation.definition.raw, asked, DOCUMENT["components"]["schemas"]
    )
    assert not missing, f"{case.operation.label} reads undeclared parameters: {missing}"
