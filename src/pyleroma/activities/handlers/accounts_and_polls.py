"""Votes in polls and profile changes made here (their remote forms: remote_posts.py and
federation/actors.py).

A vote on a remote poll is delivered to the poll's author as Mastodon and Pleroma send
votes: one Create of a Note per choice, named for the option, replying to the Question,
addressed to its author only (so nobody else learns who voted what). A profile change is
an Update of the actor, delivered to the followers, with the actor document as it is now.
"""

from __future__ import annotations

from pyleroma.activities.activity import Activity
from pyleroma.activities.context import PipelineContext
from pyleroma.activities.effects import Effects
from pyleroma.models import Account, Poll, Status


async def handle_vote(ctx: PipelineContext, activity: Activity) -> Effects:
    if not activity.local:
        from pyleroma.activities.handlers.remote_posts import handle_remote_vote

        return await handle_remote_vote(ctx, activity)
    from pyleroma.federation.to_as import AS_CONTEXT
    from pyleroma.services.statuses.poll_votes import record_votes
    from pyleroma.services.statuses.polls import schedule_tally_update

    poll: Poll = activity.object
    voter = activity.actor
    choices = activity.options["choices"]
    effects = Effects()
    await record_votes(ctx.session, voter, poll, choices)
    status = await ctx.session.get(Status, poll.status_id)
    author = await ctx.session.get(Account, poll.account_id)
    if status is None or author is None:
        return effects
    if author.local:  # our poll: the new tallies go out to those who have it
        schedule_tally_update(effects, poll.id, ctx.settings.poll_update_delay)
        return effects
    for index in choices:
        note_id = f"{voter.ap_id}#votes/{poll.id}/{index}"
        note = {
            "id": note_id,
            "type": "Note",
            "name": poll.options[index]["title"],
            "attributedTo": voter.ap_id,
            "inReplyTo": status.uri,
            "to": [author.ap_id],
        }
        document = {
            "@context": AS_CONTEXT,
            "id": f"{note_id}/activity",
            "type": "Create",
            "actor": voter.ap_id,
            "to": [author.ap_id],
            "object": note,
        }
        effects.deliver([author.id], activity=document)
    return effects


async def handle_update_actor(ctx: PipelineContext, activity: Activity) -> Effects:
    """A profile change: a local account's, or a remote actor's Update (its document,
    normalised, in ``options["actor"]``; keys are kept from fresh fetches only, as
    GoToSocial does, so an Update cannot swap the key that signed it)."""
    if not activity.local:
        from pyleroma.federation.actors import upsert_actor

        effects = Effects()
        normalized = activity.options["actor"]
        effects.result = await upsert_actor(ctx.session, ctx.settings, normalized, fetched=False)
        return effects
    from pyleroma.federation.keys import ensure_keys
    from pyleroma.federation.to_as import AS_CONTEXT, PUBLIC
    from pyleroma.federation.to_as_actor import account_to_as, moved_to_ap_id
    from pyleroma.services.accounts.profile import apply_profile_changes

    account: Account = activity.actor
    effects = Effects()
    apply_profile_changes(ctx.settings, account, activity.options["changes"])
    await ctx.session.flush()
    effects.result = account
    public_key = await ensure_keys(ctx.session, account)
    moved_to = await moved_to_ap_id(ctx.session, account)
    actor = account_to_as(ctx.settings, account, public_key, moved_to=moved_to)
    actor.pop("@context", None)
    stamp = int(account.updated_at.timestamp()) if account.updated_at else 0
    document = {
        "@context": AS_CONTEXT,
        "id": f"{account.ap_id}#updates/{stamp}",
        "type": "Update",
        "actor": account.ap_id,
        "to": [PUBLIC],
        "cc": [account.followers_url or f"{account.ap_id}/followers"],
        "object": actor,
    }
    effects.deliver([], to_followers=True, activity=document)
    return effects
