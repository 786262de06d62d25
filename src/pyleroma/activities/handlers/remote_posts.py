"""Remote posts: the Create, Update and Delete of a Note (Article, Page, Question...) that
another server sends, and the poll votes that arrive as Creates.

Each handler takes an ``Activity`` the receive job built (``local`` False, ``actor`` the
resolved remote Account, ``raw`` the JSON) and writes the same rows posting, editing and
deleting write for a local status, so the client API, the timelines and the streams cannot
tell a remote status from a local one but by its ``local`` flag:

- ``handle_remote_create``: ``object`` is the note normalised by ``normalize_object``. The
  status with its mentions, hashtags, media (their remote URLs), poll, counters (the
  author's, the parent's replies, the quoted post's quotes), the replies that arrived
  before it (they named it by ``in_reply_to_uri``), mention notifications, the direct
  conversation and the home fan-out job ("status" notifications for subscribed followers,
  lists, streams and web push come from that job, as for a local post). A Create that
  answers a poll of ours (``is_vote``) is a vote: ``handle_remote_vote``. A post a
  backfill fetched (``options["backfill"]``, federation/backfill.py) and published before
  ``backfill_realtime_window_seconds`` is stored without mention notifications, direct
  conversation and home fan-out: it is history, not news.
- ``handle_remote_update_note``: ``object`` is the note again; an edit keeps the previous
  version as a ``StatusEdit``, as local edits do, and tells those who boosted it.
- ``handle_remote_delete`` (remote_deletes.py): ``object`` is the deleted object's id.

Refusals raise ``Rejected`` (nothing is written): the note's author is not the actor, the
note's id is on another host than the actor's (containment), or the status belongs to
someone else. A Create of a note we have already is idempotent (``result`` is the stored
status, no second set of effects); an Update older than the version we have is ignored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, delete, or_, select, update

from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.effects import Effects
from pyleroma.activities.handlers.remote_deletes import handle_remote_delete
from pyleroma.activities.normalize_objects import InvalidActivity
from pyleroma.activities.policies import Rejected
from pyleroma.db.base import utcnow
from pyleroma.db.ids import new_id
from pyleroma.db.upsert import insert_or_ignore
from pyleroma.federation.forwarding import forward_reply
from pyleroma.federation.from_as_note import (
    PreparedMedia,
    PreparedPoll,
    PreparedStatus,
    note_to_status_values,
    parse_time,
    same_host,
    status_by_uri,
)
from pyleroma.models import (
    Account,
    MediaAttachment,
    Poll,
    PollVote,
    Status,
    StatusMention,
    StatusTag,
)
from pyleroma.policy.visibility import can_see, open_to_everyone
from pyleroma.services.cards.cards import link_status
from pyleroma.services.notifications.notifications import create_notification
from pyleroma.services.statuses.polls import POLL_END_JOB, schedule_tally_update
from pyleroma.services.statuses.posting import hashtag_ids
from pyleroma.services.statuses.status_edit import (
    keep_version,
    notify_edited,
    status_media,
    sync_mentions,
)
from pyleroma.services.timelines.direct_conversations import bump_for_status
from pyleroma.services.timelines.home_fanout import FANOUT_JOB

__all__ = [
    "HANDLERS",
    "handle_remote_create",
    "handle_remote_delete",
    "handle_remote_update",
    "handle_remote_update_note",
    "handle_remote_vote",
    "is_vote",
    "store_remote_post",
]

# What a vote may be sent as: Mastodon, Misskey and GoToSocial send a Note, Pleroma and
# Akkoma an Answer (older Pleroma a Note too).
_VOTE_TYPES = ("Note", "Answer")


# --- checks ------------------------------------------------------------------------------


def _note_of(activity: Activity) -> dict[str, Any]:
    note = activity.object
    if not isinstance(note, dict) or "attributed_to" not in note:
        raise InvalidActivity(f"{activity.type} needs the object itself, normalised")
    return note


def check_authorship(activity: Activity, note: dict[str, Any]) -> None:
    """The actor wrote the note and the note lives on the actor's server (containment)."""
    actor = activity.actor
    if activity.local or actor.local:
        raise Rejected("remote posts come from remote actors")
    if not actor.is_active:
        raise Rejected(f"{actor.ap_id} is deactivated")
    if note["attributed_to"] != actor.ap_id:
        raise Rejected(f"{note['id']} is attributed to {note['attributed_to']}, not the actor")
    if not same_host(note["id"], actor.ap_id):
        raise Rejected(f"{note['id']} is not on the host of its actor {actor.ap_id}")


