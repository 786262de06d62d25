"""GET /api/openapi: the OpenAPI document covers every route and always generates.

Every route is listed with a summary; generation never fails (one odd dependency would make
the whole document a 500); and each operation declares what its route reads through Params
(query, form, multipart, JSON), its answers with their schemas, and its scopes
(api/openapi/). test_openapi_fuzz.py holds the running server to the document.
"""

from __future__ import annotations

from fastapi.routing import APIRoute

from pyleroma import VERSION_STRING

try:  # FastAPI >= 0.130 wraps included routers; this walks them to the effective routes.
    from fastapi.routing import iter_route_contexts
except ImportError:  # older FastAPI: app.routes already holds the APIRoutes

    def iter_route_contexts(routes):
        return iter(routes)


def api_routes(app) -> list:
    """Every API route the app serves (path_format/methods/include_in_schema as mounted)."""
    return [
        r
        for r in iter_route_contexts(app.routes)
        if isinstance(getattr(r, "original_route", r), APIRoute)
    ]


def schema_routes(app) -> list:
    return [r for r in api_routes(app) if r.include_in_schema]


async def test_document_is_served(client):
    response = await client.get("/api/openapi")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    data = response.json()
    assert data["openapi"].startswith("3.")
    assert data["info"]["title"] == "pyleroma"
    assert data["info"]["version"] == VERSION_STRING


async def test_every_route_is_documented_with_a_summary(client, app):
    paths = (await client.get("/api/openapi")).json()["paths"]
    routes = schema_routes(app)
    assert routes, "no routes registered"
    missing = []
    for route in routes:
        for method in route.methods - {"HEAD", "OPTIONS"}:
            operation = paths.get(route.path_format, {}).get(method.lower())
            if operation is None:
                missing.append(f"{method} {route.path_format}")
            else:
                assert operation.get("summary"), f"{method} {route.path_format} has no summary"
    assert missing == []


async def test_discovery_routes_are_listed(client):
    paths = (await client.get("/api/openapi")).json()["paths"]
    for path in (
        "/api/v1/instance",
        "/api/v2/instance",
        "/api/v1/instance/peers",
        "/.well-known/nodeinfo",
        "/nodeinfo/{version}.json",
        "/.well-known/webfinger",
        "/.well-known/host-meta",
        "/api/v1/pleroma/healthcheck",
    ):
        assert "get" in paths[path], path
    assert paths["/api/v1/instance"]["get"]["summary"].startswith("Instance information")


async def test_pleroma_prefix_duplicates_stay_out_of_the_document(client, app):
    """Both prefixes are served, but only /api/v1/pleroma is documented (no duplicate ids)."""
    paths = (await client.get("/api/openapi")).json()["paths"]
    hidden = [r.path_format for r in api_routes(app) if r.path_format.startswith("/api/pleroma/")]
    assert "/api/pleroma/healthcheck" in hidden
    assert not [p for p in hidden if p in paths]
    assert (await client.get("/api/pleroma/healthcheck")).status_code == 200


async def test_generation_is_repeatable_and_ids_unique(app):
    """Generating twice (a fresh app each worker) gives the same document, no id clashes."""
    first = app.openapi()
    app.openapi_schema = None
    second = app.openapi()
    assert first == second
    ids = [
        operation["operationId"]
        for methods in first["paths"].values()
        for operation in methods.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]
    assert len(ids) == len(set(ids))


def _operations(document: dict):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def _refs(node) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(item) for item in node)) if node else set()
    return set()


async def test_every_operation_declares_its_answers(client):
    """Each route's api_doc replaced FastAPI's guesses: a documented 2xx (or 302) answer
    with its media type and schema, and 4xx answers with the Error body."""
    document = (await client.get("/api/openapi")).json()
    for label, operation in _operations(document):
        responses = operation["responses"]
        assert "4XX" in responses, f"{label}: no api_doc(...) in its route decorator"
        assert responses["4XX"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }, label
        success = [code for code in responses if code.startswith("2") or code == "302"]
        assert success, label
        for code in success:
            if code not in ("302", "204"):  # a 204 has no body to describe
                assert responses[code]["content"], label
        assert "HTTPValidationError" not in str(operation), label
    assert "HTTPValidationError" not in document["components"]["schemas"]


async def test_every_reference_resolves(client):
    document = (await client.get("/api/openapi")).json()
    schemas = document["components"]["schemas"]
    for ref in _refs(document):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in schemas, ref


