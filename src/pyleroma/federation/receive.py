"""A verified remote activity, normalised, resolved to rows, through the pipeline.

The receive job calls ``receive`` with the activity's JSON and the account whose signature
it carried. ``normalize_activity`` reads whatever shape the sender uses; this module finds
the rows it names and builds the same ``Activity`` a local action builds, so the handlers
cannot tell the two apart. Containment is enforced here: an activity's actor must be the
signer, and it may only touch what that actor owns (its own follows, favourites, boosts
and blocks; an Accept only of a follow of itself). What names nothing we have (a Like of a
status we never saw, an Undo of something we never stored) is dropped: ``receive``
returns None and nothing is written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pyleroma.activities import pipeline
from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.normalize import PUBLIC, InvalidActivity, normalize_activity
from pyleroma.activities.normalize_objects import ACTOR_TYPES
from pyleroma.activities.policies import Rejected
from pyleroma.federation.fetch_posts import get_or_fetch_post
from pyleroma.federation.from_as_note import status_by_uri
from pyleroma.models import Account, Block, Favourite, Follow, Status
from pyleroma.policy.visibility import can_see


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
    sender, named by the Follow's id or embedded."""
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


# Posts this part takes (Events and ChatMessages come with federation part 2).
CREATABLE = frozenset({"Note", "Article", "Page", "Question", "Answer", "Audio", "Video", "Image"})


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


_RESOLVERS = {
    "Create": _create,
    "Update": _update,
    "Delete": _delete,
    "Follow": _follow,
    "Like": _like,
    "Announce": _announce,
    "Block": _block,
    "Accept": _answer,
    "Reject": _answer,
    "Undo": _undo,
    "Flag": _flag,
    "Add": _featured,
    "Remove": _featured,
}


async def to_activity(ctx: PipelineContext, actor: Account, data: dict) -> Activity | None:
    """The pipeline's value for a normalised remote activity, or None when it names
    nothing we have or is of a kind we do not take."""
    resolver = _RESOLVERS.get(data["type"])
    if resolver is None:
        return None
    return await resolver(ctx, actor, data)


async def receive(ctx: PipelineContext, actor: Account, raw: dict, *, commit: bool = True) -> Any:
    """Normalise, check, resolve and run ``raw`` (signed by ``actor``); commits unless told
    not to (the receive job's runner commits).

    Raises ``InvalidActivity`` for unusable JSON and ``Refused`` for containment breaches
    (the job gives up on both); returns None when there is nothing to do.
    """
    data = normalize_activity(raw)
    if data["actor"] != actor.ap_id:
        raise Refused(f"the activity's actor {data['actor']} did not sign it")
    activity = await to_activity(ctx, actor, data)
    if activity is None:
        return None
    return await pipeline.run(ctx, activity, commit=commit)


__all__ = ["InvalidActivity", "Refused", "announce_visibility", "receive", "to_activity"]
