"""``build_*``: a local action as an ``Activity`` for ``pipeline.run``.

Each mints the id of the row the activity will create (``row_id``) and, from it, the
activity's AP id (``/activities/<row_id>``), so the id is known before the handler runs.
Undo, Accept and Reject wrap the activity they name; its AP id is filled in by the
handler from the row it finds (``/activities/<id>`` for rows made before ids were stored).
"""

from __future__ import annotations

from pyleroma.activities.activity import Activity
from pyleroma.db.ids import new_id
from pyleroma.models import Account, Status
from pyleroma.settings import Settings
from pyleroma.urls import activity_uri, status_uri


def _new(settings: Settings, type_: str, actor: Account, obj, **options) -> Activity:
    row_id = new_id()
    return Activity(
        type=type_,
        actor=actor,
        object=obj,
        id=activity_uri(settings, row_id),
        row_id=row_id,
        options=options,
    )


def build_like(settings: Settings, actor: Account, status: Status) -> Activity:
    return _new(settings, "Like", actor, status)


def build_announce(
    settings: Settings, actor: Account, original: Status, visibility: str
) -> Activity:
    return _new(settings, "Announce", actor, original, visibility=visibility)


def build_follow(
    settings: Settings,
    follower: Account,
    followed: Account,
    *,
    reblogs: bool | None = None,
    notify: bool | None = None,
) -> Activity:
    return _new(settings, "Follow", follower, followed, reblogs=reblogs, notify=notify)


def build_block(settings: Settings, blocker: Account, target: Account) -> Activity:
    return _new(settings, "Block", blocker, target)


def build_undo(settings: Settings, actor: Account, inner: Activity) -> Activity:
    return _new(settings, "Undo", actor, inner)


def follow_of(follower: Account, followed: Account) -> Activity:
    """An existing follow, named by an Accept, Reject or Undo (its id found by the handler)."""
    return Activity(type="Follow", actor=follower, object=followed)


def build_accept(settings: Settings, followed: Account, follower: Account) -> Activity:
    return _new(settings, "Accept", followed, follow_of(follower, followed))


def build_reject(
    settings: Settings, followed: Account, follower: Account, *, any_state: bool = False
) -> Activity:
    """Refuse a request; with ``any_state`` also end an accepted follow (remove a follower)."""
    return _new(settings, "Reject", followed, follow_of(follower, followed), any_state=any_state)


def build_create(
    settings: Settings, author: Account, checked, *, app=None, created_at=None
) -> Activity:
    """A new post: ``checked`` is the validated draft (services/statuses/posting.py); its
    id (``<object>/activity``) is known once the handler has written the status."""
    return Activity("Create", author, checked, options={"app": app, "created_at": created_at})


def build_update(settings: Settings, author: Account, status: Status, plan) -> Activity:
    """An edit of a post: ``plan`` is the checked edit (services/statuses/status_edit.py)."""
    return Activity("Update", author, status, options={"plan": plan})


def build_vote(settings: Settings, voter: Account, poll, choices: list[int]) -> Activity:
    """Votes in a poll (``poll`` the Poll row, checked and locked by the caller)."""
    return Activity("Vote", voter, poll, options={"choices": list(choices)})


def build_update_actor(settings: Settings, account: Account, changes: dict) -> Activity:
    """A profile change: ``changes`` maps Account columns to their new values."""
    return Activity("Update", account, account, options={"changes": changes})


def build_delete(settings: Settings, actor: Account, status: Status) -> Activity:
    """Delete a post (its author, staff, or the expiry job acting for the author)."""
    return Activity("Delete", actor, status, id=f"{status_uri(settings, status)}#delete")


def build_undo_of(settings: Settings, type_: str, actor: Account, obj) -> Activity:
    """Undo ``actor``'s ``type_`` (Like, Announce, Follow, Block) of ``obj``."""
    return build_undo(settings, actor, Activity(type=type_, actor=actor, object=obj))


def build_emoji_react(
    settings: Settings, actor: Account, status: Status, emoji: str, emoji_url: str | None = None
) -> Activity:
    """React to ``status`` with ``emoji`` (checked: a fully-qualified unicode emoji, or a
    custom emoji's shortcode with its image URL in ``emoji_url``)."""
    return _new(settings, "EmojiReact", actor, status, emoji=emoji, emoji_url=emoji_url)


def build_undo_emoji_react(settings: Settings, actor: Account, status: Status, emoji: str):
    """Undo ``actor``'s reaction with ``emoji`` to ``status`` (its id and image are filled
    in by the handler from the row it removes)."""
    reaction = Activity(type="EmojiReact", actor=actor, object=status, options={"emoji": emoji})
    return build_undo(settings, actor, reaction)


def build_flag(
    settings: Settings,
    reporter: Account,
    target: Account,
    *,
    status_ids: list[int],
    comment: str,
    category: str,
    forward: bool,
) -> Activity:
    """A local report (checked by services/moderation/reports.py): ``row_id`` is the
    report's id, so the Flag it is sent as (with ``forward``, to a remote account's server)
    is ``/activities/<report id>``, found again from the report row alone."""
    return _new(
        settings,
        "Flag",
        reporter,
        target,
        status_ids=list(status_ids),
        comment=comment,
        category=category,
        forward=bool(forward),
    )
