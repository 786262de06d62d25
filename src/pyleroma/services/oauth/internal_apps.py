"""Apps the server itself registers with (its own pages), found by a fixed ``client_id``.

``registration.register`` needs an app: the account's first token is issued to it, and its
``trusted`` flag decides whether the captcha is checked. The sign-up page
(api/web_signup.py) registers through ``registration_app``: an ordinary, untrusted app
(the captcha applies), with no redirect URI (so no OAuth flow can use it: the
authorize form answers "The app has no redirect_uri") and a random secret nobody is
shown (so no client can get a token for it). Its ``client_id`` is a fixed name, which a
registered app can never have (theirs are random), so it is found again after a restart
and by every process. Made on first use; two processes making it at once both end up
with the one that won the unique ``client_id``.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.ids import new_id
from pyleroma.models import OAuthApp
from pyleroma.services.oauth import oauth
from pyleroma.services.oauth.secrets import new_secret
from pyleroma.settings import Settings

REGISTRATION_CLIENT_ID = "pyleroma-web-registration"
REGISTRATION_APP_NAME = "Sign-up page"
# What Pleroma-FE asks for: the browser session the sign-up starts is an ordinary login.
REGISTRATION_SCOPES = ["read", "write", "follow", "push"]


async def registration_app(session: AsyncSession, settings: Settings) -> OAuthApp:
    """The sign-up page's app, made (and committed) the first time it is needed."""
    found = await oauth.find_app(session, REGISTRATION_CLIENT_ID)
    if found is not None:
        return found
    app = OAuthApp(
        id=new_id(),
        name=REGISTRATION_APP_NAME,
        website=settings.base_url,
        redirect_uris="",
        scopes=list(REGISTRATION_SCOPES),
        client_id=REGISTRATION_CLIENT_ID,
        client_secret=new_secret(32),
        trusted=False,
    )
    session.add(app)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()  # another process made it first
        found = await oauth.find_app(session, REGISTRATION_CLIENT_ID)
        if found is None:
            raise
        return found
    return app
