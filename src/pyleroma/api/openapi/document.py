"""GET /api/openapi: FastAPI's document, completed with what each route declares.

FastAPI lists the routes, their summaries, tags and path parameters. Each route's
``api_doc`` declaration (``declare.py``) then replaces the operation's parameters, request
body and responses, the entity schemas go under ``components/schemas``, and each
operation's ``security`` is read off its authentication dependency (``api/deps.py``), so
the scopes in the document are the ones the code enforces.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

# The schema modules register their components when imported.
from pyleroma.api.openapi import (  # noqa: F401
    schemas_accounts,
    schemas_instance,
    schemas_other,
    schemas_statuses,
)
from pyleroma.api.openapi.declare import DECLARED, error_response
from pyleroma.api.openapi.types import COMPONENTS
from pyleroma.policy.scopes import SUB_SCOPES, TOP_LEVEL

try:  # FastAPI >= 0.130 wraps included routers; this walks them to the effective routes.
    from fastapi.routing import iter_route_contexts
except ImportError:  # older FastAPI: app.routes already holds the APIRoutes

    def iter_route_contexts(routes):
        return iter(routes)


DONE = "x-pyleroma-document"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")

_SCOPES = {scope: scope for scope in (*TOP_LEVEL, *SUB_SCOPES)}
SECURITY_SCHEMES = {
    "OAuth2": {
        "type": "oauth2",
        "description": "A Bearer token (Authorization header or the access_token parameter).",
        "flows": {
            "authorizationCode": {
                "authorizationUrl": "/oauth/authorize",
                "tokenUrl": "/oauth/token",
                "refreshUrl": "/oauth/token",
                "scopes": _SCOPES,
            },
            "password": {"tokenUrl": "/oauth/token", "scopes": _SCOPES},
            "clientCredentials": {"tokenUrl": "/oauth/token", "scopes": _SCOPES},
        },
    },
    "BasicAuth": {"type": "http", "scheme": "basic", "description": "Nickname or email"},
    "SessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "_pleroma_key",
        "description": "Set by the login form (/oauth/authorize)",
    },
}


def _auth_of(route: APIRoute) -> tuple[str, tuple[str, ...]] | None:
    """(kind, scopes) of the route's authentication dependency, or None for a public route."""
    pending = list(route.dependant.dependencies)
    while pending:
        dependant = pending.pop()
        kind = getattr(dependant.call, "auth_kind", None)
        if kind is not None:
            return kind, tuple(getattr(dependant.call, "required_scopes", ()))
        pending.extend(dependant.dependencies)
    return None


def _security(kind: str, scopes: tuple[str, ...]) -> list[dict]:
    oauth = [{"OAuth2": [scope]} for scope in scopes] or [{"OAuth2": []}]
    if kind == "app":
        return oauth
    alternatives = [*oauth, {"BasicAuth": []}, {"SessionCookie": []}]
    return [*alternatives, {}] if kind == "optional" else alternatives


def _add_auth_errors(responses: dict, kind: str) -> None:
    """401 (no or a bad token) and 403 (a token without the scope) where they can happen."""
    codes = {"401": "Unauthorized", "403": "Forbidden"}
    if kind == "optional":
        codes = {"401": "Unauthorized: a bad or expired token"}
    for code, description in codes.items():
        responses.setdefault(code, error_response(description))


def _routes(app: FastAPI) -> dict[tuple[str, str], APIRoute]:
    found = {}
    for context in iter_route_contexts(app.routes):
        route = getattr(context, "original_route", context)
        if not isinstance(route, APIRoute) or not context.include_in_schema:
            continue
        for method in context.methods:
            found[(context.path_format, method.lower())] = route
    return found


def _apply(operation: dict, declared: dict) -> None:
    path_params = []
    for item in operation.get("parameters", []):
        if item.get("in") != "path":
            continue
        item = {k: v for k, v in item.items() if k != "schema"}
        schema = {k: v for k, v in item.get("schema", {}).items() if k != "title"}
        override = declared["path"].get(item["name"], {})
        item["schema"] = override.get("schema") or schema or {"type": "string"}
        if override.get("description"):
            item["description"] = override["description"]
        path_params.append(item)
    operation["parameters"] = path_params + declared["parameters"]
    if not operation["parameters"]:
        del operation["parameters"]
    operation.pop("requestBody", None)
    if "requestBody" in declared:
        operation["requestBody"] = declared["requestBody"]
    operation["responses"] = declared["responses"]


def complete(document: dict, app: FastAPI) -> dict:
    """Apply the declarations and components to FastAPI's ``document`` (idempotent)."""
    if document.get(DONE):
        return document
    routes = _routes(app)
    for path, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            declared = operation.pop(DECLARED, None)
            if declared is not None:
                _apply(operation, declared)
            route = routes.get((path, method))
            auth = _auth_of(route) if route is not None else None
            if auth is not None:
                operation["security"] = _security(*auth)
                if declared is not None:
                    _add_auth_errors(operation["responses"], auth[0])
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas.update(COMPONENTS)
    components["securitySchemes"] = SECURITY_SCHEMES
    document[DONE] = True
    return document


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` (served at ``app.openapi_url``) return the completed document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        return complete(generate(), app)

    app.openapi = openapi  # type: ignore[method-assign]
