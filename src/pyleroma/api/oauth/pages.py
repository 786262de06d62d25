"""The server-rendered OAuth pages: the login/authorize form, the out-of-band code page and
error pages. Templates live in ``web/templates``; every value is HTML-escaped here before it
is substituted (``string.Template``: no template engine dependency).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path
from string import Template

from starlette.responses import HTMLResponse

from pyleroma.api.csrf import FORM_TOKEN_FIELD
from pyleroma.models import Account, OAuthApp
from pyleroma.settings import Settings
from pyleroma.web.page_style import STYLE_TAG, content_security_policy

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "web" / "templates"

# The pages hold passwords and codes: never cached, never framed (no click-jacking of the
# one-click "authorize" button), no Referer leaking the query string to anyone.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": content_security_policy(),
}


@cache
def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def _fill(template: str, /, **values: str) -> str:
    return _template(template).substitute(**values)


def page(
    settings: Settings, title: str, content: str, status: int = 200, headers: dict | None = None
) -> HTMLResponse:
    body = _fill(
        "layout.html",
        title=escape(title),
        instance_name=escape(settings.instance_name),
        content=content,
        style=STYLE_TAG,
    )
    return HTMLResponse(body, status_code=status, headers={**PAGE_HEADERS, **(headers or {})})


def error_page(
    settings: Settings, message: str, status: int, headers: dict | None = None
) -> HTMLResponse:
    title = "Authorization failed"
    content = _fill("error.html", title=escape(title), message=escape(message))
    return page(settings, title, content, status, headers)


def oob_page(settings: Settings, app: OAuthApp, code: str) -> HTMLResponse:
    content = _fill("oob.html", app_name=escape(app.name), code=escape(code))
    return page(settings, "Successfully authorized", content)


@dataclass
class AuthorizeForm:
    """What the login form carries from the client's request to the POST that follows."""

    client_id: str
    redirect_uri: str
    scopes: list[str]
    state: str | None = None
    response_type: str | None = "code"
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    name: str = ""

    def hidden_fields(self) -> dict[str, str]:
        values = {
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "response_type": self.response_type,
            "state": self.state,
            "code_challenge": self.code_challenge,
            "code_challenge_method": self.code_challenge_method,
        }
        return {k: v for k, v in values.items() if v is not None}


def _scope_inputs(app: OAuthApp, chosen: list[str]) -> str:
    """A checkbox per scope the app registered or the client asked for (a narrower one such
    as ``read:statuses`` too); the requested ones are ticked."""
    rows = []
    for index, scope in enumerate(dict.fromkeys([*app.scopes, *chosen])):
        checked = " checked" if scope in chosen else ""
        ident = f"scope_{index}"
        rows.append(
            f'<div class="scope"><input type="checkbox" id="{ident}" '
            f'name="authorization[scope][]" value="{escape(scope)}"{checked}>'
            f'<label for="{ident}">{escape(scope)}</label></div>'
        )
    return "\n".join(rows)


def authorize_page(
    settings: Settings,
    app: OAuthApp,
    form: AuthorizeForm,
    session_account: Account | None = None,
    error: str | None = None,
    status: int = 200,
    csrf_token: str | None = None,
) -> HTMLResponse:
    """The login form; with a logged-in browser session it offers one-click authorization,
    and carries ``csrf_token`` (bound to that session, api/csrf.py) for that click."""
    login_fields = _fill("login_fields.html", name=escape(form.name))
    if session_account is not None:
        login = _fill(
            "session_login.html",
            nickname=escape(session_account.nickname),
            login_fields=login_fields,
        )
    else:
        login = login_fields
    hidden = "\n".join(
        f'<input type="hidden" name="authorization[{escape(key)}]" value="{escape(value)}">'
        for key, value in form.hidden_fields().items()
    )
    if csrf_token is not None:
        hidden += f'\n<input type="hidden" name="{FORM_TOKEN_FIELD}" value="{escape(csrf_token)}">'
    flash = f'<p class="alert" role="alert">{escape(error)}</p>' if error else ""
    content = _fill(
        "authorize.html",
        flash=flash,
        app_name=escape(app.name),
        scope_inputs=_scope_inputs(app, form.scopes),
        login=login,
        hidden_inputs=hidden,
    )
    return page(settings, "Log in", content, status)


def mfa_page(
    settings: Settings,
    nickname: str,
    mfa_token: str,
    challenge_type: str = "totp",
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The second step of a login with two-factor authentication on: the TOTP or backup
    code, posted to /oauth/mfa/verify with the MFA token (a secret, so no other site can
    post this form for the user) in a hidden field."""
    recovery = challenge_type == "recovery"
    content = _fill(
        "mfa.html",
        flash=f'<p class="alert" role="alert">{escape(error)}</p>' if error else "",
        nickname=escape(nickname),
        code_label="Recovery code" if recovery else "Authentication code",
        totp_selected="" if recovery else " selected",
        recovery_selected=" selected" if recovery else "",
        mfa_token=escape(mfa_token),
    )
    return page(settings, "Two-factor authentication", content, status)
