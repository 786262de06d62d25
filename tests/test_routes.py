"""Route table invariants: a parametrised path never shadows a fixed one registered later."""

import re

from fastapi.routing import APIRoute


def _api_routes(app):
    found = []

    def walk(routes):
        for route in routes:
            if isinstance(route, APIRoute):
                found.append(route)
            elif hasattr(route, "routes"):
                walk(route.routes)

    walk(app.router.routes)
    return found


def _segments(path: str) -> list[str]:
    return path.strip("/").split("/")


def _shadows(earlier: str, later: str) -> bool:
    a, b = _segments(earlier), _segments(later)
    if len(a) != len(b) or earlier == later:
        return False
    matched_by_param = False
    for x, y in zip(a, b, strict=True):
        if re.fullmatch(r"\{[^}:]+\}", x):
            if not re.fullmatch(r"\{[^}]+\}", y):
                matched_by_param = True
            continue
        if x != y:
            return False
    return matched_by_param


def test_no_parametrised_route_shadows_a_fixed_route(app):
    routes = _api_routes(app)
    problems = []
    for i, earlier in enumerate(routes):
        for later in routes[i + 1 :]:
            if earlier.methods & later.methods and _shadows(earlier.path, later.path):
                problems.append(f"{earlier.path} hides {later.path}")
    assert problems == []


async def test_fixed_account_paths_reach_their_handlers(client, factory):
    user = await factory.user()
    for path in ("/api/v1/accounts/verify_credentials", "/api/v1/accounts/relationships"):
        response = await client.get(path, headers=user.headers)
        assert response.status_code == 200, (path, response.text)
