"""Turning ``nick@host`` into an actor id with WebFinger (RFC 7033): the client side.

``resolve_handle(settings, "@bob@social.example")`` asks
``https://social.example/.well-known/webfinger?resource=acct:bob@social.example`` and
answers the ``href`` of the ``self`` link whose type is ``application/activity+json`` or
``application/ld+json; profile="https://www.w3.org/ns/activitystreams"`` (Mastodon's
``activitypub_ready?``). The handle may carry a port (``bob@127.0.0.2:8080``); the host is
lower-cased. Only JRD (JSON) answers are read: no XRD, no host-meta template lookup.

Scheme: always https, except http when ``allow_private_fetch`` is on and the host is a
loopback address or ``localhost``. That is how the test suite (and development) federates
between servers on 127.0.0.x, which serve plain http; with the setting off (production) a
loopback host is refused by the SSRF guard anyway.

The request goes through the same guards as every fetch (fetch.guarded_get): the SSRF
guard at every hop, our own host refused, the body capped at ``federation_max_body_bytes``,
the whole exchange within ``federation_timeout_seconds``. It is not signed (WebFinger is
public everywhere). Redirects may lead to another host, because that is how Mastodon's
``LOCAL_DOMAIN``/``WEB_DOMAIN`` split works: ``example.com`` redirects its WebFinger to
``social.example.com``, which answers ``subject: acct:bob@example.com`` with a link to
``https://social.example.com/users/bob``.

Which answers are trusted (kept simple on purpose): the link is taken when its host is the
host we asked about, or when the answer's ``subject`` names the host we asked about (the
server we were led to says it speaks for that domain, as the split above does). An answer
whose link and subject both point elsewhere is refused. Trusting a link never trusts the
actor: the actor is then fetched from its own id and stored under its own host
(actors.py), so a lying WebFinger server can at worst name someone else's real actor, never
forge one. A link to our own host is refused (local accounts are found in the database).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from pyleroma.activities.normalize_objects import InvalidActivity, check_depth, is_http_url
from pyleroma.federation.errors import FetchError
from pyleroma.federation.fetch import (
    authority,
    guarded_get,
    is_activity_json,
    is_local_url,
    json_object,
    parse_media_type,
)
from pyleroma.federation.net_guard import is_loopback_host
from pyleroma.settings import Settings

JRD_ACCEPT = "application/jrd+json, application/json;q=0.9"
MAX_LINKS = 100
# nick@host[:port]: a user part without spaces, slashes or a second @; an ASCII host name
# or IPv4 address (internationalised names arrive as punycode).
_HANDLE_RE = re.compile(
    r"^@?(?P<nick>[\w.~+-]{1,255})@"
    r"(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::\d{1,5})?)$"
)


def parse_handle(handle: str) -> tuple[str, str] | None:
    """(nick, host[:port] lower-cased) of ``nick@host`` / ``@nick@host``; None when it is not
    one."""
    match = _HANDLE_RE.match(handle.strip())
    if match is None:
        return None
    return match.group("nick"), match.group("host").lower()


def scheme_for(settings: Settings, host: str) -> str:
    """https, or http for a loopback host while ``allow_private_fetch`` is on (see the
    module docstring)."""
    hostname = host.rsplit(":", 1)[0]
    if settings.allow_private_fetch and is_loopback_host(hostname):
        return "http"
    return "https"


def webfinger_url(settings: Settings, nick: str, host: str) -> str:
    resource = quote(f"acct:{nick}@{host}", safe=":@")
    return f"{scheme_for(settings, host)}://{host}/.well-known/webfinger?resource={resource}"


def _subject_host(subject: Any, scheme: str) -> str:
    """The host (as ``authority`` writes it) of an ``acct:nick@host`` or URL subject."""
    if not isinstance(subject, str):
        return ""
    if subject.startswith(("http://", "https://")):
        return authority(subject)
    _, sep, host = subject.removeprefix("acct:").rpartition("@")
    return authority(f"{scheme}://{host}/") if sep and "/" not in host else ""


def _self_link(links: Any) -> str | None:
    if not isinstance(links, list):
        return None
    for link in links[:MAX_LINKS]:
        if not isinstance(link, dict) or link.get("rel") != "self":
            continue
        kind = link.get("type")
        href = link.get("href")
        if (
            isinstance(kind, str)
            and is_activity_json(*parse_media_type(kind))
            and is_http_url(href)
        ):
            return href
    return None


async def resolve_handle(settings: Settings, handle: str) -> str:
    """The actor id WebFinger gives for ``handle``; ``FetchError`` saying why not."""
    parsed = parse_handle(handle)
    if parsed is None:
        raise FetchError(f"{handle[:100]!r} is not a nick@host handle")
    nick, host = parsed
    url = webfinger_url(settings, nick, host)
    asked = authority(url)
    if is_local_url(settings, url):
        raise FetchError(f"{nick}@{host} is on this instance: no WebFinger lookup", url=url)
    reply = await guarded_get(settings, url, accept=JRD_ACCEPT, cross_host_redirects=True)
    kind = reply.media_type
    if kind and kind != "application/json" and not kind.endswith("+json"):
        raise FetchError(f"WebFinger for {nick}@{host} answered {kind}, not JSON", url=url)
    data = json_object(reply, url)
    try:
        check_depth(data)
    except InvalidActivity as exc:
        raise FetchError(f"WebFinger for {nick}@{host}: {exc}", url=url) from None
    href = _self_link(data.get("links"))
    if href is None:
        raise FetchError(f"WebFinger for {nick}@{host} names no ActivityPub actor", url=url)
    subject_host = _subject_host(data.get("subject"), scheme_for(settings, host))
    if authority(href) != asked and subject_host != asked:
        raise FetchError(
            f"WebFinger for {nick}@{host} points to {authority(href)} for a subject on "
            f"{subject_host or 'no host'}; not trusted",
            url=url,
        )
    if is_local_url(settings, href):
        raise FetchError(f"WebFinger for {nick}@{host} points to this instance", url=url)
    return href


SUBSCRIBE_REL = "http://ostatus.org/schema/1.0/subscribe"


class NoSubscribeTemplate(FetchError):
    """WebFinger answered, but names no usable remote follow template."""


async def subscribe_template(settings: Settings, handle: str) -> str:
    """The ``http://ostatus.org/schema/1.0/subscribe`` link template (``...{uri}...``) that
    WebFinger gives for ``handle``: where that person's server lets them follow or answer
    something of ours (remote interaction). ``FetchError`` saying why there is none.

    The template must be an http(s) URL holding ``{uri}``: the caller redirects a browser
    there, so a ``javascript:`` or relative one is refused here."""
    parsed = parse_handle(handle)
    if parsed is None:
        raise FetchError(f"{handle[:100]!r} is not a nick@host handle")
    nick, host = parsed
    url = webfinger_url(settings, nick, host)
    if is_local_url(settings, url):
        raise FetchError(f"{nick}@{host} is on this instance: no WebFinger lookup", url=url)
    reply = await guarded_get(settings, url, accept=JRD_ACCEPT, cross_host_redirects=True)
    kind = reply.media_type
    if kind and kind != "application/json" and not kind.endswith("+json"):
        raise FetchError(f"WebFinger for {nick}@{host} answered {kind}, not JSON", url=url)
    data = json_object(reply, url)
    links = data.get("links")
    for link in links[:MAX_LINKS] if isinstance(links, list) else ():
        if not isinstance(link, dict) or link.get("rel") != SUBSCRIBE_REL:
            continue
        template = link.get("template")
        if (
            isinstance(template, str)
            and "{uri}" in template
            and is_http_url(template.replace("{uri}", "uri"))
        ):
            return template
    raise NoSubscribeTemplate(
        f"WebFinger for {nick}@{host} names no remote follow template", url=url
    )
