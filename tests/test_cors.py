"""Browser clients on other origins can call the API (preflight and simple requests)."""


async def test_preflight_allows_any_origin_with_authorization_header(client):
    response = await client.options(
        "/api/v1/instance",
        headers={
            "Origin": "https://elk.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


async def test_simple_request_exposes_link_header(client):
    response = await client.get("/api/v1/instance", headers={"Origin": "https://elk.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "Link" in response.headers["access-control-expose-headers"]
    assert "access-control-allow-credentials" not in response.headers
