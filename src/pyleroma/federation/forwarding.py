"""Inbox forwarding (ActivityPub §7.1.2): a reply to one of our posts, passed on to the
followers of the post's author, and the same passed on to us by another server.

Why: carol (on C) answers alice's post (here). C delivers her reply to alice and to
carol's own followers; alice's followers on other servers never hear of it, so alice's
thread looks different everywhere. The server that has alice's followers is this one, so
it passes carol's activity on, as Mastodon does (``forward_for_reply`` in its Create and
Delete handlers) and as §7.1.2 asks.

Sending (``forward_reply``, called by the remote Create, Update and Delete handlers): the
activity is passed on only when

- it was delivered to us and its signature was its actor's (``mark_delivered``, set by
  federation/receive.py on that path only: never for what we fetched, backfilled or had
  forwarded to us, so nothing is forwarded twice or in a loop);
- it changed something here the first time: a reply stored (a repeated Create finds it
  stored), an edit applied (the same Update again edits nothing), a reply deleted (a
  second Delete finds nothing): the same activity arriving twice is forwarded once;
- the reply is public or unlisted (never a followers-only or direct reply, which Mastodon's
  ``distributable?`` leaves out too), answers a post of a local, active account that is not
  direct or local-only, and is addressed to the public or to that account's followers.

It goes to the remote followers of the post's author (shared inboxes once each), except on
the sender's own host, which has it; unchanged (the JSON as it arrived) and signed by the
author of the post it answers, as Mastodon's ``RawDistributionWorker`` signs it. The
receivers cannot trust the body on our signature: Mastodon takes it only with a Linked
Data signature (which we do not verify or make, so Mastodon drops what we forward), and
Pleroma, Akkoma and we fetch the object from its origin.

Receiving (``receive_forwarded``, from federation/receive.py when the signer is not the
actor): nothing of the body is taken. A Create counts only when the body says it answers a
post we have; the object is then fetched from its own server and stored only when the
fetched copy answers that same post. An Update of a reply we have refetches it (an edit
applied from the origin's copy); a Delete of a reply we have deletes it only when its
server says it is gone. Anything else is dropped, so a forwarder cannot make us store or
fetch what has nothing to do with our threads.
"""

from __future__ import annotations

import logging
from typing import Any

from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.effects import Effects
from pyleroma.activities.normalize_objects import PUBLIC, audience
from pyleroma.models import Account, Status

log = logging.getLogger("pyleroma.federation")

# What is forwarded, and what a server other than the actor may pass on to us.
FORWARDED_TYPES = frozenset({"Create", "Update", "Delete"})
# The option that says an activity came to an inbox signed by its own actor.
DELIVERED = "delivered_by_actor"
# Visibilities of the parent whose author's followers may get the reply.
_FORWARDED_PARENTS = frozenset({"public", "unlisted", "private"})


def mark_delivered(activity: Activity) -> None:
    """Record that ``activity`` arrived at an inbox signed by its actor: only such an
    activity is forwarded (the receiver verified who sent it)."""
    activity.options[DELIVERED] = True


def is_forwardable(data: dict[str, Any]) -> bool:
    """Whether an inbox may take ``data`` (raw JSON) signed by someone other than its actor:
    it is then read by ``receive_forwarded`` alone, which trusts nothing of it. Only what
    can be a forwarded reply: a Create or Update embedding an object that names what it
    answers, or a Delete (whose object is only an id; the job checks it is a reply we
    have). Anything else signed for another actor stays refused (401) at the door."""
    kind = data.get("type")
    if kind == "Delete":
        return True
    obj = data.get("object")
    return kind in ("Create", "Update") and isinstance(obj, dict) and bool(obj.get("inReplyTo"))


def _addressees(raw: dict[str, Any]) -> set[str]:
    """Everyone the activity and its embedded object name in to/cc."""
    found: set[str] = set()
    for doc in (raw, raw.get("object")):
        if isinstance(doc, dict):
            for key in ("to", "cc"):
                found.update(audience(doc.get(key)))
    return found


def _followers_of(account: Account) -> str:
    return account.followers_url or f"{account.ap_id}/followers"


