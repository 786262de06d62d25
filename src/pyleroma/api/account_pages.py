"""The server-rendered pages mailed links lead to: the password reset form and the short
notices (confirmed, changed, link not valid). They use the OAuth pages' layout and headers
(never cached or framed, no Referer: the URL holds a secret); every value is HTML-escaped
here before it is substituted.
"""

from __future__ import annotations

from functools import cache
from html import escape
from string import Template

from starlette.responses import HTMLResponse

from pyleroma.api.oauth.pages import TEMPLATES, page
from pyleroma.services.accounts.accounts import PASSWORD_MAX, PASSWORD_MIN
from pyleroma.services.accounts.mail_links import PASSWORD_RESET_PATH
from pyleroma.settings import Settings


@cache
def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def notice_page(
    settings: Settings, title: str, message: str, status: int = 200, error: bool = False
) -> HTMLResponse:
    content = _template("notice.html").substitute(
        title=escape(title),
        message=escape(message),
        css_class="alert" if error else "notice",
        role=' role="alert"' if error else "",
        home_url=escape(settings.base_url),
    )
    return page(settings, title, content, status)


def reset_form_page(
    settings: Settings, nickname: str, token: str, error: str | None = None, status: int = 200
) -> HTMLResponse:
    """Pleroma's reset form: ``data[password]``, ``data[password_confirmation]`` and the
    token in ``data[token]``, posted to /api/v1/pleroma/password_reset. The token is the
    form's CSRF guard too: only someone who holds the link can post it."""
    flash = f'<p class="alert" role="alert">{escape(error)}</p>' if error else ""
    content = _template("password_reset.html").substitute(
        nickname=escape(nickname),
        flash=flash,
        action=escape(PASSWORD_RESET_PATH),
        token=escape(token),
        min_length=PASSWORD_MIN,
        max_length=PASSWORD_MAX,
    )
    return page(settings, "Password reset", content, status)
