"""The settings of the moderation policies applied to what arrives (MRF), kept apart from
settings.py so the policy options, named as Pleroma names them, read as one list.

Names are Pleroma's config keys flattened (``config :pleroma, :mrf_simple, reject: [...]``
is ``mrf_simple_reject``; in TOML also ``[mrf_simple] reject = [...]``). Lists are
comma-separated in the environment. An entry that pairs two things (a host and the reason
it is listed, a keyword pattern and its replacement) is written ``"first => second"``, or in
TOML as a two-element array ``["first", "second"]``. Hosts may be ``*.example.com`` (the
domain and its subdomains); a host without a port matches the host on any port.
See docs/mrf.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class MrfSettings:
    # The policies applied to every remote activity, in order (Pleroma's :mrf, :policies;
    # short names such as "SimplePolicy" or Pleroma's full module names).
    mrf_policies: list[str] = field(default_factory=list)
    # Publish the policies and their configuration in nodeinfo (metadata.federation), and
    # hosts left out of what is published (with an optional reason).
    mrf_transparency: bool = True
    mrf_transparency_exclusions: list[str] = field(default_factory=list)

    # SimplePolicy: per-host actions (hosts, each with an optional reason). ``reject`` is
    # the instance block: nothing is taken from those hosts, nothing is delivered or fetched
    # there, and their accounts' posts leave the timelines.
    mrf_simple_reject: list[str] = field(default_factory=list)
    mrf_simple_accept: list[str] = field(default_factory=list)
    mrf_simple_media_removal: list[str] = field(default_factory=list)
    mrf_simple_media_nsfw: list[str] = field(default_factory=list)
    mrf_simple_federated_timeline_removal: list[str] = field(default_factory=list)
    mrf_simple_followers_only: list[str] = field(default_factory=list)
    mrf_simple_report_removal: list[str] = field(default_factory=list)
    mrf_simple_avatar_removal: list[str] = field(default_factory=list)
    mrf_simple_banner_removal: list[str] = field(default_factory=list)
    mrf_simple_reject_deletes: list[str] = field(default_factory=list)

    # KeywordPolicy: patterns (plain text, or a regular expression written /like this/)
    # that reject a post, take it off the federated timeline, or are replaced.
    mrf_keyword_reject: list[str] = field(default_factory=list)
    mrf_keyword_federated_timeline_removal: list[str] = field(default_factory=list)
    mrf_keyword_replace: list[str] = field(default_factory=list)

    # HellthreadPolicy: a post mentioning more accounts than this is delisted / rejected
    # (0: never).
    mrf_hellthread_delist_threshold: int = 10
    mrf_hellthread_reject_threshold: int = 20

    # ObjectAgePolicy: posts older than this many seconds get these actions
    # ("delist", "strip_followers", "reject").
    mrf_object_age_threshold: int = 7 * 24 * 3600
    mrf_object_age_actions: list[str] = field(default_factory=lambda: ["delist", "strip_followers"])

    # MentionPolicy: posts mentioning these actors (AP ids) are rejected.
    mrf_mention_actors: list[str] = field(default_factory=list)

    # RejectNonPublic: followers-only and direct posts are rejected unless allowed.
    mrf_rejectnonpublic_allow_followersonly: bool = False
    mrf_rejectnonpublic_allow_direct: bool = False

    # UserAllowListPolicy: from a host listed here, only these actors are taken (AP ids);
    # hosts not listed are unaffected.
    mrf_user_allowlist: list[str] = field(default_factory=list)

    # VocabularyPolicy: activity and object types taken (empty: all) and refused.
    mrf_vocabulary_accept: list[str] = field(default_factory=list)
    mrf_vocabulary_reject: list[str] = field(default_factory=list)

    # StealEmojiPolicy: copy the custom emoji of posts from these hosts into the local
    # "stolen" pack, except these shortcodes (as in Pleroma, a plain string is a whole
    # shortcode and /regex/ is searched in it), up to this file size in bytes.
    mrf_steal_emoji_hosts: list[str] = field(default_factory=list)
    mrf_steal_emoji_rejected_shortcodes: list[str] = field(default_factory=list)
    mrf_steal_emoji_size_limit: int = 50_000

    # InlineQuotePolicy: how a quote's link is added to the text of clients that do not
    # show quotes ("{url}" is the quoted post's URL).
    mrf_inline_quote_template: str = "<bdi>RT:</bdi> {url}"

    # AntiLinkSpamPolicy: none. TagPolicy: the mrf_tag:* tags of accounts (admin API).
    # Authorized fetch mode: object and collection GETs need a valid signature from a host
    # that is not blocked (off by default, as in Pleroma and Mastodon).
    authorized_fetch_mode: bool = False
