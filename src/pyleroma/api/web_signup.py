"""The server-rendered sign-up page (``/registration`` and ``/registration/:token``).

Pleroma's invite mail links to ``/registration/:token`` (services/accounts/invites.py), a
route of Pleroma-FE. So a browser (``Accept: text/html``) gets the primary front end's
``index.html`` when one is installed (web/frontend_serving.py), and the front end signs up
through POST /api/v1/accounts. Without a front end, and for clients that do not ask for
HTML (text browsers that send ``*/*``), the server shows its own form; a client asking for
JSON only gets the JSON 404 any unrouted path gets.

The form posts back to the same path and registers through the same service as the API
(services/accounts/registration.py ``register``), so the modes behave alike: ``open``,
``approval`` (a reason is required and the account waits for the staff), ``invite`` (the
token from the link, in a hidden field; without one the page says an invite is needed and
shows no form) and ``closed`` (a 403 page, no form); the email is required with
``account_activation_required``, and Pleroma's native captcha is shown (its picture is a
``data:`` URL, which the pages' CSP allows) when ``captcha_enabled``. The registering app is
the server's own untrusted one (services/oauth/internal_apps.py), so the captcha applies.

The POST is guarded against cross-site requests twice (api/csrf.py): it must come from our
origin (``Origin``, ``Sec-Fetch-Site``), and it must carry the form's token, an HMAC of a
random value the GET put in a ``SameSite=Strict`` cookie (double submit: another site can
neither read the token nor set the cookie). That matters because a successful sign-up that
may log in at once logs this browser in (the ``_pleroma_key`` session cookie, as the OAuth
login form sets it): no other site may log a visitor into an account of its choosing.
Attempts share POST /api/v1/accounts' rate limit per IP.

A refused sign-up shows the form again with the reason and what was typed (never the
passwords), with a 4xx status; every value is HTML-escaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from string import Template
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from pyleroma.api.account_pages import notice_page
from pyleroma.api.csrf import FORM_TOKEN_FIELD, cross_site_reason, form_token, form_token_matches
from pyleroma.api.deps import get_session, get_settings, set_session_cookie
from pyleroma.api.errors import error_response, http_headers, http_status
from pyleroma.api.mastodon.accounts import registration_limiter
from pyleroma.api.oauth.credentials import wants_json
from pyleroma.api.oauth.pages import TEMPLATES, page
from pyleroma.api.params import Params, get_params
from pyleroma.errors import DomainError, RateLimited
from pyleroma.services.accounts import captcha, registration
from pyleroma.services.accounts.accounts import NICKNAME_MAX, PASSWORD_MAX, PASSWORD_MIN
from pyleroma.services.oauth.internal_apps import registration_app
from pyleroma.services.oauth.secrets import new_secret
from pyleroma.settings import Settings
from pyleroma.web.frontend_serving import front_end_index, wants_html

router = APIRouter(tags=["Web pages"], include_in_schema=False)

PATH = "/registration"
TERMS_URL = "/static/terms-of-service.html"
# The double-submit cookie: sent only to the sign-up page, never to another site's request.
NONCE_COOKIE = "_pleroma_signup"
NONCE_TTL = 24 * 3600
_NONCE_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
STALE_FORM = (
    "This form is out of date or was not sent from this server's page: check it and send it again."
)
PASSWORD_MISMATCH = "The two passwords do not match."
INVITE_MESSAGES = {
    "Invalid token": "This invite link is not valid.",
    "Expired token": "This invite link has expired or has been used up.",
}


@dataclass
class SignupForm:
    """What the form shows again after a refusal (never the passwords)."""

    username: str = ""
    display_name: str = ""
    email: str = ""
    reason: str = ""
    agreement: bool = False
    token: str | None = None  # the invite token


def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


_SIGNUP = _template("signup.html")
_DONE = _template("signup_done.html")


def _action(token: str | None) -> str:
    return f"{PATH}/{quote(token, safe='')}" if token else PATH


def _nonce(request: Request) -> str:
    sent = request.cookies.get(NONCE_COOKIE)
    return sent if sent and _NONCE_RE.fullmatch(sent) else new_secret(16)


def _csrf_token(request: Request, nonce: str) -> str:
    return form_token(request.app.state.secret_key, f"registration:{nonce}")


def _csrf_failure(request: Request, settings: Settings, params: Params) -> str | None:
    """Why this POST is not known to come from the form we showed this browser, or None."""
    reason = cross_site_reason(request, settings.base_url)
    if reason is not None:
        return f"Cross-site request refused: {reason}."
    nonce = request.cookies.get(NONCE_COOKIE) or ""
    sent = params.raw(FORM_TOKEN_FIELD)
    if not _NONCE_RE.fullmatch(nonce) or not form_token_matches(
        request.app.state.secret_key, f"registration:{nonce}", sent
    ):
        return STALE_FORM
    return None


def _intro(settings: Settings) -> str:
    name = settings.instance_name
    if settings.registrations == "approval":
        return (
            f"Create an account on {name}. The staff review new accounts: tell them why "
            "you want to join, and you can log in once they approve it."
        )
    if settings.registrations == "invite":
        return f"You were invited to {name}: choose a username and a password."
    return f"Create an account on {name}."


def _reason_field(settings: Settings, form: SignupForm) -> str:
    if settings.registrations != "approval":
        return ""
    return (
        '<label for="signup_reason">Why do you want to join?</label>\n'
        f'<textarea id="signup_reason" name="reason" rows="4" '
        f'maxlength="{settings.registration_reason_length}" '
        f'aria-describedby="signup_reason_hint" required>{escape(form.reason)}</textarea>\n'
        '<p class="muted" id="signup_reason_hint">The staff read this before they approve '
        "your account.</p>"
    )


def _captcha_field(challenge: dict) -> str:
    if challenge.get("type") != "native":
        return ""
    minutes = max(1, int(challenge["seconds_valid"]) // 60)
    return (
        '<fieldset class="captcha">\n<legend>Captcha</legend>\n'
        f'<img src="{escape(challenge["url"])}" width="{captcha.WIDTH}" '
        f'height="{captcha.HEIGHT}" alt="A picture of {captcha.LENGTH} characters to type '
        'below">\n'
        f'<input type="hidden" name="captcha_token" value="{escape(challenge["token"])}">\n'
        '<input type="hidden" name="captcha_answer_data" '
        f'value="{escape(challenge["answer_data"])}">\n'
        '<label for="signup_captcha">The characters in the picture</label>\n'
        '<input type="text" id="signup_captcha" name="captcha_solution" autocomplete="off" '
        f'autocapitalize="characters" spellcheck="false" maxlength="{captcha.LENGTH * 4}" '
        'aria-describedby="signup_captcha_hint" required>\n'
        f'<p class="muted" id="signup_captcha_hint">Good for {minutes} minute'
        f"{'s' if minutes != 1 else ''}; hard to read? Reload the page for another.</p>\n"
        "</fieldset>"
    )


def _set_nonce(response: Response, settings: Settings, nonce: str) -> None:
    response.set_cookie(
        NONCE_COOKIE,
        nonce,
        max_age=NONCE_TTL,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=settings.base_url.startswith("https://"),
    )


async def _form_page(
    request: Request,
    session: AsyncSession,
    settings: Settings,
    form: SignupForm,
    error: str | None = None,
    status: int = 200,
) -> Response:
    """The form, with a new captcha (each is good for one try) and this browser's token."""
    nonce = _nonce(request)
    challenge = await captcha.new_captcha(session, settings)
    required = settings.account_activation_required
    invite = (
        f'<input type="hidden" name="token" value="{escape(form.token)}">' if form.token else ""
    )
    content = _SIGNUP.substitute(
        intro=escape(_intro(settings)),
        flash=f'<p class="alert" role="alert">{escape(error)}</p>' if error else "",
        action=escape(_action(form.token)),
        csrf_token=escape(_csrf_token(request, nonce)),
        invite_input=invite,
        username=escape(form.username),
        username_max=NICKNAME_MAX,
        domain=escape(settings.domain),
        display_name=escape(form.display_name),
        display_name_max=settings.max_display_name_length,
        email_label="Email" if required else "Email (optional)",
        email=escape(form.email),
        email_required=" required" if required else "",
        email_hint=(
            "We will send you a link to confirm it."
            if required
            else "Lets you reset a forgotten password."
        ),
        password_min=PASSWORD_MIN,
        password_max=PASSWORD_MAX,
        reason_field=_reason_field(settings, form),
        captcha_field=_captcha_field(challenge),
        agreement_checked=" checked" if form.agreement else "",
        terms_url=escape(TERMS_URL),
    )
    # (the captcha's picture is a data: URL, which the pages' policy allows)
    response = page(settings, "Sign up", content, status)
    _set_nonce(response, settings, nonce)
    return response


