"""The public pages' routes: ``/``, ``/@nick``, ``/@nick/:id``, ``/@nick/:id/embed``,
``/tag/:tag``, and the HTML side of ``/users/:nick``, ``/notice/:id`` and ``/objects/:id``
(api/activitypub/ calls ``profile_html``, ``status_html`` and ``object_html`` for requests
that do not ask for ActivityPub).

Who gets which answer, as Pleroma (its ``:static_fe`` and front end fallback):
- a browser that runs JavaScript, on an instance with a primary front end installed, gets
  the front end's ``index.html``: the front end has its own routes for these paths;
- everyone else gets the server's own page: crawlers and link previewers (their
  User-Agent names a bot, or is not a browser's at all), text browsers, other servers'
  preview fetchers, and every visitor when no front end is installed or
  ``static_fe_enabled`` is on.

A page that does not exist, or that an anonymous visitor may not see, is the same HTML 404.
Pages vary by Accept (the same URLs serve ActivityPub) and by User-Agent (the choice above).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import HTMLResponse, RedirectResponse, Response

from pyleroma.api.activitypub import wants_activitypub
from pyleroma.api.deps import get_session, get_settings
from pyleroma.api.mastodon.render_accounts import one_account_to_api
from pyleroma.api.mastodon.render_statuses import status_to_api, statuses_to_api
from pyleroma.api.params import Params, get_params
from pyleroma.errors import NotFound, Unprocessable
from pyleroma.models import Account, Status
from pyleroma.services import web_pages
from pyleroma.services.oembed import EMBEDDABLE
from pyleroma.settings import Settings
from pyleroma.urls import status_url
from pyleroma.web import public_pages
from pyleroma.web.frontend_serving import front_end_index
from pyleroma.web.page_style import content_security_policy

router = APIRouter(tags=["Web pages"], include_in_schema=False)

# Words in the User-Agent of clients that do not run a front end's JavaScript even though
# they present themselves as a browser ("Mozilla/5.0 (compatible; Googlebot/2.1; ...)").
_NOT_A_PERSON = re.compile(
    r"bot/|bot-|\bbot\b|crawl|spider|slurp|preview|facebookexternalhit|embedly|"
    r"mastodon|pleroma|akkoma|misskey|gotosocial|lynx|w3m|links",
    re.IGNORECASE,
)
VARY = "Accept, User-Agent"


def runs_front_end(request: Request) -> bool:
    """Whether the client is a person's browser (one that runs a front end)."""
    agent = request.headers.get("user-agent", "")
    return agent.startswith("Mozilla/") and not _NOT_A_PERSON.search(agent)


def _images(settings: Settings) -> str:
    """Where page images may come from: here, and remote media (https, or the scheme of a
    test federation on http)."""
    scheme = "http:" if settings.base_url.startswith("http:") else ""
    return f"'self' https: {scheme}".strip()


