"""JSON shapes of the OAuth entities: App, the token response, and a user's sessions.

Ids are rendered as strings (64-bit snowflakes do not fit a JavaScript number), where
Pleroma renders token ids as integers.
"""

from __future__ import annotations

import calendar

from pyleroma.db.base import utcnow
from pyleroma.models import OAuthApp, OAuthToken
from pyleroma.services.oauth.oauth import IssuedToken


def app_to_api(app: OAuthApp, vapid_key: str | None = None) -> dict:
    """The App entity answered when an app registers, secrets included. ``vapid_key`` is
    the instance's web push key (Pleroma renders the configured one, not a per-app key)."""
    return {
        "id": str(app.id),
        "name": app.name,
        "website": app.website,
        "redirect_uri": app.redirect_uris,
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "vapid_key": vapid_key or app.vapid_key,
    }


def app_public_to_api(app: OAuthApp, vapid_key: str | None = None) -> dict:
    """The compact, secret-free App entity of /api/v1/apps/verify_credentials."""
    data = {"name": app.name, "website": app.website}
    if vapid_key or app.vapid_key:
        data["vapid_key"] = vapid_key or app.vapid_key
    return data


def token_to_api(issued: IssuedToken) -> dict:
    token = issued.token
    data = {
        "id": str(token.id),
        "token_type": "Bearer",
        "access_token": issued.access_token,
        "refresh_token": issued.refresh_token,
        "scope": " ".join(token.scopes),
        "created_at": calendar.timegm(token.created_at.utctimetuple()),
        "expires_in": max(0, int((token.valid_until - utcnow()).total_seconds())),
    }
    if issued.account is not None:
        data["me"] = issued.account.ap_id
    return data


def session_to_api(token: OAuthToken) -> dict:
    """One entry of GET /api/oauth_tokens (naive UTC ISO time, as Pleroma renders it)."""
    return {
        "id": str(token.id),
        "app_name": token.app.name if token.app else None,
        "valid_until": token.valid_until.isoformat(),
    }
