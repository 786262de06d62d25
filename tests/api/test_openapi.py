"""GET /api/openapi: FastAPI's OpenAPI document covers every route and always generates.

Routes read their parameters through the Params dependency, so the document has no parameter
lists; what matters is that generation never fails (one odd dependency would make the whole
document a 500) and that every public route is listed with a summary.
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