def _closed_page(settings: Settings) -> Response:
    return notice_page(
        settings,
        "Registrations are closed",
        f"{settings.instance_name} is not accepting new accounts at the moment.",
        403,
        error=True,
    )


def _invite_needed_page(settings: Settings) -> Response:
    return notice_page(
        settings,
        "An invite is needed",
        f"{settings.instance_name} accepts new accounts by invitation only. Ask a member "
        "for an invite, and open the link it gives you.",
        403,
        error=True,
    )


def _read_form(params: Params, path_token: str | None) -> tuple[SignupForm, dict]:
    """The form's fields (a malformed one raises a DomainError) and the secret ones."""
    form = SignupForm(
        username=(params.str("username") or "").strip(),
        display_name=(params.str("display_name") or params.str("fullname") or "").strip(),
        email=(params.str("email") or "").strip(),
        reason=params.str("reason") or "",
        agreement=bool(params.bool("agreement", False)),
        token=path_token or params.str("token") or None,
    )
    secret = {
        name: params.str(name)
        for name in (
            "password",
            "password_confirmation",
            "captcha_token",
            "captcha_answer_data",
            "captcha_solution",
        )
    }
    return form, secret


def _done_page(settings: Settings, done: registration.Registered) -> Response:
    account = done.account
    handle = f"@{account.nickname}@{settings.domain}"
    if done.identifier == registration.CONFIRMATION_PENDING[0]:
        title = "Check your email"
        message = (
            f"Your account {handle} is registered. We sent a link to {account.email}: open "
            "it to confirm your address."
        )
        later = (
            "Once you have confirmed it, the staff review your account; you can log in "
            "when they have approved it."
            if not account.is_approved
            else "Once you have confirmed it, you can log in."
        )
    elif done.identifier == registration.APPROVAL_PENDING[0]:
        title = "Awaiting approval"
        message = f"Your account {handle} is registered and waits for the staff's approval."
        later = "You can log in once they have approved it."
    else:
        title = f"Welcome, @{account.nickname}!"
        message = f"Your account {handle} is ready, and this browser is logged in."
        later = (
            f"Log in from any Mastodon or Pleroma app with the server name {settings.domain}, "
            "your username and your password."
        )
    content = _DONE.substitute(
        title=escape(title),
        message=escape(message),
        next_steps=f"<p>{escape(later)}</p>",
        home_url=escape(settings.base_url + "/"),
        instance_name=escape(settings.instance_name),
    )
    response = page(settings, title, content)
    if done.issued is not None:
        set_session_cookie(response, settings, done.issued.access_token)
    return response