def is_vote(note: dict[str, Any], stored_question: Status | None) -> bool:
    """Whether ``note`` is a vote in ``stored_question`` (the status its ``inReplyTo``
    names): a Note or Answer with a ``name`` (the option) and no content, replying to a
    status with a poll."""
    return (
        stored_question is not None
        and stored_question.has_poll
        and stored_question.reblog_of_id is None
        and note["type"] in _VOTE_TYPES
        and bool(note["name"])
        and not (note["content"] or "").strip()
        and note["in_reply_to"] == stored_question.uri
    )


# --- writing the parts of a status ------------------------------------------------------


def _media_row(author_id: int, status_id: int, position: int, item: PreparedMedia):
    values = item.row_values()
    return MediaAttachment(
        id=new_id(), account_id=author_id, status_id=status_id, position=position, **values
    )


async def _add_tags(session, status_id: int, names: list[str]) -> None:
    for hashtag_id in await hashtag_ids(session, names):
        session.add(StatusTag(status_id=status_id, hashtag_id=hashtag_id))


async def _create_poll(
    session, status: Status, spec: PreparedPoll, unique: str, effects: Effects
) -> Poll:
    """The poll row; its end is a "poll.end" job (local voters of a remote poll are told
    when it ends, as the author and voters of a local one)."""
    poll = Poll(
        id=new_id(),
        status_id=status.id,
        account_id=status.account_id,
        options=spec.options,
        multiple=spec.multiple,
        hide_totals=spec.hide_totals,
        expires_at=spec.expires_at,
        votes_count=spec.votes_count,
        voters_count=spec.voters_count,
        # An ended poll has nothing left to announce.
        ended_notified=spec.expires_at is not None and spec.expires_at <= utcnow(),
    )
    session.add(poll)
    await session.flush()
    _schedule_poll_end(effects, poll, unique)
    return poll


def _schedule_poll_end(effects: Effects, poll: Poll, unique: str) -> None:
    if poll.expires_at is not None and poll.expires_at > utcnow():
        effects.job(
            POLL_END_JOB,
            {"poll_id": poll.id},
            run_at=poll.expires_at,
            unique_key=f"{POLL_END_JOB}:{poll.id}{unique}",
        )


async def _notify_mentioned(
    ctx: PipelineContext, effects: Effects, status: Status, accounts: list[Account]
) -> None:
    """Mention notifications for the local accounts among ``accounts`` (the rules of
    ``create_notification`` decide: blocks, mutes, strangers, who may see the status)."""
    for account in accounts:
        if account.local:
            notification = await create_notification(
                ctx.session, account, status.account_id, "mention", status
            )
            effects.notified(notification)


async def _adopt_replies(session, status: Status) -> None:
    """Replies stored before ``status`` (naming it by ``in_reply_to_uri`` only) become its
    replies: linked, counted, and their threads joined to its thread."""
    rows = (
        await session.execute(
            select(Status.id, Status.visibility, Status.conversation_id).where(
                Status.in_reply_to_uri == status.uri,
                Status.in_reply_to_id.is_(None),
                Status.id != status.id,
            )
        )
    ).all()
    if not rows:
        return
    await session.execute(
        update(Status)
        .where(Status.id.in_([row.id for row in rows]))
        .values(in_reply_to_id=status.id, in_reply_to_account_id=status.account_id)
        .execution_options(synchronize_session=False)
    )
    counted = sum(1 for row in rows if open_to_everyone(row.visibility))
    if counted:
        await session.execute(
            update(Status)
            .where(Status.id == status.id)
            .values(replies_count=Status.replies_count + counted)
        )
    threads = {row.conversation_id for row in rows} - {None, status.conversation_id}
    if threads:
        # The orphans started threads of their own (no shared context told us better).
        await session.execute(
            update(Status)
            .where(Status.conversation_id.in_(threads))
            .values(conversation_id=status.conversation_id)
            .execution_options(synchronize_session=False)
        )


# --- Create ------------------------------------------------------------------------------


