"""The remote follow pages, server-rendered in the OAuth pages' layout (api/oauth/pages.py).

- ``GET /ostatus_subscribe?acct=...``: where other servers send their users (the template
  our WebFinger publishes). It names an account (a handle or an actor id) or a post. For
  an account, a visitor logged in here (the ``_pleroma_key`` cookie) gets a Follow button;
  anyone else a login form (nickname or email, password) that follows once logged in. For
  a post, the page shows it with a link to it.
- ``POST /ostatus_subscribe``: that button (``user[id]``, with the session's CSRF token,
  from our own origin: api/csrf.py) or that login (``authorization[name]``,
  ``authorization[password]``, ``authorization[id]``, Pleroma's field names). The follow
  goes through the follows service. An account with two-factor authentication cannot
  follow from the password alone: it is asked to log in here first (the OAuth login) and
  come back, when the button works.
- ``GET /main/ostatus?nickname=...`` (or ``id=`` an account id, or ``status_id=``): our
  page for a visitor from elsewhere, asking for their address; ``POST /main/ostatus``
  (``user[nickname]`` + ``user[profile]``, or ``status[status_id]`` + ``status[profile]``;
  flat names too) redirects them to their server's template (services/accounts/
  remote_interaction.py), as Pleroma does.

Every value is HTML-escaped; the pages carry the OAuth pages' strict headers (no caching,
no framing, no referrer, a CSP allowing no script). Like Pleroma's, they exist only while
the instance federates.
"""

from __future__ import annotations

import re
from html import escape, unescape

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from pyleroma.api.activitypub import require_federating
from pyleroma.api.csrf import FORM_TOKEN_FIELD, cross_site_reason, form_token, form_token_matches
from pyleroma.api.deps import SESSION_COOKIE, get_session, get_settings
from pyleroma.api.errors import http_status
from pyleroma.api.oauth.credentials import check_password_login
from pyleroma.api.oauth.pages import page
from pyleroma.api.openapi import ID, STR, api_doc, obj, param
from pyleroma.api.params import Params, get_params
from pyleroma.db.ids import parse_id
from pyleroma.errors import DomainError, NotFound, RateLimited
from pyleroma.models import Account, Status
from pyleroma.policy.visibility import can_see
from pyleroma.services.accounts import remote_interaction
from pyleroma.services.accounts.accounts import find_account
from pyleroma.services.oauth import oauth
from pyleroma.settings import Settings
from pyleroma.urls import account_url, actor_id, status_uri, status_url

router = APIRouter(tags=["Remote follow"])

WRONG_LOGIN = "Wrong username or password"
MFA_FIRST = (
    "This account uses two-factor authentication: log in on this instance first, then "
    "come back to this page to follow"
)
STALE_FORM = "This form is out of date or did not come from this server: load the page again"
HTML_DOC = {"response": STR, "media_type": "text/html"}


def _handle(settings: Settings, account: Account) -> str:
    return account.nickname if "@" in account.nickname else f"{account.nickname}@{settings.domain}"


def _alert(message: str | None) -> str:
    return f'<p class="alert" role="alert">{escape(message)}</p>' if message else ""


def _who(settings: Settings, account: Account) -> str:
    name = escape(account.display_name or account.nickname)
    url = escape(account_url(settings, account))
    return (
        f'<p><strong>{name}</strong> (<a href="{url}" rel="noopener">'
        f"@{escape(_handle(settings, account))}</a>)</p>"
    )


def _hidden(name: str, value) -> str:
    return f'<input type="hidden" name="{escape(name)}" value="{escape(str(value))}">'