def html(settings: Settings, body: str, status: int = 200, *, framing: str = "'none'") -> Response:
    headers = {
        "Content-Security-Policy": content_security_policy(
            images=_images(settings), framing=framing
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "public, max-age=60" if status == 200 else "no-cache",
        "Vary": VARY,
    }
    if framing == "'none'":
        headers["X-Frame-Options"] = "DENY"
    return HTMLResponse(body, status_code=status, headers=headers)


def not_found(settings: Settings) -> Response:
    return html(settings, public_pages.not_found_page(settings), 404)


async def page_or_front_end(
    request: Request, settings: Settings, render: Callable[[], Awaitable[Response]]
) -> Response:
    """The front end's index for a person's browser when one is installed, else the page;
    the HTML 404 for what is missing or hidden."""
    if not settings.static_fe_enabled and runs_front_end(request):
        index = front_end_index(settings, request.scope)
        if index is not None:
            index.headers["Vary"] = VARY
            return index
    try:
        return await render()
    except NotFound:
        return not_found(settings)
    except Unprocessable as exc:
        body = public_pages.not_found_page(settings, exc.message)
        return html(settings, body, 422)


def _max_id(params: Params) -> str | None:
    value = params.raw("max_id")
    return value if isinstance(value, str) else None


# --- the landing page ------------------------------------------------------------------------


@router.get("/")
async def landing(
    request: Request,
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    async def render() -> Response:
        page = web_pages.page_bound(_max_id(params))
        counts = request.app.state.__dict__.setdefault("landing_counts", web_pages.Counts())
        found = await web_pages.landing(session, settings, page, counts)
        statuses = None
        if found.statuses is not None:
            statuses = await statuses_to_api(session, settings, found.statuses, None)
        full = found.statuses is not None and len(found.statuses) >= page.limit
        body = public_pages.landing_page(settings, found, statuses, full, page.max_id is not None)
        return html(settings, body)

    return await page_or_front_end(request, settings, render)


# --- profiles --------------------------------------------------------------------------------


async def profile_html(
    request: Request, nickname: str, params: Params, session: AsyncSession, settings: Settings
) -> Response:
    async def render() -> Response:
        page = web_pages.page_bound(_max_id(params))
        found = await web_pages.profile(session, settings, nickname, page)
        account = await one_account_to_api(session, settings, found.account)
        pinned = await statuses_to_api(session, settings, found.pinned, None)
        statuses = await statuses_to_api(session, settings, found.statuses, None)
        full = len(found.statuses) + len(found.pinned) >= page.limit
        body = public_pages.profile_page(
            settings, account, pinned, statuses, full, found.account.discoverable
        )
        return html(settings, body)

    return await page_or_front_end(request, settings, render)


@router.get("/@{nickname}")
async def at_profile(
    nickname: str,
    request: Request,
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """Mastodon's profile address; ActivityPub clients are sent to the actor."""
    if "@" in nickname:  # a remote account's page is on its own server
        return await page_or_front_end(request, settings, _missing)
    if wants_activitypub(request.headers.get("accept")):
        return _to_document(settings, f"/users/{quote(nickname)}")
    return await profile_html(request, nickname, params, session, settings)


def _to_document(settings: Settings, path: str) -> Response:
    """An ActivityPub client that followed a web address (a pasted ``/@nick`` link) is sent
    to the document's address, which answers it or 404s as for any other fetch."""
    return RedirectResponse(f"{settings.base_url}{path}", status_code=302, headers={"Vary": VARY})


async def _missing() -> Response:
    raise NotFound("Not found")


# --- statuses --------------------------------------------------------------------------------


async def _author(session: AsyncSession, status: Status) -> Account:
    author = await session.get(Account, status.account_id)
    if author is None:
        raise NotFound("Not found")
    return author


async def status_html(
    request: Request,
    status_id: str,
    session: AsyncSession,
    settings: Settings,
    nickname: str | None = None,
) -> Response:
    """A post's page with its thread. A boost's id and a remote post lead elsewhere: to the
    original's page, and to the post on its own server."""

    async def render() -> Response:
        found = await web_pages.thread(session, status_id)
        status = found.status
        if str(status.id) != status_id.strip():  # a boost: its original's page
            return RedirectResponse(f"{settings.base_url}/notice/{status.id}", status_code=302)
        if not status.local:
            return RedirectResponse(status_url(settings, status), status_code=302)
        author = await _author(session, status)
        if nickname is not None and nickname.lower() != author.nickname.lower():
            raise NotFound("Not found")
        rendered = await statuses_to_api(
            session, settings, [*found.ancestors, status, *found.descendants], None
        )
        above = len(found.ancestors)
        body = public_pages.status_page(
            settings,
            rendered[above],
            rendered[:above],
            rendered[above + 1 :],
            author.discoverable,
        )
        return html(settings, body)

    return await page_or_front_end(request, settings, render)


@router.get("/@{nickname}/{status_id}")
async def at_status(
    nickname: str,
    status_id: str,
    request: Request,
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    if wants_activitypub(request.headers.get("accept")):
        return _to_document(settings, f"/notice/{quote(status_id)}")
    return await status_html(request, status_id, session, settings, nickname)


async def object_html(
    request: Request, status_id: str, session: AsyncSession, settings: Settings
) -> Response:
    """``/objects/:id`` in a browser: to the post's page (``/notice/:id``) when it has one."""

    async def render() -> Response:
        status = await web_pages.post(session, status_id)
        if not status.local or str(status.id) != status_id.strip():
            raise NotFound("Not found")
        return RedirectResponse(f"{settings.base_url}/notice/{status.id}", status_code=302)

    return await page_or_front_end(request, settings, render)


@router.get("/@{nickname}/{status_id}/embed")
async def embed(
    nickname: str,
    status_id: str,
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    """The post alone, for oEmbed's iframe: any site may frame it, so only what may be
    embedded (services/oembed.py: a local public or unlisted post) is."""
    try:
        status = await web_pages.post(session, status_id)
        author = await _author(session, status)
        if (
            not status.local
            or str(status.id) != status_id.strip()
            or status.visibility not in EMBEDDABLE
            or nickname.lower() != author.nickname.lower()
        ):
            raise NotFound("Not found")
    except NotFound:
        return not_found(settings)
    rendered = await status_to_api(session, settings, status, None)
    return html(settings, public_pages.embed_page(settings, rendered), framing="*")


# --- tags ------------------------------------------------------------------------------------


@router.get("/tag/{tag}")
async def tag(
    tag: str,
    request: Request,
    params: Params = Depends(get_params),
    session: AsyncSession = Depends(get_session),
    settings: Settings = Depends(get_settings),
):
    async def render() -> Response:
        page = web_pages.page_bound(_max_id(params))
        found = await web_pages.tag(session, settings, tag, page)
        statuses = await statuses_to_api(session, settings, found.statuses, None)
        full = len(found.statuses) >= page.limit
        return html(settings, public_pages.tag_page(settings, found.tag, statuses, full))

    return await page_or_front_end(request, settings, render)