async def test_parameters_and_bodies_are_declared(client):
    """What routes read through Params is in the document: query parameters (arrays in
    Rails' name[] form), and bodies as JSON, forms and, for uploads, multipart."""
    document = (await client.get("/api/openapi")).json()
    home = document["paths"]["/api/v1/timelines/home"]["get"]
    names = {p["name"] for p in home["parameters"]}
    assert {"max_id", "since_id", "min_id", "limit", "offset", "exclude_visibilities[]"} <= names
    assert home["responses"]["200"]["headers"]["Link"]
    assert home["responses"]["200"]["content"]["application/json"]["schema"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Status"},
    }
    offset = next(p for p in home["parameters"] if p["name"] == "offset")
    assert offset["schema"]["maximum"] == 2**31 - 1

    post = document["paths"]["/api/v1/statuses"]["post"]["requestBody"]["content"]
    assert set(post) == {"application/json", "application/x-www-form-urlencoded"}
    assert "media_ids" in post["application/json"]["schema"]["properties"]
    assert "media_ids[]" in post["application/x-www-form-urlencoded"]["schema"]["properties"]

    upload = document["paths"]["/api/v1/media"]["post"]["requestBody"]
    assert upload["required"] is True
    multipart = upload["content"]["multipart/form-data"]["schema"]
    assert multipart["properties"]["file"]["format"] == "binary"
    assert multipart["required"] == ["file"]
    assert "file" not in upload["content"]["application/json"]["schema"]["properties"]

    status = document["paths"]["/api/v1/statuses/{status_id}"]["get"]
    assert [p["name"] for p in status["parameters"]] == ["status_id"]
    assert status["parameters"][0]["in"] == "path"


async def test_security_is_read_off_the_routes(client):
    """Scopes in the document are the ones the code enforces (api/deps.py)."""
    document = (await client.get("/api/openapi")).json()
    paths = document["paths"]
    home = paths["/api/v1/timelines/home"]["get"]
    assert {"OAuth2": ["read:statuses"]} in home["security"]
    assert {} not in home["security"]
    assert "401" in home["responses"] and "403" in home["responses"]
    public = paths["/api/v1/timelines/public"]["get"]
    assert {} in public["security"]  # anonymous readers are welcome
    block = paths["/api/v1/accounts/{account_id}/block"]["post"]["security"]
    assert {"OAuth2": ["follow"]} in block and {"OAuth2": ["write:blocks"]} in block
    register = paths["/api/v1/accounts"]["post"]["security"]
    assert all("BasicAuth" not in alternative for alternative in register)  # an app token
    assert "security" not in paths["/api/v1/instance"]["get"]
    schemes = document["components"]["securitySchemes"]
    assert schemes["OAuth2"]["flows"]["authorizationCode"]["tokenUrl"] == "/oauth/token"


async def test_non_json_answers_have_their_media_types(client):
    paths = (await client.get("/api/openapi")).json()["paths"]
    assert "text/html" in paths["/oauth/authorize"]["get"]["responses"]["200"]["content"]
    assert "302" in paths["/oauth/authorize"]["post"]["responses"]
    assert "text/plain" in paths["/api/v1/streaming/health"]["get"]["responses"]["200"]["content"]
    webfinger = paths["/.well-known/webfinger"]["get"]["responses"]["200"]["content"]
    assert set(webfinger) == {"application/jrd+json", "application/xrd+xml"}
    assert "/api/v1/streaming" not in paths  # the WebSocket is no HTTP operation


async def test_the_document_loads_in_schemathesis(client):
    """A valid OpenAPI 3.1 document whose every operation schemathesis can test."""
    import schemathesis

    document = (await client.get("/api/openapi")).json()
    schema = schemathesis.openapi.from_dict(document)
    operations = list(schema.get_all_operations())
    assert len(operations) == sum(1 for _ in _operations(document))
    assert all(result.ok() for result in operations)


async def test_the_drift_guard_sees_what_a_route_reads(client, factory):
    """params_recorder (used by the fuzz test on every case) records the names a handler
    asks of Params, nested ones as outer.inner, and flags those the operation lacks."""
    from tests.api import params_recorder

    alice = await factory.user("alice")
    document = (await client.get("/api/openapi")).json()
    schemas = document["components"]["schemas"]
    with params_recorder.recording() as asked:
        await client.get("/api/v1/timelines/home?max_id=1", headers=alice.headers)
        home = params_recorder.take(asked)
        await client.patch(
            "/api/v1/accounts/update_credentials",
            json={"source": {"privacy": "unlisted"}},
            headers=alice.headers,
        )
        update = params_recorder.take(asked)
    assert {"max_id", "limit", "offset", "exclude_visibilities", "with_muted"} <= set(home)
    assert (
        params_recorder.undeclared(
            document["paths"]["/api/v1/timelines/home"]["get"], home, schemas
        )
        == []
    )
    assert "source.privacy" in update
    operation = document["paths"]["/api/v1/accounts/update_credentials"]["patch"]
    assert params_recorder.undeclared(operation, update, schemas) == []
    assert params_recorder.undeclared(operation, ["bogus", "source.bogus"], schemas) == [
        "bogus",
        "source.bogus",
    ]
