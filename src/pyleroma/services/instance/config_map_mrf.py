"""The MRF keys of ConfigDB (config_map.py): ``:pleroma, :mrf`` (the policies) and each
policy's own key (``:mrf_simple``, ``:mrf_keyword``, ...), with AdminFE's ``tab`` and
``related_policy``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pyleroma.services.instance.config_fields import (
    Child,
    ConfigError,
    KeySpec,
    as_texts,
    atoms,
    boolean,
    integer,
    pairs,
    strings,
    text,
)
from pyleroma.services.instance.config_values import (
    make_tuple,
    pattern_to_regex,
    regex_to_pattern,
    tuple_items,
)
from pyleroma.settings import Settings

P = ":pleroma"
MRF = "Pleroma.Web.ActivityPub.MRF."


def _policies_read(settings: Settings) -> list[str]:
    return [name if "." in name else MRF + name for name in settings.mrf_policies]


def _policies_write(value: Any, target: Settings, scratch: dict) -> None:
    if isinstance(value, str):  # Pleroma takes one module as well as a list
        value = [value]
    target.mrf_policies = as_texts(value)


def _policy_suggestions() -> tuple[str, ...]:
    from pyleroma.activities.mrf.chain import POLICY_MODULES

    return tuple(MRF + name for name in POLICY_MODULES)


MRF_KEY = KeySpec(
    P,
    ":mrf",
    "Message rewrite facility: the policies every remote activity passes",
    children=(
        Child(
            ":policies",
            ["list", "module"],
            "The policies applied, in order",
            read=_policies_read,
            write=_policies_write,
            attrs=("mrf_policies",),
            suggestions=_policy_suggestions(),
        ),
        boolean(
            ":transparency",
            "mrf_transparency",
            "Publish the policies and their settings in nodeinfo",
            label="MRF transparency",
        ),
        pairs(
            ":transparency_exclusions",
            "mrf_transparency_exclusions",
            "Instances left out of what is published",
            label="MRF transparency exclusions",
        ),
    ),
    label="MRF",
    extra={"tab": "mrf"},
)


def _mrf(key: str, policy: str, label: str, description: str, children, **kw) -> KeySpec:
    extra = {"tab": "mrf", "related_policy": MRF + policy}
    return KeySpec(P, key, description, children=children, label=label, extra=extra, **kw)


_SIMPLE = (
    (":media_removal", "mrf_simple_media_removal", "Instances whose media is stripped"),
    (":media_nsfw", "mrf_simple_media_nsfw", "Instances whose media is marked sensitive"),
    (
        ":federated_timeline_removal",
        "mrf_simple_federated_timeline_removal",
        "Instances whose public posts are kept off the federated timeline",
    ),
    (":reject", "mrf_simple_reject", "Instances nothing is taken from (blocked)"),
    (":accept", "mrf_simple_accept", "If set, the only instances anything is taken from"),
    (
        ":followers_only",
        "mrf_simple_followers_only",
        "Instances whose posts are made followers-only",
    ),
    (":report_removal", "mrf_simple_report_removal", "Instances whose reports are ignored"),
    (":avatar_removal", "mrf_simple_avatar_removal", "Instances whose avatars are stripped"),
    (":banner_removal", "mrf_simple_banner_removal", "Instances whose banners are stripped"),
    (":reject_deletes", "mrf_simple_reject_deletes", "Instances whose deletes are refused"),
)

MRF_SIMPLE = _mrf(
    ":mrf_simple",
    "SimplePolicy",
    "MRF Simple",
    "Per-instance actions (hosts may be *.example.com)",
    tuple(pairs(key, attr, description) for key, attr, description in _SIMPLE),
)


def _pattern(text: str) -> None:
    """A keyword pattern KeywordPolicy can use, checked even while the policy is off."""
    from pyleroma.activities.mrf.keyword import keyword_pattern
    from pyleroma.settings import SettingsError

    try:
        keyword_pattern("pattern", text)
    except SettingsError as exc:
        raise ConfigError(str(exc).removeprefix("pattern: ")) from exc


def _patterns(key: str, attr: str, description: str) -> Child:
    def write(value, target, scratch):
        patterns = [regex_to_pattern(v) for v in as_texts(value)]
        for pattern in patterns:
            _pattern(pattern)
        setattr(target, attr, patterns)

    return Child(
        key,
        ["list", "string"],
        description,
        read=lambda s: [pattern_to_regex(v) for v in getattr(s, attr)],
        write=write,
        attrs=(attr,),
    )


MRF_KEYWORD = _mrf(
    ":mrf_keyword",
    "KeywordPolicy",
    "MRF Keyword",
    "Refuse, delist or rewrite posts by their words (plain text, or ~r/regex/)",
    (
        _patterns(":reject", "mrf_keyword_reject", "Posts with these are refused"),
        _patterns(
            ":federated_timeline_removal",
            "mrf_keyword_federated_timeline_removal",
            "Public posts with these are kept off the federated timeline",
        ),
        pairs(
            ":replace",
            "mrf_keyword_replace",
            "Patterns and what replaces them",
            placeholders=("pattern", "replacement"),
            convert=regex_to_pattern,
            render=pattern_to_regex,
            check=_pattern,
        ),
    ),
)

MRF_HELLTHREAD = _mrf(
    ":mrf_hellthread",
    "HellthreadPolicy",
    "MRF Hellthread",
    "Posts mentioning many accounts",
    (
        integer(
            ":delist_threshold",
            "mrf_hellthread_delist_threshold",
            "Mentions past which a post is delisted (0: never)",
        ),
        integer(
            ":reject_threshold",
            "mrf_hellthread_reject_threshold",
            "Mentions past which a post is refused (0: never)",
        ),
    ),
)

MRF_OBJECT_AGE = _mrf(
    ":mrf_object_age",
    "ObjectAgePolicy",
    "MRF Object Age",
    "Old posts arriving late",
    (
        integer(":threshold", "mrf_object_age_threshold", "Age in seconds past which it acts"),
        atoms(
            ":actions",
            "mrf_object_age_actions",
            "What is done to such posts",
            ("delist", "strip_followers", "reject"),
        ),
    ),
)

MRF_MENTION = _mrf(
    ":mrf_mention",
    "MentionPolicy",
    "MRF Mention",
    "Posts mentioning some actors",
    (strings(":actors", "mrf_mention_actors", "Actors (ids) whose mention refuses a post"),),
)

MRF_REJECT_NON_PUBLIC = _mrf(
    ":mrf_rejectnonpublic",
    "RejectNonPublic",
    "MRF Reject Non Public",
    "Non-public posts",
    (
        boolean(
            ":allow_followersonly",
            "mrf_rejectnonpublic_allow_followersonly",
            "Take followers-only posts",
        ),
        boolean(":allow_direct", "mrf_rejectnonpublic_allow_direct", "Take direct messages"),
    ),
)


def _allowlist_read(settings: Settings) -> list:
    """Pleroma's map of host to actor ids, given as a list of ``{"tuple": [host, ids]}``
    (what AdminFE's settings pages can read; a map is taken too)."""
    hosts: dict[str, list[str]] = {}
    for ident in settings.mrf_user_allowlist:
        hosts.setdefault(urlsplit(ident).hostname or ident, []).append(ident)
    return [make_tuple(host, ids) for host, ids in hosts.items()]


def _allowlist_write(value: Any, target: Settings, scratch: dict) -> None:
    if isinstance(value, dict) and tuple_items(value) is None:
        lists = list(value.values())
    elif isinstance(value, list) and all(
        (items := tuple_items(item)) is not None and len(items) == 2 for item in value
    ):
        lists = [tuple_items(item)[1] for item in value]
    else:
        raise ConfigError(
            f'expected hosts and their actor ids ([{{"tuple": ["host", [...]]}}]), got {value!r}'
        )
    target.mrf_user_allowlist = [i for ids in lists for i in as_texts(ids)]


MRF_USER_ALLOWLIST = _mrf(
    ":mrf_user_allowlist",
    "UserAllowListPolicy",
    "MRF User Allowlist",
    "From an instance listed here, only the listed actors are heard",
    (),
    whole=Child(
        ":mrf_user_allowlist",
        "map",
        "Instances and the actors (ids) taken from each",
        read=_allowlist_read,
        write=_allowlist_write,
        attrs=("mrf_user_allowlist",),
        suggestions=(make_tuple("example.org", ["https://example.org/users/admin"]),),
    ),
)

MRF_VOCABULARY = _mrf(
    ":mrf_vocabulary",
    "VocabularyPolicy",
    "MRF Vocabulary",
    "Activity and object types",
    (
        strings(":accept", "mrf_vocabulary_accept", "Types taken (empty: all)"),
        strings(":reject", "mrf_vocabulary_reject", "Types refused"),
    ),
)

MRF_STEAL_EMOJI = _mrf(
    ":mrf_steal_emoji",
    "StealEmojiPolicy",
    "MRF Emojis",
    "Copy the custom emoji of remote posts into the local 'stolen' pack",
    (
        strings(":hosts", "mrf_steal_emoji_hosts", "Instances emoji are copied from"),
        strings(
            ":rejected_shortcodes",
            "mrf_steal_emoji_rejected_shortcodes",
            "Shortcodes never copied (~r/regex/ or whole names)",
        ),
        integer(":size_limit", "mrf_steal_emoji_size_limit", "Largest emoji copied, in bytes"),
    ),
)

MRF_INLINE_QUOTE = _mrf(
    ":mrf_inline_quote",
    "InlineQuotePolicy",
    "MRF Inline Quote",
    "Add a quoted post's link to the text of clients that do not show quotes",
    (text(":template", "mrf_inline_quote_template", "The link's text ({url}: the quote)"),),
)


MRF_KEYS = (
    MRF_KEY,
    MRF_SIMPLE,
    MRF_KEYWORD,
    MRF_HELLTHREAD,
    MRF_OBJECT_AGE,
    MRF_MENTION,
    MRF_REJECT_NON_PUBLIC,
    MRF_USER_ALLOWLIST,
    MRF_VOCABULARY,
    MRF_STEAL_EMOJI,
    MRF_INLINE_QUOTE,
)
