"""Answering WebFinger (RFC 7033) and host-meta (RFC 6415) for local accounts.

Remote servers resolve ``@nick@domain`` through these before they fetch the actor, so the
answers must name exactly our domain and our actor URLs. Only active local accounts are
found: a deactivated account, a remote account or another domain is "not found", never a
redirect elsewhere.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pyleroma.errors import BadRequest, NotFound
from pyleroma.models import Account
from pyleroma.settings import Settings

XRD_NS = "http://docs.oasis-open.org/ns/xri/xrd-1.0"
JRD_TYPE = "application/jrd+json"
XRD_TYPE = "application/xrd+xml"
AS_LD_TYPE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
SUBSCRIBE_REL = "http://ostatus.org/schema/1.0/subscribe"
PROFILE_PAGE_REL = "http://webfinger.net/rel/profile-page"

# nick@domain: a nickname as local accounts have them, then a host (and optional port).
_ACCT_RE = re.compile(r"^@?(?P<nick>[A-Za-z0-9_.\-]+)@(?P<domain>[A-Za-z0-9.\-]+(?::\d+)?)$")
# Local actor URL paths: /users/nick (the AP id) and /@nick (the profile page).
_PATH_RE = re.compile(r"^/(?:users/|@)(?P<nick>[A-Za-z0-9_.\-]+)/?$")
NOT_FOUND = "Couldn't find user"


def parse_resource(settings: Settings, resource: str | None) -> str:
    """The local nickname ``resource`` names.

    Accepts ``acct:nick@domain`` (the ``acct:`` is optional, as Pleroma allows) and our actor
    or profile URLs. A missing or malformed resource is a 400 (RFC 7033 4.2); a well-formed
    one naming another domain is a 404.
    """
    if resource is None or not resource.strip():
        raise BadRequest("resource: is required")
    resource = resource.strip()
    lowered = resource.lower()
    if lowered.startswith(("http://", "https://")):
        parts = urlsplit(resource)
        if not parts.netloc:
            raise BadRequest("resource: is not a valid URL")
        if parts.netloc.lower() != settings.domain.lower():
            raise NotFound(NOT_FOUND)
        match = _PATH_RE.match(parts.path)
        if match is None or parts.query or parts.fragment:
            raise NotFound(NOT_FOUND)
        return match.group("nick")
    if lowered.startswith("acct:"):
        resource = resource[len("acct:") :]
    elif ":" in resource.split("@", 1)[0]:
        raise BadRequest("resource: must be an acct: URI or an http(s) URL")
    match = _ACCT_RE.match(resource)
    if match is None:
        raise BadRequest("resource: must look like acct:nickname@domain")
    if match.group("domain").lower() != settings.domain.lower():
        raise NotFound(NOT_FOUND)
    return match.group("nick")


async def find_local_account(session: AsyncSession, nickname: str) -> Account:
    account = (
        await session.execute(
            select(Account).where(
                Account.nickname_key == nickname.lower(),
                Account.local.is_(True),
                Account.is_active.is_(True),
            )
        )
    ).scalar_one_or_none()
    if account is None:
        raise NotFound(NOT_FOUND)
    return account


def _ap_id(settings: Settings, account: Account) -> str:
    return account.ap_id or f"{settings.base_url}/users/{account.nickname}"


def subject(settings: Settings, account: Account) -> str:
    return f"acct:{account.nickname}@{settings.domain}"


def links(settings: Settings, account: Account) -> list[dict]:
    """Pleroma's links: profile page, the actor in both AS media types, remote follow."""
    ap_id = _ap_id(settings, account)
    return [
        {"rel": PROFILE_PAGE_REL, "type": "text/html", "href": ap_id},
        {"rel": "self", "type": "application/activity+json", "href": ap_id},
        {"rel": "self", "type": AS_LD_TYPE, "href": ap_id},
        {"rel": SUBSCRIBE_REL, "template": f"{settings.base_url}/ostatus_subscribe?acct={{uri}}"},
    ]


def to_jrd(settings: Settings, account: Account) -> dict:
    return {
        "subject": subject(settings, account),
        "aliases": [_ap_id(settings, account)],
        "links": links(settings, account),
    }


def _xml(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def to_xrd(settings: Settings, account: Account) -> bytes:
    """The same facts as ``to_jrd``, as an XRD document (for OStatus-era fetchers)."""
    root = ET.Element("XRD", {"xmlns": XRD_NS})
    ET.SubElement(root, "Subject").text = subject(settings, account)
    ET.SubElement(root, "Alias").text = _ap_id(settings, account)
    for link in links(settings, account):
        ET.SubElement(root, "Link", link)
    return _xml(root)


def host_meta(settings: Settings) -> bytes:
    """host-meta: the LRDD template telling fetchers where our WebFinger lives."""
    root = ET.Element("XRD", {"xmlns": XRD_NS})
    ET.SubElement(
        root,
        "Link",
        {
            "rel": "lrdd",
            "type": XRD_TYPE,
            "template": f"{settings.base_url}/.well-known/webfinger?resource={{uri}}",
        },
    )
    return _xml(root)


_XML_TYPES = {"application/xrd+xml", "application/xml", "text/xml"}
_JSON_TYPES = {"application/jrd+json", "application/json"}


def wants_xml(accept: str | None, fmt: str | None) -> bool:
    """XRD when asked for (``format=xml`` or an Accept preferring an XML type), else JRD.

    The Accept entries are taken by quality, then in the order given, as Phoenix does for
    Pleroma; a header naming neither family (``*/*``, ``text/html``) gets JSON.
    """
    if fmt:
        return fmt.strip().lower() in ("xml", "xrd+xml", "xrd")
    if not accept:
        return False
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in item.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, index, media.lower()))
    for negative_quality, _index, media in sorted(ranked):
        if negative_quality >= 0:
            break
        if media in _XML_TYPES:
            return True
        if media in _JSON_TYPES:
            return False
    return False
