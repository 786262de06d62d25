"""A verified remote activity, normalised, resolved to rows, through the pipeline.

The receive job calls ``receive`` with the activity's JSON and the account whose signature
it carried. ``normalize_activity`` reads whatever shape the sender uses; this module finds
the rows it names and builds the same ``Activity`` a local action builds, so the handlers
cannot tell the two apart. Containment is enforced here: an activity's actor must be the
signer, and it may only touch what that actor owns (its own follows, favourites, boosts
and blocks; an Accept only of a follow of itself). What names nothing we have (a Like of a
status we never saw, an Undo of something we never stored) is dropped: ``receive``
returns None and nothing is written. The exceptions to "the actor is the signer": a
relay we follow (federation/relay.py), whose activities name posts that are fetched from
their origin (``receive_relayed``), and a Create, Update or Delete another server passed
on (inbox forwarding: ``receive_forwarded`` in federation/forwarding.py, which also takes
only what the origin serves). What its own actor signed is marked so (``mark_delivered``):
only such a reply to one of our posts is forwarded to its author's followers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pyleroma.activities import mrf, pipeline
from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.normalize import PUBLIC, InvalidActivity, normalize_activity
from pyleroma.activities.normalize_limits import Limits
from pyleroma.activities.normalize_objects import ACTOR_TYPES
from pyleroma.activities.policies import Rejected
from pyleroma.federation.fetch_budget import per_activity_fetch_budget
from pyleroma.federation.fetch_posts import get_or_fetch_post
from pyleroma.federation.forwarding import FORWARDED_TYPES, mark_delivered, receive_forwarded
from pyleroma.federation.from_as_note import status_by_uri
from pyleroma.federation.receive_pleroma import (
    answered_join,
    resolve_join,
    resolve_leave,
    resolve_listen,
)
from pyleroma.models import Account, Block, Favourite, Follow, Status, StatusReaction
from pyleroma.policy.visibility import can_see
from pyleroma.services.text.reaction_emoji import custom_shortcode, unicode_emoji


class Refused(Rejected):  # noqa: N818  (a refusal, named for what happened)
    """The activity breaks containment or names an actor that did not sign it (a
    rejection like a policy's: nothing is written)."""


def _ref(value) -> str | None:
    """The id of a normalised reference (a string, or a dict with an id)."""
    if isinstance(value, dict):
        return value.get("id")
    return value if isinstance(value, str) else None


async def _account_by_ap_id(session, ap_id: str | None, *, local: bool | None = None):
    if not ap_id:
        return None
    stmt = select(Account).where(Account.ap_id == ap_id)
    if local is not None:
        stmt = stmt.where(Account.local.is_(local))
    return (await session.execute(stmt)).scalar_one_or_none()


def announce_visibility(activity: dict) -> str:
    """Mastodon's and Pleroma's addressing of a boost, read back."""
    if PUBLIC in activity["to"]:
        return "public"
    if PUBLIC in activity["cc"]:
        return "unlisted"
    return "private"


async def _follow(ctx, actor: Account, data: dict) -> Activity | None:
    target = await _account_by_ap_id(ctx.session, _ref(data["object"]), local=True)
    if target is None or not target.is_active:
        return None
    return Activity("Follow", actor, target, id=data["id"], local=False, raw=data["raw"])


async def _like(ctx, actor: Account, data: dict) -> Activity | None:
    status = await status_by_uri(ctx.session, _ref(data["object"]))
    if status is None or status.reblog_of_id is not None:
        return None
    if not await can_see(ctx.session, actor, status):
        raise Refused("the actor cannot see the status it likes")
    return Activity("Like", actor, status, id=data["id"], local=False, raw=data["raw"])


async def _announce(ctx, actor: Account, data: dict) -> Activity | None:
    """A boost; a post we do not have is fetched from its origin (an embedded copy is not
    trusted: anyone could write one)."""
    status = await get_or_fetch_post(ctx, _ref(data["object"]))
    if status is None or status.reblog_of_id is not None:
        return None
    visibility = announce_visibility(data)
    if status.visibility not in ("public", "unlisted") and status.account_id != actor.id:
        raise Refused("only public and unlisted statuses can be boosted by others")
    return Activity(
        "Announce",
        actor,
        status,
        id=data["id"],
        local=False,
        raw=data["raw"],
        options={"visibility": visibility},
    )


async def _block(ctx, actor: Account, data: dict) -> Activity | None:
    target = await _account_by_ap_id(ctx.session, _ref(data["object"]), local=True)
    if target is None:
        return None
    return Activity("Block", actor, target, id=data["id"], local=False, raw=data["raw"])


async def _answer(ctx, actor: Account, data: dict) -> Activity | None:
    """Accept or Reject: the follow it answers must be a local account's follow of the
    sender, named by the Follow's id or embedded; or a Join of the sender's event
    (``receive_pleroma.answered_join``)."""
    joined = await answered_join(ctx, actor, data)
    if joined is not None:
        return joined
    inner = data["object"]
    follow_id = _ref(inner)
    row = None
    if follow_id:
        row = (
            await ctx.session.execute(select(Follow).where(Follow.activity_id == follow_id))
        ).scalar_one_or_none()
    if row is None and isinstance(inner, dict) and inner.get("type") == "Follow":
        follower = await _account_by_ap_id(ctx.session, _ref(inner.get("actor")), local=True)
        if follower is not None and _ref(inner.get("object")) == actor.ap_id:
            row = (
                await ctx.session.execute(
                    select(Follow).where(
                        Follow.follower_id == follower.id, Follow.followed_id == actor.id
                    )
                )
            ).scalar_one_or_none()
    if row is None:
        return None
    if row.followed_id != actor.id:
        raise Refused(f"{data['type']} of a follow of someone else")
    follower = await ctx.session.get(Account, row.follower_id)
    follow = Activity("Follow", follower, actor, id=row.activity_id, local=True)
    options = {"any_state": True} if data["type"] == "Reject" else {}
    return Activity(
        data["type"], actor, follow, id=data["id"], local=False, raw=data["raw"], options=options
    )


async def _undone(ctx, actor: Account, inner: Any) -> Activity | None:
    """The activity an Undo names, found among the actor's own rows."""
    session = ctx.session
    inner_id = _ref(inner)
    inner_type = inner.get("type") if isinstance(inner, dict) else None
    target_ref = _ref(inner.get("object")) if isinstance(inner, dict) else None
    if isinstance(inner, dict) and _ref(inner.get("actor")) not in (None, actor.ap_id):
        raise Refused("Undo of another actor's activity")

    async def by_id(model, owner_column):
        if not inner_id:
            return None
        return (
            await session.execute(
                select(model).where(model.activity_id == inner_id, owner_column == actor.id)
            )
        ).scalar_one_or_none()

    if inner_type in (None, "Follow"):
        row = await by_id(Follow, Follow.follower_id)
        followed = await session.get(Account, row.followed_id) if row else None
        if followed is None and inner_type == "Follow":
            followed = await _account_by_ap_id(session, target_ref, local=True)
        if followed is not None:
            return Activity("Follow", actor, followed, id=inner_id, local=False)
    if inner_type in (None, "Like", "EmojiReact"):
        reaction = await _undone_reaction(ctx, actor, inner, inner_id, inner_type)
        if reaction is not None:
            return reaction
    if inner_type in (None, "Like"):
        row = await by_id(Favourite, Favourite.account_id)
        status = await session.get(Status, row.status_id) if row else None
        if status is None and inner_type is not None:
            status = await status_by_uri(session, target_ref)
        if status is not None:
            return Activity("Like", actor, status, id=inner_id, local=False)
    if inner_type in (None, "Announce"):
        boost = await status_by_uri(session, inner_id)
        original = None
        if boost is not None and boost.account_id == actor.id and boost.reblog_of_id:
            original = await session.get(Status, boost.reblog_of_id)
        elif inner_type == "Announce":
            original = await status_by_uri(session, target_ref)
        if original is not None:
            return Activity("Announce", actor, original, id=inner_id, local=False)
    if inner_type in (None, "Block"):
        row = await by_id(Block, Block.account_id)
        target = await session.get(Account, row.target_id) if row else None
        if target is None and inner_type == "Block":
            target = await _account_by_ap_id(session, target_ref, local=True)
        if target is not None:
            return Activity("Block", actor, target, id=inner_id, local=False)
    return None


async def _undo(ctx, actor: Account, data: dict) -> Activity | None:
    inner = await _undone(ctx, actor, data["object"])
    if inner is None:
        return None
    return Activity("Undo", actor, inner, id=data["id"], local=False, raw=data["raw"])


# What a Create may bring: posts, Events (a post with an ``events`` row) and ChatMessages
# (activities/handlers/chats.py).
CREATABLE = frozenset(
    {
        "Note", "Article", "Page", "Question", "Answer", "Audio", "Video", "Image", "Event",
        "ChatMessage",
    }
)  # fmt: skip


def _same_host(a: str | None, b: str | None) -> bool:
    from pyleroma.federation.instances import host_of

    return bool(a and b) and host_of(a) == host_of(b)


async def _create(ctx, actor: Account, data: dict) -> Activity | None:
    """A post (Note, Article, Page, Question; an Answer or a named Note is a vote, which
    the handler tells apart). Only the actor's own posts, from the actor's own host."""
    obj = data["object"]
    if not isinstance(obj, dict) or obj.get("type") not in CREATABLE:
        return None
    if obj.get("attributed_to") != actor.ap_id:
        raise Refused(f"the post is attributed to {obj.get('attributed_to')}, not {actor.ap_id}")
    if not _same_host(obj.get("id"), actor.ap_id):
        raise Refused(f"the post {obj.get('id')} is not on the host of its actor")
    if obj.get("type") == "ChatMessage":  # Pleroma's rule: one recipient, named by both
        if set(data["to"]) != set(obj.get("to") or ()):
            raise Refused("the Create and its ChatMessage name different recipients")
        return Activity("Create", actor, obj, id=data["id"], local=False, raw=data["raw"])
    if obj.get("in_reply_to"):  # the thread it answers, fetched when we lack it
        await get_or_fetch_post(ctx, obj["in_reply_to"])
    if obj.get("quote_url"):  # the post it quotes (not that one's thread)
        await get_or_fetch_post(ctx, obj["quote_url"], depth=1)
    return Activity("Create", actor, obj, id=data["id"], local=False, raw=data["raw"])


async def _update(ctx, actor: Account, data: dict) -> Activity | None:
    obj = data["object"]
    if not isinstance(obj, dict):
        return None
    if obj.get("type") in ACTOR_TYPES:
        if obj.get("id") != actor.ap_id:
            raise Refused("an Update of another actor")
        return Activity(
            "Update", actor, actor, id=data["id"], local=False, raw=data["raw"],
            options={"actor": obj},
        )  # fmt: skip
    if obj.get("type") not in CREATABLE:
        return None
    if not _same_host(obj.get("id"), actor.ap_id):
        raise Refused("an Update of a post from another host")
    return Activity("Update", actor, obj, id=data["id"], local=False, raw=data["raw"])


async def _delete(ctx, actor: Account, data: dict) -> Activity | None:
    target = _ref(data["object"])
    if not target:
        return None
    if not _same_host(target, actor.ap_id):
        raise Refused("a Delete of something from another host")
    return Activity("Delete", actor, target, id=data["id"], local=False, raw=data["raw"])


async def _flag(ctx, actor: Account, data: dict) -> Activity | None:
    """A report: the first of our accounts among the ids the Flag names is the one
    reported, and its posts among the others are what it is reported for. A Flag about
    no account of ours names nothing here."""
    ids = data["objects"]
    found = await ctx.session.scalars(
        select(Account).where(Account.ap_id.in_(ids), Account.local.is_(True))
    )
    by_id = {account.ap_id: account for account in found}
    target = next((by_id[ident] for ident in ids if ident in by_id), None)
    if target is None:
        return None
    status_ids = await ctx.session.scalars(
        select(Status.id).where(
            Status.uri.in_(ids), Status.account_id == target.id, Status.reblog_of_id.is_(None)
        )
    )
    options = {"status_ids": list(status_ids), "comment": data["content"] or ""}
    return Activity(
        "Flag", actor, target, id=data["id"], local=False, raw=data["raw"], options=options
    )


async def _featured(ctx, actor: Account, data: dict) -> Activity | None:
    """Add / Remove of a post on the actor's own featured collection (a pin, an unpin):
    only its own collection and its own posts. A post added that we lack is fetched; one
    removed that we lack was never pinned here. Other collections name nothing here."""
    if not actor.featured_url or data["target"] != actor.featured_url:
        return None
    uri = _ref(data["object"])
    if not _same_host(uri, actor.ap_id):
        raise Refused(f"a pin of {uri} is not a post from {actor.ap_id}'s host")
    if data["type"] == "Add":
        status = await get_or_fetch_post(ctx, uri, depth=1)
    else:
        status = await status_by_uri(ctx.session, uri)
    if status is None:
        return None
    if status.account_id != actor.id or status.reblog_of_id is not None:
        raise Refused(f"{uri} is not {actor.ap_id}'s post to pin")
    return Activity(data["type"], actor, status, id=data["id"], local=False, raw=data["raw"])


async def _move(ctx, actor: Account, data: dict) -> Activity | None:
    """A remote account moving to another: only itself (``object`` is the actor, which
    signed it), and only to an account that, fetched afresh, lists the actor among its
    ``alsoKnownAs`` (Pleroma's and Mastodon's proof that both ends are one person), is
    active and has not moved on itself (no chains). The target may be one of ours."""
    from pyleroma.federation.actors import get_or_fetch_actor

    if _ref(data["object"]) != actor.ap_id:
        raise Refused(f"a Move of {_ref(data['object'])}, not of its actor {actor.ap_id}")
    target_id = data["target"]
    if not target_id:
        raise Refused("a Move without a target")
    if target_id == actor.ap_id:
        raise Refused("a Move to the actor itself")
    target = await get_or_fetch_actor(ctx.session, ctx.settings, target_id, refresh=True)
    if actor.ap_id not in (target.also_known_as or []):
        raise Refused(f"{target_id} does not list {actor.ap_id} in alsoKnownAs")
    if not target.is_active or target.moved_to_id is not None:
        raise Refused(f"{target_id} is deactivated or has moved itself")
    return Activity("Move", actor, target, id=data["id"], local=False, raw=data["raw"])


def _reaction_of(data: dict) -> tuple[str, str | None] | None:
    """(emoji, image URL) of a reaction, checked as Pleroma checks it: one fully-qualified
    unicode emoji (qualified here when sent without its variation selectors), or a custom
    ``:shortcode:`` whose http(s) image comes in the activity's own Emoji tag. None for
    anything else (a word, several emoji, a custom emoji without its image)."""
    reaction = data.get("reaction")
    qualified = unicode_emoji(reaction)
    if qualified is not None:
        return qualified, None
    shortcode = custom_shortcode(reaction)
    for emoji in data.get("emojis") or ():
        if shortcode is not None and emoji["shortcode"] == shortcode:
            url = emoji["url"]
            if isinstance(url, str) and url.startswith(("https://", "http://")):
                return shortcode, url
    return None


async def _react(ctx, actor: Account, data: dict) -> Activity | None:
    """An emoji reaction (EmojiReact, or Misskey's reacting Like) to a status the actor may
    see; a bad emoji is refused. One delivered again (its id already stored) is dropped."""
    found = _reaction_of(data)
    if found is None:
        raise Refused(f"{data['reaction']!r:.80} is not an emoji one can react with")
    status = await status_by_uri(ctx.session, _ref(data["object"]))
    if status is None or status.reblog_of_id is not None:
        return None
    if not await can_see(ctx.session, actor, status):
        raise Refused("the actor cannot see the status it reacts to")
    if data["id"] and await ctx.session.scalar(
        select(StatusReaction.id).where(StatusReaction.activity_id == data["id"])
    ):
        return None
    emoji, emoji_url = found
    return Activity(
        "EmojiReact", actor, status, id=data["id"], local=False, raw=data["raw"],
        options={"emoji": emoji, "emoji_url": emoji_url},
    )  # fmt: skip


async def _like_or_react(ctx, actor: Account, data: dict) -> Activity | None:
    """Misskey (and its forks) react with a Like carrying ``_misskey_reaction`` and
    ``content``: such a Like is a reaction (refused when its emoji is bad, as Pleroma
    does). A Like whose ``content`` alone is an emoji is one too; any other Like is a
    favourite."""
    if data.get("misskey_reaction") or _reaction_of(data) is not None:
        return await _react(ctx, actor, data)
    return await _like(ctx, actor, data)


async def _undone_reaction(ctx, actor: Account, inner, inner_id, inner_type):
    """The reaction an Undo names: by its id among the actor's reactions (Pleroma and
    Akkoma send only the id), or embedded (Misskey's Like, an EmojiReact) by its status
    and emoji. An embedded Like names a reaction only when the actor has that one: else
    it is a favourite's Undo."""
    session = ctx.session
    if inner_id:
        row = (
            await session.execute(
                select(StatusReaction).where(
                    StatusReaction.activity_id == inner_id, StatusReaction.account_id == actor.id
                )
            )
        ).scalar_one_or_none()
        status = await session.get(Status, row.status_id) if row else None
        if status is not None:
            options = {"by_id": True, "emoji": row.emoji}
            return Activity("EmojiReact", actor, status, id=inner_id, local=False, options=options)
    if not isinstance(inner, dict):
        return None
    found = _reaction_of(inner)
    if found is None:
        return None
    status = await status_by_uri(session, _ref(inner.get("object")))
    if status is None:
        return None
    if inner_type == "Like" and not await session.scalar(
        select(StatusReaction.id).where(
            StatusReaction.account_id == actor.id,
            StatusReaction.status_id == status.id,
            StatusReaction.emoji == found[0],
        )
    ):
        return None
    options = {"emoji": found[0]}
    return Activity("EmojiReact", actor, status, id=inner_id, local=False, options=options)


_RESOLVERS = {
    "Create": _create,
    "Update": _update,
    "Delete": _delete,
    "Follow": _follow,
    "Like": _like_or_react,
    "EmojiReact": _react,
    "Announce": _announce,
    "Block": _block,
    "Accept": _answer,
    "Reject": _answer,
    "Undo": _undo,
    "Flag": _flag,
    "Add": _featured,
    "Remove": _featured,
    "Move": _move,
    "Listen": resolve_listen,
    "Join": resolve_join,
    "Leave": resolve_leave,
}


async def to_activity(ctx: PipelineContext, actor: Account, data: dict) -> Activity | None:
    """The pipeline's value for a normalised remote activity, or None when it names
    nothing we have or is of a kind we do not take."""
    resolver = _RESOLVERS.get(data["type"])
    if resolver is None:
        return None
    return await resolver(ctx, actor, data)


@per_activity_fetch_budget
async def receive(ctx: PipelineContext, actor: Account, raw: dict, *, commit: bool = True) -> Any:
    """Normalise, check, resolve and run ``raw`` (signed by ``actor``); commits unless told
    not to (the receive job's runner commits).

    Raises ``InvalidActivity`` for unusable JSON, ``Refused`` for containment breaches and
    ``Rejected`` for what an MRF policy refuses (the job gives up on all three); returns
    None when there is nothing to do. Read within the settings' limits on remote input,
    and causing at most ``federation_max_fetches_per_activity`` fetches (fetch_budget.py).
    """
    data = normalize_activity(raw, Limits.from_settings(ctx.settings))
    if (data["actor"] != actor.ap_id or data["type"] == "Announce") and await _is_relay(ctx, actor):
        return await receive_relayed(ctx, actor, data, commit=commit)
    if data["actor"] != actor.ap_id:
        if data["type"] in FORWARDED_TYPES:  # passed on by another server: from the origin
            return await receive_forwarded(ctx, actor, data, commit=commit)
        raise Refused(f"the activity's actor {data['actor']} did not sign it")
    data = await mrf.filter_activity(mrf.MrfContext(ctx.settings, ctx.session, actor), data)
    activity = await to_activity(ctx, actor, data)
    if activity is None:
        return None
    mark_delivered(activity)  # signed by its actor: a reply to our post may be forwarded
    return await pipeline.run(ctx, activity, commit=commit)


async def _is_relay(ctx: PipelineContext, signer: Account) -> bool:
    from pyleroma.federation.relay import is_followed_relay

    return await is_followed_relay(ctx.session, ctx.settings, signer.id)


# What a relay passes on that names a post to take: LitePub relays announce it, Mastodon-style
# relays forward the author's Create (or a boost's Announce) as they received it.
RELAYED_TYPES = frozenset({"Announce", "Create"})


async def receive_relayed(
    ctx: PipelineContext, relay: Account, data: dict, *, commit: bool = True
) -> Status | None:
    """An activity from a relay we follow (``relay`` signed it): the post it names is
    fetched from its origin and stored, so it shows in the federated timeline when it is
    public. Nothing of the relay's copy is trusted: an embedded object could say anything,
    and a forwarded activity's signature is the relay's, not its author's. No boost is
    made: a relay's Announce is transport, not someone sharing a post, so it shows in no
    home timeline. Forwarded Updates, Deletes and the rest are dropped (their authors
    deliver those to the followers that have the post)."""
    uri = _ref(data["object"]) if data["type"] in RELAYED_TYPES else None
    if not uri:
        return None
    status = await get_or_fetch_post(ctx, uri)
    if commit:
        await ctx.session.commit()
    return status


__all__ = [
    "InvalidActivity",
    "Refused",
    "announce_visibility",
    "receive",
    "receive_relayed",
    "to_activity",
]
