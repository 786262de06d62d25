"""NoPlaceholderTextPolicy: the text Mastodon puts in a post that is only pictures
(Pleroma's ``NoPlaceholderTextPolicy``).

Mastodon once refused posts without text, so clients (and bridges) still send "." with
media. A Create or Update whose post has attachments and whose content is only such a
placeholder ("." or ``<p>.</p>``, blanks around it ignored) is taken with empty content,
so the media shows without a stray dot. Pleroma strips the placeholder whenever the post
has an ``attachment`` key, even an empty list; here the post must carry media, since a
post of only "." with nothing else is what its author wrote.
"""

from __future__ import annotations

from typing import Any

from pyleroma.activities.mrf.base import Policy, post_of

PLACEHOLDERS = frozenset({".", "<p>.</p>"})


class NoPlaceholderTextPolicy(Policy):
    name = "NoPlaceholderTextPolicy"

    async def filter(self, ctx, activity):
        post = post_of(activity)
        if post is None or not post.get("attachments"):
            return activity
        content = post.get("content")
        if isinstance(content, str) and content.strip() in PLACEHOLDERS:
            post["content"] = ""
        return activity

    def describe(self) -> dict[str, Any]:
        return {}