async def _insert_status(
    ctx: PipelineContext, activity: Activity, prepared: PreparedStatus
) -> tuple[Status, bool]:
    """The status row, inserted unless a concurrent delivery stored the same note first:
    (the row, whether this call inserted it)."""
    status_id = activity.row_id or new_id()
    values = dict(prepared.values, id=status_id)
    values["conversation_id"] = values["conversation_id"] or status_id
    inserted = await insert_or_ignore(ctx.session, Status, values, ("uri",))
    if inserted:
        status = await ctx.session.get(Status, status_id)
    else:
        status = await status_by_uri(ctx.session, values["uri"])
    assert status is not None
    return status, inserted


async def handle_remote_create(ctx: PipelineContext, activity: Activity) -> Effects:
    """A remote Create: a ChatMessage or an Event goes to its own handler (chats.py,
    events.py), anything else is a post (``store_remote_post``)."""
    from pyleroma.activities.handlers import chats, events

    kind = activity.object.get("type") if isinstance(activity.object, dict) else None
    if kind == "ChatMessage":
        return await chats.handle_remote_chat_message(ctx, activity)
    if kind == "Event":
        return await events.handle_remote_event(ctx, activity)
    return await store_remote_post(ctx, activity)


async def store_remote_post(ctx: PipelineContext, activity: Activity) -> Effects:
    """Store a remote post (or count a vote); ``result`` is the Status (the Poll for a vote,
    None for a vote in a poll that is not ours)."""
    session, author = ctx.session, activity.actor
    note = _note_of(activity)
    check_authorship(activity, note)
    parent = await status_by_uri(session, note["in_reply_to"])
    if note["type"] == "Answer" or is_vote(note, parent):
        return await handle_remote_vote(ctx, activity)
    if note["type"] == "Tombstone":
        raise InvalidActivity("a Create of a Tombstone")
    effects = Effects()
    existing = await status_by_uri(session, note["id"])
    if existing is not None:
        if existing.account_id != author.id:
            raise Rejected(f"{note['id']} is stored as another account's status")
        effects.result = existing
        return effects

    prepared = await note_to_status_values(session, ctx.settings, author, note)
    status, inserted = await _insert_status(ctx, activity, prepared)
    effects.result = status
    if not inserted:
        return effects

    for account in prepared.mentions:
        session.add(StatusMention(status_id=status.id, account_id=account.id, silent=False))
    for account in prepared.addressed:
        session.add(StatusMention(status_id=status.id, account_id=account.id, silent=True))
    await _add_tags(session, status.id, prepared.hashtags)
    for position, item in enumerate(prepared.media):
        session.add(_media_row(author.id, status.id, position, item))
    if prepared.poll is not None:
        await _create_poll(session, status, prepared.poll, "", effects)

    created_at = status.created_at
    await session.execute(
        update(Account)
        .where(Account.id == author.id)
        .values(
            statuses_count=Account.statuses_count + 1,
            last_status_at=case(
                (
                    or_(Account.last_status_at.is_(None), Account.last_status_at < created_at),
                    created_at,
                ),
                else_=Account.last_status_at,
            ),
        )
        .execution_options(synchronize_session=False)
    )
    if prepared.parent is not None and open_to_everyone(status.visibility):
        await session.execute(
            update(Status)
            .where(Status.id == prepared.parent.id)
            .values(replies_count=Status.replies_count + 1)
        )
    if prepared.quote is not None:
        await session.execute(
            update(Status)
            .where(Status.id == prepared.quote.id)
            .values(quotes_count=Status.quotes_count + 1)
        )
    await _adopt_replies(session, status)
    await session.flush()
    # A reply to one of our posts goes on to its author's followers (once: only when
    # stored now).
    await forward_reply(ctx, activity, effects, status)

    if _backfilled_old(ctx, activity, status):
        # An old post a backfill fetched: stored silently (no mention notifications, no
        # home timelines), as Mastodon stores fetched posts outside its real-time window.
        return effects
    await _notify_mentioned(ctx, effects, status, prepared.recipients)
    # Pleroma's direct conversations: the local recipients' participations.
    await bump_for_status(session, status, author, prepared.recipients, effects)
    effects.job(FANOUT_JOB, {"status_id": status.id})
    await link_status(session, ctx.settings, status, effects)
    return effects


def _backfilled_old(ctx: PipelineContext, activity: Activity, status: Status) -> bool:
    """A post fetched by a backfill (federation/backfill.py, ``options["backfill"]``) and
    published before ``backfill_realtime_window_seconds``."""
    if not activity.options.get("backfill") or status.created_at is None:
        return False
    window = dt.timedelta(seconds=ctx.settings.backfill_realtime_window_seconds)
    return status.created_at < utcnow() - window


