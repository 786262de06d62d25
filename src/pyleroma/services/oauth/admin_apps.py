"""OAuth apps as admins manage them (Pleroma's ``OAuthAppController``): list and search,
create (possibly trusted), update, delete.

A *trusted* app is one the admin vouches for: registration through it skips the captcha
(services/accounts/captcha.py, as Pleroma) and a browser already logged in here is sent
straight back to it with a code, without the consent click (api/oauth/authorize.py).

Values are checked as app registration checks them (services/oauth/oauth.py); the admin
API names the app ``name`` where the Mastodon API says ``client_name``. Deleting an app
deletes its tokens (and the database its codes), so everything logged in through it ends
now; the tokens' streaming sockets are closed as for a revoked token.

Each change adds its moderation log entry (``oauth_app_create``, ``oauth_app_update``,
``oauth_app_delete``, the app named by id and name, never its secret) to the change's
transaction; Pleroma logs none of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.ids import new_id, parse_id
from pyleroma.errors import BadRequest, Unprocessable
from pyleroma.models import Account, OAuthApp, OAuthToken
from pyleroma.services.moderation.moderation_log import log_action
from pyleroma.services.oauth.oauth import (
    APP_NAME_MAX,
    WEBSITE_MAX,
    check_app_scopes,
    check_redirect_uris,
)
from pyleroma.services.oauth.secrets import new_secret
from pyleroma.streaming.events import emit
from pyleroma.values import Values

# Pleroma answers 400 with an empty body for an id that names no app; we say which.
NO_SUCH_APP = "Invalid parameters: no OAuth app has this id"


@dataclass(frozen=True)
class AppFilter:
    name: str | None = None
    client_id: str | None = None
    trusted: bool | None = None


def render_app(app: OAuthApp) -> dict:
    """Pleroma's admin App view: the App entity with ``trusted`` (the id as a string)."""
    return {
        "id": str(app.id),
        "name": app.name,
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "redirect_uri": app.redirect_uris,
        "website": app.website,
        "trusted": app.trusted,
    }


def log_subject(app: OAuthApp) -> dict:
    """The app as its log entries name it (no client id or secret)."""
    return {"type": "oauth_app", "id": str(app.id), "name": app.name}


def _conditions(found: AppFilter) -> list:
    conditions = []
    if found.name is not None:
        conditions.append(OAuthApp.name == found.name)
    if found.client_id is not None:
        conditions.append(OAuthApp.client_id == found.client_id)
    if found.trusted is not None:
        conditions.append(OAuthApp.trusted.is_(found.trusted))
    return conditions


async def search_apps(
    session: AsyncSession, found: AppFilter, page: int, page_size: int
) -> tuple[list[OAuthApp], int]:
    """A page of the apps matching every given filter (exact name, client id, trusted),
    oldest first, and how many match in all (Pleroma counts every app; the matches are
    what a paging client needs)."""
    conditions = _conditions(found)
    rows = await session.scalars(
        select(OAuthApp)
        .where(*conditions)
        .order_by(OAuthApp.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    count = await session.scalar(select(func.count()).select_from(OAuthApp).where(*conditions))
    return list(rows.all()), int(count or 0)


def _name(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Unprocessable("name: can't be blank")
    name = value.strip()
    if len(name) > APP_NAME_MAX:
        raise Unprocessable(f"name: is too long (maximum is {APP_NAME_MAX} characters)")
    return name


def _website(value) -> str | None:
    if value is not None and not isinstance(value, str):
        raise Unprocessable("website: must be a string")
    website = value.strip() if value else None
    if website and len(website) > WEBSITE_MAX:
        raise Unprocessable(f"website: is too long (maximum is {WEBSITE_MAX} characters)")
    return website or None


async def create_admin_app(session: AsyncSession, actor: Account, values: Values) -> OAuthApp:
    """Register an app for the admin: ``name`` and ``redirect_uris`` are required,
    ``scopes`` default to ``read``, ``trusted`` to false. Logged; the caller commits."""
    missing = [key for key in ("name", "redirect_uris") if values.raw(key) in (None, "")]
    if missing:
        raise Unprocessable("; ".join(f"{key}: can't be blank" for key in missing))
    name = _name(values.raw("name"))
    redirect_uris = check_redirect_uris(values.raw("redirect_uris"))
    scopes = check_app_scopes(values.raw("scopes"))
    website = _website(values.raw("website"))
    app = OAuthApp(
        id=new_id(),
        name=name,
        website=website,
        redirect_uris="\n".join(redirect_uris),
        scopes=scopes,
        client_id=new_secret(32),
        client_secret=new_secret(32),
        trusted=values.bool("trusted", False),
    )
    session.add(app)
    await session.flush()
    await log_action(session, actor, "oauth_app_create", subject=log_subject(app))
    return app


async def get_app(session: AsyncSession, app_id: str) -> OAuthApp:
    """The app with this id; a bad or unknown id is Pleroma's 400."""
    ident = parse_id(app_id)
    app = await session.get(OAuthApp, ident) if ident is not None else None
    if app is None:
        raise BadRequest(NO_SUCH_APP)
    return app


async def update_app(
    session: AsyncSession, actor: Account, app: OAuthApp, values: Values
) -> OAuthApp:
    """Change what is given (name, redirect_uris, scopes, website, trusted), all checked
    before any is set; logged (with the name it has now) when something was given; the
    caller commits."""
    changes: dict = {}
    if values.raw("name") is not None:
        changes["name"] = _name(values.raw("name"))
    if values.raw("redirect_uris") is not None:
        changes["redirect_uris"] = "\n".join(check_redirect_uris(values.raw("redirect_uris")))
    if values.raw("scopes") is not None:
        changes["scopes"] = check_app_scopes(values.raw("scopes"))
    if values.has("website"):
        changes["website"] = _website(values.raw("website"))
    trusted = values.bool("trusted")
    if trusted is not None:
        changes["trusted"] = trusted
    for attribute, value in changes.items():
        setattr(app, attribute, value)
    if changes:  # nothing given, nothing changed: nothing to log
        await log_action(session, actor, "oauth_app_update", subject=log_subject(app))
    return app


async def delete_app(session: AsyncSession, actor: Account, app: OAuthApp) -> None:
    """Delete the app and its tokens (their sockets close); the database drops its codes
    and MFA challenges, and keeps the statuses and media posted through it. Logged; the
    caller commits."""
    subject = log_subject(app)
    result = await session.execute(
        delete(OAuthToken)
        .where(OAuthToken.app_id == app.id)
        .returning(OAuthToken.id)
        .execution_options(synchronize_session=False)
    )
    revoked = list(result.scalars())
    if revoked:
        emit(session, {"type": "token_revoked", "token_ids": revoked})
    await session.execute(
        delete(OAuthApp).where(OAuthApp.id == app.id).execution_options(synchronize_session=False)
    )
    await log_action(session, actor, "oauth_app_delete", subject=subject)
