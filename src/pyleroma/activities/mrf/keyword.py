"""KeywordPolicy: refuse, delist or rewrite posts by the words in them (Pleroma's
``:mrf_keyword``).

Patterns are plain text (matched case-insensitively) or ``/regular expressions/``
(``base.compile_pattern``). A post is read as Pleroma reads it: its content, its summary
(content warning), its name (an Article's title) and, here also, its poll's option titles,
so a poll cannot carry what a post may not. ``reject`` refuses a Create or Update that
matches; ``federated_timeline_removal`` delists a public Create that matches (as in
Pleroma, an Update never changes the addressing of a post already taken);
``replace`` (``"pattern => replacement"``, a lone pattern is replaced by nothing) rewrites
the content, summary and name of Creates and Updates. Option titles are read but never
rewritten: votes name the option they choose by its title, and a rewritten title would
no longer match them.

A post without content is left alone, as Pleroma does: that is how Mastodon sends a vote
(a Note with only a ``name``, the chosen option's title), and a vote for an option of one of
our own polls must not be refused for the words our own user wrote.

Patterns that match the empty text (``//``, ``/a*/``) would match every post; they are
refused at start-up, as are regular expressions that do not compile.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pyleroma.activities.mrf.base import (
    Policy,
    compile_pattern,
    delist,
    post_of,
    reject,
    split_pair,
)
from pyleroma.settings import SettingsError

# What replacement rewrites (Pleroma's fields); option titles are only read.
REWRITTEN = ("content", "summary", "name")


def keyword_pattern(setting: str, text: str) -> re.Pattern[str]:
    """A configured pattern, compiled; ``SettingsError`` when it is empty, does not compile
    or matches the empty text (it would then match every post)."""
    text = text.strip()
    if not text:
        raise SettingsError(f"{setting}: an empty pattern would match every post")
    try:
        pattern = compile_pattern(text)
    except re.error as exc:
        raise SettingsError(
            f"{setting}: {text!r} is not a valid regular expression: {exc}"
        ) from exc
    if pattern.search("") is not None:
        raise SettingsError(f"{setting}: {text!r} matches the empty text, so every post")
    return pattern


def _is_regex(text: str, pattern: re.Pattern[str]) -> bool:
    return pattern.pattern != re.escape(text.strip())


class KeywordPolicy(Policy):
    name = "KeywordPolicy"

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.reject_texts = [t.strip() for t in settings.mrf_keyword_reject]
        self.reject_patterns = [
            keyword_pattern("mrf_keyword_reject", t) for t in settings.mrf_keyword_reject
        ]
        self.ftl_texts = [t.strip() for t in settings.mrf_keyword_federated_timeline_removal]
        self.ftl_patterns = [
            keyword_pattern("mrf_keyword_federated_timeline_removal", t)
            for t in settings.mrf_keyword_federated_timeline_removal
        ]
        self.replacements: list[tuple[str, str, Callable[[str], str]]] = []
        for entry in settings.mrf_keyword_replace:
            text, replacement = split_pair(entry)
            pattern = keyword_pattern("mrf_keyword_replace", text)
            self.replacements.append((text, replacement, _replacer(text, pattern, replacement)))

    async def filter(self, ctx, activity):
        kind = activity.get("type")
        post = post_of(activity)
        if post is None or not isinstance(post.get("content"), str):
            return activity
        payload = _payload(post)
        for text, pattern in zip(self.reject_texts, self.reject_patterns, strict=True):
            if pattern.search(payload):
                raise reject(self, f"matches the rejected keyword {text!r}")
        if kind == "Create" and any(pattern.search(payload) for pattern in self.ftl_patterns):
            delist(activity)
        if self.replacements:
            for key in REWRITTEN:
                value = post.get(key)
                if isinstance(value, str):
                    for _, _, replace in self.replacements:
                        value = replace(value)
                    post[key] = value
        return activity

    def describe(self) -> dict[str, Any]:
        return {
            "mrf_keyword": {
                "reject": list(self.reject_texts),
                "federated_timeline_removal": list(self.ftl_texts),
                "replace": [
                    {"pattern": text, "replacement": replacement}
                    for text, replacement, _ in self.replacements
                ],
            }
        }


def _payload(post: dict[str, Any]) -> str:
    """Everything a keyword is looked for in, one field a line (Pleroma joins them so)."""
    parts = [post.get(key) for key in ("content", "summary", "name")]
    poll = post.get("poll")
    if isinstance(poll, dict):
        parts.extend(option.get("title") for option in poll.get("options") or [])
    return "\n".join(part for part in parts if isinstance(part, str) and part)


def _replacer(text: str, pattern: re.Pattern[str], replacement: str) -> Callable[[str], str]:
    """Plain text is replaced by the replacement as written; a regular expression's
    replacement may name its groups (``\\1``, ``\\g<name>``), checked here at start-up."""
    if not _is_regex(text, pattern):
        return lambda value: pattern.sub(lambda _match: replacement, value)
    try:
        pattern.sub(replacement, "")  # the template is parsed even without a match
    except (re.error, IndexError) as exc:
        raise SettingsError(
            f"mrf_keyword_replace: bad replacement {replacement!r} for {text!r}: {exc}"
        ) from exc
    return lambda value: pattern.sub(replacement, value)
