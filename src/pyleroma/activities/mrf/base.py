"""What every MRF policy is built on: the context it runs in, the base class, and the
helpers policies share (host patterns, addressing, the post an activity carries).

A policy sees a remote activity as ``normalize_activity`` made it (a canonical dict; the
post of a Create or Update is a normalised object under ``object``), before anything it
names is looked up or fetched, and returns it, possibly changed, or raises ``Rejected``.
Because nothing has been resolved yet, a rejected activity leaves nothing behind: no
fetched thread, no stored post, no job. Fetched posts pass the same chain wrapped in a
Create, and fetched actor documents pass ``filter_actor``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pyleroma.activities.normalize_objects import PUBLIC
from pyleroma.activities.policies import Rejected
from pyleroma.settings import Settings

SEPARATOR = " => "


@dataclass
class MrfContext:
    """What a policy may consult besides the activity.

    ``actor`` is the sender's Account row (the verified signer) when there is one; a
    policy needing the database (TagPolicy reads the followed account's tags) uses
    ``session``, read-only.
    """

    settings: Settings
    session: Any = None
    actor: Any = None
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None))


class Policy:
    """One policy. Subclasses set ``name`` (Pleroma's module name, as ``mrf_policies``
    lists it), read their settings in ``__init__`` (built once per configuration), and
    override what they act on."""

    name: ClassVar[str] = ""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def filter(self, ctx: MrfContext, activity: dict[str, Any]) -> dict[str, Any]:
        """The activity to take (possibly changed); raises ``Rejected`` to refuse it."""
        return activity

    def filter_actor(self, ctx: MrfContext, actor: dict[str, Any]) -> dict[str, Any]:
        """A fetched or updated actor document (normalize_actor's shape) to store."""
        return actor

    def describe(self) -> dict[str, Any]:
        """What MRF transparency publishes of this policy's configuration in nodeinfo's
        ``metadata.federation`` (Pleroma's ``describe/0``): {key: value}, merged."""
        return {}


# --- host patterns ---------------------------------------------------------------------------


def split_pair(entry: str) -> tuple[str, str]:
    """``"first => second"`` -> (first, second); a lone value pairs with ""."""
    first, _, second = entry.partition(SEPARATOR.strip())
    return first.strip(), second.strip()


@dataclass(frozen=True)
class HostList:
    """Hosts with their reasons, matched as Pleroma does: ``*.example.com`` is the domain
    and its subdomains; a host without a port matches that host on any port."""

    entries: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, values: list[str]) -> HostList:
        pairs = []
        for value in values:
            host, reason = split_pair(value)
            if host:
                pairs.append((host.lower(), reason))
        return cls(tuple(pairs))

    @property
    def hosts(self) -> list[str]:
        return [host for host, _ in self.entries]

    def __bool__(self) -> bool:
        return bool(self.entries)

    def matches(self, host: str | None) -> bool:
        return self.reason_for(host) is not None

    def reason_for(self, host: str | None) -> str | None:
        """The reason a host is listed ("" for none), or None when it is not listed."""
        if not host:
            return None
        host = host.lower()
        bare = host.rsplit(":", 1)[0] if _has_port(host) else host
        for pattern, reason in self.entries:
            candidate = host if _has_port(pattern) else bare
            if pattern.startswith("*."):
                domain = pattern[2:]
                if candidate == domain or candidate.endswith("." + domain):
                    return reason
            elif candidate == pattern:
                return reason
        return None

    def described(self) -> tuple[list[str], dict[str, dict[str, str]]]:
        """Pleroma's transparency shape: the hosts, and {host: {"reason": ...}}."""
        return self.hosts, {host: {"reason": reason} for host, reason in self.entries}


def _has_port(host: str) -> bool:
    return ":" in host and not host.endswith("]")


def host_of(url: str | None) -> str | None:
    from pyleroma.federation.instances import host_of as instance_host

    return instance_host(url) if isinstance(url, str) and url else None


# --- patterns in text ------------------------------------------------------------------------


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A keyword pattern: ``/regex/`` (optionally ``/regex/i``) or plain text matched
    case-insensitively (Pleroma's keyword policy takes strings and regexes)."""
    if len(pattern) >= 2 and pattern.startswith("/"):
        body, _, flags = pattern[1:].rpartition("/")
        if body or flags == "":
            return re.compile(body, re.IGNORECASE if "i" in flags else 0)
    return re.compile(re.escape(pattern), re.IGNORECASE)


# --- the post an activity carries, and its addressing ----------------------------------------


def post_of(activity: dict[str, Any]) -> dict[str, Any] | None:
    """The normalised post a Create or Update carries (None for other activities, and for
    an Update of an actor)."""
    from pyleroma.activities.normalize_objects import ACTOR_TYPES

    obj = activity.get("object")
    if activity.get("type") not in ("Create", "Update") or not isinstance(obj, dict):
        return None
    return obj if obj.get("type") not in ACTOR_TYPES else None


def addressed(activity: dict[str, Any]) -> list[dict[str, Any]]:
    """The activity and the post it carries: the dicts whose ``to``/``cc`` move together."""
    post = post_of(activity)
    return [activity, post] if post is not None else [activity]


def is_public(activity: dict[str, Any]) -> bool:
    return any(PUBLIC in (item.get("to") or []) for item in addressed(activity))


def is_listed_public(activity: dict[str, Any]) -> bool:
    return any(
        PUBLIC in (item.get("to") or []) or PUBLIC in (item.get("cc") or [])
        for item in addressed(activity)
    )


def delist(activity: dict[str, Any]) -> dict[str, Any]:
    """Public -> unlisted: the Public collection moves from ``to`` to ``cc`` (off the
    federated timeline, still visible on the profile and by link)."""
    for item in addressed(activity):
        to = list(item.get("to") or [])
        if PUBLIC in to:
            item["to"] = [ident for ident in to if ident != PUBLIC]
            cc = list(item.get("cc") or [])
            item["cc"] = cc if PUBLIC in cc else [*cc, PUBLIC]
    return activity


def followers_only(activity: dict[str, Any], followers_url: str | None) -> dict[str, Any]:
    """Public and unlisted -> followers-only: the Public collection is taken out of the
    addressing and the actor's followers put in."""
    for item in addressed(activity):
        for key in ("to", "cc"):
            values = list(item.get(key) or [])
            if PUBLIC in values:
                values = [ident for ident in values if ident != PUBLIC]
                if followers_url and followers_url not in values:
                    values.append(followers_url)
                item[key] = values
    return activity


def strip_followers(activity: dict[str, Any], followers_url: str | None) -> dict[str, Any]:
    """The actor's followers collection taken out of the addressing (the post reaches
    nobody's home timeline for being followed)."""
    if not followers_url:
        return activity
    for item in addressed(activity):
        for key in ("to", "cc"):
            item[key] = [ident for ident in item.get(key) or [] if ident != followers_url]
    return activity


def reject(policy: Policy, reason: str) -> Rejected:
    """The refusal a policy raises: its name and why, for the log."""
    return Rejected(f"[{policy.name}] {reason}")
