"""The status an oEmbed request's ``url`` names (Mastodon's ``GET /api/oembed``).

Only local original posts of ``public`` or ``unlisted`` visibility by an account with a public
profile are embeddable; anything else is a 404, as a missing post (an embed is shown to
anyone who reads the page it is pasted in). The URL may be any form this server hands out
for a post: its web page (``/notice/:id``, ``/@nick/:id``), its ActivityPub id
(``/objects/:id``), or Mastodon's ``/users/:nick/statuses/:id``; another host is a 404.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.db.ids import parse_id
from pyleroma.errors import NotFound
from pyleroma.federation.to_as_actor import is_served
from pyleroma.models import Account, Status
from pyleroma.settings import Settings

EMBEDDABLE = ("public", "unlisted")
# (path pattern, whether it names the author)
_FORMS = (
    (re.compile(r"/notice/(?P<id>[0-9]+)/?"), False),
    (re.compile(r"/objects/(?P<id>[0-9]+)/?"), False),
    (re.compile(r"/@(?P<nick>[^/@]+)/(?P<id>[0-9]+)/?"), True),
    (re.compile(r"/users/(?P<nick>[^/]+)/statuses/(?P<id>[0-9]+)/?"), True),
)


def _same_origin(settings: Settings, url: str) -> str | None:
    """The path of ``url`` when it is on this server, else None."""
    try:
        given = urlsplit(url.strip())
        ours = urlsplit(settings.base_url)
    except ValueError:
        return None
    if given.scheme.lower() != ours.scheme.lower() or not given.netloc:
        return None
    if given.netloc.lower() != ours.netloc.lower():
        return None
    return given.path


async def embeddable_status(
    session: AsyncSession, settings: Settings, url: str
) -> tuple[Status, Account]:
    """The post ``url`` names and its author; NotFound when it may not be embedded."""
    path = _same_origin(settings, url)
    if path is None:
        raise NotFound("Not found")
    ident = nickname = None
    for pattern, named in _FORMS:
        found = pattern.fullmatch(path)
        if found:
            ident = parse_id(found["id"])
            nickname = found["nick"] if named else None
            break
    if ident is None:
        raise NotFound("Not found")
    status = await session.get(Status, ident)
    if (
        status is None
        or not status.local
        or status.reblog_of_id is not None
        or status.visibility not in EMBEDDABLE
    ):
        raise NotFound("Not found")
    author = await session.get(Account, status.account_id)
    if author is None or not is_served(author):
        raise NotFound("Not found")
    if nickname is not None and nickname.lower() != author.nickname.lower():
        raise NotFound("Not found")
    return status, author