async def _show(
    request: Request, session: AsyncSession, settings: Settings, token: str | None
) -> Response:
    if wants_html(request.scope):
        index = front_end_index(settings, request.scope)
        if index is not None:
            return index
    elif wants_json(request):
        return error_response(404, "Not found")
    if settings.registrations == "closed":
        return _closed_page(settings)
    if settings.registrations == "invite":
        if not token:
            return _invite_needed_page(settings)
        try:
            await registration.check_invite(session, settings, token)
        except DomainError as exc:
            message = INVITE_MESSAGES.get(exc.message, exc.message)
            return notice_page(settings, "Invite not valid", message, 403, error=True)
    return await _form_page(request, session, settings, SignupForm(token=token))


async def _submit(
    request: Request, session: AsyncSession, settings: Settings, path_token: str | None
) -> Response:
    if settings.registrations == "closed":
        return _closed_page(settings)
    try:
        params = await get_params(request)
        form, secret = _read_form(params, path_token)
    except DomainError as exc:
        return notice_page(settings, "Sign-up failed", exc.message, http_status(exc), error=True)
    if settings.registrations == "invite" and not form.token:
        return _invite_needed_page(settings)
    failure = _csrf_failure(request, settings, params)
    if failure is not None:
        return await _form_page(request, session, settings, form, failure, 403)
    limiter = registration_limiter(request)
    try:
        limiter.check(request)
    except RateLimited as exc:
        response = notice_page(
            settings,
            "Too many sign-ups",
            "Too many accounts were registered from your address: try again later.",
            429,
            error=True,
        )
        response.headers.update(http_headers(exc))
        return response
    limiter.hit(request)
    if secret["password"] is not None and secret["password"] != secret["password_confirmation"]:
        return await _form_page(request, session, settings, form, PASSWORD_MISMATCH, 422)
    reg = registration.RegistrationRequest(
        username=form.username or None,
        password=secret["password"],
        email=form.email,
        agreement=form.agreement,
        reason=form.reason,
        invite_token=form.token,
        display_name=form.display_name or None,
        captcha_token=secret["captcha_token"],
        captcha_answer_data=secret["captcha_answer_data"],
        captcha_solution=secret["captcha_solution"],
    )
    try:
        app = await registration_app(session, settings)
        done = await registration.register(session, settings, app, reg)
    except captcha.CaptchaError as exc:
        message, status = f"Captcha: {exc.reason}.", http_status(exc)
    except DomainError as exc:
        message, status = exc.message, http_status(exc)
        if message in INVITE_MESSAGES:
            message, status = INVITE_MESSAGES[message], 403
    else:
        return _done_page(settings, done)
    await session.rollback()
    return await _form_page(request, session, settings, form, message, status)


@router.api_route(PATH, methods=["GET", "HEAD"])
async def signup_form(
    request: Request,
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The sign-up form (or the front end's page, or why one cannot sign up)."""
    return await _show(request, session, settings, None)


@router.api_route(PATH + "/{token}", methods=["GET", "HEAD"])
async def invited_signup_form(
    token: str,
    request: Request,
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The sign-up form of an invite link."""
    return await _show(request, session, settings, token)


@router.post(PATH)
async def signup(
    request: Request,
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Register from the form."""
    return await _submit(request, session, settings, None)


@router.post(PATH + "/{token}")
async def invited_signup(
    token: str,
    request: Request,
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Register from an invite link's form."""
    return await _submit(request, session, settings, token)
