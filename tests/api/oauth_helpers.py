"""Helpers shared by the OAuth tests: register apps, read the login form as a browser does."""

from __future__ import annotations

import base64
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.factories import DEFAULT_PASSWORD

REDIRECT_URI = "https://client.example/callback"
OOB = "urn:ietf:wg:oauth:2.0:oob"


class LoginForm(HTMLParser):
    """The first form on a page: its action and the fields a browser would submit."""

    def __init__(self, html: str):
        super().__init__()
        self.action: str | None = None
        self.method: str | None = None
        self.fields: list[tuple[str, str]] = []
        self.checkboxes: dict[str, list[str]] = {}
        self._inside = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.action, self.method, self._inside = attrs.get("action"), attrs.get("method"), True
        elif tag == "input" and self._inside and attrs.get("name"):
            if attrs.get("type") == "checkbox":
                self.checkboxes.setdefault(attrs["name"], []).append(attrs.get("value") or "")
                if "checked" not in attrs:
                    return
            self.fields.append((attrs["name"], attrs.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False

    def value(self, name: str) -> str | None:
        return next((v for k, v in self.fields if k == name), None)

    def values(self, name: str) -> list[str]:
        return [v for k, v in self.fields if k == name]

    def submit(self, **overrides) -> dict[str, list[str]]:
        """The fields, as httpx form data, with ``authorization[<key>]`` set from
        ``overrides`` (a list for repeated fields)."""
        names = {f"authorization[{k}]": v for k, v in overrides.items()}
        data: dict[str, list[str]] = {}
        for key, value in self.fields:
            if key not in names:
                data.setdefault(key, []).append(value)
        for key, value in names.items():
            data[key] = value if isinstance(value, list) else [value]
        return data


async def register_app(
    client: httpx.AsyncClient,
    scopes: str = "read write follow push",
    redirect_uris: str = f"{REDIRECT_URI} {OOB}",
    name: str = "Tusky",
) -> dict:
    response = await client.post(
        "/api/v1/apps",
        data={"client_name": name, "redirect_uris": redirect_uris, "scopes": scopes},
    )
    assert response.status_code == 200, response.text
    return response.json()


def authorize_query(app: dict, **extra) -> dict:
    query = {
        "client_id": app["client_id"],
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": "read write",
        "state": "st4te",
    }
    query.update(extra)
    return {k: v for k, v in query.items() if v is not None}


async def open_form(client: httpx.AsyncClient, app: dict, **extra) -> LoginForm:
    response = await client.get("/oauth/authorize", params=authorize_query(app, **extra))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return LoginForm(response.text)


async def login_through_form(
    client: httpx.AsyncClient,
    app: dict,
    name: str,
    password: str = DEFAULT_PASSWORD,
    *,
    query: dict | None = None,
    **overrides,
) -> httpx.Response:
    """Open the login form, fill it in like a person, and post it (redirects not followed)."""
    form = await open_form(client, app, **(query or {}))
    return await client.post(
        form.action, data=form.submit(name=name, password=password, **overrides)
    )


def code_from(response: httpx.Response) -> str:
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["location"]).query)
    return query["code"][0]


async def exchange_code(
    client: httpx.AsyncClient, app: dict, code: str, redirect_uri: str = REDIRECT_URI, **extra
) -> httpx.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        **extra,
    }
    return await client.post("/oauth/token", data=data)


async def password_grant(
    client: httpx.AsyncClient,
    app: dict,
    username: str,
    password: str = DEFAULT_PASSWORD,
    **extra,
) -> httpx.Response:
    data = {
        "grant_type": "password",
        "username": username,
        "password": password,
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        **extra,
    }
    return await client.post("/oauth/token", data=data)


def basic(user: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