def _follow_page(
    request: Request,
    settings: Settings,
    followee: Account,
    viewer: Account | None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    """The Follow button for a logged-in visitor, else the login form."""
    parts = ["<h2>Remote follow</h2>", _alert(error), _who(settings, followee)]
    parts.append('<form method="post" action="/ostatus_subscribe">')
    if viewer is not None:
        token = form_token(request.app.state.secret_key, request.cookies.get(SESSION_COOKIE, ""))
        parts += [
            f"<p>You are logged in as <strong>@{escape(viewer.nickname)}</strong>.</p>",
            _hidden("user[id]", followee.id),
            _hidden(FORM_TOKEN_FIELD, token),
            '<button type="submit">Follow</button>',
        ]
    else:
        parts += [
            "<p>Log in to follow.</p>",
            _hidden("authorization[id]", followee.id),
            '<label for="authorization_name">Username or email</label>',
            '<input type="text" id="authorization_name" name="authorization[name]" '
            'autocomplete="username" autocapitalize="none">',
            '<label for="authorization_password">Password</label>',
            '<input type="password" id="authorization_password" name="authorization[password]"'
            ' autocomplete="current-password">',
            '<button type="submit">Authorize and follow</button>',
        ]
    parts.append("</form>")
    return page(settings, "Remote follow", "\n".join(parts), status)


def _message_page(settings: Settings, title: str, message: str, status: int) -> Response:
    content = f"<h2>{escape(title)}</h2>" + (
        _alert(message) if status >= 400 else f"<p>{escape(message)}</p>"
    )
    return page(settings, title, content, status)


def _followed_page(settings: Settings, followee: Account) -> Response:
    handle = escape(_handle(settings, followee))
    content = (
        f"<h2>Followed</h2><p>You are now following <strong>@{handle}</strong> "
        "(or asked to, when the account approves its followers).</p>"
        f'<p><a href="{escape(account_url(settings, followee))}" rel="noopener">'
        "Go to the profile</a></p>"
    )
    return page(settings, "Followed", content)


async def _viewer(request: Request, session: AsyncSession) -> Account | None:
    return await oauth.find_session_account(session, request.cookies.get(SESSION_COOKIE))


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


@router.get(
    "/ostatus_subscribe",
    **api_doc(
        query=[param("acct", STR, "A handle, an actor id, or a post's id or URL", required=True)],
        errors=(404, 422),
        **HTML_DOC,
    ),
)
async def remote_follow_form(
    request: Request,
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    require_federating(settings)
    viewer = await _viewer(request, session)
    try:
        target = await remote_interaction.resolve_acct(
            session, settings, params.raw("acct"), viewer
        )
    except DomainError as exc:
        return _message_page(settings, "Remote follow", exc.message, http_status(exc))
    if target.account is not None:
        return _follow_page(request, settings, target.account, viewer)
    status = target.status
    assert status is not None
    author = await session.get(Account, status.account_id)
    content = [
        "<h2>Interact with a post</h2>",
        _who(settings, author) if author is not None else "",
        f"<blockquote>{escape(_plain(status.content))}</blockquote>",
        f'<p><a href="{escape(status_url(settings, status))}" rel="noopener">'
        "Open the post to reply, boost or favourite it</a></p>",
    ]
    return page(settings, "Interact with a post", "\n".join(content))


def _plain(html: str) -> str:
    """The post's text for showing escaped (its markup is not carried onto this page)."""
    text = unescape(re.sub(r"<[^>]*>", " ", html or ""))
    return re.sub(r"\s+", " ", text).strip()[:2000]


@router.post(
    "/ostatus_subscribe",
    **api_doc(
        body=[
            param("user", obj(optional={"id": ID}), "The Follow button: user[id]"),
            param(
                "authorization",
                obj(optional={"name": STR, "password": STR, "id": ID}),
                "The login form: authorization[name], [password], [id]",
            ),
        ],
        errors=(401, 403, 404, 429),
        **HTML_DOC,
    ),
)
async def remote_follow(
    request: Request,
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    require_federating(settings)
    login = params.raw("authorization")
    button = params.raw("user")
    login = login if isinstance(login, dict) else None
    button = button if isinstance(button, dict) else None
    followee_id = (login or button or {}).get("id")
    try:
        followee = await remote_interaction.find_followee(session, _text(followee_id))
    except NotFound as exc:
        return _message_page(settings, "Remote follow", exc.message, 404)
    viewer = await _viewer(request, session)

    if login is not None:
        try:
            follower = await check_password_login(
                request, session, login.get("name"), login.get("password")
            )
            oauth.check_can_log_in(follower)
        except RateLimited as exc:
            return _message_page(settings, "Remote follow", exc.message, 429)
        except oauth.InvalidGrant:
            return _follow_page(request, settings, followee, None, WRONG_LOGIN, 401)
        except DomainError as exc:
            return _follow_page(request, settings, followee, None, exc.message, 403)
        if follower.totp_confirmed:
            return _follow_page(request, settings, followee, None, MFA_FIRST, 403)
    elif button is not None and viewer is not None:
        reason = cross_site_reason(request, settings.base_url)
        cookie = request.cookies.get(SESSION_COOKIE, "")
        sent = params.raw(FORM_TOKEN_FIELD)
        if reason is not None or not form_token_matches(request.app.state.secret_key, cookie, sent):
            return _follow_page(request, settings, followee, viewer, STALE_FORM, 403)
        follower = viewer
    else:
        return _follow_page(
            request, settings, followee, None, "Log in to follow (insufficient permissions)", 403
        )
    try:
        await remote_interaction.follow(session, settings, follower, followee)
    except DomainError as exc:
        return _message_page(settings, "Remote follow", exc.message, http_status(exc))
    return _followed_page(settings, followee)


# --- /main/ostatus: our page for a visitor from elsewhere -------------------------------------


def _subscribe_form(
    settings: Settings,
    *,
    account: Account | None = None,
    status_id: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    parts = ["<h2>Remote follow</h2>" if status_id is None else "<h2>Remote interaction</h2>"]
    parts.append(_alert(error))
    group = "status" if status_id is not None else "user"
    parts.append('<form method="post" action="/main/ostatus">')
    if account is not None:
        parts.append(_who(settings, account))
        parts.append(_hidden("user[nickname]", account.nickname))
    if status_id is not None:
        parts.append("<p>Interact with this post from your own server.</p>")
        parts.append(_hidden("status[status_id]", status_id))
    parts += [
        f'<label for="profile">Your address (nickname@your.instance)</label>'
        f'<input type="text" id="profile" name="{group}[profile]" autocapitalize="none">',
        '<button type="submit">Continue on your server</button>',
        "</form>",
    ]
    return page(settings, "Remote follow", "\n".join(parts), status)


async def _local_account(session: AsyncSession, nickname=None, account_id=None) -> Account:
    found = await find_account(session, _text(account_id) or _text(nickname) or "")
    if found is None or not found.local or not found.is_active:
        raise NotFound("Could not find user")
    return found


async def _local_status(session: AsyncSession, settings: Settings, status_id) -> Status:
    found = await session.get(Status, parse_id(_text(status_id) or "") or 0)
    if found is None or not await can_see(session, None, found):
        raise NotFound("Could not find status")
    return found


@router.get(
    "/main/ostatus",
    **api_doc(
        query=[
            param("nickname", STR, "The account to follow, by nickname"),
            param("id", ID, "The account to follow, by id"),
            param("status_id", ID, "A post to interact with"),
        ],
        errors=(404,),
        **HTML_DOC,
    ),
)
async def subscribe_form(
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    require_federating(settings)
    try:
        if params.raw("status_id") is not None:
            found = await _local_status(session, settings, params.raw("status_id"))
            return _subscribe_form(settings, status_id=str(found.id))
        account = await _local_account(session, params.raw("nickname"), params.raw("id"))
    except NotFound as exc:
        return _message_page(settings, "Remote follow", exc.message, 404)
    return _subscribe_form(settings, account=account)


@router.post(
    "/main/ostatus",
    **api_doc(
        body=[
            param("user", obj(optional={"nickname": STR, "profile": STR}), "Follow an account"),
            param("status", obj(optional={"status_id": ID, "profile": STR}), "Or a post"),
            param("nickname", STR),
            param("status_id", ID),
            param("profile", STR, "The visitor's address, nickname@their.instance"),
        ],
        responses={
            302: {
                "description": "To the visitor's server's remote follow page",
                "headers": {"Location": {"schema": STR}},
            }
        },
        errors=(404, 422),
        **HTML_DOC,
    ),
)
async def remote_subscribe(
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    require_federating(settings)
    user = params.raw("user") if isinstance(params.raw("user"), dict) else {}
    status = params.raw("status") if isinstance(params.raw("status"), dict) else {}
    status_id = status.get("status_id") or params.raw("status_id")
    profile = user.get("profile") or status.get("profile") or params.raw("profile")
    account = None
    try:
        if status_id is not None:
            ap_id = status_uri(settings, await _local_status(session, settings, status_id))
        else:
            account = await _local_account(session, user.get("nickname") or params.raw("nickname"))
            ap_id = actor_id(settings, account)
    except NotFound as exc:
        return _message_page(settings, "Remote follow", exc.message, 404)
    try:
        url = await remote_interaction.interaction_url(settings, ap_id, profile)
    except DomainError as exc:
        shown = str(status_id) if status_id is not None else None
        return _subscribe_form(
            settings, account=account, status_id=shown, error=exc.message, status=http_status(exc)
        )
    return RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})
