"""AntiLinkSpamPolicy: posts with links from remote accounts that have never posted and
have no followers are refused (Pleroma's ``MRF.AntiLinkSpamPolicy``).

Link spam comes from accounts made for it: they have no history here. Pleroma's rule,
with its user fields mapped to our account columns:

- local accounts are never judged;
- a post (Create) whose content has a link is refused when its remote author has no
  posts (``statuses_count``, Pleroma's ``note_count``) and no followers
  (``followers_count``, Pleroma's ``follower_count``) here;
- a link is an ``<a href>`` that is not a mention or a hashtag (class ``mention``,
  ``hashtag`` or ``zrl``, or ``rel`` containing ``tag``): those point into the fediverse;
- a post from an account we do not have is refused (Pleroma refuses when it cannot get
  the user).

Updates pass: the post they change was judged when it arrived. The account's age is not
used (Pleroma does not use it either). Fetched posts pass too, as the Create that would
have brought them.

Both counts are this instance's (posts stored here, followers here), whereas Pleroma by
default reads a remote account's follower total from its followers collection: the rule is
stricter here for an established account whose first post to reach us has a link.
"""

from __future__ import annotations

from html.parser import HTMLParser

from pyleroma.activities.mrf.base import Policy, post_of, reject
from pyleroma.activities.mrf.lookups import sender_of

FEDIVERSE_LINK_CLASSES = frozenset({"mention", "hashtag", "zrl"})


class _LinkFinder(HTMLParser):
    """Stops at the first ``<a href>`` that is not a mention or a hashtag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = False

    def handle_starttag(self, tag, attrs):
        if tag != "a" or self.found:
            return
        values = dict(attrs)
        if "href" not in values:
            return
        classes = set((values.get("class") or "").split())
        rels = set((values.get("rel") or "").split())
        if classes & FEDIVERSE_LINK_CLASSES or "tag" in rels:
            return
        self.found = True

    handle_startendtag = handle_starttag


def contains_links(content: str | None) -> bool:
    """Whether HTML ``content`` links anywhere but to mentions and hashtags."""
    if not content or "<" not in content:
        return False
    finder = _LinkFinder()
    finder.feed(content)
    finder.close()
    return finder.found


class AntiLinkSpamPolicy(Policy):
    name = "AntiLinkSpamPolicy"

    async def filter(self, ctx, activity):
        post = post_of(activity)
        if activity.get("type") != "Create" or post is None:
            return activity
        author = await sender_of(ctx, activity)
        if author is None:
            raise reject(self, f"{activity.get('actor')} is not an account we know")
        if author.local or not contains_links(post.get("content")):
            return activity
        if (author.statuses_count or 0) > 0 or (author.followers_count or 0) > 0:
            return activity
        raise reject(self, f"{author.ap_id} has no posts nor followers, and the post has links")
