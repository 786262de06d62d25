"""Remote interaction: following (or answering) across servers from a web page.

Two directions, as in Pleroma:

- Outgoing: a visitor on one of our pages is an account elsewhere (``nick@their.host``).
  ``interaction_url`` asks their server's WebFinger for the
  ``http://ostatus.org/schema/1.0/subscribe`` template and fills ``{uri}`` with what they
  want to interact with (the url-encoded AP id), so their browser can be sent there
  (``POST /api/v1/pleroma/remote_interaction``, ``POST /main/ostatus``).
- Incoming: another server sends its user to our template, ``/ostatus_subscribe?acct=...``
  (services/instance/webfinger.py publishes it). ``resolve_acct`` finds the account or the
  post named there (local, stored, or fetched now) for the page that offers to follow.

The template must be an http(s) URL (federation/webfinger_client.py refuses others): a
browser is redirected there.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.activities.normalize_objects import is_http_url
from pyleroma.db.ids import parse_id
from pyleroma.errors import DomainError, NotFound, Unprocessable
from pyleroma.federation import actors
from pyleroma.federation.errors import FederationError
from pyleroma.federation.fetch import is_local_url
from pyleroma.federation.webfinger_client import (
    NoSubscribeTemplate,
    parse_handle,
    subscribe_template,
)
from pyleroma.models import Account, Status
from pyleroma.policy.visibility import can_see
from pyleroma.services.relations import follows
from pyleroma.settings import Settings

log = logging.getLogger("pyleroma.federation")

NOT_FOUND = "Couldn't find user"
_STATUS_PATH = re.compile(r"^/(?:notice|objects|@[^/]+|users/[^/]+/statuses)/(\d+)/?$")


def own_template(settings: Settings) -> str:
    """Our own remote follow template, as our WebFinger publishes it."""
    return f"{settings.base_url}/ostatus_subscribe?acct={{uri}}"


def check_profile(profile) -> str:
    """The ``nick@host`` a visitor typed (a leading ``@`` allowed); 422 otherwise."""
    if not isinstance(profile, str) or parse_handle(profile.strip()) is None:
        raise Unprocessable("profile: must be your address, like nickname@your.instance")
    return profile.strip().lstrip("@")


async def template_for(settings: Settings, profile: str) -> str:
    """The remote follow template of the server ``profile`` is on (ours: our own)."""
    nick, host = parse_handle(check_profile(profile)) or ("", "")
    if host == settings.domain.lower():
        return own_template(settings)
    try:
        return await subscribe_template(settings, f"{nick}@{host}")
    except NoSubscribeTemplate as exc:
        log.info("no remote follow template for %s: %s", profile[:200], exc.reason)
        raise Unprocessable(f"{host} offers no remote follow") from None
    except FederationError as exc:
        log.info("remote interaction: WebFinger of %s failed: %s", profile[:200], exc.reason)
        raise NotFound(NOT_FOUND) from None


async def interaction_url(settings: Settings, ap_id, profile) -> str:
    """Where to send the browser of ``profile`` to interact with ``ap_id`` (an actor or a
    post's AP id): their server's template, ``{uri}`` replaced by the url-encoded id."""
    if not isinstance(ap_id, str) or not is_http_url(ap_id.strip()):
        raise Unprocessable("ap_id: must be the http(s) ActivityPub id of an account or a post")
    template = await template_for(settings, profile)
    return template.replace("{uri}", quote(ap_id.strip(), safe=""))


# --- what another server sends its user to look at ----------------------------------------------


@dataclass
class Target:
    """What ``/ostatus_subscribe?acct=`` names: an account or a post."""

    account: Account | None = None
    status: Status | None = None


async def _local_status(session: AsyncSession, settings: Settings, url: str) -> Status | None:
    match = _STATUS_PATH.match(urlsplit(url).path)
    status_id = parse_id(match.group(1)) if match else None
    if status_id is not None:
        return await session.get(Status, status_id)
    return (await session.execute(select(Status).where(Status.uri == url))).scalars().first()


async def resolve_acct(
    session: AsyncSession, settings: Settings, acct, viewer: Account | None
) -> Target:
    """The account or post ``acct`` names (a handle, an actor id, a post's id or page),
    fetched and stored (and committed) when it is remote and new; 404 when there is none,
    or when it is a post ``viewer`` may not see."""
    if not isinstance(acct, str) or not acct.strip():
        raise Unprocessable("acct: is required")
    text = acct.strip()
    if text.lower().startswith("acct:"):
        text = text[5:]
    target = Target()
    if text.startswith(("http://", "https://")):
        if is_local_url(settings, text):
            target.account = await actors.resolve_account_or_none(session, settings, text)
            if target.account is None:
                target.status = await _local_status(session, settings, text)
        else:
            target.status = (
                (await session.execute(select(Status).where(Status.uri == text))).scalars().first()
            )
            if target.status is None:
                target.account = await actors.resolve_account_or_none(session, settings, text)
            if target.account is None and target.status is None:
                from pyleroma.services.discovery.search import resolve_status_url

                target.status = await resolve_status_url(session, settings, text)
    elif parse_handle(text.lstrip("@")) is not None:
        target.account = await actors.resolve_account_or_none(session, settings, text)
    else:
        target.account = await actors.resolve_account_or_none(
            session, settings, f"{text.lstrip('@')}@{settings.domain}"
        )
    await session.commit()
    if target.account is not None and not target.account.is_active:
        target.account = None
    if target.status is not None and not await can_see(session, viewer, target.status):
        target.status = None
    if target.account is None and target.status is None:
        raise NotFound(NOT_FOUND)
    return target


async def find_followee(session: AsyncSession, account_id) -> Account:
    """The account a remote follow form names by id (404 when gone)."""
    found = await session.get(Account, parse_id(account_id)) if parse_id(account_id) else None
    if found is None or not found.is_active:
        raise NotFound(NOT_FOUND)
    return found


async def follow(session: AsyncSession, settings: Settings, follower: Account, followee: Account):
    """Follow through the follows service (it federates and checks blocks); following an
    account one already follows is fine (nothing changes)."""
    try:
        return await follows.follow(session, settings, follower, followee)
    except DomainError:
        await session.rollback()
        raise
