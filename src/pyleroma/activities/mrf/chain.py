"""The configured chain of policies: built once per configuration, run on every remote
activity (``filter_activity``), fetched post (``filter_fetched_post``) and actor document
(``filter_actor``), and published by MRF transparency (``transparency``).

``mrf_policies`` names policies as Pleroma does (``SimplePolicy`` or
``Pleroma.Web.ActivityPub.MRF.SimplePolicy``); an unknown name is a settings error at
start-up, not a silently open door.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import fields
from typing import Any

from pyleroma.activities.mrf.base import HostList, MrfContext, Policy
from pyleroma.settings import Settings, SettingsError
from pyleroma.settings_mrf import MrfSettings

# Policy name -> the module under activities/mrf/ that defines it (imported when used).
POLICY_MODULES = {
    "NoOpPolicy": "noop",
    "DropPolicy": "drop",
    "SimplePolicy": "simple",
    "KeywordPolicy": "keyword",
    "HellthreadPolicy": "hellthread",
    "ObjectAgePolicy": "object_age",
    "TagPolicy": "tag",
    "AntiFollowbotPolicy": "anti_followbot",
    "AntiLinkSpamPolicy": "anti_link_spam",
    "MentionPolicy": "mention",
    "RejectNonPublic": "reject_non_public",
    "UserAllowListPolicy": "user_allow_list",
    "VocabularyPolicy": "vocabulary",
    "ForceBotUnlistedPolicy": "force_bot_unlisted",
    "NoPlaceholderTextPolicy": "no_placeholder_text",
    "StealEmojiPolicy": "steal_emoji",
    "InlineQuotePolicy": "inline_quote",
}
_PLEROMA_PREFIX = "Pleroma.Web.ActivityPub.MRF."
_MRF_FIELDS = tuple(f.name for f in fields(MrfSettings))
_CHAINS: dict[tuple, tuple[Policy, ...]] = {}


def policy_name(configured: str) -> str:
    name = configured.strip()
    return name[len(_PLEROMA_PREFIX) :] if name.startswith(_PLEROMA_PREFIX) else name


def policy_class(name: str) -> type[Policy]:
    module_name = POLICY_MODULES.get(policy_name(name))
    if module_name is None:
        known = ", ".join(sorted(POLICY_MODULES))
        raise SettingsError(f"mrf_policies: unknown policy {name!r} (known: {known})")
    module = importlib.import_module(f"pyleroma.activities.mrf.{module_name}")
    wanted = policy_name(name)
    for value in vars(module).values():
        if isinstance(value, type) and issubclass(value, Policy) and value.name == wanted:
            return value
    raise SettingsError(f"mrf_policies: {module.__name__} defines no {name}")


def _key(settings: Settings) -> tuple:
    """The configuration a chain is built from (settings objects are not hashable, and
    tests change them in place: the values are the key)."""
    values = []
    for name in _MRF_FIELDS:
        value = getattr(settings, name)
        values.append(tuple(value) if isinstance(value, list) else value)
    return (settings.base_url, *values)


def policies_for(settings: Settings) -> tuple[Policy, ...]:
    """The policies of ``mrf_policies``, in order, each built once per configuration.
    Raises ``SettingsError`` for an unknown policy or an option it cannot use."""
    key = _key(settings)
    chain = _CHAINS.get(key)
    if chain is None:
        try:
            chain = tuple(policy_class(name)(settings) for name in settings.mrf_policies)
        except SettingsError:
            raise
        except (ValueError, TypeError, re.error) as exc:  # a bad pattern, a bad number
            raise SettingsError(f"MRF settings: {exc}") from exc
        if len(_CHAINS) > 64:
            _CHAINS.clear()
        _CHAINS[key] = chain
    return chain


async def filter_activity(ctx: MrfContext, activity: dict[str, Any]) -> dict[str, Any]:
    """Every policy in order on a remote activity; raises ``Rejected`` at the first that
    refuses it."""
    for policy in policies_for(ctx.settings):
        activity = await policy.filter(ctx, activity)
    return activity


async def filter_fetched_post(ctx: MrfContext, post: dict[str, Any]) -> dict[str, Any]:
    """A post fetched by id passes the chain as the Create that would have brought it (as
    Pleroma's fetcher does), so a policy cannot be bypassed by pointing us at a post."""
    create = {
        "id": f"{post['id']}#fetched",
        "type": "Create",
        "actor": post.get("attributed_to"),
        "object": post,
        "to": list(post.get("to") or []),
        "cc": list(post.get("cc") or []),
        "published": post.get("published"),
        "fetched": True,
    }
    return (await filter_activity(ctx, create))["object"]


def filter_actor(ctx: MrfContext, actor: dict[str, Any]) -> dict[str, Any]:
    for policy in policies_for(ctx.settings):
        actor = policy.filter_actor(ctx, actor)
    return actor


def rejected_hosts(settings: Settings) -> HostList:
    """The instance blocks: SimplePolicy's ``reject`` hosts when it is in the chain (as in
    Pleroma, the list does nothing unless the policy is enabled)."""
    for policy in policies_for(settings):
        blocked = getattr(policy, "reject_hosts", None)
        if blocked is not None:
            return blocked
    return HostList()


def is_blocked_host(settings: Settings, host: str | None) -> bool:
    return rejected_hosts(settings).matches(host)


def transparency(settings: Settings) -> dict[str, Any]:
    """nodeinfo's ``metadata.federation`` MRF part as Pleroma publishes it: the policy
    names, each policy's description, ``exclusions``; hosts in
    ``mrf_transparency_exclusions`` left out. Empty when transparency is off."""
    if not settings.mrf_transparency:
        return {}
    chain = policies_for(settings)
    excluded = HostList.parse(settings.mrf_transparency_exclusions)
    described: dict[str, Any] = {
        "mrf_policies": [policy.name for policy in chain] or ["NoOpPolicy"],
        "exclusions": bool(excluded),
        "quarantined_instances": [],
        "quarantined_instances_info": {"quarantined_instances": {}},
    }
    for policy in chain:
        for key, value in policy.describe().items():
            described[key] = _without_excluded(value, excluded)
    if excluded:
        described["mrf_transparency_exclusions"] = excluded.hosts
    return described


def _without_excluded(value: Any, excluded: HostList) -> Any:
    """Host lists (and {host: info} maps, nested) without the excluded hosts."""
    if not excluded:
        return value
    if isinstance(value, list):
        return [v for v in value if not (isinstance(v, str) and excluded.matches(v))]
    if isinstance(value, dict):
        return {
            k: _without_excluded(v, excluded)
            for k, v in value.items()
            if not (isinstance(k, str) and "." in k and excluded.matches(k))
        }
    return value