async def forward_reply(
    ctx: PipelineContext, activity: Activity, effects: Effects, status: Status
) -> bool:
    """Pass ``activity`` (a remote Create, Update or Delete of ``status``) on to the
    followers of the local author ``status`` answers, when the rules of the module
    docstring allow; the caller calls this only the first time the activity changed
    something. Returns whether a delivery was added. ``status`` must still be stored (a
    Delete calls this before the rows go)."""
    from pyleroma.federation.instances import host_of

    raw = activity.raw
    if not activity.options.get(DELIVERED) or not isinstance(raw, dict):
        return False
    if activity.local or activity.actor.local:
        return False
    if status.visibility not in ("public", "unlisted") or status.reblog_of_id is not None:
        return False
    if status.in_reply_to_id is None:
        return False
    parent = await ctx.session.get(Status, status.in_reply_to_id)
    if parent is None or not parent.local or parent.reblog_of_id is not None:
        return False
    if parent.visibility not in _FORWARDED_PARENTS:
        return False
    author = await ctx.session.get(Account, parent.account_id)
    if author is None or not author.local or not author.is_active:
        return False
    addressed = _addressees(raw)
    if PUBLIC not in addressed and _followers_of(author) not in addressed:
        return False
    effects.deliver(
        to_followers=True,
        activity=raw,
        actor_id=author.id,
        exclude_hosts=(host_of(activity.actor.ap_id),),
    )
    return True


async def receive_forwarded(
    ctx: PipelineContext, signer: Account, data: dict[str, Any], *, commit: bool = True
) -> Status | bool | None:
    """A Create, Update or Delete (normalised ``data``) that ``signer`` passed on for its
    actor: taken only from the object's origin (see the module docstring). Returns the
    stored reply for a Create, True for an applied Update or Delete, None when dropped."""
    from pyleroma.activities.policies import Rejected
    from pyleroma.federation.fetch_posts import get_or_fetch_post, refresh_post
    from pyleroma.federation.from_as_note import same_host, status_by_uri

    kind, obj = data["type"], data["object"]
    uri = obj.get("id") if isinstance(obj, dict) else obj
    if not isinstance(uri, str) or kind not in FORWARDED_TYPES:
        return None
    if not same_host(uri, data["actor"]):
        raise Rejected(f"forwarded {kind} of {uri[:200]}, not on its actor's host")
    session = ctx.session
    result: Status | bool | None = None
    if kind == "Create":
        claimed = obj.get("in_reply_to") if isinstance(obj, dict) else None
        parent = await status_by_uri(session, claimed) if claimed else None
        if parent is None or await status_by_uri(session, uri) is not None:
            return None

        def answers_parent(note: dict[str, Any]) -> bool:
            return note["in_reply_to"] == parent.uri

        result = await get_or_fetch_post(ctx, uri, depth=1, check=answers_parent)
    else:
        status = await status_by_uri(session, uri)
        if status is None or status.local or status.in_reply_to_uri is None:
            return None
        if kind == "Update":
            result = await refresh_post(ctx, status) or None
        elif await _gone_at_origin(ctx, uri):
            result = await _delete_gone(ctx, status, data)
    if commit:
        await session.commit()
    return result


async def _gone_at_origin(ctx: PipelineContext, uri: str) -> bool:
    """Whether the post's own server says it no longer exists (404, 410, a Tombstone). A
    server that cannot be reached says nothing: the error goes to the job (retried)."""
    from pyleroma.federation.errors import FetchError
    from pyleroma.federation.fetch import fetch_object

    try:
        document = await fetch_object(ctx.settings, uri, session=ctx.session)
    except FetchError as exc:
        if exc.gone:
            return True
        raise
    return document.get("type") == "Tombstone"


async def _delete_gone(ctx: PipelineContext, status: Status, data: dict[str, Any]) -> bool:
    """Remove a post its server says is gone, as a Delete from its author would (without
    the mark of a delivered activity: it is not forwarded again)."""
    from pyleroma.activities import pipeline

    author = await ctx.session.get(Account, status.account_id)
    if author is None:
        return False
    delete = Activity("Delete", author, status.uri, id=data["id"], local=False)
    effects = await pipeline.handle(ctx, delete)
    await pipeline.release_in_transaction(ctx, delete, effects)
    return bool(effects.result)