# --- votes -------------------------------------------------------------------------------


async def handle_remote_vote(ctx: PipelineContext, activity: Activity) -> Effects:
    """Count a remote vote in one of our polls, as poll_votes.vote counts a local one.

    ``object`` is the vote, a Note or Answer whose ``name`` is the chosen option and whose
    ``inReplyTo`` is the poll's status. A multiple-choice vote comes as one Create per
    choice. Refused: a poll we do not know, an option it does not have, an ended poll, the
    poll's author, a voter who may not see the poll, a second choice in a single-choice
    poll. The same choice delivered again changes nothing (the same vote, retried).
    ``result`` is the Poll; None for a vote in a remote poll (its own server counts it).
    """
    session, voter = ctx.session, activity.actor
    note = _note_of(activity)
    check_authorship(activity, note)
    effects = Effects()
    question = await status_by_uri(session, note["in_reply_to"])
    if question is None or not question.has_poll or question.reblog_of_id is not None:
        raise Rejected(f"{note['id']} answers no poll we know")
    if not question.local:
        return effects
    if not note["name"]:
        raise Rejected("the vote names no option")
    if question.visibility == "local" or not await can_see(session, voter, question):
        raise Rejected("the voter cannot see the poll")
    # The lock of poll_votes.vote: concurrent voters queue on the poll row.
    await session.execute(
        update(Poll)
        .where(Poll.status_id == question.id)
        .values(votes_count=Poll.votes_count)
        .execution_options(synchronize_session=False)
    )
    poll = (
        await session.execute(
            select(Poll)
            .where(Poll.status_id == question.id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if poll is None:
        raise Rejected(f"{note['id']} answers no poll we know")
    titles = [option["title"] for option in poll.options]
    if note["name"] not in titles:
        raise Rejected(f"the poll has no option {note['name'][:100]!r}")
    index = titles.index(note["name"])
    if poll.expires_at is not None and poll.expires_at <= utcnow():
        raise Rejected("The poll has already ended")
    if poll.account_id == voter.id:
        raise Rejected("Poll's author can't vote")
    chosen = set(
        (
            await session.execute(
                select(PollVote.choice).where(
                    PollVote.poll_id == poll.id, PollVote.account_id == voter.id
                )
            )
        ).scalars()
    )
    effects.result = poll
    if index in chosen:
        return effects
    if chosen and not poll.multiple:
        raise Rejected("Already voted")
    inserted = await insert_or_ignore(
        session,
        PollVote,
        {"id": new_id(), "poll_id": poll.id, "account_id": voter.id, "choice": index},
        ("poll_id", "account_id", "choice"),
    )
    if not inserted:
        return effects
    options = [dict(option) for option in poll.options]
    options[index]["votes_count"] = options[index].get("votes_count", 0) + 1
    poll.options = options
    poll.votes_count = poll.votes_count + 1
    if not chosen:
        poll.voters_count = poll.voters_count + 1
    await session.flush()
    schedule_tally_update(effects, poll.id, ctx.settings.poll_update_delay)
    return effects


# --- Update ------------------------------------------------------------------------------


def _poll_action(poll: Poll | None, new: PreparedPoll | None) -> str:
    """keep | remove | create | reset (other choices: the votes go) | counts."""
    if new is None:
        return "remove" if poll is not None else "keep"
    if poll is None:
        return "create"
    if [option["title"] for option in poll.options] != new.titles:
        return "reset"
    return "reset" if poll.multiple != new.multiple else "counts"


def _media_changed(old: list[MediaAttachment], new: list[PreparedMedia]) -> bool:
    return [(m.remote_url, m.description) for m in old] != [
        (m.remote_url, m.description) for m in new
    ]


async def _apply_media(session, status: Status, old, new: list[PreparedMedia]) -> None:
    """Media the edit keeps (same URL) stay the same rows; new ones are added; dropped
    ones are detached (the edit history still names them, as local edits leave them)."""
    by_url: dict[str, MediaAttachment] = {}
    for row in old:
        by_url.setdefault(row.remote_url or "", row)
    for position, item in enumerate(new):
        row = by_url.pop(item.remote_url, None)
        if row is None:
            session.add(_media_row(status.account_id, status.id, position, item))
            continue
        for key, value in item.row_values().items():
            setattr(row, key, value)
        row.position = position
    for row in by_url.values():
        row.status_id = None


async def _apply_poll(
    session, status: Status, poll, action: str, new, edit_id: int, effects: Effects
):
    if action == "remove" and poll is not None:
        await session.delete(poll)
    elif action == "create" and new is not None:
        await _create_poll(session, status, new, "", effects)
    elif action in ("reset", "counts") and new is not None and poll is not None:
        if action == "reset":
            await session.execute(delete(PollVote).where(PollVote.poll_id == poll.id))
        moved = poll.expires_at != new.expires_at
        poll.options = new.options
        poll.multiple = new.multiple
        poll.hide_totals = new.hide_totals
        poll.votes_count = new.votes_count
        poll.voters_count = new.voters_count
        poll.expires_at = new.expires_at
        if moved:
            poll.ended_notified = new.expires_at is not None and new.expires_at <= utcnow()
            _schedule_poll_end(effects, poll, f":{edit_id}")


async def handle_remote_update_note(ctx: PipelineContext, activity: Activity) -> Effects:
    """Apply a remote edit of a status we have (``object``: the note, normalised).

    Only its author may (containment as for a Create). A note we do not have is no edit
    (``result`` None). An ``updated`` older than our version's ``edited_at`` is a late
    delivery and is ignored. A change of content, content warning, sensitivity, media or
    poll choices is an edit: the previous version becomes a ``StatusEdit``, ``edited_at``
    is the note's ``updated`` (else now), those who boosted it get an ``update``
    notification and streams a ``status.update``. New vote counts alone (Mastodon's Update
    of a Question) only refresh the poll. Visibility, the reply and the quote never change.
    """
    session, author = ctx.session, activity.actor
    note = _note_of(activity)
    check_authorship(activity, note)
    effects = Effects()
    status = await status_by_uri(session, note["id"])
    if status is None:
        return effects
    if status.account_id != author.id or status.reblog_of_id is not None:
        raise Rejected(f"{note['id']} is not {author.ap_id}'s to update")
    effects.result = status
    now = utcnow()
    updated = parse_time(note["updated"], now=now)
    if updated is not None and status.edited_at is not None and updated < status.edited_at:
        return effects

    prepared = await note_to_status_values(session, ctx.settings, author, note)
    new = prepared.values
    old_media = await status_media(session, status)
    poll = await session.scalar(select(Poll).where(Poll.status_id == status.id))
    poll_action = _poll_action(poll, prepared.poll)
    edited = (
        new["content"] != status.content
        or new["spoiler_text"] != status.spoiler_text
        or new["sensitive"] != status.sensitive
        or _media_changed(old_media, prepared.media)
        or poll_action in ("remove", "create", "reset")
    )
    edit_id = new_id()
    if edited:
        edit_id = keep_version(session, status, old_media, poll)
        status.edited_at = max(updated or now, status.edited_at or status.created_at)
        status.content = new["content"]
        status.spoiler_text = new["spoiler_text"]
        status.sensitive = new["sensitive"]
        status.language = new["language"]
    status.emojis = prepared.emojis
    status.raw = new["raw"]
    status.has_media = bool(prepared.media)
    status.has_poll = prepared.poll is not None
    recipients = list({a.id: a for a in prepared.recipients}.values())
    rendered = {a.id for a in prepared.mentions}
    added = await sync_mentions(session, status, recipients, rendered)
    await session.execute(delete(StatusTag).where(StatusTag.status_id == status.id))
    await _add_tags(session, status.id, prepared.hashtags)
    await _apply_media(session, status, old_media, prepared.media)
    await _apply_poll(session, status, poll, poll_action, prepared.poll, edit_id, effects)
    await session.flush()

    await _notify_mentioned(ctx, effects, status, added)
    if edited:
        await notify_edited(session, status, author.id, effects)
        # Forwarded as its Create was (an Update that edits nothing is not passed on: the
        # same one arriving twice goes once).
        await forward_reply(ctx, activity, effects, status)
        await link_status(session, ctx.settings, status, effects, edited=True)
    if note["type"] == "Event":  # its time, place and mode may have changed too
        from pyleroma.activities.handlers.events import sync_event

        await sync_event(session, status, note)
    return effects


# For whoever maps remote activity types to handlers (the receive job).
HANDLERS = {
    "Create": handle_remote_create,
    "Update": handle_remote_update_note,
    "Delete": handle_remote_delete,
}

# The name handlers/posts.py dispatches remote Updates of posts to.
handle_remote_update = handle_remote_update_note
